//! Node bindings: argument conversion, error mapping and JS idioms over the `hailog` core.
//! The public surface is the JS layer in `index.js`; this addon is its private engine.

// napi registers exported functions when Node loads the addon; a unit-test build has no loader,
// so functions reached only from JavaScript look unused there.
#![cfg_attr(test, allow(dead_code))]

mod error;
mod hail;
mod pricing;
mod recorder;
mod summary;
mod usage;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

/// The version of the native addon.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Test hook: a panic on the JS thread must surface as a catchable error, never a crash.
#[napi(js_name = "__debugPanic", catch_unwind)]
pub fn debug_panic(message: String) {
    panic!("{message}");
}

/// Test hook: a panic on a thread-pool thread must reject the promise, never abort.
#[napi(js_name = "__debugPanicAsync", ts_return_type = "Promise<void>")]
pub fn debug_panic_async(message: String) -> AsyncTask<error::Job<()>> {
    AsyncTask::new(error::Job::new(move || panic!("{message}")))
}

/// Test hook: a core error with a cause below it, so code and message can be checked from JS.
#[napi(js_name = "__debugError")]
pub fn debug_error() -> error::Result<()> {
    let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "disk is read-only");
    let storage = hailog::store::StorageError::Io {
        path: "/var/lib/bot/ledger.db".into(),
        source: io,
    };
    Err(error::to_js(hailog::Error::from(storage)))
}
