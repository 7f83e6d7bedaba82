//! The local lattice through a NATS outage: nats-server restarted (same port, JetStream store kept)
//! while kvcounter serves a steady load.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use wash_test_support::{free_port, http_get, wait_for_http, RedisServer};

use crate::lattice::{first_count, wait_for_count, Lattice};

/// Load threads running through the restart.
const LOAD_THREADS: usize = 4;

/// NATS is restarted under load. Every request still gets an HTTP answer (none hangs until the test
/// client's own 20 s read timeout); once NATS is back the host and both providers reconnect by
/// themselves and counting resumes; a link put after the restart takes effect (a second actor is
/// served on a new port), and the host log says the lattice bucket watch was re-established.
#[test]
fn nats_restart_under_load_recovers_and_applies_new_links() {
    let redis = RedisServer::start();
    let mut lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let served = lattice.serve_over_http(&actor, "kv-redis", &[&format!("URL={}", redis.url())]);
    let port = served.port;
    let before = first_count(port);

    let stop = AtomicBool::new(false);
    let answered = AtomicUsize::new(0);
    let (answers, after) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..LOAD_THREADS)
            .map(|_| {
                scope.spawn(|| {
                    let mut answers = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let reply = http_get(port, "/");
                        answered.fetch_add(1, Ordering::SeqCst);
                        answers.push(reply.map(|r| r.status));
                    }
                    answers
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while answered.load(Ordering::SeqCst) < 20 {
            assert!(std::time::Instant::now() < deadline, "the load never ran");
            std::thread::sleep(Duration::from_millis(10));
        }
        lattice.nats.restart();
        // Counting resumes on its own once the host and providers have reconnected.
        let after = wait_for_count(port, "/");
        stop.store(true, Ordering::SeqCst);
        let answers: Vec<Option<u16>> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("load thread"))
            .collect();
        (answers, after)
    });
    assert!(after > before, "count went from {before} to {after}");
    let hung = answers.iter().filter(|a| a.is_none()).count();
    assert_eq!(
        hung,
        0,
        "{hung} of {} requests got no answer",
        answers.len()
    );

    // A link put after the restart reaches httpserver: echo is served on a new port.
    let echo = lattice.start_example("echo", &["--http_server"]);
    let echo_port = free_port();
    lattice.link(
        &echo,
        &served.http,
        "wasmcloud:httpserver",
        &[&format!("PORT={echo_port}")],
    );
    let reply = wait_for_http(echo_port, "/after-restart", Duration::from_secs(60))
        .expect("the link put after the restart was applied: echo answers on its port");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("/after-restart"), "{}", reply.text());
    assert!(wait_for_count(port, "/") > after, "counting goes on");

    let log = std::fs::read_to_string(&lattice.log).expect("host log");
    assert!(log.contains("reconnected to NATS"), "{log}");
    assert!(
        log.contains("lattice bucket watch re-established"),
        "the host log does not say the bucket watch was re-established:\n{log}"
    );
}
