//! A target that answers discovery like a SCIM service, then misbehaves on
//! every other request: what a run must survive without hanging, filling
//! memory, or failing every case one timeout at a time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub enum Misbehaviour {
    /// A chunked body, one byte every 100 ms, forever.
    Drip,
    /// A chunked body, as fast as the socket takes it, forever.
    Flood,
    /// A body whose Content-Length says this many bytes, all of them sent if read.
    Declared(u64),
    /// 429 Too Many Requests with this Retry-After, every time.
    TooManyRequests(&'static str),
    /// The connection reset, with no answer.
    Reset,
}

pub struct HostileTarget {
    pub base: String,
    /// Body bytes the socket accepted from this target, over every answer.
    written: Arc<AtomicU64>,
    /// Requests past discovery.
    pub misbehaved: Arc<AtomicU64>,
}

impl HostileTarget {
    pub fn start(misbehaviour: Misbehaviour) -> HostileTarget {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        let written = Arc::new(AtomicU64::new(0));
        let misbehaved = Arc::new(AtomicU64::new(0));
        let (w, m) = (written.clone(), misbehaved.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (w, m) = (w.clone(), m.clone());
                std::thread::spawn(move || serve(stream, misbehaviour, &w, &m));
            }
        });
        HostileTarget { base, written, misbehaved }
    }

    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

const SPC: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},"bulk":{"supported":false},"filter":{"supported":true,"maxResults":100},"changePassword":{"supported":false},"sort":{"supported":false},"etag":{"supported":false},"authenticationSchemes":[]}"#;
const RESOURCE_TYPES: &str = r#"{"Resources":[{"name":"User","endpoint":"/Users","schema":"urn:ietf:params:scim:schemas:core:2.0:User"},{"name":"Group","endpoint":"/Groups","schema":"urn:ietf:params:scim:schemas:core:2.0:Group"}]}"#;

const NOT_FOUND: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#;
const EMPTY_LIST: &str =
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

/// The requests discovery sends past the two documents: `/Schemas`, `/Me`,
/// and the filter and `.search` probes.
fn is_probe(request_line: &str) -> bool {
    let get = request_line.starts_with("GET ");
    (get && (request_line.contains("/Schemas")
        || request_line.contains("/Me ")
        || request_line.contains("filter=")))
        || request_line.contains("/.search")
}

fn serve(stream: TcpStream, misbehaviour: Misbehaviour, written: &AtomicU64, misbehaved: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = |stream: &mut TcpStream, status: &str, extra: &str, body: &str| {
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n{extra}\r\n{body}",
                body.len()
            )
        };
        let ok = if request_line.contains("/ServiceProviderConfig") {
            answer(&mut stream, "200 OK", "", SPC)
        } else if request_line.contains("/ResourceTypes") {
            answer(&mut stream, "200 OK", "", RESOURCE_TYPES)
        } else if is_probe(&request_line) {
            // What discovery asks beyond the documents: served plainly, so
            // the misbehaviour meets the cases, not discovery.
            if request_line.contains("/Schemas") || request_line.contains("/Me") {
                answer(&mut stream, "404 Not Found", "", NOT_FOUND)
            } else {
                answer(&mut stream, "200 OK", "", EMPTY_LIST)
            }
        } else {
            misbehaved.fetch_add(1, Ordering::Relaxed);
            match misbehaviour {
                Misbehaviour::TooManyRequests(retry_after) => answer(
                    &mut stream,
                    "429 Too Many Requests",
                    &format!("Retry-After: {retry_after}\r\n"),
                    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429"}"#,
                ),
                Misbehaviour::Reset => {
                    // SO_LINGER 0 makes close send a reset, not a clean end.
                    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
                    return;
                }
                Misbehaviour::Drip => {
                    endless(&mut stream, written, b"1\r\n \r\n", Some(Duration::from_millis(100)));
                    return;
                }
                Misbehaviour::Flood => {
                    let mut chunk = b"10000\r\n".to_vec();
                    chunk.extend(std::iter::repeat_n(b'a', 0x10000));
                    chunk.extend(b"\r\n");
                    endless(&mut stream, written, &chunk, None);
                    return;
                }
                Misbehaviour::Declared(n) => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {n}\r\n\r\n"
                    );
                    if stream.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    let chunk = vec![b'a'; 0x10000];
                    let mut left = n;
                    while left > 0 {
                        let part = &chunk[..left.min(0x10000) as usize];
                        if stream.write_all(part).is_err() {
                            return;
                        }
                        written.fetch_add(part.len() as u64, Ordering::Relaxed);
                        left -= part.len() as u64;
                    }
                    Ok(())
                }
            }
        };
        if ok.is_err() {
            return;
        }
    }
}

/// A chunked 200 whose body never ends, until the client goes away.
fn endless(stream: &mut TcpStream, written: &AtomicU64, chunk: &[u8], pause: Option<Duration>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    while stream.write_all(chunk).is_ok() {
        written.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
    }
}
