//! `readHail`: HAIL files read on the libuv thread pool in batches, so a big file never blocks
//! the event loop. Each batch crosses as one JSON array of canonical event lines.

use crate::error::{self, Job};
use hailog::hail::{self, ReadOptions, Reader};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

enum State {
    Unopened(PathBuf),
    Open(Box<Reader<BufReader<File>>>),
    Done,
}

#[napi(js_name = "NativeHailReader")]
pub struct NativeHailReader {
    state: Arc<Mutex<State>>,
}

fn next_batch(state: &Mutex<State>, max: usize) -> error::Result<Option<String>> {
    let mut state = state
        .lock()
        .map_err(|_| napi::Error::new(error::PANIC, "HAIL reader lock poisoned".to_string()))?;
    if let State::Unopened(path) = &*state {
        let file = File::open(path).map_err(|source| {
            error::to_js(
                hailog::store::StorageError::Io {
                    path: path.clone(),
                    source,
                }
                .into(),
            )
        })?;
        let reader = Reader::with_options(BufReader::new(file), ReadOptions::default())
            .map_err(|e| error::to_js(e.into()));
        *state = match reader {
            Ok(reader) => State::Open(Box::new(reader)),
            Err(e) => {
                *state = State::Done;
                return Err(e);
            }
        };
    }
    let State::Open(reader) = &mut *state else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(max * 256);
    out.push(b'[');
    let mut count = 0;
    while count < max {
        match reader.next() {
            Some(Ok(event)) => {
                if count > 0 {
                    out.push(b',');
                }
                hail::write_event_line(&event, &mut out);
                count += 1;
            }
            Some(Err(e)) => {
                *state = State::Done;
                return Err(error::to_js(e.into()));
            }
            None => {
                *state = State::Done;
                break;
            }
        }
    }
    if count == 0 {
        return Ok(None);
    }
    out.push(b']');
    String::from_utf8(out)
        .map(Some)
        .map_err(|e| napi::Error::new(error::PANIC, format!("event JSON: {e}")))
}

#[napi]
impl NativeHailReader {
    #[napi(constructor)]
    pub fn new(path: String) -> Self {
        NativeHailReader {
            state: Arc::new(Mutex::new(State::Unopened(PathBuf::from(path)))),
        }
    }

    /// The next `max` events as a JSON array, or null at the end. The file is opened by the
    /// first call, off the JS thread.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next_batch(&self, max: u32) -> AsyncTask<Job<Option<String>>> {
        let state = Arc::clone(&self.state);
        let max = (max as usize).max(1);
        AsyncTask::new(Job::new(move || next_batch(&state, max)))
    }
}
