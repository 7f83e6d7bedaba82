//! How `wash` connects to NATS: URL plus the wash 0.x auth settings (`--ctl-jwt`, `--ctl-seed`,
//! `--ctl-credsfile` and their `rpc` twins). A JWT or seed may be given literally or as a path to a file.

use std::path::PathBuf;
use std::sync::Arc;

use crate::CtlError;

/// NATS authentication: a credentials file, a user JWT signed with a user seed, or a bare nkey seed.
#[derive(Debug, Clone, Default)]
pub struct NatsAuth {
    /// User JWT (the token, or a path to a file holding it); needs `seed`.
    pub jwt: Option<String>,
    /// User nkey seed (`SU…`, or a path to a file holding it). Alone, it authenticates as that nkey.
    pub seed: Option<String>,
    /// A `.creds` file (JWT and seed in one).
    pub credsfile: Option<PathBuf>,
}

/// The value itself, or the trimmed contents of the file it names.
fn literal_or_file(value: &str) -> Result<String, CtlError> {
    let path = std::path::Path::new(value);
    if path.is_file() {
        std::fs::read_to_string(path)
            .map(|text| text.trim().to_owned())
            .map_err(|e| CtlError::Auth(format!("failed to read `{value}`: {e}")))
    } else {
        Ok(value.trim().to_owned())
    }
}

/// A setting that is blank (wash 0.18.1 writes `""` for an unset one) counts as unset.
fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|text| !text.trim().is_empty())
}

impl NatsAuth {
    /// Whether any setting is present (blank ones count as absent).
    pub fn is_empty(&self) -> bool {
        set(&self.jwt).is_none() && set(&self.seed).is_none() && self.credsfile().is_none()
    }

    fn credsfile(&self) -> Option<&std::path::Path> {
        self.credsfile
            .as_deref()
            .filter(|path| !path.as_os_str().is_empty())
    }

    /// Adds these settings to NATS connect options.
    pub async fn apply(
        &self,
        options: async_nats::ConnectOptions,
    ) -> Result<async_nats::ConnectOptions, CtlError> {
        let jwt = set(&self.jwt);
        if let Some(path) = self.credsfile() {
            if jwt.is_some() || set(&self.seed).is_some() {
                return Err(CtlError::Auth(
                    "pass either a credentials file or a JWT and seed, not both".into(),
                ));
            }
            return options.credentials_file(path).await.map_err(|e| {
                CtlError::Auth(format!(
                    "cannot use credentials file `{}`: {e}",
                    path.display()
                ))
            });
        }
        let seed = set(&self.seed).map(literal_or_file).transpose()?;
        match (jwt, seed) {
            (Some(jwt), Some(seed)) => {
                let jwt = literal_or_file(jwt)?;
                let key = nkeys::KeyPair::from_seed(&seed)
                    .map_err(|e| CtlError::Auth(format!("the seed is not a valid nkey seed: {e}")))?;
                let key = Arc::new(key);
                Ok(options.jwt(jwt, move |nonce| {
                    let key = key.clone();
                    async move { key.sign(&nonce).map_err(async_nats::AuthError::new) }
                }))
            }
            (Some(_), None) => Err(CtlError::Auth(
                "a JWT needs its user seed too (`--ctl-seed`/`--rpc-seed`), or use a credentials file"
                    .into(),
            )),
            (None, Some(seed)) => {
                nkeys::KeyPair::from_seed(&seed)
                    .map_err(|e| CtlError::Auth(format!("the seed is not a valid nkey seed: {e}")))?;
                Ok(options.nkey(seed))
            }
            (None, None) => Ok(options),
        }
    }
}

/// Connects to NATS at `url` with `auth`, failing fast when nothing answers.
pub async fn connect(url: &str, auth: &NatsAuth) -> Result<async_nats::Client, CtlError> {
    let options = async_nats::ConnectOptions::new()
        .name("wash")
        .connection_timeout(std::time::Duration::from_secs(5));
    let options = auth.apply(options).await?;
    options.connect(url).await.map_err(|e| match e.kind() {
        async_nats::ConnectErrorKind::AuthorizationViolation
        | async_nats::ConnectErrorKind::Authentication => CtlError::Unauthorized {
            url: url.into(),
            reason: e.to_string(),
        },
        _ => CtlError::Connect {
            url: url.into(),
            reason: e.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blank JWTs, seeds and credentials paths (wash 0.18.1's "unset") are no settings at all, so
    /// connecting uses no authentication instead of failing on an empty seed.
    #[tokio::test]
    async fn blank_settings_are_unset() {
        let auth = NatsAuth {
            jwt: Some(String::new()),
            seed: Some(" ".into()),
            credsfile: Some(PathBuf::new()),
        };
        assert!(auth.is_empty());
        assert!(auth.apply(async_nats::ConnectOptions::new()).await.is_ok());
        let seed_only = NatsAuth {
            jwt: Some(String::new()),
            seed: Some("not a seed".into()),
            credsfile: None,
        };
        assert!(seed_only
            .apply(async_nats::ConnectOptions::new())
            .await
            .is_err());
    }
}
