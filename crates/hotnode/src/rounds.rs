//! One update across the processes of a session. hotnode sends an update to every process that
//! holds a changed module; each process answers `updated` (what it re-evaluated, if anything)
//! and then `settled`. The terminal line is printed once per update, when every process it went
//! to has settled or gone, and says how many of them took it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use hotnode_server::protocol::FailedModule;

use crate::changes::push_once;

/// What one process reported for an update (or, in `Finished`, all of them together).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub changed: Vec<String>,
    pub reevaluated: usize,
    pub accepted: Vec<String>,
    /// `import()` boundaries that run the new code at their next import.
    pub next_import: Vec<String>,
    /// Modules whose running functions took new bodies, and how many functions.
    pub refreshed: Vec<String>,
    pub refreshed_functions: usize,
    pub failed: Vec<FailedModule>,
    /// The process's own time for the update (the longest, merged).
    pub ms: f64,
}

impl Outcome {
    /// The process runs new code (a failure that no boundary accepted leaves it on the old).
    fn took(&self) -> bool {
        self.failed.is_empty()
            || !self.accepted.is_empty()
            || !self.next_import.is_empty()
            || !self.refreshed.is_empty()
    }
}

/// An update every process is done with.
#[derive(Debug, Default)]
pub struct Finished {
    pub started: Option<Instant>,
    /// Processes that reported new code running.
    pub took: usize,
    /// The outcomes merged: paths and failures each once, re-evaluations summed.
    pub total: Outcome,
}

impl Finished {
    pub fn merge(started: Option<Instant>, outcomes: Vec<Outcome>) -> Self {
        let mut finished = Finished { started, ..Finished::default() };
        let total = &mut finished.total;
        for outcome in outcomes {
            finished.took += usize::from(outcome.took());
            total.reevaluated += outcome.reevaluated;
            total.ms = total.ms.max(outcome.ms);
            for path in outcome.changed {
                push_once(&mut total.changed, path);
            }
            for path in outcome.accepted {
                push_once(&mut total.accepted, path);
            }
            for path in outcome.next_import {
                push_once(&mut total.next_import, path);
            }
            for path in outcome.refreshed {
                push_once(&mut total.refreshed, path);
            }
            // Each process refreshes the same functions: counted once.
            total.refreshed_functions = total.refreshed_functions.max(outcome.refreshed_functions);
            for failure in outcome.failed {
                if !total.failed.iter().any(|f| f.id == failure.id && f.message == failure.message) {
                    total.failed.push(failure);
                }
            }
        }
        finished
    }

    /// Nothing to report: every process that got the update had it coalesced into a later one.
    pub fn is_empty(&self) -> bool {
        self.total.changed.is_empty() && self.total.failed.is_empty()
    }
}

struct Round {
    seq: u64,
    started: Instant,
    /// The files it carries, to name it if it does not finish.
    changed: Vec<PathBuf>,
    awaiting: HashSet<u64>,
    outcomes: Vec<Outcome>,
}

#[derive(Default)]
pub struct Rounds {
    last_seq: u64,
    open: Vec<Round>,
    /// Outcomes a process reported before its `settled` said which update they belong to.
    held: HashMap<u64, Vec<Outcome>>,
    /// When a process last reported on an update (a busy process is not a stuck one).
    progress: Option<Instant>,
}

impl Rounds {
    /// The number for the next update message.
    pub fn next_seq(&mut self) -> u64 {
        self.last_seq += 1;
        self.last_seq
    }

    /// Waits for `processes` to settle update `seq`.
    pub fn open(&mut self, seq: u64, processes: impl IntoIterator<Item = u64>, started: Instant, changed: &[PathBuf]) {
        let awaiting: HashSet<u64> = processes.into_iter().collect();
        if !awaiting.is_empty() {
            self.open.push(Round { seq, started, changed: changed.to_vec(), awaiting, outcomes: Vec::new() });
        }
    }

    /// The oldest update not finished yet: its number, since when nothing moved (it went out,
    /// or a process last reported on an update) and what it carries.
    pub fn oldest(&self) -> Option<(u64, Instant, &[PathBuf])> {
        let round = self.open.iter().min_by_key(|r| r.started)?;
        let still = self.progress.map_or(round.started, |at| at.max(round.started));
        Some((round.seq, still, round.changed.as_slice()))
    }

    /// Forgets every open update (the app restarts: no process will settle them).
    pub fn abandon(&mut self) {
        self.open.clear();
        self.held.clear();
    }

    /// An `updated` from a process. Held until its `settled` when an update waits for it;
    /// otherwise (an invalidation, an update the app applied itself) it stands alone.
    pub fn updated(&mut self, process: u64, outcome: Outcome) -> Option<Finished> {
        self.progress = Some(Instant::now());
        if self.open.iter().any(|r| r.awaiting.contains(&process)) {
            self.held.entry(process).or_default().push(outcome);
            None
        } else {
            Some(Finished::merge(None, vec![outcome]))
        }
    }

    /// A process is done with every update up to `seq`. A process applies updates that arrive
    /// together as one, so what it reported belongs to the newest of them.
    pub fn settled(&mut self, process: u64, seq: u64) -> Vec<Finished> {
        self.release(process, seq)
    }

    /// A process exited (or restarts): it settles nothing more.
    pub fn closed(&mut self, process: u64) -> Vec<Finished> {
        self.release(process, u64::MAX)
    }

    fn release(&mut self, process: u64, seq: u64) -> Vec<Finished> {
        self.progress = Some(Instant::now());
        let held = self.held.remove(&process).unwrap_or_default();
        let newest =
            self.open.iter_mut().filter(|r| r.seq <= seq && r.awaiting.contains(&process)).max_by_key(|r| r.seq);
        if let Some(round) = newest {
            round.outcomes.extend(held);
        }
        for round in self.open.iter_mut().filter(|r| r.seq <= seq) {
            round.awaiting.remove(&process);
        }
        let (done, open): (Vec<Round>, Vec<Round>) =
            std::mem::take(&mut self.open).into_iter().partition(|r| r.awaiting.is_empty());
        self.open = open;
        done.into_iter().map(|r| Finished::merge(Some(r.started), r.outcomes)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(changed: &str, accepted: &[&str], failed: &[&str]) -> Outcome {
        Outcome {
            changed: vec![changed.into()],
            reevaluated: 2,
            accepted: accepted.iter().map(|a| a.to_string()).collect(),
            next_import: Vec::new(),
            refreshed: Vec::new(),
            refreshed_functions: 0,
            failed: failed
                .iter()
                .map(|f| FailedModule { id: f.to_string(), message: "boom".into(), stack: String::new() })
                .collect(),
            ms: 1.0,
        }
    }

    #[test]
    fn an_update_finishes_when_every_process_it_went_to_has_settled() {
        let mut rounds = Rounds::default();
        let seq = rounds.next_seq();
        rounds.open(seq, [1, 2, 3], Instant::now(), &[]);
        assert!(rounds.updated(1, outcome("/a", &["/r"], &[])).is_none());
        assert!(rounds.settled(1, seq).is_empty());
        assert!(rounds.updated(2, outcome("/a", &["/r"], &[])).is_none());
        assert!(rounds.settled(2, seq).is_empty());
        // Process 3 does not hold a module the update replaces: it settles without an outcome.
        let finished = rounds.settled(3, seq);
        assert_eq!(finished.len(), 1);
        let finished = &finished[0];
        assert_eq!((finished.took, finished.total.reevaluated), (2, 4));
        assert_eq!(
            (finished.total.changed.clone(), finished.total.accepted.clone()),
            (vec!["/a".into()], vec!["/r".into()])
        );
    }

    #[test]
    fn a_process_that_exits_counts_as_settled() {
        let mut rounds = Rounds::default();
        let seq = rounds.next_seq();
        rounds.open(seq, [1, 2], Instant::now(), &[]);
        rounds.updated(1, outcome("/a", &["/r"], &[]));
        assert!(rounds.settled(1, seq).is_empty());
        let finished = rounds.closed(2);
        assert_eq!(finished.len(), 1);
        assert_eq!(finished[0].took, 1);
    }

    #[test]
    fn updates_applied_together_report_under_the_newest() {
        let mut rounds = Rounds::default();
        let (first, second) = (rounds.next_seq(), rounds.next_seq());
        rounds.open(first, [1], Instant::now(), &[]);
        rounds.open(second, [1], Instant::now(), &[]);
        rounds.updated(1, outcome("/a", &["/r"], &[]));
        let finished = rounds.settled(1, second);
        assert_eq!(finished.len(), 2);
        let reported: Vec<bool> = finished.iter().map(|f| f.is_empty()).collect();
        let newest = finished.iter().position(|f| !f.is_empty()).unwrap();
        assert_eq!(reported.iter().filter(|e| !**e).count(), 1);
        assert_eq!(finished[newest].took, 1);
    }

    #[test]
    fn the_same_failure_in_two_processes_is_reported_once_and_neither_took_it() {
        let mut rounds = Rounds::default();
        let seq = rounds.next_seq();
        rounds.open(seq, [1, 2], Instant::now(), &[]);
        rounds.updated(1, outcome("/a", &[], &["/a"]));
        rounds.updated(2, outcome("/a", &[], &["/a"]));
        rounds.settled(1, seq);
        let finished = rounds.settled(2, seq);
        assert_eq!((finished[0].took, finished[0].total.failed.len()), (0, 1));
    }

    #[test]
    fn an_outcome_no_update_waits_for_stands_alone() {
        let mut rounds = Rounds::default();
        let finished = rounds.updated(7, outcome("/a", &["/a"], &[])).expect("reported at once");
        assert_eq!(finished.took, 1);
        assert!(finished.started.is_none());
    }
}
