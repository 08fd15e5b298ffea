//! The control channel between hotnode and the runtime: a Unix socket in a private folder, a
//! token checked on connect, no TCP; a peer without the token gets nothing, a malformed frame
//! is an error and not a crash, and the runtime only ever receives files of the project.

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{Running, TempApp, hotnode};

const ESM: &str = r#"{ "type": "module" }"#;
const MAIN: &str = "import { v } from \"./value.js\";\nconsole.log(`CHANNEL ${process.pid}`);\nimport.meta.hot.accept(\"./value.js\", (m) => console.log(`NOW ${m.v}`));\nsetInterval(() => {}, 1 << 30);\n";

fn start(name: &str) -> (TempApp, Running, PathBuf, String) {
    let app = TempApp::new(name, &[("package.json", ESM), ("main.js", MAIN), ("value.js", "export const v = 0;\n")]);
    let mut run = hotnode(&app, &["main.js"]);
    let line = run.expect("CHANNEL ");
    // The runtime took the session out of the app's `process.env`; the environment node
    // started with (this user's to read) still has it.
    let pid = line.trim().rsplit(' ').next().unwrap();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let var = |name: &str| {
        let prefix = format!("{name}=");
        let found = environ.split(|b| *b == 0).find_map(|v| v.strip_prefix(prefix.as_bytes()));
        String::from_utf8_lossy(found.unwrap_or_else(|| panic!("{name} not in the app's environment"))).into_owned()
    };
    let (socket, token) = (PathBuf::from(var("HOTNODE_SOCKET")), var("HOTNODE_TOKEN"));
    (app, run, socket, token)
}

/// Everything the peer gets back until hotnode closes the connection (or 2 s pass).
fn all_it_gets(stream: &mut UnixStream) -> Vec<u8> {
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    got
}

fn hello(token: &str) -> String {
    // pid 0: hotnode never signals it.
    format!("{{\"type\":\"hello\",\"token\":\"{token}\",\"pid\":0,\"generation\":1}}\n")
}

/// The inodes of hotnode's open sockets.
fn socket_inodes(pid: u32) -> HashSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(target.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect()
}

#[test]
fn the_socket_is_private_with_a_random_token_and_there_is_no_tcp_listener() {
    let (_app, run, socket, token) = start("channel-private");
    let folder = socket.parent().unwrap();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(folder), mode(&socket)), (0o700, 0o600));
    assert!(token.len() == 32 && token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    let (_app2, _run2, _, other_token) = start("channel-private-2");
    assert_ne!(token, other_token, "two sessions share a token");

    let inodes = socket_inodes(run.child.id());
    assert!(!inodes.is_empty());
    for table in ["tcp", "tcp6", "udp", "udp6"] {
        let text = std::fs::read_to_string(format!("/proc/net/{table}")).unwrap_or_default();
        for row in text.lines().skip(1) {
            let inode = row.split_whitespace().nth(9).unwrap_or_default();
            assert!(!inodes.contains(inode), "hotnode has an inet socket: {table} {row}");
        }
    }
}

#[test]
fn a_peer_without_the_token_or_of_another_user_gets_nothing() {
    let (app, mut run, socket, token) = start("channel-no-token");
    let mut wrong = UnixStream::connect(&socket).unwrap();
    wrong.write_all(hello(&"0".repeat(32)).as_bytes()).unwrap();
    // hotnode may have closed the connection on the wrong token already: the write can fail.
    let _ = wrong.write_all(b"{\"type\":\"fetch\",\"rid\":1,\"specifier\":\"./value.js\",\"importer\":null}\n");
    assert!(all_it_gets(&mut wrong).is_empty());
    // A hello that never ends holds no memory: the connection closes after 64 KB.
    let mut endless = UnixStream::connect(&socket).unwrap();
    let _ = endless.write_all(&vec![b'x'; 1 << 20]);
    assert!(all_it_gets(&mut endless).is_empty());
    // A token of the right length but not this session's, then the right one too late.
    let mut late = UnixStream::connect(&socket).unwrap();
    late.write_all(b"garbage\n").unwrap();
    let _ = late.write_all(hello(&token).as_bytes());
    assert!(all_it_gets(&mut late).is_empty());

    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        use std::os::unix::process::CommandExt;
        let connect = "require('net').connect(process.argv[1]).on('connect', () => console.log('CONNECTED')).on('error', (e) => console.log(e.code))";
        let output = Command::new("node")
            .args(["-e", connect, &socket.display().to_string()])
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "EACCES", "{output:?}");
    }
    // None of it disturbed the session.
    app.write("value.js", "export const v = 1;\n");
    run.expect("NOW 1");
}

#[test]
fn a_malformed_frame_is_an_error_not_a_crash() {
    let (app, mut run, socket, token) = start("channel-malformed");
    let mut peer = UnixStream::connect(&socket).unwrap();
    peer.write_all(hello(&token).as_bytes()).unwrap();
    for frame in [
        &b"not json\n"[..],
        b"{\"type\":\"no-such-message\"}\n",
        b"{\"type\":\"fetch\",\"rid\":\"one\"}\n",
        b"[1,2,3]\n",
        b"\xff\xfe\n",
        b"{\"type\":\"updated\",\"changed\":null}\n",
    ] {
        peer.write_all(frame).unwrap();
    }
    run.expect("ignored a malformed message from the runtime");
    drop(peer);
    app.write("value.js", "export const v = 1;\n");
    run.expect("NOW 1");
    assert!(!run.output().contains("panicked"), "{}", run.output());
}

#[test]
fn the_runtime_only_receives_files_of_the_project() {
    let (app, mut run, socket, token) = start("channel-files");
    let mut peer = UnixStream::connect(&socket).unwrap();
    peer.write_all(hello(&token).as_bytes()).unwrap();
    let entry = app.dir.join("main.js").display().to_string();
    let secret = std::env::temp_dir().join(format!("hotnode-secret-{}.js", std::process::id()));
    std::fs::write(&secret, "export const secret = 'SECRET-CONTENT';\n").unwrap();
    let requests = [
        (1, secret.display().to_string(), "null".to_string()),
        (2, format!("../{}", secret.file_name().unwrap().to_string_lossy()), format!("\"{entry}\"")),
        (3, "/etc/hostname".to_string(), format!("\"{entry}\"")),
    ];
    for (rid, specifier, importer) in &requests {
        writeln!(peer, "{{\"type\":\"fetch\",\"rid\":{rid},\"specifier\":\"{specifier}\",\"importer\":{importer}}}")
            .unwrap();
    }
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut replies = BufReader::new(peer.try_clone().unwrap()).lines();
    for _ in &requests {
        let reply = replies.next().unwrap().unwrap();
        assert!(reply.contains("\"type\":\"modules\""), "{reply}");
        assert!(
            !reply.contains("SECRET-CONTENT") && !reply.contains("\"code\""),
            "a file outside the project was sent: {reply}"
        );
        assert!(reply.contains("outside the project root") || reply.contains("Cannot find"), "{reply}");
    }
    std::fs::remove_file(&secret).unwrap();
    drop(peer);
    app.write("value.js", "export const v = 1;\n");
    run.expect("NOW 1");
}

#[test]
fn the_token_reaches_only_the_processes_that_join_the_session() {
    let app = TempApp::new(
        "token-stays",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import { execFileSync } from 'node:child_process';\nimport { Worker } from 'node:worker_threads';\nconsole.log('OUT app sees ' + Object.keys(process.env).filter((k) => k.startsWith('HOTNODE')).join(',') + '.');\nconst child = execFileSync(process.execPath, ['-e', 'console.log(Object.keys(process.env).filter((k) => k.startsWith(\"HOTNODE\")).join(\",\"))']);\nconsole.log('OUT spawned child sees ' + String(child).trim() + '.');\nnew Worker(new URL('./worker.js', import.meta.url));\nsetInterval(() => {}, 1000);\n",
            ),
            (
                "worker.js",
                "console.log('OUT worker joined ' + Object.keys(process.env).filter((k) => k.startsWith('HOTNODE')).join(',') + '.');\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT app sees .");
    run.expect("OUT spawned child sees .");
    // A worker of an app file joins (it is hot) without the token in its environment either.
    run.expect("OUT worker joined .");
    run.expect("worker thread");
}
