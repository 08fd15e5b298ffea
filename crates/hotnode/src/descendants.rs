//! Processes the app leaves behind. hotnode is a child subreaper (PR_SET_CHILD_SUBREAPER): a
//! process the app started (`spawn(process.execPath, ["svc.js"])`, a grandchild) whose parent
//! has exited is re-parented to hotnode instead of to init, so when an app process exits
//! (a restart, a crash, hotnode's own exit) what it left is found among hotnode's children and
//! ended: SIGTERM, then SIGKILL after a grace, and reaped.
//!
//! Why a subreaper: a process group would also catch a child that survives its parent, but the
//! app must stay in the terminal's group (Ctrl-C reaches it directly, and hotnode forwards
//! nothing twice); a pid namespace or a cgroup needs privileges hotnode does not have. What no
//! unprivileged means catches: hotnode itself killed with SIGKILL (the app gets SIGTERM from
//! PR_SET_PDEATHSIG, what it started goes to init), and a process that made itself a daemon
//! (double fork and `setsid`) before its parent exited is ours all the same.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// How long a left-behind process has after SIGTERM before SIGKILL.
const ORPHAN_GRACE: Duration = Duration::from_secs(2);

/// App processes hotnode started and waits for itself (their exit is the app's): never taken
/// for left-behind ones.
static STARTED: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// Makes this process the subreaper of everything it starts.
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// An app process hotnode started; its own reaper waits for it.
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

/// Ends what the app left behind: hotnode's children it did not start itself, except `spared`
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
    let mut doomed = orphans.clone();
    for i in 0.. {
        let Some(&parent) = doomed.get(i) else { break };
        doomed.extend(table.iter().filter(|(_, ppid)| *ppid == parent).map(|(pid, _)| *pid));
    }
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

/// Every process's pid and parent pid, from /proc.
fn process_table() -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, table_parent(pid)?)))
        .collect()
}

/// The parent pid of `pid` (field 4 of /proc/<pid>/stat, after the parenthesized name).
fn table_parent(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
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
