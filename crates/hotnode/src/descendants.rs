//! Processes the app leaves behind. The keeper (`keeper.rs`), the app's parent, is a child
//! subreaper (PR_SET_CHILD_SUBREAPER): a process the app started (`spawn(process.execPath,
//! ["svc.js"])`, a grandchild) whose parent has exited is re-parented to the keeper instead of
//! to init, so when an app process exits (a restart, a crash, hotnode's exit, hotnode killed)
//! what it left is found among the keeper's children and ended: SIGTERM, then SIGKILL after a
//! grace, and reaped. hotnode is a subreaper too, for the keeper's children should the keeper be
//! killed.
//!
//! Why a subreaper: a process group would also catch a child that survives its parent, but the
//! app must stay in the terminal's group (Ctrl-C reaches it directly, and hotnode forwards
//! nothing twice), and a process may leave its group; a pid namespace or a cgroup needs
//! privileges hotnode does not have everywhere. A process that made itself a daemon (double
//! fork and `setsid`) is caught all the same.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// How long a left-behind process has after SIGTERM before SIGKILL.
const ORPHAN_GRACE: Duration = Duration::from_secs(2);

/// App processes the keeper started and waits for itself (their exit is the app's): never taken
/// for left-behind ones.
static STARTED: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// Makes this process the subreaper of everything it starts.
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// An app process the keeper started; its own reaper waits for it.
pub fn started(pid: i32) {
    if let Ok(mut started) = STARTED.lock() {
        started.get_or_insert_with(HashSet::new).insert(pid);
    }
}

/// Its reaper has waited for it.
pub fn reaped(pid: i32) {
    if let Ok(mut started) = STARTED.lock()
        && let Some(started) = started.as_mut()
    {
        started.remove(&pid);
    }
}

/// Ends what the app left behind: this process's children it did not start itself, except `spared`
/// (processes attached to the session, which are stopped their own way), with their
/// descendants. The SIGKILL and the reaping happen on a thread, returned to wait for when
/// hotnode is about to exit.
pub fn end_left_behind(spared: &HashSet<i32>) -> Option<std::thread::JoinHandle<()>> {
    let ours = std::process::id() as i32;
    let started: HashSet<i32> = STARTED.lock().ok().and_then(|s| s.clone()).unwrap_or_default();
    let table = process_table();
    let orphans: Vec<i32> = table
        .iter()
        .filter(|(pid, ppid)| *ppid == ours && !started.contains(pid) && !spared.contains(pid))
        .map(|(pid, _)| *pid)
        .collect();
    if orphans.is_empty() {
        return None;
    }
    let doomed = with_descendants(&table, orphans.clone());
    for &pid in &doomed {
        // SAFETY: kill(2) on a process found just now among this process's descendants.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    std::thread::Builder::new()
        .name("hotnode-orphans".into())
        .spawn(move || {
            std::thread::sleep(ORPHAN_GRACE);
            for &pid in &doomed {
                // Still one of ours (a child is ours until reaped: its pid cannot be reused before).
                if table_parent(pid).is_some_and(|ppid| ppid == ours || doomed.contains(&ppid)) {
                    // SAFETY: as above.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
            for pid in orphans {
                // SAFETY: waitpid on a child of this process, named by pid (never -1: the app's own
                // reaper waits for the app).
                unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
            }
        })
        .ok()
}

/// Ends every descendant of this process, however deep, and whatever became of its parent:
/// SIGTERM to each as it is found, SIGKILL to what is still there after `grace`; reaps its
/// children meanwhile (a descendant whose parent exits becomes this subreaper's child).
pub fn end_all(grace: Duration) {
    let ours = std::process::id() as i32;
    let deadline = std::time::Instant::now() + grace;
    let mut told = HashSet::new();
    let mut killed = 0;
    loop {
        reap_exited();
        let living = living_descendants(ours);
        if living.is_empty() || killed > 50 {
            return;
        }
        let late = std::time::Instant::now() >= deadline;
        for pid in living {
            if late {
                // SAFETY: kill(2) on a live process found just now below this one (a descendant
                // is never reaped by anyone but its ancestors, so its pid is not reused).
                unsafe { libc::kill(pid, libc::SIGKILL) };
            } else if told.insert(pid) {
                // SAFETY: as above.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
        }
        if late {
            killed += 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reaps this process's children that have exited, without waiting.
fn reap_exited() {
    // SAFETY: waitpid with WNOHANG on any child; the status is not read.
    while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
}

/// The descendants of `root` that have not exited (zombies left out).
fn living_descendants(root: i32) -> Vec<i32> {
    let below = with_descendants(&process_table(), vec![root]);
    below.into_iter().skip(1).filter(|&pid| stat_of(pid).is_some_and(|(state, _)| state != 'Z')).collect()
}

/// `roots` followed by all their descendants in `table`, parents before children.
fn with_descendants(table: &[(i32, i32)], roots: Vec<i32>) -> Vec<i32> {
    let mut all = roots;
    for i in 0.. {
        let Some(&parent) = all.get(i) else { break };
        all.extend(table.iter().filter(|(_, ppid)| *ppid == parent).map(|(pid, _)| *pid));
    }
    all
}

/// Every process's pid and parent pid, from /proc.
fn process_table() -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, table_parent(pid)?)))
        .collect()
}

/// The parent pid of `pid`.
fn table_parent(pid: i32) -> Option<i32> {
    stat_of(pid).map(|(_, ppid)| ppid)
}

/// The state and parent pid of `pid` (fields 3 and 4 of /proc/<pid>/stat, after the
/// parenthesized name, which may hold spaces and parentheses).
fn stat_of(pid: i32) -> Option<(char, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    Some((state, fields.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_of_a_process_is_read_from_proc() {
        let ours = std::process::id() as i32;
        // SAFETY: getppid has no preconditions.
        let parent = unsafe { libc::getppid() };
        assert_eq!(table_parent(ours), Some(parent));
        assert!(process_table().iter().any(|(pid, _)| *pid == ours));
    }
}
