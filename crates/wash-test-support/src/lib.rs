//! Dev-only test support: the [`wash()`] command builder and real servers on free loopback ports.
//!
//! Every server here is the real program (`nats-server`, `redis-server`, `docker-registry`), started on
//! `127.0.0.1` with a port that was free a moment before, waited for until it answers a real request, and
//! killed (and reaped) when its handle drops. A missing program fails the test with a message naming the
//! set-up command: tests never skip silently.

mod examples;
mod http;
mod interop;
mod phoenix;
mod process;
mod proxy;
pub mod secured;
mod servers;
mod vault;
mod wash;

pub use examples::{
    example_wasm, examples_dir, examples_target_dir, workspace_binary, EXAMPLES_TARGET,
};
pub use http::{http_get, http_post, http_request, wait_for_http, HttpReply};
pub use interop::{interop_binary, interop_dir, interop_json};
pub use phoenix::{phoenix_program, Phoenix};
pub use process::{free_port, pid_is_running};
pub use proxy::SlowProxy;
pub use servers::{
    nats_server_program, LeafHub, NatsCluster, NatsServer, RedisServer, Registry, RegistryAuth,
};
pub use vault::VaultServer;
pub use wash::{wash, wash_bin, WashChild, WashCommand, WashOutput};

/// The command that installs every server the tests need (named in "not found" failures).
pub const SETUP_COMMAND: &str = "./dev setup";
