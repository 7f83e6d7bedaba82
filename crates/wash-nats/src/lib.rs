//! How every wash process — the CLI, the host, our providers — logs in to NATS.
//!
//! A lattice's NATS may be open, or ask for credentials in one of the ways nats-server offers:
//! - a `.creds` file (a user JWT and its nkey seed, for servers in operator mode);
//! - a user JWT and seed given apart (wash 0.x's `--ctl-jwt`/`--ctl-seed`), each literally or as a file;
//! - an nkey seed alone (an nkey user);
//! - a user and password in the URL (`nats://alice:secret@host:4222`), which async-nats does not read
//!   from the URL by itself;
//!
//! and it may ask for TLS (`tls://` URLs, or the server's `tls_required`), verified against the system's
//! roots or a CA file given here — never "accept any certificate".
//!
//! Secrets never appear in what this crate returns for display: [`redact`] hides a URL's password, and
//! errors name files and URLs, not their contents.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// NATS authentication: a credentials file, a user JWT signed with a user seed, or a bare nkey seed.
/// (A user and password travel in the URL.)
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NatsAuth {
    /// User JWT (the token, or a path to a file holding it); needs `seed`.
    pub jwt: Option<String>,
    /// User nkey seed (`SU…`, or a path to a file holding it). Alone, it authenticates as that nkey.
    pub seed: Option<String>,
    /// A `.creds` file (JWT and seed in one).
    pub credsfile: Option<PathBuf>,
    /// A user name (with `password`), for servers with user/password authorization. A user and
    /// password in the URL do the same.
    pub user: Option<String>,
    /// The user's password.
    pub password: Option<String>,
}

/// Shows which settings are present, never their values.
impl std::fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| set(v).map(|_| "<set>");
        f.debug_struct("NatsAuth")
            .field("jwt", &shown(&self.jwt))
            .field("seed", &shown(&self.seed))
            .field("credsfile", &self.credsfile)
            .field("user", &self.user)
            .field("password", &shown(&self.password))
            .finish()
    }
}

/// Where TLS certificates come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatsTls {
    /// A PEM file of CA certificates the server's certificate must chain to (in addition to the
    /// system's roots).
    pub ca_file: Option<PathBuf>,
    /// Refuse to talk to the server without TLS (also implied by a `tls://` URL).
    pub required: bool,
}

/// A user JWT and its seed, as a host hands them to a provider in its host data.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The user JWT (empty for an nkey user).
    pub jwt: String,
    /// The user's nkey seed (`SU…`).
    pub seed: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserCredentials { .. }")
    }
}

/// Why a NATS connection could not be made. No variant carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    /// Nothing answers at the URL, or the connection broke during the handshake.
    #[error("no NATS server answers at `{url}` ({reason})")]
    Connect {
        /// The URL tried, password hidden.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server asked for credentials that were not given, or refused the ones given.
    #[error("the NATS server at `{url}` {}", if *.credentials_given { "refused the credentials given" } else { "requires credentials" })]
    Unauthorized {
        /// The URL tried, password hidden.
        url: String,
        /// Whether any credentials were offered.
        credentials_given: bool,
    },
    /// TLS could not be set up or the server's certificate was not trusted.
    #[error("TLS with the NATS server at `{url}` failed: {reason}")]
    Tls {
        /// The URL tried, password hidden.
        url: String,
        /// Why.
        reason: String,
    },
    /// The settings themselves are unusable (a bad seed, an unreadable creds file, both kinds given).
    #[error("invalid NATS credentials: {0}")]
    Settings(String),
}

/// A setting that is blank (wash 0.18.1 writes `""` for an unset one) counts as unset.
fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|text| !text.trim().is_empty())
}

/// The value itself, or the trimmed contents of the file it names.
fn literal_or_file(value: &str, what: &str) -> Result<String, NatsError> {
    let path = Path::new(value);
    if path.is_file() {
        std::fs::read_to_string(path)
            .map(|text| text.trim().to_owned())
            .map_err(|e| {
                NatsError::Settings(format!("failed to read the {what} file `{value}`: {e}"))
            })
    } else {
        Ok(value.trim().to_owned())
    }
}

fn check_seed(seed: &str) -> Result<nkeys::KeyPair, NatsError> {
    nkeys::KeyPair::from_seed(seed).map_err(|e| {
        NatsError::Settings(format!(
            "the seed is not a valid nkey seed ({e}); a user seed starts with `SU`"
        ))
    })
}

/// The user JWT and seed of a `.creds` file's text (the blocks `nsc` and `nats` write).
pub fn parse_creds(text: &str) -> Result<UserCredentials, NatsError> {
    let block = |name: &str| {
        let mut lines = text.lines().map(str::trim);
        lines.find(|line| line.starts_with("-----BEGIN") && line.contains(name))?;
        lines
            .find(|line| !line.is_empty())
            .filter(|line| !line.starts_with("---"))
            .map(str::to_owned)
    };
    let jwt = block("JWT")
        .ok_or_else(|| NatsError::Settings("no user JWT block in the credentials file".into()))?;
    let seed = block("SEED")
        .ok_or_else(|| NatsError::Settings("no nkey seed block in the credentials file".into()))?;
    check_seed(&seed)?;
    Ok(UserCredentials { jwt, seed })
}

impl NatsAuth {
    /// Whether any setting is present (blank ones count as absent).
    pub fn is_empty(&self) -> bool {
        set(&self.jwt).is_none()
            && set(&self.seed).is_none()
            && self.credsfile().is_none()
            && set(&self.user).is_none()
    }

    fn credsfile(&self) -> Option<&Path> {
        self.credsfile
            .as_deref()
            .filter(|path| !path.as_os_str().is_empty())
    }

    /// The user JWT (empty for an nkey user) and seed these settings stand for, read from the creds
    /// file or the JWT and seed (files read); `None` without credentials. A host gives them to the
    /// providers it starts.
    pub fn user_credentials(&self) -> Result<Option<UserCredentials>, NatsError> {
        if let Some(path) = self.credsfile() {
            if set(&self.jwt).is_some() || set(&self.seed).is_some() {
                return Err(NatsError::Settings(
                    "pass either a credentials file or a JWT and seed, not both".into(),
                ));
            }
            let text = std::fs::read_to_string(path).map_err(|e| {
                NatsError::Settings(format!(
                    "cannot read the credentials file `{}`: {e}",
                    path.display()
                ))
            })?;
            return parse_creds(&text)
                .map(Some)
                .map_err(|e| NatsError::Settings(format!("`{}`: {e}", path.display())));
        }
        let seed = set(&self.seed)
            .map(|s| literal_or_file(s, "seed"))
            .transpose()?;
        let jwt = set(&self.jwt)
            .map(|j| literal_or_file(j, "JWT"))
            .transpose()?;
        match (jwt, seed) {
            (Some(_), None) => Err(NatsError::Settings(
                "a JWT needs its user seed too, or use a credentials file".into(),
            )),
            (jwt, Some(seed)) => {
                check_seed(&seed)?;
                Ok(Some(UserCredentials {
                    jwt: jwt.unwrap_or_default(),
                    seed,
                }))
            }
            (None, None) => Ok(None),
        }
    }
}

/// Everything needed to open one NATS connection.
#[derive(Debug, Clone)]
pub struct NatsConnect {
    /// The server URL, possibly with `user:password@`; `host:port` without a scheme is taken as
    /// `nats://`. Several servers of one cluster: comma-separated (the client also learns the others
    /// from the server it reaches).
    pub url: String,
    /// Credentials besides the URL's.
    pub auth: NatsAuth,
    /// TLS settings.
    pub tls: NatsTls,
    /// The connection name the server shows (`wash`, `wash-host`, …).
    pub name: String,
    /// How long to wait for the server before failing (`None`: the first attempt's own timeout).
    pub timeout: Option<Duration>,
}

impl NatsConnect {
    /// A connection to `url` named `name`, without credentials or TLS settings.
    pub fn new(url: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: NatsAuth::default(),
            tls: NatsTls::default(),
            name: name.into(),
            timeout: Some(Duration::from_secs(5)),
        }
    }

    /// Whether any credentials are offered (settings or a user in the URL).
    pub fn has_credentials(&self) -> bool {
        !self.auth.is_empty() || split_user(&self.url).1.is_some()
    }

    /// The connect options these settings make (credentials and TLS applied), and the URLs without
    /// their user and password, to connect to.
    pub fn options(
        &self,
        options: async_nats::ConnectOptions,
    ) -> Result<(async_nats::ConnectOptions, Vec<String>), NatsError> {
        let mut urls = Vec::new();
        let mut user = None;
        for one in self.url.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            let (plain, its_user) = split_user(one);
            user = user.or(its_user);
            urls.push(plain);
        }
        let mut options = options.name(&self.name);
        if let Some(timeout) = self.timeout {
            options = options.connection_timeout(timeout);
        }
        // A user given apart wins over one in the URL.
        let user = match set(&self.auth.user) {
            Some(name) => Some((
                name.to_owned(),
                Some(self.auth.password.clone().unwrap_or_default()),
            )),
            None => user,
        };
        if let Some((user, password)) = user {
            options = match password {
                Some(password) => options.user_and_password(user, password),
                None => options.token(user),
            };
        }
        if let Some(credentials) = self.auth.user_credentials()? {
            let key = Arc::new(check_seed(&credentials.seed)?);
            options = if credentials.jwt.is_empty() {
                options.nkey(credentials.seed)
            } else {
                options.jwt(credentials.jwt, move |nonce| {
                    let key = key.clone();
                    async move { key.sign(&nonce).map_err(async_nats::AuthError::new) }
                })
            };
        }
        if let Some(ca) = &self.tls.ca_file {
            if !ca.is_file() {
                return Err(NatsError::Tls {
                    url: redact(&self.url),
                    reason: format!("the CA file `{}` does not exist", ca.display()),
                });
            }
            options = options.add_root_certificates(ca.clone());
        }
        if self.tls.required || urls.iter().any(|u| u.starts_with("tls://")) {
            options = options.require_tls(true);
        }
        Ok((options, urls))
    }

    /// Connects, failing with a [`NatsError`] that says what to do.
    pub async fn connect(&self) -> Result<async_nats::Client, NatsError> {
        self.connect_with(async_nats::ConnectOptions::new()).await
    }

    /// [`NatsConnect::connect`] on top of `options` (event callbacks, retries…).
    pub async fn connect_with(
        &self,
        options: async_nats::ConnectOptions,
    ) -> Result<async_nats::Client, NatsError> {
        let (options, urls) = self.options(options)?;
        options.connect(urls).await.map_err(|e| self.explain(&e))
    }

    /// Turns a connect error into one that says what to do (and hides the URL's password).
    pub fn explain(&self, error: &async_nats::ConnectError) -> NatsError {
        let url = redact(&self.url);
        let reason = error.to_string();
        match error.kind() {
            async_nats::ConnectErrorKind::AuthorizationViolation
            | async_nats::ConnectErrorKind::Authentication => NatsError::Unauthorized {
                url,
                credentials_given: self.has_credentials(),
            },
            async_nats::ConnectErrorKind::Tls => NatsError::Tls { url, reason },
            _ if reason.contains("certificate") || reason.contains("tls") => {
                NatsError::Tls { url, reason }
            }
            _ => NatsError::Connect { url, reason },
        }
    }
}

/// The permission violations a server reported on one connection (`Permissions Violation for Publish
/// to "…"`): NATS drops such a message and says so asynchronously, so a request that was refused only
/// times out. A client that keeps this can tell the user why.
#[derive(Debug, Clone, Default)]
pub struct Violations(Arc<Mutex<Vec<String>>>);

impl Violations {
    fn record(&self, message: String) {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= 64 {
            seen.remove(0);
        }
        seen.push(message);
    }

    /// The server's message about publishing to (or subscribing on) `subject`, if it refused that.
    pub fn about(&self, subject: &str) -> Option<String> {
        let quoted = format!("\"{subject}\"");
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .find(|m| m.contains(&quoted))
            .cloned()
    }
}

impl NatsConnect {
    /// [`NatsConnect::connect`], also keeping the permission violations the server reports.
    pub async fn connect_watching(&self) -> Result<(async_nats::Client, Violations), NatsError> {
        let violations = Violations::default();
        let seen = violations.clone();
        let options = async_nats::ConnectOptions::new().event_callback(move |event| {
            let seen = seen.clone();
            async move {
                if let async_nats::Event::ServerError(async_nats::ServerError::Other(message)) =
                    event
                {
                    if message.to_lowercase().contains("permissions violation") {
                        seen.record(message);
                    }
                }
            }
        });
        let client = self.connect_with(options).await?;
        Ok((client, violations))
    }
}

/// `url` without its `user[:password]@`, and that user and password.
fn split_user(url: &str) -> (String, Option<(String, Option<String>)>) {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_owned(), None);
    };
    let userinfo = &rest[..at];
    let plain = format!("{scheme}{}", &rest[at + 1..]);
    let user = match userinfo.split_once(':') {
        Some((user, password)) => (percent_decode(user), Some(percent_decode(password))),
        None => (percent_decode(userinfo), None),
    };
    (plain, Some(user))
}

/// Decodes `%XX` escapes (a password with `@` or `:` is written `%40`, `%3A` in a URL).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `url` (or each of a comma-separated list) without the user and password in it (what a context
/// may record).
pub fn without_user(url: &str) -> String {
    url.split(',')
        .map(|one| split_user(one.trim()).0)
        .collect::<Vec<_>>()
        .join(",")
}

/// The host and port of a NATS URL (`nats://user:pw@host:4222` → `("host", "4222")`): the scheme and
/// any user are dropped; of a comma-separated list, the last server (what `wash up` has always
/// recorded in the context); `None` without a port.
pub fn host_and_port(url: &str) -> Option<(String, String)> {
    let url = without_user(url.rsplit(',').next().unwrap_or(url).trim());
    let rest = url
        .rsplit_once("://")
        .map_or(url.as_str(), |(_, rest)| rest);
    let (host, port) = rest.rsplit_once(':')?;
    Some((host.to_owned(), port.to_owned()))
}

/// The first server of a comma-separated list (what a provider on another SDK can parse).
pub fn first_url(url: &str) -> &str {
    url.split(',').next().unwrap_or(url).trim()
}

/// `url` (or each of a comma-separated list) fit to show: a password (or token) replaced by `***`.
pub fn redact(url: &str) -> String {
    url.split(',')
        .map(|one| redact_one(one.trim()))
        .collect::<Vec<_>>()
        .join(",")
}

fn redact_one(url: &str) -> String {
    match split_user(url) {
        (plain, Some((user, password))) => {
            let (scheme, rest) = plain.split_once("://").unwrap_or(("", plain.as_str()));
            let prefix = if scheme.is_empty() {
                String::new()
            } else {
                format!("{scheme}://")
            };
            match password {
                Some(_) => format!("{prefix}{user}:***@{rest}"),
                None => format!("{prefix}***@{rest}"),
            }
        }
        (plain, None) => plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_drops_scheme_and_user() {
        let pair = |h: &str, p: &str| Some((h.to_owned(), p.to_owned()));
        assert_eq!(
            host_and_port("nats://127.0.0.1:4222"),
            pair("127.0.0.1", "4222")
        );
        assert_eq!(host_and_port("nats://u:pw@host:4333"), pair("host", "4333"));
        assert_eq!(host_and_port("localhost:5000"), pair("localhost", "5000"));
        assert_eq!(host_and_port("nats://a:1,nats://b:2"), pair("b", "2"));
        assert_eq!(host_and_port("nats://host"), None);
    }

    const SEED: &str = "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4";

    /// Blank JWTs, seeds and credentials paths (wash 0.18.1's "unset") are no settings at all.
    #[test]
    fn blank_settings_are_unset() {
        let auth = NatsAuth {
            jwt: Some(String::new()),
            seed: Some(" ".into()),
            credsfile: Some(PathBuf::new()),
            user: Some(String::new()),
            password: None,
        };
        assert!(auth.is_empty());
        assert_eq!(auth.user_credentials().expect("no credentials"), None);
        let bad_seed = NatsAuth {
            seed: Some("not a seed".into()),
            ..NatsAuth::default()
        };
        assert!(matches!(
            bad_seed.user_credentials(),
            Err(NatsError::Settings(_))
        ));
    }

    /// A creds file's blocks give the JWT and seed; a JWT without its seed is refused.
    #[test]
    fn creds_files_and_jwt_seed_pairs() {
        let text = format!(
            "-----BEGIN NATS USER JWT-----\neyJ0eXAi.payload.sig\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\n\
             -----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n"
        );
        let parsed = parse_creds(&text).expect("creds");
        assert_eq!(parsed.jwt, "eyJ0eXAi.payload.sig");
        assert_eq!(parsed.seed, SEED);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("user.creds");
        std::fs::write(&file, &text).expect("write");
        let auth = NatsAuth {
            credsfile: Some(file),
            ..NatsAuth::default()
        };
        assert_eq!(auth.user_credentials().expect("read"), Some(parsed));
        let jwt_only = NatsAuth {
            jwt: Some("eyJ0eXAi.payload.sig".into()),
            ..NatsAuth::default()
        };
        assert!(jwt_only.user_credentials().is_err());
        let nkey_user = NatsAuth {
            seed: Some(SEED.into()),
            ..NatsAuth::default()
        };
        let credentials = nkey_user.user_credentials().expect("seed").expect("some");
        assert_eq!(credentials.jwt, "");
        assert!(parse_creds("no blocks at all").is_err());
    }

    /// A URL's user and password are taken out (and decoded); shown URLs hide the password.
    #[test]
    fn url_users_are_split_and_redacted() {
        let (plain, user) = split_user("nats://alice:s%40cret@127.0.0.1:4222");
        assert_eq!(plain, "nats://127.0.0.1:4222");
        assert_eq!(user, Some(("alice".into(), Some("s@cret".into()))));
        assert_eq!(
            redact("nats://alice:s%40cret@127.0.0.1:4222"),
            "nats://alice:***@127.0.0.1:4222"
        );
        assert_eq!(redact("tls://token@host:4222"), "tls://***@host:4222");
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        assert_eq!(split_user("127.0.0.1:4222").1, None);
        assert_eq!(without_user("nats://a:b@h:1"), "nats://h:1");
        assert_eq!(
            redact("nats://a:b@h:1, nats://a:b@h:2"),
            "nats://a:***@h:1,nats://a:***@h:2"
        );
        assert_eq!(first_url("nats://h:1,nats://h:2"), "nats://h:1");
        let connect = NatsConnect::new("nats://bob:pw@127.0.0.1:1", "test");
        assert!(connect.has_credentials());
    }

    /// Nothing secret is printed by `Debug`.
    #[test]
    fn debug_hides_secrets() {
        let auth = NatsAuth {
            jwt: Some("eyJ0eXAi.payload.sig".into()),
            seed: Some(SEED.into()),
            password: Some("hunter2".into()),
            ..NatsAuth::default()
        };
        let shown = format!("{auth:?}");
        assert!(
            !shown.contains(SEED) && !shown.contains("payload") && !shown.contains("hunter2"),
            "{shown}"
        );
        let credentials = auth.user_credentials().expect("ok").expect("some");
        assert!(!format!("{credentials:?}").contains(SEED));
    }

    /// Nothing listens: a connect error naming the URL without its password.
    #[tokio::test]
    async fn unreachable_servers_are_named_without_passwords() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let connect = NatsConnect::new(format!("nats://alice:secret@127.0.0.1:{port}"), "test");
        let err = connect.connect().await.expect_err("nothing listens");
        let text = err.to_string();
        assert!(
            text.contains(&format!("alice:***@127.0.0.1:{port}")),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
    }
}
