//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The repository root (the parent of `core/`).
#[allow(dead_code)]
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core has a parent")
        .to_path_buf()
}

/// `hail-spec/vectors/<suite>`.
#[allow(dead_code)]
pub fn vectors_dir(suite: &str) -> PathBuf {
    repo_root().join("hail-spec").join("vectors").join(suite)
}
