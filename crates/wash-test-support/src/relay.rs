//! A slow network in front of a real server: a TCP relay on loopback that holds each new connection
//! for a while before it passes bytes both ways.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Relays `127.0.0.1:<port>` to a server on `127.0.0.1:<target>`, each connection after `delay`.
#[derive(Debug)]
pub struct SlowRelay {
    port: u16,
    stopped: Arc<AtomicBool>,
}

impl SlowRelay {
    /// Starts relaying to `target` (a port on loopback).
    pub fn start(target: u16, delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                std::thread::spawn(move || relay(client, target, delay));
            }
        });
        Self { port, stopped }
    }

    /// `127.0.0.1:<port>`, the form used in image references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for SlowRelay {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(client: TcpStream, target: u16, delay: Duration) {
    std::thread::sleep(delay);
    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
        return;
    };
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upstream = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let (mut server_in, mut client_out) = (server, client);
    let _ = std::io::copy(&mut server_in, &mut client_out);
    let _ = client_out.flush();
    let _ = client_out.shutdown(Shutdown::Write);
    let _ = upstream.join();
}
