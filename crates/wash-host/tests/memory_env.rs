//! `WASH_ACTOR_MAX_MEMORY` sets the per-actor memory limit of a host configured by default, and a
//! value that is not a memory size stops the host at start-up. (A test binary of its own: it changes
//! the process environment.)

use wash_host::runtime::{DEFAULT_MAX_MEMORY_BYTES, MAX_MEMORY_ENV};
use wash_host::{Host, HostConfig, HostError};

/// Unset, the default limit is 256 MiB; `48MiB` makes it 48 MiB; `lots` is refused by
/// `Host::start` before it connects anywhere, with an error naming the variable and the value.
#[tokio::test]
async fn the_variable_sets_the_limit_and_a_bad_value_is_a_startup_error() {
    std::env::remove_var(MAX_MEMORY_ENV);
    assert_eq!(DEFAULT_MAX_MEMORY_BYTES, 256 << 20);
    assert_eq!(
        HostConfig::default().runtime.max_memory_bytes,
        DEFAULT_MAX_MEMORY_BYTES
    );

    std::env::set_var(MAX_MEMORY_ENV, "48MiB");
    assert_eq!(HostConfig::default().runtime.max_memory_bytes, 48 << 20);

    std::env::set_var(MAX_MEMORY_ENV, "lots");
    let config = HostConfig {
        // Nothing listens here: the error must come before any connection attempt.
        nats_url: "nats://127.0.0.1:1".into(),
        ..HostConfig::default()
    };
    let err = Host::start(config)
        .await
        .expect_err("a bad limit stops the host");
    assert!(matches!(err, HostError::Environment { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("`WASH_ACTOR_MAX_MEMORY`") && message.contains("`lots`"),
        "{message}"
    );
    std::env::remove_var(MAX_MEMORY_ENV);
}
