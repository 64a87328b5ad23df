//! A whole run against a server across a slow network: `cargo bench --bench remote`.
//!
//! A latency-injecting proxy (loopback only) sits in front of `scimitar
//! serve` and holds every response for D milliseconds; `scimitar run` goes
//! through it with its defaults. For D = 0, 50 and 100 ms it prints the wall
//! time, the requests sent, the critical path (the longest case's round trips
//! times D: no run can be faster) and the ratio of the two; the 0 ms run is
//! the baseline the others are compared with. With scim2-tester installed
//! (scripts/scim2-tester.sh installs it), its wall time on the same setup too.
//!
//!   cargo bench --bench remote
//!   DELAYS=100 cargo bench --bench remote -- --jobs 8     # arguments go to `scimitar run`
//!   KEEP_REPORTS=1 cargo bench --bench remote              # keep each run's JSON report

#![allow(clippy::disallowed_macros, reason = "a benchmark reports on its own stdout")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "remote-bench-token";

fn main() {
    let extra: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let delays: Vec<u64> = std::env::var("DELAYS")
        .ok()
        .map(|d| d.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 50, 100]);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_scimitar"));
    let scratch =
        tempfile::Builder::new().prefix("scimitar-remote-bench-").tempdir().expect("a temporary folder");
    let dir = scratch.path().to_path_buf();
    let (server, upstream) = serve(&bin);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let scim2 = scim2_tester();

    println!("scimitar run through a proxy adding D ms to every response, against scimitar serve");
    if !extra.is_empty() {
        println!("extra arguments: {}", extra.join(" "));
    }
    println!(
        "{:>6}  {:>9}  {:>8}  {:>13}  {:>10}  {:>12}  {:>15}",
        "D (ms)", "wall (s)", "requests", "critical (s)", "wall/crit", "vs D=0", "scim2-tester (s)"
    );
    let mut baseline = None;
    for delay in delays {
        let proxy = runtime.block_on(start_proxy(upstream, Duration::from_millis(delay)));
        let base = format!("http://{proxy}/scim/v2");
        let report = dir.join(format!("run-{delay}.json"));
        let started = Instant::now();
        let out = Command::new(&bin)
            .args(["run", "--url", &base, "--token", TOKEN, "--json"])
            .arg(&report)
            .args(&extra)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("scimitar runs");
        let wall = started.elapsed().as_secs_f64();
        if !report.exists() {
            panic!("scimitar run wrote no report:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).expect("a JSON report");
        let requests = json["summary"]["requests"].as_u64().unwrap_or(0);
        let longest = json["cases"]
            .as_array()
            .map(|cases| {
                cases.iter().map(|c| c["exchanges"].as_array().map_or(0, Vec::len)).max().unwrap_or(0)
            })
            .unwrap_or(0);
        let critical = longest as f64 * delay as f64 / 1000.0;
        let base_wall = *baseline.get_or_insert(wall);
        let scim2_wall = scim2.as_deref().map(|tool| time_scim2_tester(tool, &base));
        println!(
            "{delay:>6}  {wall:>9.2}  {requests:>8}  {critical:>13.2}  {:>10}  {:>11.1}x  {:>15}",
            if critical > 0.0 { format!("{:.1}x", wall / critical) } else { "-".into() },
            wall / base_wall,
            scim2_wall.map_or("not installed".to_string(), |(w, ok)| format!(
                "{w:.2}{}",
                if ok { "" } else { " (failed)" }
            )),
        );
        if !matches!(out.status.code(), Some(0 | 1)) {
            println!(
                "  scimitar run exited {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let settled = json["pace"].clone();
        if !settled.is_null() {
            println!("  pace: {settled}");
        }
    }
    println!(
        "critical path: the case with the most round trips, times D; longest case in requests shown per run"
    );
    drop(server);
    if std::env::var_os("KEEP_REPORTS").is_some() {
        println!("reports kept in {}", scratch.keep().display());
    }
}

/// `scimitar serve` on a free loopback port; the child and its address.
fn serve(bin: &Path) -> (Killed, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Killed(
        Command::new(bin)
            .args(["serve", "--port", &port.to_string(), "--token", TOKEN, "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("scimitar serve starts"),
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..100 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return (child, addr);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("scimitar serve did not start on {addr}");
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A proxy that forwards requests at once and releases each piece of a
/// response `delay` after it arrived: every exchange costs one more `delay`,
/// as a round trip across a network does, and nothing is slowed otherwise.
async fn start_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else { return };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                    let _ = server_write.shutdown().await;
                });
                let (held, mut due) =
                    tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
                tokio::spawn(async move {
                    let mut buf = vec![0; 64 * 1024];
                    while let Ok(n) = server_read.read(&mut buf).await {
                        if n == 0
                            || held.send((tokio::time::Instant::now() + delay, buf[..n].to_vec())).is_err()
                        {
                            break;
                        }
                    }
                });
                while let Some((at, bytes)) = due.recv().await {
                    tokio::time::sleep_until(at).await;
                    if client_write.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                let _ = client_write.shutdown().await;
            });
        }
    });
    addr
}

/// scim2-tester's command, where scripts/scim2-tester.sh installed it or on the PATH.
fn scim2_tester() -> Option<PathBuf> {
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/scim2-tester-venv/bin/scim2");
    if installed.exists() {
        return Some(installed);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("scim2")).find(|p| p.exists()))
}

/// scim2-tester's wall time against `base`, and whether it exited 0.
fn time_scim2_tester(tool: &Path, base: &str) -> (f64, bool) {
    let started = Instant::now();
    let status = Command::new(tool)
        .args(["--url", base, "test"])
        .env("SCIM_CLI_HEADERS", format!("Authorization: Bearer {TOKEN}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    (started.elapsed().as_secs_f64(), status.is_ok_and(|s| s.success()))
}
