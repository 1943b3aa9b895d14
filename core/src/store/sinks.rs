//! Sinks besides SQLite. The writer thread hands each of them the events it has just made
//! durable (with SQLite present: only events stored for the first time, so a replay reaches no
//! sink twice).

use super::StorageError;
use crate::Event;
use std::sync::{Arc, Mutex, MutexGuard};

/// Something the writer thread delivers stored events to. Runs on the writer thread, never on the
/// caller's.
pub trait Sink: Send {
    /// A short name used in error messages.
    fn name(&self) -> &'static str;
    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError>;
    /// Makes everything written so far durable (for file sinks: fsync).
    fn flush(&mut self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// Keeps every event in memory; clone the handle to read them back (tests, dashboards).
#[derive(Clone, Default)]
pub struct MemorySink {
    events: Arc<Mutex<Vec<Event>>>,
}

impl MemorySink {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Event>> {
        // A poisoned lock only means another thread panicked while pushing; the data is intact.
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of every event received so far, in arrival order.
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Sink for MemorySink {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError> {
        self.lock().extend(events.iter().map(|e| (*e).clone()));
        Ok(())
    }
}

/// Calls a function for every stored event (forwarding to another system, live dashboards).
pub struct CallbackSink {
    callback: Box<dyn FnMut(&Event) + Send>,
}

impl CallbackSink {
    pub fn new(callback: impl FnMut(&Event) + Send + 'static) -> Self {
        CallbackSink {
            callback: Box::new(callback),
        }
    }
}

impl Sink for CallbackSink {
    fn name(&self) -> &'static str {
        "callback"
    }

    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError> {
        // A panicking callback must not kill the writer thread (and with it every later event).
        for ev in events {
            let call = std::panic::AssertUnwindSafe(|| (self.callback)(ev));
            if std::panic::catch_unwind(call).is_err() {
                return Err(StorageError::Sink {
                    sink: "callback",
                    message: format!("the callback panicked on event {}", ev.event_id),
                });
            }
        }
        Ok(())
    }
}
