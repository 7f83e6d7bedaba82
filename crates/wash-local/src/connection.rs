//! Connection settings for a lattice: each setting given on the command line (or in its environment
//! variable) wins over the selected context, whose missing fields are the defaults (127.0.0.1:4222,
//! lattice `default`, 2000 ms).

use std::path::PathBuf;
use std::time::Duration;

use wash_ctl::{NatsAuth, NatsConnect, NatsTls};

use crate::{Context, LocalError};

/// Connection settings given on the command line; each one that is set wins over the context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionFlags {
    /// NATS host.
    pub host: Option<String>,
    /// NATS port.
    pub port: Option<u16>,
    /// NATS user JWT (or a file holding it).
    pub jwt: Option<String>,
    /// NATS user seed (or a file holding it).
    pub seed: Option<String>,
    /// NATS credentials file.
    pub credsfile: Option<PathBuf>,
    /// Lattice id.
    pub lattice: Option<String>,
    /// Request timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// A PEM file of CAs to verify the NATS server's TLS certificate with.
    pub tls_ca_file: Option<PathBuf>,
    /// NATS user name, for user/password servers (never stored in a context).
    pub user: Option<String>,
    /// Its password (never stored in a context).
    pub password: Option<String>,
}

/// Where a lattice's NATS is, which lattice, how long to wait, and how to log in.
#[derive(Debug, Clone)]
pub struct LatticeConnection {
    /// `nats://<host>:<port>`.
    pub url: String,
    /// Lattice id.
    pub lattice: String,
    /// Timeout of one request.
    pub timeout: Duration,
    /// NATS authentication.
    pub auth: NatsAuth,
    /// TLS settings.
    pub tls: NatsTls,
}

impl LatticeConnection {
    /// The NATS connection settings, for a client named `name`.
    pub fn nats(&self, name: &str) -> NatsConnect {
        NatsConnect {
            auth: self.auth.clone(),
            tls: self.tls.clone(),
            ..NatsConnect::new(self.url.clone(), name)
        }
    }
}

impl Context {
    /// The control interface's connection: `flags` over the context's `ctl_*` fields.
    pub fn ctl_connection(&self, flags: &ConnectionFlags) -> LatticeConnection {
        merge(
            flags,
            Fields {
                host: &self.ctl_host,
                port: self.ctl_port,
                jwt: &self.ctl_jwt,
                seed: &self.ctl_seed,
                credsfile: &self.ctl_credsfile,
                lattice: &self.ctl_lattice_prefix,
                timeout_ms: self.ctl_timeout,
            },
        )
    }

    /// The RPC connection: `flags` over the context's `rpc_*` fields.
    pub fn rpc_connection(&self, flags: &ConnectionFlags) -> LatticeConnection {
        merge(
            flags,
            Fields {
                host: &self.rpc_host,
                port: self.rpc_port,
                jwt: &self.rpc_jwt,
                seed: &self.rpc_seed,
                credsfile: &self.rpc_credsfile,
                lattice: &self.rpc_lattice_prefix,
                timeout_ms: self.rpc_timeout,
            },
        )
    }

    /// The cluster seed that signs invocations: `flag` (a seed, or a file holding one), else the
    /// context's (which `wash up` records).
    pub fn signing_seed(&self, flag: Option<&str>) -> Result<String, LocalError> {
        let seed = flag
            .map(str::to_owned)
            .or_else(|| self.cluster_seed.clone())
            .ok_or(LocalError::NoClusterSeed)?;
        Ok(match std::fs::read_to_string(&seed) {
            Ok(text) => text.trim().to_owned(),
            Err(_) => seed,
        })
    }
}

/// One side (`ctl_*` or `rpc_*`) of a context.
struct Fields<'a> {
    host: &'a str,
    port: u16,
    jwt: &'a Option<String>,
    seed: &'a Option<String>,
    credsfile: &'a Option<PathBuf>,
    lattice: &'a str,
    timeout_ms: u64,
}

fn merge(flags: &ConnectionFlags, context: Fields<'_>) -> LatticeConnection {
    let host = flags.host.as_deref().unwrap_or(context.host);
    let port = flags.port.unwrap_or(context.port);
    LatticeConnection {
        url: format!("nats://{host}:{port}"),
        lattice: flags
            .lattice
            .clone()
            .unwrap_or_else(|| context.lattice.to_owned()),
        timeout: Duration::from_millis(flags.timeout_ms.unwrap_or(context.timeout_ms)),
        auth: NatsAuth {
            jwt: flags.jwt.clone().or_else(|| context.jwt.clone()),
            seed: flags.seed.clone().or_else(|| context.seed.clone()),
            credsfile: flags
                .credsfile
                .clone()
                .or_else(|| context.credsfile.clone()),
            user: flags.user.clone(),
            password: flags.password.clone(),
        },
        tls: NatsTls {
            ca_file: flags.tls_ca_file.clone(),
            required: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context {
            cluster_seed: Some("SCFROMCONTEXT".into()),
            ctl_host: "10.0.0.5".into(),
            ctl_port: 4333,
            ctl_jwt: Some("ctl.jwt".into()),
            ctl_timeout: 3000,
            ctl_lattice_prefix: "prod".into(),
            rpc_host: "10.0.0.6".into(),
            rpc_seed: Some("SUFROMCONTEXT".into()),
            rpc_lattice_prefix: "rpc".into(),
            ..Context::default()
        }
    }

    /// Without flags the context's own side (ctl or rpc) is used.
    #[test]
    fn the_context_fills_what_no_flag_sets() {
        let ctl = context().ctl_connection(&ConnectionFlags::default());
        assert_eq!(ctl.url, "nats://10.0.0.5:4333");
        assert_eq!(ctl.lattice, "prod");
        assert_eq!(ctl.timeout, Duration::from_millis(3000));
        assert_eq!(ctl.auth.jwt.as_deref(), Some("ctl.jwt"));
        assert_eq!(ctl.auth.seed, None);
        let rpc = context().rpc_connection(&ConnectionFlags::default());
        assert_eq!(rpc.url, "nats://10.0.0.6:4222");
        assert_eq!(rpc.lattice, "rpc");
        assert_eq!(rpc.timeout, Duration::from_millis(2000));
        assert_eq!(rpc.auth.seed.as_deref(), Some("SUFROMCONTEXT"));
    }

    /// Each flag wins over its context field, and only that field.
    #[test]
    fn each_flag_wins_over_its_field() {
        let flags = ConnectionFlags {
            port: Some(5222),
            seed: Some("SUFLAG".into()),
            lattice: Some("blue".into()),
            timeout_ms: Some(100),
            ..ConnectionFlags::default()
        };
        let ctl = context().ctl_connection(&flags);
        assert_eq!(ctl.url, "nats://10.0.0.5:5222");
        assert_eq!(ctl.lattice, "blue");
        assert_eq!(ctl.timeout, Duration::from_millis(100));
        assert_eq!(ctl.auth.jwt.as_deref(), Some("ctl.jwt"));
        assert_eq!(ctl.auth.seed.as_deref(), Some("SUFLAG"));
    }

    /// The signing seed: the flag (or the file it names), else the context's, else an error.
    #[test]
    fn signing_seed_flag_file_context_or_error() {
        assert_eq!(context().signing_seed(None).expect("seed"), "SCFROMCONTEXT");
        assert_eq!(
            context().signing_seed(Some("SCFLAG")).expect("seed"),
            "SCFLAG"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("seed");
        std::fs::write(&file, "SCFILE\n").expect("write");
        let named = context()
            .signing_seed(file.to_str())
            .expect("seed from file");
        assert_eq!(named, "SCFILE");
        assert!(matches!(
            Context::default().signing_seed(None),
            Err(LocalError::NoClusterSeed)
        ));
    }
}
