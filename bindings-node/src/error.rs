//! Error mapping: every core failure becomes a JS error whose `code` is the core's stable
//! [`hailog::Error::code`] and whose message carries the whole cause chain.

use napi::bindgen_prelude::{Env, JsError, Unknown};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The `code` property of a thrown JS error. napi-rs writes `AsRef<str>` of the status there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// What sync entry points return: the thrown error carries our code, not a napi status. (Named
/// `Result` because napi-derive recognises a fallible return by that name.)
pub type Result<T> = napi::Result<T, Code>;

/// Code for a Rust panic caught at the boundary: a bug in hailog, never the caller's fault.
pub const PANIC: Code = Code("internal");

/// The error's message followed by each distinct `source()` below it.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // `#[error(transparent)]` and "{0}" wrappers repeat their source's text verbatim.
        if !message.ends_with(&text) {
            message.push_str(": caused by: ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

pub fn to_js(err: hailog::Error) -> napi::Error<Code> {
    napi::Error::new(Code(err.code()), chain(&err))
}

/// Runs work off the JS thread with panics turned into an `internal` error: napi-rs does not
/// catch unwinds inside `AsyncTask::compute`, and an unwind out of it would abort the process.
pub fn guard<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic payload");
            Err(napi::Error::new(PANIC, format!("hailog panicked: {text}")))
        }
    }
}

/// Turns a coded error into the napi status error that `AsyncTask::resolve` must return, while
/// keeping the coded JS error object itself as the rejection value.
pub fn reject(env: &Env, err: napi::Error<Code>) -> napi::Error {
    let value = JsError::from(err).into_unknown(*env);
    napi::Error::from(value as Unknown)
}

/// Work for the libuv thread pool whose failure keeps its coded error. Each entry point that
/// takes one declares its TS return type (`Promise<...>`) itself.
pub struct Job<T> {
    work: Option<Box<dyn FnOnce() -> Result<T> + Send>>,
}

impl<T> Job<T> {
    pub fn new(work: impl FnOnce() -> Result<T> + Send + 'static) -> Self {
        Job {
            work: Some(Box::new(work)),
        }
    }
}

impl<T> napi::Task for Job<T>
where
    T: napi::bindgen_prelude::ToNapiValue + napi::bindgen_prelude::TypeName + Send + 'static,
{
    type Output = Result<T>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take();
        Ok(guard(move || match work {
            Some(work) => work(),
            None => Err(napi::Error::new(
                PANIC,
                "hailog: a background job ran twice",
            )),
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|err| reject(&env, err))
    }
}
