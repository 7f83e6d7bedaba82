//! A slow network in front of a real server: a TCP proxy on loopback that holds back replies.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A TCP proxy on a free loopback port in front of a local server that holds back the first reply
/// bytes of every connection for `delay`: a registry whose downloads are slow. Stops accepting on drop.
#[derive(Debug)]
pub struct SlowProxy {
    port: u16,
    /// Replies relayed after the delay.
    delayed: Arc<AtomicUsize>,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl SlowProxy {
    /// Starts the proxy in front of `upstream` (a port on loopback).
    pub fn start(upstream: u16, delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let delayed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let (counted, accepted, stopping) = (delayed.clone(), connections.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(client) = client {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let counted = counted.clone();
                    std::thread::spawn(move || relay_slowly(client, upstream, delay, &counted));
                }
            }
        });
        Self {
            port,
            delayed,
            connections,
            stop,
        }
    }

    /// `127.0.0.1:<port>`, the form used in image references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// How many connections it has accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// How many replies have been held back so far.
    pub fn delayed(&self) -> usize {
        self.delayed.load(Ordering::SeqCst)
    }
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Forwards requests as they come and replies after `delay` (counted from the first reply bytes).
fn relay_slowly(client: TcpStream, upstream: u16, delay: Duration, delayed: &AtomicUsize) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (Ok(mut from_client), Ok(mut to_server)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let requests = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    let mut first = [0u8; 16 * 1024];
    if let Ok(n @ 1..) = from_server.read(&mut first) {
        std::thread::sleep(delay);
        delayed.fetch_add(1, Ordering::SeqCst);
        if to_client.write_all(&first[..n]).is_ok() {
            let _ = std::io::copy(&mut from_server, &mut to_client);
        }
    }
    let _ = to_client.shutdown(Shutdown::Write);
    let _ = requests.join();
}
