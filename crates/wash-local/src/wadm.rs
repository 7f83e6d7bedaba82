//! wadm, the wasmCloud 0.x application deployment manager, as `wash up` runs it beside the host (as
//! wash 0.18.1 did): found on this machine (`$WASH_WADM`, else `wadm` on `PATH`; wash never downloads
//! it), started against the lattice's NATS with its pid in `~/.wash/wadm.pid` and its log in
//! `~/.wash/wadm.log`, and stopped by `wash up` on exit or by `wash down`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wash_ctl::{NatsAuth, NatsConnect};

use crate::state::write_atomic;
use crate::{LocalError, ProcessId, WashHome};

/// The program name a wadm record must still show to be trusted.
pub const WADM_PROGRAM: &str = "wadm";
/// How long `wash up` waits for wadm's API to answer.
const WADM_START_TIMEOUT: Duration = Duration::from_secs(20);
/// Grace between SIGTERM and SIGKILL when stopping wadm.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The wadm binary: `$WASH_WADM`, else `wadm` on `PATH`; `None` when there is none.
pub fn wadm_program() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WASH_WADM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(WADM_PROGRAM))
        .find(|candidate| candidate.is_file())
}

/// The version `wadm --version` reports (`0.4.1` for `wadm 0.4.1`), if it runs.
pub fn wadm_version(program: &Path) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.split_whitespace().last()?;
    Some(version.trim_start_matches('v').to_owned())
}

/// How `wash up` starts wadm.
#[derive(Debug, Clone)]
pub struct WadmOptions {
    /// The program ([`wadm_program`]).
    pub program: PathBuf,
    /// The lattice's NATS, as the host reaches it.
    pub nats_url: String,
    /// How the host logs in to it (wadm takes a creds file, or a JWT with its seed).
    pub auth: NatsAuth,
    /// The JetStream domain of the lattice's buckets, if not the server's own.
    pub js_domain: Option<String>,
}

/// A wadm this `wash up` started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartedWadm {
    /// Its process (also written to `~/.wash/wadm.pid`).
    pub id: ProcessId,
}

/// Starts wadm in its own process group (so it outlives `wash up --detached`), records its pid and
/// waits until its API answers on `lattice`. wadm serves every lattice of the NATS server it connects
/// to; one already recorded and running is reused (`None`).
pub async fn start_wadm(
    home: &WashHome,
    options: &WadmOptions,
    lattice: &str,
) -> Result<Option<StartedWadm>, LocalError> {
    if let Some(crate::Recorded::Running(_)) = home.started_wadm() {
        return Ok(None);
    }
    home.ensure()?;
    let log_path = home.wadm_log();
    let start_error = |reason: String| LocalError::WadmStart {
        log: log_path.clone(),
        reason,
    };
    let io = |source: std::io::Error| LocalError::Io {
        path: log_path.clone(),
        source,
    };
    let log = std::fs::File::create(&log_path).map_err(io)?;
    let log_err = log.try_clone().map_err(io)?;
    let mut command = Command::new(&options.program);
    command
        .arg("--nats-server")
        .arg(&options.nats_url)
        .env_remove("WADM_NATS_SERVER")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    add_login(&mut command, &options.auth).map_err(|e| start_error(e.to_string()))?;
    if let Some(domain) = &options.js_domain {
        command.arg("-d").arg(domain);
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| start_error(format!("`{}`: {e}", options.program.display())))?;
    let pid = child.id();
    let id = ProcessId::of(pid).unwrap_or(ProcessId {
        pid,
        start_time: None,
    });
    write_atomic(&home.wadm_pid(), id.to_pid_file().as_bytes())?;
    let started = StartedWadm { id };
    let mut connect = NatsConnect::new(&options.nats_url, "wash");
    connect.auth = options.auth.clone();
    let subject =
        wash_wire::wadm::model_subject(lattice, wash_wire::wadm::ModelOperation::List, None);
    let deadline = Instant::now() + WADM_START_TIMEOUT;
    let nats = connect
        .connect()
        .await
        .map_err(|e| start_error(format!("cannot reach NATS to check it: {e}")))?;
    loop {
        if let Ok(Ok(_)) = tokio::time::timeout(
            Duration::from_millis(500),
            nats.request(subject.clone(), Vec::new().into()),
        )
        .await
        {
            return Ok(Some(started));
        }
        if let Ok(Some(status)) = child.try_wait() {
            let _ = std::fs::remove_file(home.wadm_pid());
            return Err(start_error(format!("it exited ({status})")));
        }
        if Instant::now() > deadline {
            stop_started_wadm(home, id);
            return Err(start_error(format!(
                "its API did not answer within {} s",
                WADM_START_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// wadm's login flags for the host's credentials. wadm 0.4 takes a creds file, or a JWT with its
/// seed; other logins are refused rather than started without credentials.
fn add_login(command: &mut Command, auth: &NatsAuth) -> Result<(), &'static str> {
    for var in ["WADM_NATS_NKEY", "WADM_NATS_JWT", "WADM_NATS_CREDS_FILE"] {
        command.env_remove(var);
    }
    if let Some(creds) = &auth.credsfile {
        command.arg("--nats-creds-file").arg(creds);
    } else if let (Some(jwt), Some(seed)) = (&auth.jwt, &auth.seed) {
        command
            .arg("--nats-jwt")
            .arg(jwt)
            .arg("--nats-seed")
            .arg(seed);
    } else if auth.seed.is_some() || auth.user.is_some() {
        return Err(
            "wadm 0.4 logs in to NATS with a creds file or a JWT and seed only; pass those, or \
             `--disable-wadm`",
        );
    }
    Ok(())
}

/// Stops the wadm `wash up` started (SIGTERM, then SIGKILL after 5 s, each only while the pid still
/// names wadm) and removes its pid file.
pub fn stop_started_wadm(home: &WashHome, id: ProcessId) {
    id.stop(WADM_PROGRAM, STOP_GRACE);
    let _ = std::fs::remove_file(home.wadm_pid());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_hosts_login_becomes_wadms_flags() {
        let mut none = Command::new("wadm");
        add_login(&mut none, &NatsAuth::default()).unwrap();
        assert!(args(&none).is_empty());

        let mut creds = Command::new("wadm");
        let auth = NatsAuth {
            credsfile: Some("/x/user.creds".into()),
            ..NatsAuth::default()
        };
        add_login(&mut creds, &auth).unwrap();
        assert_eq!(args(&creds), ["--nats-creds-file", "/x/user.creds"]);

        let mut jwt = Command::new("wadm");
        let auth = NatsAuth {
            jwt: Some("eyJ".into()),
            seed: Some("SU".into()),
            ..NatsAuth::default()
        };
        add_login(&mut jwt, &auth).unwrap();
        assert_eq!(args(&jwt), ["--nats-jwt", "eyJ", "--nats-seed", "SU"]);

        let auth = NatsAuth {
            user: Some("u".into()),
            password: Some("p".into()),
            ..NatsAuth::default()
        };
        assert!(add_login(&mut Command::new("wadm"), &auth).is_err());
    }
}
