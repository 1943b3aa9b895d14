//! Integration tests, one binary. Each module covers one stage of the pipeline and runs the
//! `hail-spec/vectors/` suite of that stage.

mod common;
mod hail;
mod import;
mod pricing;
mod quick_log;
mod recorder;
mod reliability;
mod session;
mod usage;
