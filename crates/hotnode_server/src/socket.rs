//! The private control socket: a Unix socket in a fresh 0700 folder, mode 0600, and a random
//! token the runtime must present first. A connection that does not, or that sends anything
//! malformed before it, is closed; nothing listens on TCP.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::protocol::{ProcessInfo, RuntimeMessage};

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("cannot create the control folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("cannot listen on {path}: {source}")]
    Listen { path: PathBuf, source: std::io::Error },
    #[error("cannot read random bytes for the session token: {0}")]
    Random(std::io::Error),
}

pub enum ConnectionEvent {
    /// A runtime presented the token.
    Connected {
        id: u64,
        process: ProcessInfo,
        writer: UnixStream,
    },
    Message {
        id: u64,
        message: RuntimeMessage,
    },
    /// A line that is not a valid message: reported, then ignored.
    Malformed {
        id: u64,
        error: String,
    },
    Closed {
        id: u64,
    },
}

pub struct ControlSocket {
    pub dir: PathBuf,
    pub path: PathBuf,
    pub token: String,
    listener: UnixListener,
}

impl ControlSocket {
    pub fn create() -> Result<Self, SocketError> {
        let token = random_hex(16).map_err(SocketError::Random)?;
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        remove_stale_folders(&base);
        // Nothing of the token in the name: a name is public (any user lists the temp folder).
        let nonce = random_hex(4).map_err(SocketError::Random)?;
        let dir = base.join(format!("{FOLDER_PREFIX}{}-{nonce}", std::process::id()));
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|source| SocketError::Folder { path: dir.clone(), source })?;
        let path = dir.join("control.sock");
        let listener =
            UnixListener::bind(&path).map_err(|source| SocketError::Listen { path: path.clone(), source })?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
            .map_err(|source| SocketError::Listen { path: path.clone(), source })?;
        Ok(Self { dir, path, token, listener })
    }

    /// Accepts connections on a thread of its own; each connection is read on its own thread
    /// and reported to `sink`.
    pub fn serve(self, sink: impl Fn(ConnectionEvent) + Send + Sync + 'static) -> PathBuf {
        let sink = Arc::new(sink);
        let token = Arc::new(self.token);
        let next_id = Arc::new(AtomicU64::new(1));
        let dir = self.dir.clone();
        let listener = self.listener;
        std::thread::Builder::new()
            .name("hotnode-accept".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let id = next_id.fetch_add(1, Ordering::Relaxed);
                    let sink = Arc::clone(&sink);
                    let token = Arc::clone(&token);
                    let _ = std::thread::Builder::new()
                        .name(format!("hotnode-conn-{id}"))
                        .spawn(move || read_connection(id, stream, &token, &*sink));
                }
            })
            .expect("spawning a thread");
        dir
    }
}

const FOLDER_PREFIX: &str = "hotnode-";

/// Control folders of sessions whose hotnode is gone (killed with SIGKILL, or a crash): the pid
/// in the name no longer runs, or runs as another program. Only this user's folders are touched.
fn remove_stale_folders(base: &std::path::Path) {
    let Ok(entries) = fs::read_dir(base) else { return };
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(FOLDER_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else { continue };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_dir() || std::os::unix::fs::MetadataExt::uid(&meta) != uid || pid == std::process::id() as i32 {
            continue;
        }
        let alive = fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe.file_name().is_some_and(|n| n.to_string_lossy().starts_with("hotnode")));
        if !alive && entry.path().join("control.sock").exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The pid of the process at the other end of a Unix socket, from the kernel (SO_PEERCRED):
/// what a hello says of itself is not trusted for the pids hotnode signals.
fn peer_pid(stream: &UnixStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, a ucred on our stack.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0 && cred.pid > 0).then_some(cred.pid as u32)
}

/// The hello must come whole within this many bytes and this long, or the connection closes:
/// a peer without the token can hold neither memory nor a thread.
const HELLO_MAX_BYTES: usize = 64 * 1024;
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// A message from the runtime longer than this is a broken runtime: the connection closes.
const MESSAGE_MAX_BYTES: usize = 64 * 1024 * 1024;

fn read_connection(id: u64, stream: UnixStream, token: &str, sink: &dyn Fn(ConnectionEvent)) {
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let _ = stream.set_read_timeout(Some(HELLO_TIMEOUT));
    let mut reader = BufReader::new(stream);
    // The first line must be the hello with the session token; anything else ends the connection.
    let process = match read_line(&mut reader, HELLO_MAX_BYTES) {
        Ok(Some(line)) => match serde_json::from_slice::<RuntimeMessage>(&line) {
            Ok(RuntimeMessage::Hello { token: given, process })
                if constant_time_eq(given.as_bytes(), token.as_bytes()) =>
            {
                process
            }
            _ => return,
        },
        _ => return,
    };
    let _ = reader.get_ref().set_read_timeout(None);
    // The pid is the kernel's word, not the hello's: a token holder cannot have hotnode signal
    // a process that is not the one connected.
    let Some(pid) = peer_pid(reader.get_ref()) else { return };
    let process = ProcessInfo { pid, ..process };
    sink(ConnectionEvent::Connected { id, process, writer });
    loop {
        let line = match read_line(&mut reader, MESSAGE_MAX_BYTES) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(error) => {
                sink(ConnectionEvent::Malformed { id, error });
                break;
            }
        };
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<RuntimeMessage>(&line) {
            Ok(message) => sink(ConnectionEvent::Message { id, message }),
            Err(err) => sink(ConnectionEvent::Malformed { id, error: err.to_string() }),
        }
    }
    sink(ConnectionEvent::Closed { id });
}

/// One line without its newline; `None` at the end of the stream. A line longer than `max`
/// bytes, or a read error, is an error (said in words); a reset connection is an end (a
/// process that exits with messages it never read resets it: a Ctrl-C right after a save).
fn read_line(reader: &mut impl BufRead, max: usize) -> Result<Option<Vec<u8>>, String> {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
    let mut line = Vec::new();
    let read = match reader.take(max as u64 + 1).read_until(b'\n', &mut line) {
        Ok(read) => read,
        Err(err) if matches!(err.kind(), ConnectionReset | ConnectionAborted | BrokenPipe) => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(Some(line));
    }
    if line.len() > max {
        return Err(format!("a message longer than {max} bytes"));
    }
    // The peer closed in the middle of a line: what came is all there is.
    Ok(Some(line))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn socket_is_private_and_checks_the_token() {
        let socket = ControlSocket::create().unwrap();
        let (path, token) = (socket.path.clone(), socket.token.clone());
        let name = socket.dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.contains(&token[..8]), "the folder's name {name} carries the token");
        let dir_mode = fs::metadata(&socket.dir).unwrap().permissions().mode() & 0o777;
        let sock_mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!((dir_mode, sock_mode), (0o700, 0o600));
        let (tx, rx) = mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let dir = socket.serve(move |event| {
            let label = match event {
                ConnectionEvent::Connected { process, .. } => format!("connected {}", process.pid),
                ConnectionEvent::Message { .. } => "message".into(),
                ConnectionEvent::Malformed { .. } => "malformed".into(),
                ConnectionEvent::Closed { .. } => "closed".into(),
            };
            tx.lock().unwrap().send(label).unwrap();
        });
        let mut bad = UnixStream::connect(&path).unwrap();
        writeln!(bad, r#"{{"type":"hello","token":"wrong","pid":1}}"#).unwrap();
        let mut good = UnixStream::connect(&path).unwrap();
        writeln!(good, r#"{{"type":"hello","token":"{token}","pid":42}}"#).unwrap();
        writeln!(good, "not json").unwrap();
        drop(good);
        let wait = || rx.recv_timeout(Duration::from_secs(5)).unwrap();
        // The hello said 42; the kernel says who connected (this test's process).
        assert_eq!(wait(), format!("connected {}", std::process::id()));
        assert_eq!(wait(), "malformed");
        assert_eq!(wait(), "closed");
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err(), "the wrong token got through");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_control_folder_of_a_hotnode_that_is_gone_is_removed() {
        let base = std::env::temp_dir().join(format!("hotnode-stale-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        // A pid that is not a hotnode (this test), and one that cannot be running.
        let stale = base.join(format!("{FOLDER_PREFIX}999999999-00ff00ff"));
        let other = base.join(format!("{FOLDER_PREFIX}1-abcdabcd"));
        let unrelated = base.join("hotnode-notes");
        for dir in [&stale, &other, &unrelated] {
            fs::create_dir_all(dir).unwrap();
        }
        fs::write(stale.join("control.sock"), "").unwrap();
        remove_stale_folders(&base);
        assert!(!stale.exists());
        assert!(other.exists(), "without a control socket it is not a control folder");
        assert!(unrelated.exists());
        fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_line_is_bounded_a_cut_line_is_what_came_and_a_reset_is_an_end() {
        let mut long = BufReader::new(&b"0123456789\nabc"[..]);
        assert!(read_line(&mut long, 4).unwrap_err().contains("longer than 4 bytes"));
        let mut lines = BufReader::new(&b"{}\n\nlast"[..]);
        assert_eq!(read_line(&mut lines, 100).unwrap(), Some(b"{}".to_vec()));
        assert_eq!(read_line(&mut lines, 100).unwrap(), Some(Vec::new()));
        assert_eq!(read_line(&mut lines, 100).unwrap(), Some(b"last".to_vec()));
        assert_eq!(read_line(&mut lines, 100).unwrap(), None);
        struct Reset;
        impl Read for Reset {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::ConnectionReset.into())
            }
        }
        assert_eq!(read_line(&mut std::io::BufReader::new(Reset), 100).unwrap(), None);
    }
}
