//! The wadm that `wash up` starts beside the host, as wash 0.18.1 did (unless `--disable-wadm`): the
//! application deployment manager `wash app` talks to.

use wash_local::{LatticeStep, StartedWadm, WadmOptions, WashHome};

use super::args::UpArgs;
use super::login::HostLogin;
use crate::commands::local::report_step;
use crate::output::Printer;

/// Starts wadm against `nats_url` before the host (so wadm sees the host start), unless disabled.
/// `None` when disabled, not installed (with a note), or already running from an earlier `wash up`.
pub(super) async fn start(
    args: &UpArgs,
    home: &WashHome,
    nats_url: &str,
    login: &HostLogin,
    printer: &Printer,
) -> anyhow::Result<Option<StartedWadm>> {
    if args.host.disable_wadm {
        return Ok(None);
    }
    if args.ctl_topic_prefix != wash_wire::subjects::DEFAULT_CTL_PREFIX {
        printer.status(
            "Note",
            format!(
                "wadm not started: it drives hosts on `{}` only, not on `--ctl-topic-prefix {}`",
                wash_wire::subjects::DEFAULT_CTL_PREFIX,
                args.ctl_topic_prefix
            ),
        );
        return Ok(None);
    }
    let Some(program) = wash_local::wadm_program() else {
        printer.status(
            "Note",
            "wadm not started: no `wadm` on PATH and WASH_WADM is not set (`./dev setup` builds \
             wadm 0.4.1); `wash app` needs it. `--disable-wadm` silences this note",
        );
        return Ok(None);
    };
    let options = WadmOptions {
        program,
        nats_url: nats_url.to_owned(),
        auth: login.auth.clone(),
        js_domain: args.host.wasmcloud_js_domain.clone(),
    };
    let started = wash_local::start_wadm(home, &options, &args.lattice).await?;
    match &started {
        Some(wadm) => report_step(printer, LatticeStep::StartedWadm(wadm.id.pid)),
        None => printer.status("Using", "the wadm an earlier `wash up` started"),
    }
    Ok(started)
}
