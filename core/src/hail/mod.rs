//! The HAIL log format: OpenSession `hail-1.0.0` JSONL read as a stream, written canonically and
//! validated, plus the read-only dialects listed in `hail-spec/SPEC.md`.

mod dialect;
mod error;
mod ids;
mod line;
mod reader;
mod schema;
mod slim;
mod types;
mod validate;
mod writer;

pub use dialect::Dialect;
pub use error::{HailError, HailWarning};
pub use line::{parse_event_line, write_event_line};
pub use reader::{ReadOptions, Reader, SessionFile, read_file, summarize};
pub use schema::line_schemas;
pub use types::{Agent, Header, SessionContext, Stats};
pub use validate::{validate_event, validate_header};
pub use writer::{Writer, write_header_line, write_stats_line};

/// The version string hailog writes. hailog's additions live where a `hail-1.0.0` reader ignores
/// them (event attributes, header context attributes), so the files stay `hail-1.0.0` files.
pub const VERSION: &str = "hail-1.0.0";

/// The docs-only dialect hailog also reads (never writes).
pub const VERSION_0_1: &str = "hail/0.1";

/// Header context attribute naming the hailog extension level of a file (see SPEC.md §7).
pub const FORMAT_ATTRIBUTE: &str = "hailog.format";
/// The extension level this version of hailog writes.
pub const FORMAT_LEVEL: u64 = 1;

/// Event attribute keys under which hailog's typed fields travel (SPEC.md §7).
pub mod attr {
    pub const TRACE_ID: &str = "hailog.trace_id";
    pub const OUTCOME: &str = "hailog.outcome";
    pub const USAGE: &str = "hailog.usage";
    pub const COST: &str = "hailog.cost";
    pub const LATENCY_MS: &str = "hailog.latency_ms";
    pub const MODEL: &str = "hailog.model";
    pub const PROVIDER: &str = "hailog.provider";
    pub const REQUEST_ID: &str = "hailog.request_id";
    pub const AGENT: &str = "hailog.agent";
    pub const TOOL: &str = "hailog.tool";
    pub const ERROR: &str = "hailog.error";
    pub const OP: &str = "hailog.op";

    /// Every key above, sorted, which is the order the writer emits them in.
    pub const ALL: [&str; 12] = [
        AGENT, COST, ERROR, LATENCY_MS, MODEL, OP, OUTCOME, PROVIDER, REQUEST_ID, TOOL, TRACE_ID,
        USAGE,
    ];

    /// OpenSession's per-event token attributes, which the summary also reads.
    pub const OS_INPUT_TOKENS: &str = "input_tokens";
    pub const OS_OUTPUT_TOKENS: &str = "output_tokens";
    pub const OS_INPUT_TOKENS_TOTAL: &str = "input_tokens_total";
    pub const OS_OUTPUT_TOKENS_TOTAL: &str = "output_tokens_total";
}

#[cfg(test)]
mod tests {
    #[test]
    fn attribute_keys_are_sorted_and_namespaced() {
        let mut sorted = super::attr::ALL;
        sorted.sort_unstable();
        assert_eq!(sorted, super::attr::ALL);
        assert!(super::attr::ALL.iter().all(|k| k.starts_with("hailog.")));
    }
}
