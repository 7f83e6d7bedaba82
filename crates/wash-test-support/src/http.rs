//! Minimal HTTP/1.1 requests over a plain TCP connection, for tests that check what a server answers.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// Status code.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpReply {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `GET http://127.0.0.1:<port><path>` with `Connection: close`; `None` if nothing answers properly.
pub fn http_get(port: u16, path: &str) -> Option<HttpReply> {
    http_request(port, "GET", path, &[], b"")
}

/// `POST http://127.0.0.1:<port><path>` with extra `headers` and `body`; `None` if nothing answers
/// properly.
pub fn http_post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<HttpReply> {
    http_request(port, "POST", path, headers, body)
}

/// `<method> http://127.0.0.1:<port><path>` with `Connection: close`, extra `headers` (a `Host`
/// among them replaces the default `127.0.0.1:<port>`) and `body`; `None` if nothing answers properly.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<HttpReply> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    (&stream).write_all(request.as_bytes()).ok()?;
    (&stream).write_all(body).ok()?;
    let mut raw = Vec::new();
    (&stream).read_to_end(&mut raw).ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body)?;
    }
    Some(HttpReply { status, body })
}

/// Waits until `GET path` answers at all (the server is listening), up to `timeout`.
pub fn wait_for_http(port: u16, path: &str, timeout: Duration) -> Option<HttpReply> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(reply) = http_get(port, path) {
            return Some(reply);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).ok()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
