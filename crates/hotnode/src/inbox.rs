//! The session's input: one channel of events (file events, the runtime's messages, the app's
//! exits, signals), and the events taken from it ahead of their turn.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc;

use hotnode_server::socket::ConnectionEvent;
use hotnode_server::watch::{Batch, Batcher, Change};

use crate::app_process::Exit;

pub enum Event {
    File(PathBuf, Change),
    Connection(ConnectionEvent),
    AppExited {
        generation: u64,
        exit: Exit,
    },
    /// A signal to hotnode; `forward` is false when the app got it too (from the terminal).
    Signal {
        signal: i32,
        forward: bool,
    },
}

/// Events taken from the channel ahead of their turn: file events gathered into one batch, and
/// the other events that arrived while they were gathered, handled after them.
#[derive(Default)]
pub struct Inbox {
    pub files: Batcher,
    pub deferred: VecDeque<Event>,
}

impl Inbox {
    /// Every file event already queued, without waiting.
    pub fn queued_files(&mut self, events: &mpsc::Receiver<Event>) -> Batch {
        while let Ok(event) = events.try_recv() {
            match event {
                Event::File(path, change) => self.files.add(path, change),
                other => self.deferred.push_back(other),
            }
        }
        self.files.take()
    }
}
