//! NATS subjects of the lattice: RPC (`wasmbus.rpc`), control (`wasmbus.ctl`) and events (`wasmbus.evt`).

/// Default prefix of control-interface subjects.
pub const DEFAULT_CTL_PREFIX: &str = "wasmbus.ctl";

/// `wasmbus.rpc.<lattice>.<actor key>`: invocations of an actor (hosts queue-subscribe).
pub fn actor_rpc(lattice: &str, actor_key: &str) -> String {
    format!("wasmbus.rpc.{lattice}.{actor_key}")
}

/// `wasmbus.rpc.<lattice>.<provider key>.<link name>`: invocations of a provider instance.
pub fn provider_rpc(lattice: &str, provider_key: &str, link_name: &str) -> String {
    format!("wasmbus.rpc.{lattice}.{provider_key}.{link_name}")
}

/// `<provider rpc subject>.linkdefs.put`: link definitions delivered to a provider.
pub fn provider_link_put(lattice: &str, provider_key: &str, link_name: &str) -> String {
    format!(
        "{}.linkdefs.put",
        provider_rpc(lattice, provider_key, link_name)
    )
}

/// `<provider rpc subject>.linkdefs.del`: link deletions delivered to a provider.
pub fn provider_link_del(lattice: &str, provider_key: &str, link_name: &str) -> String {
    format!(
        "{}.linkdefs.del",
        provider_rpc(lattice, provider_key, link_name)
    )
}

/// `<provider rpc subject>.health`: health check requests.
pub fn provider_health(lattice: &str, provider_key: &str, link_name: &str) -> String {
    format!("{}.health", provider_rpc(lattice, provider_key, link_name))
}

/// `<provider rpc subject>.shutdown`: shutdown requests.
pub fn provider_shutdown(lattice: &str, provider_key: &str, link_name: &str) -> String {
    format!(
        "{}.shutdown",
        provider_rpc(lattice, provider_key, link_name)
    )
}

/// `wasmbus.evt.<lattice>`: lattice CloudEvents.
pub fn events(lattice: &str) -> String {
    format!("wasmbus.evt.{lattice}")
}

/// Control-interface subjects of one lattice, e.g. `wasmbus.ctl.default.ping.hosts`.
#[derive(Debug, Clone)]
pub struct CtlSubjects {
    root: String,
}

impl CtlSubjects {
    /// Subjects under `<prefix>.<lattice>` (prefix normally [`DEFAULT_CTL_PREFIX`]).
    pub fn new(prefix: &str, lattice: &str) -> Self {
        Self {
            root: format!("{prefix}.{lattice}"),
        }
    }

    /// `P.ping.hosts` (scatter-gather).
    pub fn ping_hosts(&self) -> String {
        format!("{}.ping.hosts", self.root)
    }

    /// `P.get.<host>.inv`.
    pub fn inventory(&self, host_id: &str) -> String {
        format!("{}.get.{host_id}.inv", self.root)
    }

    /// `P.get.claims`.
    pub fn get_claims(&self) -> String {
        format!("{}.get.claims", self.root)
    }

    /// `P.get.links`.
    pub fn get_links(&self) -> String {
        format!("{}.get.links", self.root)
    }

    /// `P.linkdefs.put`.
    pub fn link_put(&self) -> String {
        format!("{}.linkdefs.put", self.root)
    }

    /// `P.linkdefs.del`.
    pub fn link_del(&self) -> String {
        format!("{}.linkdefs.del", self.root)
    }

    /// `P.auction.actor` (scatter-gather).
    pub fn auction_actor(&self) -> String {
        format!("{}.auction.actor", self.root)
    }

    /// `P.auction.provider` (scatter-gather).
    pub fn auction_provider(&self) -> String {
        format!("{}.auction.provider", self.root)
    }

    /// `P.cmd.<host>.<verb>` with verb `la`, `sa`, `scale`, `upd`, `lp`, `sp` or `stop`.
    pub fn command(&self, host_id: &str, verb: &str) -> String {
        format!("{}.cmd.{host_id}.{verb}", self.root)
    }

    /// `P.registries.put` (publish, no reply).
    pub fn registries_put(&self) -> String {
        format!("{}.registries.put", self.root)
    }

    /// `P.cmd.<host>.*`: every command addressed to one host.
    pub fn commands_of(&self, host_id: &str) -> String {
        format!("{}.cmd.{host_id}.*", self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Subjects match the forms recorded from wasmbus-rpc 0.15 and the 0.28 control client.
    #[test]
    fn subjects_match_vectors() {
        let actor = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
        let provider = "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M";
        assert_eq!(
            actor_rpc("default", actor),
            format!("wasmbus.rpc.default.{actor}")
        );
        assert_eq!(
            provider_rpc("default", provider, "default"),
            format!("wasmbus.rpc.default.{provider}.default")
        );
        assert_eq!(
            provider_link_put("default", provider, "default"),
            format!("wasmbus.rpc.default.{provider}.default.linkdefs.put")
        );
        let ctl = CtlSubjects::new(DEFAULT_CTL_PREFIX, "default");
        assert_eq!(ctl.ping_hosts(), "wasmbus.ctl.default.ping.hosts");
        assert_eq!(ctl.inventory("NHOST"), "wasmbus.ctl.default.get.NHOST.inv");
        assert_eq!(
            ctl.command("NHOST", "la"),
            "wasmbus.ctl.default.cmd.NHOST.la"
        );
        assert_eq!(events("default"), "wasmbus.evt.default");
    }
}
