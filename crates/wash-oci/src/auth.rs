//! Registry credentials: where they come from (flags/env, `wash reg login`, `~/.docker/config.json`)
//! and the 0600 store `wash reg login` writes (`~/.wash/credentials.json`; the caller passes its path).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::OciError;

/// A user name and password for HTTP basic auth (or a token service). `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token; never printed.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where credentials were found, in lookup order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `--user`/`--password` or `WASH_REG_USER`/`WASH_REG_PASSWORD`.
    CommandLine,
    /// The store `wash reg login` writes (`~/.wash/credentials.json`).
    WashLogin(PathBuf),
    /// Docker's `auths` (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).
    DockerConfig(PathBuf),
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CommandLine => {
                f.write_str("--user/--password or WASH_REG_USER/WASH_REG_PASSWORD")
            }
            Self::WashLogin(path) | Self::DockerConfig(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The `auths` file layout shared by Docker and our login store.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(flatten)]
    other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct AuthEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(flatten)]
    other: BTreeMap<String, serde_json::Value>,
}

impl AuthEntry {
    fn credentials(&self) -> Option<Credentials> {
        if let (Some(username), Some(password)) = (&self.username, &self.password) {
            return Some(Credentials {
                username: username.clone(),
                password: password.clone(),
            });
        }
        let decoded = BASE64.decode(self.auth.as_deref()?.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        Some(Credentials {
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// Reduces what a user may type for a registry (`http://host:5000/`, `docker.io`) to the host form
/// API calls and credential keys use (`host:5000`, `index.docker.io`).
pub fn normalize_registry(registry: &str) -> String {
    let trimmed = registry.trim();
    let without_scheme = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed);
    let host = without_scheme
        .split('/')
        .next()
        .unwrap_or(without_scheme)
        .to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "registry-1.docker.io" => "index.docker.io".into(),
        _ => host,
    }
}

fn read_auth_file(path: &Path) -> Result<Option<AuthFile>, OciError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(OciError::io("read", path)(e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| OciError::CredentialsFile {
            path: path.to_owned(),
            // serde's message names the position, never the content.
            reason: format!("not valid JSON ({e})"),
        })
}

fn lookup(file: &AuthFile, registry: &str) -> Option<Credentials> {
    file.auths
        .iter()
        .find(|(key, _)| normalize_registry(key) == registry)
        .and_then(|(_, entry)| entry.credentials())
}

/// Finds credentials for `registry`: `explicit` first (flags or env), then the `wash reg login`
/// store (`login_store`, e.g. `~/.wash/credentials.json`), then Docker's config file. `None` means
/// anonymous access.
pub fn resolve_credentials(
    registry: &str,
    explicit: Option<Credentials>,
    login_store: Option<&Path>,
    docker_config: Option<&Path>,
) -> Result<Option<(Credentials, CredentialSource)>, OciError> {
    if let Some(credentials) = explicit {
        return Ok(Some((credentials, CredentialSource::CommandLine)));
    }
    let registry = normalize_registry(registry);
    if let Some(path) = login_store {
        if let Some(found) = read_auth_file(path)?.and_then(|f| lookup(&f, &registry)) {
            return Ok(Some((found, CredentialSource::WashLogin(path.to_owned()))));
        }
    }
    if let Some(path) = docker_config {
        // A broken Docker config is not ours to fail on: warn and go on anonymously.
        match read_auth_file(path) {
            Ok(Some(file)) => {
                if let Some(found) = lookup(&file, &registry) {
                    return Ok(Some((
                        found,
                        CredentialSource::DockerConfig(path.to_owned()),
                    )));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("ignoring Docker credentials: {e}"),
        }
    }
    Ok(None)
}

/// Stores credentials for `registry` in the login store file `store` (created 0600, replaced
/// atomically); returns that path.
pub fn store_login(
    store: &Path,
    registry: &str,
    credentials: &Credentials,
) -> Result<PathBuf, OciError> {
    let path = store.to_owned();
    let mut file = read_auth_file(&path)?.unwrap_or_default();
    let registry = normalize_registry(registry);
    file.auths
        .retain(|key, _| normalize_registry(key) != registry);
    let auth = BASE64.encode(format!("{}:{}", credentials.username, credentials.password));
    file.auths.insert(
        registry,
        AuthEntry {
            auth: Some(auth),
            ..AuthEntry::default()
        },
    );
    write_private(&path, &file)?;
    Ok(path)
}

/// Removes the credentials for `registry` from the login store file `store`; returns whether there
/// were any.
pub fn remove_login(store: &Path, registry: &str) -> Result<bool, OciError> {
    let path = store.to_owned();
    let Some(mut file) = read_auth_file(&path)? else {
        return Ok(false);
    };
    let registry = normalize_registry(registry);
    let before = file.auths.len();
    file.auths
        .retain(|key, _| normalize_registry(key) != registry);
    if file.auths.len() == before {
        return Ok(false);
    }
    write_private(&path, &file)?;
    Ok(true)
}

/// Writes JSON to `path` through a 0600 temp file in the same folder, renamed over it.
fn write_private(path: &Path, file: &AuthFile) -> Result<(), OciError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(OciError::io("create", dir))?;
    // tempfile creates its files 0600 on unix.
    let mut temp = tempfile::Builder::new()
        .prefix(".credentials-")
        .tempfile_in(dir)
        .map_err(OciError::io("create a file in", dir))?;
    let json = serde_json::to_vec_pretty(file).map_err(|e| OciError::CredentialsFile {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    temp.write_all(&json)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(OciError::io("write", path))?;
    temp.persist(path)
        .map_err(|e| OciError::io("write", path)(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Debug` never shows the password.
    #[test]
    fn debug_hides_password() {
        let c = Credentials {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    /// What a user types for a registry reduces to its host.
    #[test]
    fn normalizes_registries() {
        assert_eq!(
            normalize_registry("http://127.0.0.1:5000/"),
            "127.0.0.1:5000"
        );
        assert_eq!(
            normalize_registry("https://index.docker.io/v1/"),
            "index.docker.io"
        );
        assert_eq!(normalize_registry("docker.io"), "index.docker.io");
        assert_eq!(normalize_registry("GHCR.io"), "ghcr.io");
    }

    /// Login stores 0600, lookup finds it before Docker's file, logout removes only that registry.
    #[test]
    fn login_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join(".wash/credentials.json");
        let creds = Credentials {
            username: "alice".into(),
            password: "s3cret".into(),
        };
        let path = store_login(&store, "127.0.0.1:5000", &creds).unwrap();
        store_login(&store, "other:1", &creds).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let docker = dir.path().join("docker.json");
        std::fs::write(
            &docker,
            format!(
                r#"{{"auths":{{"http://127.0.0.1:5000":{{"auth":"{}"}}}}}}"#,
                BASE64.encode("bob:pw")
            ),
        )
        .unwrap();
        let (found, source) =
            resolve_credentials("127.0.0.1:5000", None, Some(&store), Some(&docker))
                .unwrap()
                .unwrap();
        assert_eq!(found, creds);
        assert_eq!(source, CredentialSource::WashLogin(path.clone()));
        assert!(remove_login(&store, "127.0.0.1:5000").unwrap());
        assert!(!remove_login(&store, "127.0.0.1:5000").unwrap());
        let (found, source) =
            resolve_credentials("127.0.0.1:5000", None, Some(&store), Some(&docker))
                .unwrap()
                .unwrap();
        assert_eq!(found.username, "bob");
        assert_eq!(source, CredentialSource::DockerConfig(docker));
        assert!(resolve_credentials("other:1", None, Some(&store), None)
            .unwrap()
            .is_some());
    }
}
