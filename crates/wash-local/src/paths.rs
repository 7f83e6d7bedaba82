//! Where wash keeps its files, resolved from the environment once, in one documented order.
//!
//! 1. `WASH_HOME` is wash's home folder; without it, `$HOME/.wash`. Everything below lives in it
//!    unless a later variable moves it: contexts, pid files and logs, `credentials.json`,
//!    `favorites.toml`, uploads, the provider cache.
//! 2. `WASH_KEYS` moves the key store (default `<home>/keys`); a `--directory` flag, or
//!    `key_directory` in `wasmcloud.toml`, wins over it.
//! 3. `WASH_CACHE` moves the OCI cache (default `<home>/cache/oci`).
//!
//! Docker's credentials are read from `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
//! An empty variable counts as unset. The libraries never read these variables: the binary builds one
//! [`WashPaths`] and hands each library the path it needs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::{LocalError, WashHome};

/// The variable naming wash's home folder.
pub const WASH_HOME_ENV: &str = "WASH_HOME";
/// The variable naming the key store.
pub const WASH_KEYS_ENV: &str = "WASH_KEYS";
/// The variable naming the OCI cache.
pub const WASH_CACHE_ENV: &str = "WASH_CACHE";

/// Every folder and file wash uses outside a project, resolved once (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WashPaths {
    home: WashHome,
    keys: PathBuf,
    oci_cache: PathBuf,
    docker_config: Option<PathBuf>,
}

impl WashPaths {
    /// Resolves the paths from this process's environment.
    pub fn from_env() -> Result<Self, LocalError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Resolves the paths from `var`, which returns an environment variable's value.
    pub fn from_lookup(var: impl Fn(&str) -> Option<OsString>) -> Result<Self, LocalError> {
        let var = |name: &str| {
            var(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        let user_home = var("HOME");
        let root = var(WASH_HOME_ENV)
            .or_else(|| user_home.as_ref().map(|home| home.join(".wash")))
            .ok_or(LocalError::NoHome)?;
        let home = WashHome::at(root);
        Ok(Self {
            keys: var(WASH_KEYS_ENV).unwrap_or_else(|| home.keys()),
            oci_cache: var(WASH_CACHE_ENV).unwrap_or_else(|| home.oci_cache()),
            docker_config: var("DOCKER_CONFIG")
                .or_else(|| user_home.map(|home| home.join(".docker")))
                .map(|dir| dir.join("config.json")),
            home,
        })
    }

    /// Everything under `root`, nothing moved by a variable, no Docker config (for tests).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        let home = WashHome::at(root);
        Self {
            keys: home.keys(),
            oci_cache: home.oci_cache(),
            docker_config: None,
            home,
        }
    }

    /// The home folder and the files `wash` keeps there.
    pub fn home(&self) -> &WashHome {
        &self.home
    }

    /// The key store: `flag` if given (a `--directory`), else `WASH_KEYS`, else `<home>/keys`.
    pub fn keys_dir(&self, flag: Option<&Path>) -> PathBuf {
        flag.map_or_else(|| self.keys.clone(), Path::to_path_buf)
    }

    /// The OCI cache: `WASH_CACHE`, else `<home>/cache/oci`.
    pub fn oci_cache(&self) -> &Path {
        &self.oci_cache
    }

    /// The store `wash reg login` writes: `<home>/credentials.json`.
    pub fn credentials(&self) -> PathBuf {
        self.home.credentials()
    }

    /// Docker's config file, read for registry credentials after wash's own store.
    pub fn docker_config(&self) -> Option<&Path> {
        self.docker_config.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(vars: &[(&str, &str)]) -> Result<WashPaths, LocalError> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        WashPaths::from_lookup(|name| vars.get(name).cloned())
    }

    /// With only `HOME`, everything is under `$HOME/.wash` and Docker's file under `$HOME/.docker`.
    #[test]
    fn home_alone_puts_everything_under_dot_wash() {
        let paths = resolve(&[("HOME", "/u")]).expect("paths");
        assert_eq!(paths.home().root(), Path::new("/u/.wash"));
        assert_eq!(paths.keys_dir(None), Path::new("/u/.wash/keys"));
        assert_eq!(paths.oci_cache(), Path::new("/u/.wash/cache/oci"));
        assert_eq!(paths.credentials(), Path::new("/u/.wash/credentials.json"));
        assert_eq!(
            paths.docker_config(),
            Some(Path::new("/u/.docker/config.json"))
        );
    }

    /// `WASH_HOME` moves keys, cache and credentials with it; `WASH_KEYS` and `WASH_CACHE` move only
    /// their own folder, and a flag wins over `WASH_KEYS`.
    #[test]
    fn later_variables_move_only_their_folder() {
        let paths = resolve(&[("HOME", "/u"), ("WASH_HOME", "/w")]).expect("paths");
        assert_eq!(paths.home().root(), Path::new("/w"));
        assert_eq!(paths.keys_dir(None), Path::new("/w/keys"));
        assert_eq!(paths.oci_cache(), Path::new("/w/cache/oci"));
        assert_eq!(paths.credentials(), Path::new("/w/credentials.json"));
        assert_eq!(paths.home().host_log(), Path::new("/w/host.log"));

        let paths = resolve(&[
            ("HOME", "/u"),
            ("WASH_HOME", "/w"),
            ("WASH_KEYS", "/k"),
            ("WASH_CACHE", "/c"),
            ("DOCKER_CONFIG", "/d"),
        ])
        .expect("paths");
        assert_eq!(paths.home().root(), Path::new("/w"));
        assert_eq!(paths.keys_dir(None), Path::new("/k"));
        assert_eq!(paths.keys_dir(Some(Path::new("/f"))), Path::new("/f"));
        assert_eq!(paths.oci_cache(), Path::new("/c"));
        assert_eq!(paths.docker_config(), Some(Path::new("/d/config.json")));
    }

    /// Empty variables count as unset; with neither `WASH_HOME` nor `HOME` there is no home.
    #[test]
    fn empty_is_unset_and_no_home_is_an_error() {
        let paths =
            resolve(&[("HOME", "/u"), ("WASH_HOME", ""), ("WASH_KEYS", "")]).expect("paths");
        assert_eq!(paths.home().root(), Path::new("/u/.wash"));
        assert_eq!(paths.keys_dir(None), Path::new("/u/.wash/keys"));
        let paths = resolve(&[("WASH_HOME", "/w")]).expect("paths");
        assert_eq!(paths.docker_config(), None);
        assert!(matches!(resolve(&[]), Err(LocalError::NoHome)));
        assert!(matches!(resolve(&[("HOME", "")]), Err(LocalError::NoHome)));
    }
}
