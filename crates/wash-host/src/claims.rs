//! Claims as the host uses them: verified actor identities and the flat claims maps of the lattice.

use std::collections::HashMap;

/// What the host needs from an actor's verified claims.
#[derive(Debug, Clone, Default)]
pub struct ActorIdentity {
    /// Actor public key (`M…`).
    pub public_key: String,
    /// Issuer account (`A…`).
    pub issuer: String,
    /// Friendly name.
    pub name: Option<String>,
    /// Capability contract ids the actor may use.
    pub caps: Vec<String>,
    /// Alias other actors may call it by.
    pub call_alias: Option<String>,
    /// Revision.
    pub rev: Option<i32>,
    /// Human version.
    pub version: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
}

impl ActorIdentity {
    /// The flat map stored under `CLAIMS_<key>` and returned by `get.claims`.
    pub fn to_flat_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        map.insert(
            "call_alias".into(),
            self.call_alias.clone().unwrap_or_default(),
        );
        map.insert("iss".into(), self.issuer.clone());
        map.insert("name".into(), self.name.clone().unwrap_or_default());
        map.insert("caps".into(), self.caps.join(","));
        map.insert("rev".into(), self.rev.unwrap_or_default().to_string());
        map.insert("tags".into(), self.tags.join(","));
        map.insert("version".into(), self.version.clone().unwrap_or_default());
        map.insert("sub".into(), self.public_key.clone());
        map.insert("contract_id".into(), String::new());
        map
    }

    /// Whether the actor holds a claim for `contract_id`.
    pub fn has_capability(&self, contract_id: &str) -> bool {
        self.caps.iter().any(|c| c == contract_id)
    }
}

/// What the host needs from a provider archive's verified claims.
#[derive(Debug, Clone, Default)]
pub struct ProviderIdentity {
    /// Provider public key (`V…`).
    pub public_key: String,
    /// Issuer account.
    pub issuer: String,
    /// Friendly name.
    pub name: Option<String>,
    /// Contract id it implements.
    pub contract_id: String,
    /// Vendor.
    pub vendor: Option<String>,
    /// Revision.
    pub rev: Option<i32>,
    /// Human version.
    pub version: Option<String>,
}

impl ProviderIdentity {
    /// The flat map stored under `CLAIMS_<key>`.
    pub fn to_flat_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        map.insert("iss".into(), self.issuer.clone());
        map.insert("name".into(), self.name.clone().unwrap_or_default());
        map.insert("rev".into(), self.rev.unwrap_or_default().to_string());
        map.insert("version".into(), self.version.clone().unwrap_or_default());
        map.insert("sub".into(), self.public_key.clone());
        map.insert("contract_id".into(), self.contract_id.clone());
        map.insert("caps".into(), String::new());
        map.insert("tags".into(), String::new());
        map.insert("call_alias".into(), String::new());
        map
    }
}

/// Verifies the claims embedded in an actor module (signature, module hash, time window).
pub fn verify_actor(module: &[u8]) -> Result<ActorIdentity, String> {
    let claims = wash_claims::verify_module(module).map_err(|e| e.to_string())?;
    let actor = claims.wascap.unwrap_or_default();
    Ok(ActorIdentity {
        public_key: claims.sub,
        issuer: claims.iss,
        name: actor.name,
        caps: actor.caps.unwrap_or_default(),
        call_alias: actor.call_alias,
        rev: actor.rev,
        version: actor.ver,
        tags: actor.tags.unwrap_or_default(),
    })
}

/// Verifies a provider archive and extracts this host's binary into `cache_dir` (mode 0755), returning
/// the provider's identity and the binary's path.
pub fn extract_provider(
    archive: &[u8],
    cache_dir: &std::path::Path,
) -> Result<(ProviderIdentity, std::path::PathBuf), String> {
    use std::io::Write;
    let target = wash_par::current_target();
    let par = wash_par::ProviderArchive::load_target(archive, &target)
        .map_err(|e| format!("invalid provider archive: {e}"))?;
    let claims = par.claims().clone();
    let meta = claims.wascap.clone().unwrap_or_default();
    let binary = par.target_bytes(&target).ok_or_else(|| {
        let available: Vec<_> = meta.target_hashes.keys().cloned().collect();
        format!(
            "provider archive has no binary for this host's target `{target}` (it has: {})",
            available.join(", ")
        )
    })?;
    let hash = meta.target_hashes.get(&target).cloned().unwrap_or_default();
    let dir = cache_dir.join(&claims.sub);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("failed to create `{}`: {e}", dir.display()))?;
    let short = hash.get(..16).unwrap_or(&hash);
    let path = dir.join(format!("{target}-{short}.bin"));
    if !path.exists() {
        let mut file = tempfile::NamedTempFile::new_in(&dir)
            .map_err(|e| format!("failed to write provider binary: {e}"))?;
        file.write_all(binary)
            .map_err(|e| format!("failed to write provider binary: {e}"))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("failed to make provider binary executable: {e}"))?;
        file.persist(&path)
            .map_err(|e| format!("failed to write `{}`: {e}", path.display()))?;
    }
    let identity = ProviderIdentity {
        public_key: claims.sub,
        issuer: claims.iss,
        name: meta.name,
        contract_id: meta.capid,
        vendor: Some(meta.vendor),
        rev: meta.rev,
        version: meta.ver,
    };
    Ok((identity, path))
}
