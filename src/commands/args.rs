//! Flags and value parsers that several commands share, each defined once.

use std::path::{Path, PathBuf};

use clap::Args;
use wash_keys::{
    default_account_key_name, subject_key_name, KeyKind, KeyRequest, KeyStore, SigningKeys,
};
use wash_local::WashPaths;

/// Key flags of every signing command (`claims sign|token`, `par create|insert`). `par` gives
/// `--directory` the short `-d` (in `claims sign`, `-d` is `--destination`), as wash 0.x did.
#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY].
    #[arg(short = 'i', long = "issuer", value_name = "SEED_OR_FILE")]
    pub issuer: Option<String>,
    /// Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY].
    #[arg(short = 's', long = "subject", value_name = "SEED_OR_FILE")]
    pub subject: Option<String>,
    /// Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys].
    #[arg(long = "directory", value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Fail instead of generating a key that is not found.
    #[arg(long = "disable-keygen")]
    pub disable_keygen: bool,
}

impl KeyArgs {
    /// The key store `--directory` names, else the default one of `paths`.
    pub fn store(&self, paths: &WashPaths) -> KeyStore {
        KeyStore::new(paths.keys_dir(self.directory.as_deref()))
    }

    /// A request for the issuer key of `kind`, stored as `store_name` when no flag or variable gives it.
    pub fn issuer(&self, kind: KeyKind, store_name: String) -> KeyRequest {
        KeyRequest::issuer(kind, self.issuer.clone(), store_name).keygen(!self.disable_keygen)
    }

    /// A request for the subject key of `kind`, stored as `store_name` when no flag or variable gives it.
    pub fn subject(&self, kind: KeyKind, store_name: String) -> KeyRequest {
        KeyRequest::subject(kind, self.subject.clone(), store_name).keygen(!self.disable_keygen)
    }

    /// The keys of a signing job: the user's account key as issuer, and a subject key of `kind`
    /// named after `artifact` (`echo.wasm` → `echo_module`).
    pub fn signing_keys(
        &self,
        paths: &WashPaths,
        kind: KeyKind,
        artifact: &Path,
    ) -> anyhow::Result<SigningKeys> {
        let issuer = self.issuer(KeyKind::Account, default_account_key_name());
        let subject = self.subject(kind, subject_key_name(artifact, kind));
        Ok(SigningKeys::resolve(self.store(paths), &issuer, &subject)?)
    }
}

/// Parses `KEY=VALUE` (labels, annotations, constraints, link values, template values): the key is
/// trimmed and must not be empty; the value is kept exactly as given (it may need its spaces).
pub(crate) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(key, value)| (key.trim().to_owned(), value.to_owned()))
        .filter(|(key, _)| !key.is_empty())
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys are trimmed and required, values kept as given (an `=` in a value stays in it).
    #[test]
    fn key_value_trims_the_key_only() {
        assert_eq!(
            parse_key_value(" PORT =8080"),
            Ok(("PORT".into(), "8080".into()))
        );
        assert_eq!(
            parse_key_value("greeting= Hello there "),
            Ok(("greeting".into(), " Hello there ".into()))
        );
        assert_eq!(parse_key_value("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(
            parse_key_value("empty="),
            Ok(("empty".into(), String::new()))
        );
        for bad in ["novalue", "=x", " =x", ""] {
            assert!(parse_key_value(bad).is_err(), "{bad:?}");
        }
    }
}
