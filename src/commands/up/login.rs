//! How `wash up`'s host and its providers log in to NATS: the `--rpc-*`, `--ctl-*` and `--prov-rpc-*`
//! credential flags and `--tls-ca-file`, checked and turned into the host's settings.

use anyhow::{bail, Context as _};

use super::args::UpArgs;

/// How the host and its providers log in to NATS, from `--rpc-*`, `--ctl-*`, `--prov-rpc-*` and
/// `--tls-ca-file`.
#[derive(Debug, Clone)]
pub(super) struct HostLogin {
    /// The host's connection (RPC and control interface are one connection in our host).
    pub(super) auth: wash_host::NatsAuth,
    pub(super) tls: wash_host::NatsTls,
    /// The providers', when `--prov-rpc-*` set them.
    pub(super) provider_auth: Option<wash_host::NatsAuth>,
    pub(super) provider_tls: Option<wash_host::NatsTls>,
}

/// Our host has one NATS connection for RPC and the control interface, so `--rpc-*` and `--ctl-*`
/// credentials are one login: either may be given, both only if they are the same.
pub(super) fn host_login(args: &UpArgs) -> anyhow::Result<HostLogin> {
    let c = &args.connection;
    let (rpc, ctl) = (c.rpc_auth.auth(), c.ctl_auth.auth());
    if !rpc.is_empty() && !ctl.is_empty() && rpc != ctl {
        bail!(
            "different credentials for RPC (--rpc-*) and the control interface (--ctl-*): our host \
             uses one NATS connection for both, so give one set (either flags) or the same in both"
        );
    }
    let auth = if rpc.is_empty() { ctl } else { rpc };
    let prov = c.prov_rpc_auth.auth();
    // Unreadable files and bad seeds fail here, before a NATS server or a background host starts.
    for (what, auth) in [("host", &auth), ("provider", &prov)] {
        auth.user_credentials()
            .with_context(|| format!("the {what} credentials cannot be used"))?;
    }
    Ok(HostLogin {
        auth,
        tls: wash_host::NatsTls {
            ca_file: c.tls_ca_file.clone(),
            required: c.rpc_auth.tls || c.ctl_auth.tls,
        },
        provider_auth: (!prov.is_empty()).then_some(prov),
        provider_tls: c.prov_rpc_auth.tls.then(|| wash_host::NatsTls {
            ca_file: c.tls_ca_file.clone(),
            required: true,
        }),
    })
}

impl HostLogin {
    /// The control-interface connection to `url` that `wash up` itself uses (to check the host).
    pub(super) fn control(&self, url: &str) -> wash_ctl::NatsConnect {
        wash_ctl::NatsConnect {
            auth: self.auth.clone(),
            tls: self.tls.clone(),
            ..wash_ctl::NatsConnect::new(url, "wash")
        }
    }
}
