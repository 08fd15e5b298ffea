//! The example server under continuous requests while its handler is updated 100 times: not
//! one request fails, no connection is reset, keep-alive connections stay open, and every
//! response comes from the same process. The same load across restarts (an entry edit, what
//! nodemon-style tools do on every save) shows what a restart costs.
//!
//! Counts scale with `HOTNODE_STRESS`; the README's figures come from
//! `HOTNODE_STRESS=10 cargo test --release --test load_e2e -- --nocapture`.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use support::{Load, LoadReport, Running, TempApp, free_port, hotnode_with_env, http_get};

fn stress() -> usize {
    std::env::var("HOTNODE_STRESS").ok().and_then(|s| s.parse().ok()).unwrap_or(1usize).max(1)
}

fn greeting(k: usize) -> String {
    format!("export function greeting(name: string): string {{\n  return `Hello #{k}, ${{name}}!`;\n}}\n")
}

fn start(name: &str) -> (TempApp, Running, u16) {
    let app = TempApp::copy_of(name, &support::fixture("hello-server"));
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["src/main.ts"], &[("PORT", &port.to_string())]);
    run.expect("listening on");
    (app, run, port)
}

/// Requests on one keep-alive connection until stopped: (responses, what went wrong).
fn keep_alive_client(port: u16, stop: Arc<AtomicBool>) -> JoinHandle<(usize, Vec<String>)> {
    std::thread::spawn(move || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        let (mut ok, mut failed) = (0, Vec::new());
        while !stop.load(Ordering::Relaxed) {
            let result = (|| -> Result<(), String> {
                write!(writer, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").map_err(|e| format!("write: {e}"))?;
                let mut length = None;
                let mut status = String::new();
                reader.read_line(&mut status).map_err(|e| format!("read: {e}"))?;
                if !status.starts_with("HTTP/1.1 200") {
                    return Err(format!("status {status:?}"));
                }
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).map_err(|e| format!("read: {e}"))?;
                    if header == "\r\n" || header.is_empty() {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.ok_or("no content-length")?];
                reader.read_exact(&mut body).map_err(|e| format!("read body: {e}"))?;
                Ok(())
            })();
            match result {
                Ok(()) => ok += 1,
                Err(err) => {
                    failed.push(err);
                    break;
                }
            }
        }
        (ok, failed)
    })
}

fn pids(report: &LoadReport) -> std::collections::BTreeSet<String> {
    report
        .bodies
        .iter()
        .filter_map(|b| b.split("pid ").nth(1))
        .map(|p| p.trim_end_matches([')', '\n']).to_string())
        .collect()
}

#[test]
fn a_hundred_hot_updates_under_load_fail_no_request() {
    let (app, mut run, port) = start("load-hot");
    let stop = Arc::new(AtomicBool::new(false));
    let keep_alive = keep_alive_client(port, Arc::clone(&stop));
    let load = Load::start(port, 3, usize::MAX);
    let updates = 100 * stress();
    let started = Instant::now();
    for k in 1..=updates {
        app.write("src/greeting.ts", &greeting(k));
        run.expect("greeting.ts changed");
    }
    let took = started.elapsed();
    // The last update is what the server runs now.
    assert!(http_get(port, "/").unwrap().contains(&format!("Hello #{updates}, world!")));
    stop.store(true, Ordering::Relaxed);
    let report = load.stop();
    let (kept_alive, keep_alive_failed) = keep_alive.join().unwrap();
    eprintln!(
        "hot: {updates} updates in {took:?}; {} requests on new connections, {} failed; {kept_alive} on one keep-alive connection, {} failed",
        report.ok + report.failed.len(),
        report.failed.len(),
        keep_alive_failed.len()
    );
    assert!(report.failed.is_empty(), "failed requests: {:?}", &report.failed[..report.failed.len().min(5)]);
    assert!(keep_alive_failed.is_empty(), "the keep-alive connection broke: {keep_alive_failed:?}");
    assert!(report.ok > updates && kept_alive > updates, "too little load to mean anything");
    assert_eq!(pids(&report).len(), 1, "responses came from more than one process");
}

#[test]
fn restarts_under_the_same_load_drop_requests_for_a_while() {
    let (app, mut run, port) = start("load-restart");
    let load = Load::start(port, 3, usize::MAX);
    let restarts = 3 * stress();
    let main = app.read("src/main.ts");
    let started = Instant::now();
    for k in 1..=restarts {
        // An edit of the entry, which accepts nothing: the app restarts, as on every save with
        // a restart-based tool.
        app.write("src/main.ts", &format!("{main}// edit {k}\n"));
        run.expect("restarting");
        run.expect("listening on");
        // Serve a while between restarts, so each outage is measured on its own.
        std::thread::sleep(Duration::from_millis(300));
    }
    let took = started.elapsed();
    // Let the clients see the last start.
    std::thread::sleep(Duration::from_millis(200));
    let report = load.stop();
    let total = report.ok + report.failed.len();
    let outages = report.outages(Duration::from_millis(50));
    let resets = report.failed.iter().filter(|f| f.contains("reset")).count();
    let refused = report.failed.iter().filter(|f| f.contains("refused")).count();
    let mut sorted = outages.clone();
    sorted.sort();
    eprintln!(
        "restart: {restarts} restarts in {took:?}; {total} requests, {} failed ({resets} reset, {refused} refused); {} outages, median {:?}, longest {:?}",
        report.failed.len(),
        outages.len(),
        sorted.get(sorted.len() / 2),
        sorted.last()
    );
    assert!(http_get(port, "/").is_ok(), "the app did not come back");
    assert!(pids(&report).len() > 1, "no restart served a request");
}
