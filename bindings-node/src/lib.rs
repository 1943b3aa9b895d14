//! Node bindings: argument conversion, error mapping and JS idioms over the `hailog` core.

use napi_derive::napi;

/// The version of the native addon.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
