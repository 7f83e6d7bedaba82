//! One misbehaving actor against a real host: calls that compute forever are stopped before their
//! callers give up and hold no thread meanwhile; an actor growing past the memory limit traps with an
//! error that says so. Other actors, the control interface and the next call of the same actor are
//! served throughout.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestLattice;
use wash_wire::interfaces::httpserver::HttpResponse;

/// The host's RPC timeout in these tests: what a provider calling an actor waits for its reply.
const RPC_TIMEOUT: Duration = Duration::from_secs(2);

/// A host with the `hostile` and `echo` actors running; their keys.
async fn lattice_with_hostile_and_echo(
    tweak: impl FnOnce(&mut wash_host::HostConfig),
) -> (Arc<TestLattice>, String, String) {
    let lattice = TestLattice::start_with(|config| {
        config.rpc_timeout = RPC_TIMEOUT;
        tweak(config);
    })
    .await;
    let (hostile_path, hostile) = lattice.sign("hostile", &["wasmcloud:httpserver"]);
    let (echo_path, echo) = lattice.sign("echo", &["wasmcloud:httpserver"]);
    lattice.start_actor(&hostile_path).await;
    lattice.start_actor(&echo_path).await;
    (Arc::new(lattice), hostile, echo)
}

/// `GET path` on `actor`, waiting no longer than a provider would; panics when no answer comes in
/// that time. Returns the answer and when it came.
async fn call_in_time(
    lattice: &TestLattice,
    actor: &str,
    path: &str,
) -> (Result<HttpResponse, String>, Instant) {
    let answer = tokio::time::timeout(RPC_TIMEOUT, lattice.http(actor, path))
        .await
        .unwrap_or_else(|_| panic!("no answer to `{path}` within the RPC timeout {RPC_TIMEOUT:?}"));
    (answer, Instant::now())
}

/// Four calls that loop forever (twice the runtime's worker threads) each get a timeout error back
/// within the RPC timeout; while they run, another actor and the control interface answer; afterwards
/// the same actor serves its next call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_calls_fail_in_time_and_block_nothing() {
    let (lattice, hostile, echo) = lattice_with_hostile_and_echo(|_| {}).await;

    let loops: Vec<_> = (0..4)
        .map(|_| {
            let lattice = lattice.clone();
            let hostile = hostile.clone();
            tokio::spawn(async move { call_in_time(&lattice, &hostile, "/loop").await })
        })
        .collect();

    let (during, echo_answered) = call_in_time(&lattice, &echo, "/during").await;
    assert_eq!(during.expect("echo answers").status_code, 200);
    let ping = lattice.ctl("ping.hosts", serde_json::json!({})).await;
    assert_eq!(ping["id"], lattice.host.id(), "{ping}");
    let pinged = Instant::now();

    for task in loops {
        let (answer, at) = task.await.expect("caller task");
        let err = answer.expect_err("a call that never returns is an error");
        assert!(err.contains("actor call timed out after"), "{err}");
        assert!(
            echo_answered < at && pinged < at,
            "echo and ping were answered only after the runaway calls ended"
        );
    }

    let (next, _) = call_in_time(&lattice, &hostile, "/").await;
    let next = next.expect("the next call works");
    assert_eq!(
        (next.status_code, next.body.as_slice()),
        (200, b"ok".as_slice())
    );
}

/// With a 32 MiB limit an actor may grow to 8 MiB; asking for 64 MiB fails its call with an error
/// naming the limit and the variable that sets it, while echo calls made at the same time all succeed
/// and the actor's next call works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn growing_past_the_memory_limit_traps_clearly_while_others_serve() {
    let (lattice, hostile, echo) = lattice_with_hostile_and_echo(|config| {
        config.runtime.max_memory_bytes = 32 << 20;
    })
    .await;

    let (within, _) = call_in_time(&lattice, &hostile, "/grow/8").await;
    assert_eq!(within.expect("8 MiB is allowed").body, b"grew 8 MiB");

    let grows: Vec<_> = (0..3)
        .map(|_| {
            let lattice = lattice.clone();
            let hostile = hostile.clone();
            tokio::spawn(async move { call_in_time(&lattice, &hostile, "/grow/64").await })
        })
        .collect();
    let echoes: Vec<_> = (0..10)
        .map(|i| {
            let lattice = lattice.clone();
            let echo = echo.clone();
            tokio::spawn(async move { call_in_time(&lattice, &echo, &format!("/e{i}")).await })
        })
        .collect();

    for task in grows {
        let err = task
            .await
            .expect("caller task")
            .0
            .expect_err("64 MiB is over the limit");
        for part in [
            "ran out of memory",
            "limit of 32 MiB",
            "WASH_ACTOR_MAX_MEMORY",
        ] {
            assert!(err.contains(part), "`{part}` missing from: {err}");
        }
    }
    for task in echoes {
        let (answer, _) = task.await.expect("caller task");
        assert_eq!(answer.expect("echo keeps serving").status_code, 200);
    }
    let (next, _) = call_in_time(&lattice, &hostile, "/").await;
    assert_eq!(next.expect("the next call works").body, b"ok");
}

/// The body of a `hostile` answer that counts calls (`/calls`, `/hold/<ms>`).
fn count(answer: Result<HttpResponse, String>) -> u64 {
    let response = answer.expect("the call succeeds");
    assert_eq!(response.status_code, 200);
    String::from_utf8_lossy(&response.body)
        .parse()
        .expect("a count")
}

/// Warm instances, as wasmCloud 0.x hosts kept them: sequential calls reach one instance, whose
/// global counts 1, 2, 3; after a trap the next call gets a fresh instance (the count starts again);
/// four calls at once run in four instances (each fresh one answers 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_instances_keep_globals_until_they_trap() {
    let (lattice, hostile, _echo) = lattice_with_hostile_and_echo(|_| {}).await;
    for expected in 1..=3 {
        let (answer, _) = call_in_time(&lattice, &hostile, "/calls").await;
        assert_eq!(
            count(answer),
            expected,
            "one warm instance serves them in turn"
        );
    }
    let (trapped, _) = call_in_time(&lattice, &hostile, "/trap").await;
    let error = trapped.expect_err("the trap is the call's error");
    assert!(error.contains("trapped"), "{error}");
    let (answer, _) = call_in_time(&lattice, &hostile, "/calls").await;
    assert_eq!(
        count(answer),
        1,
        "the trapped instance was replaced by a fresh one"
    );

    // The warm instance traps too; then four long calls at once. Each computes for 300 ms; all four
    // have started before the first one ends and gives its instance back (a computing guest yields its
    // worker so new invocations are read): a count of 2 would mean a call started only after another
    // had finished.
    let (_, _) = call_in_time(&lattice, &hostile, "/trap").await;
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let lattice = lattice.clone();
            let hostile = hostile.clone();
            tokio::spawn(async move { call_in_time(&lattice, &hostile, "/hold/300").await })
        })
        .collect();
    let mut counts = Vec::new();
    for call in calls {
        counts.push(count(call.await.expect("task").0));
    }
    assert_eq!(
        counts,
        [1, 1, 1, 1],
        "each concurrent call had an instance of its own"
    );
    let (answer, _) = call_in_time(&lattice, &hostile, "/calls").await;
    assert_eq!(
        count(answer),
        2,
        "a warm instance from the concurrent calls serves the next one"
    );
}
