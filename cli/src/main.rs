//! `hailog`: look at what bots and coding agents did, from the same embedded database the library
//! writes. Parsing arguments, opening the database and mapping errors live here.

mod commands;
mod fmt;
mod report;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// The version of every `--json` document; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "hailog",
    version,
    about = "Sessions, costs and reports from the hailog ledger",
    long_about = "Sessions, costs and reports from the hailog ledger: the SQLite database that \
                  bots and agents log into through the hailog library, or that `hailog import` \
                  fills from Claude Code, Codex and HAIL logs.",
    after_help = "Examples:\n  hailog sessions --since 7d\n  hailog show HEAD\n  hailog import ~/.claude/projects\n  hailog report HEAD -o report.html"
)]
pub struct Cli {
    /// The SQLite database (default: $HAILOG_DB, else the per-user data directory).
    #[arg(long, global = true, env = "HAILOG_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Print one JSON document (with a schema_version) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// How long to wait for another process's write lock before giving up.
    #[arg(long, global = true, default_value = "5s", value_name = "DURATION", value_parser = parse_duration)]
    pub busy_timeout: std::time::Duration,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List sessions, newest first.
    #[command(
        after_help = "Examples:\n  hailog sessions --since 24h --status errored\n  hailog sessions --agent claude-code --group day -n 50"
    )]
    Sessions(SessionsArgs),
    /// One session in detail: KPIs, models, tools, latency, traces, notes, errors.
    #[command(
        after_help = "REF is a session id, a unique id prefix, HEAD (the most recent session) or HEAD^N (N before it).\n\nExamples:\n  hailog show HEAD\n  hailog show 0193af --json"
    )]
    Show {
        #[arg(value_name = "REF")]
        reference: String,
    },
    /// Usage and cost totals over a period, by model, provider, agent or day.
    #[command(
        after_help = "Examples:\n  hailog stats --period week --by model\n  hailog stats --period all --by day --json"
    )]
    Stats(StatsArgs),
    /// Write sessions as JSON, CSV or HAIL.
    #[command(
        after_help = "Examples:\n  hailog export --format csv --since 7d -o week.csv\n  hailog export HEAD --format hail -o session.hail.jsonl"
    )]
    Export(ExportArgs),
    /// A self-contained HTML page of one session (inline CSS and SVG, nothing fetched).
    #[command(
        after_help = "Examples:\n  hailog report HEAD -o report.html\n  hailog report 0193af -o share.html --public"
    )]
    Report(ReportArgs),
    /// Import Claude Code, Codex or HAIL logs (files or directories); re-importing adds nothing.
    #[command(
        after_help = "Examples:\n  hailog import ~/.claude/projects\n  hailog import ~/.codex/sessions --from codex\n  hailog import run.hail.jsonl --json"
    )]
    Import(ImportArgs),
    /// Check a HAIL file and summarize it.
    #[command(after_help = "Example:\n  hailog validate session.hail.jsonl")]
    Validate { file: PathBuf },
    /// The built-in price table: list models, show one, or cost a request.
    #[command(
        subcommand,
        after_help = "Examples:\n  hailog pricing list\n  hailog pricing show claude-sonnet-4-5\n  hailog pricing cost gpt-5 --input 12000 --output 800 --cache-read 4000"
    )]
    Pricing(PricingCommand),
    /// End every open session that has been silent for longer than --max-age.
    #[command(after_help = "Example:\n  hailog recover --max-age 12h")]
    Recover {
        #[arg(long, default_value = "12h", value_parser = parse_duration, value_name = "DURATION")]
        max_age: std::time::Duration,
    },
    /// End a session explicitly (a later event reopens it).
    #[command(after_help = "Example:\n  hailog end HEAD --notes \"done by hand\"")]
    End {
        #[arg(value_name = "REF")]
        reference: String,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Add a note to a session.
    #[command(after_help = "Example:\n  hailog note HEAD \"retried after the rate limit\"")]
    Note {
        #[arg(value_name = "REF")]
        reference: String,
        text: String,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  hailog completions bash > /etc/bash_completion.d/hailog\n  hailog completions zsh > \"${fpath[1]}/_hailog\"\n  hailog completions fish > ~/.config/fish/completions/hailog.fish"
    )]
    Completions { shell: Shell },
}

#[derive(Args, Debug)]
pub struct SessionsArgs {
    /// Only sessions active in this window: 24h, 7d, 30d or all.
    #[arg(long, default_value = "all")]
    pub since: String,
    #[arg(long)]
    pub agent: Option<String>,
    /// active, idle, done, errored or paused.
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long)]
    pub repo: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    /// Show at most N sessions (or groups).
    #[arg(short = 'n', long = "limit", default_value_t = 20)]
    pub limit: usize,
    /// One line per agent and UTC day: its newest session and a "+N more" count.
    #[arg(long, value_enum)]
    pub group: Option<Group>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Day,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The window ending now: day (24h), week (7d), month (30d) or all.
    #[arg(long, value_enum, default_value = "month")]
    pub period: Period,
    #[arg(long, value_enum, default_value = "model")]
    pub by: By,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    All,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Model,
    Provider,
    Agent,
    Day,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// One session (id, prefix, HEAD, HEAD^N); without it, every session in --since.
    #[arg(value_name = "REF")]
    pub reference: Option<String>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// 24h, 7d, 30d or all (when no REF is given).
    #[arg(long, default_value = "all")]
    pub since: String,
    /// Write here instead of stdout (for several sessions as HAIL: a directory, one file each).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Hail,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(value_name = "REF")]
    pub reference: String,
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Leave out what a public link must not show: name, repository, pull requests, commits,
    /// payloads and error details.
    #[arg(long)]
    pub public: bool,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The log format; auto tells each file's format from its first lines.
    #[arg(long, value_enum, default_value = "auto")]
    pub from: FromFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FromFormat {
    Auto,
    ClaudeCode,
    Codex,
    Hail,
}

#[derive(Subcommand, Debug)]
pub enum PricingCommand {
    /// Every priced model with its base rates (USD per million tokens).
    #[command(after_help = "Example:\n  hailog pricing list --provider anthropic")]
    List {
        #[arg(long)]
        provider: Option<String>,
    },
    /// One model's entries: rates, long-context tiers, batch and service tiers, aliases.
    #[command(after_help = "Example:\n  hailog pricing show gpt-5")]
    Show {
        model: String,
        #[arg(long)]
        provider: Option<String>,
    },
    /// The exact cost of one request.
    #[command(
        after_help = "Example:\n  hailog pricing cost claude-sonnet-4-5 --input 2000 --output 500 --cache-read 100000"
    )]
    Cost(CostArgs),
}

#[derive(Args, Debug)]
pub struct CostArgs {
    pub model: String,
    /// Uncached input tokens.
    #[arg(long)]
    pub input: Option<u64>,
    #[arg(long)]
    pub output: Option<u64>,
    #[arg(long)]
    pub cache_read: Option<u64>,
    /// Cache writes with the 5-minute TTL.
    #[arg(long)]
    pub cache_write: Option<u64>,
    #[arg(long)]
    pub cache_write_1h: Option<u64>,
    #[arg(long)]
    pub reasoning: Option<u64>,
    #[arg(long)]
    pub provider: Option<String>,
    /// Price at this date (RFC 3339 or YYYY-MM-DD) instead of now.
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub batch: bool,
    /// A service tier such as flex or priority.
    #[arg(long)]
    pub service_tier: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `90s`, `30m`, `12h`, `7d` or a number of seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number with a unit, like 90s, 30m, 12h or 7d"))?;
    let secs = match unit {
        "" | "s" => 1,
        "ms" => return Ok(std::time::Duration::from_millis(n)),
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => return Err(format!("{s:?}: unknown unit {other:?}; use s, m, h or d")),
    };
    n.checked_mul(secs)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is too long"))
}

/// A failure the command line reports: a stable code and a message.
#[derive(Debug)]
pub struct CliError {
    pub code: String,
    pub message: String,
}

impl CliError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        CliError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<hailog::Error> for CliError {
    fn from(e: hailog::Error) -> Self {
        let code = match &e {
            hailog::Error::Storage(s) if commands::is_locked(s) => "database_locked",
            other => other.code(),
        };
        CliError::new(code, e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new("io", e.to_string())
    }
}

/// Output piped into a program that stops reading (`hailog sessions | head`) ends hailog quietly
/// with the status of a closed pipe, as other command-line tools do, instead of a panic report.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let json_requested = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let informational =
                matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            if json_requested && !informational {
                let first = e.to_string();
                let message = first.lines().next().unwrap_or("bad arguments");
                let message = message.trim_start_matches("error: ").to_string();
                fmt::print_json_error(&CliError::new("usage", message));
                return ExitCode::from(1);
            }
            e.exit();
        }
    };
    let json = cli.json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                fmt::print_json_error(&e);
            } else {
                let style = fmt::Style::stderr();
                eprintln!("{} {}", style.red("error:"), e.message);
            }
            ExitCode::from(1)
        }
    }
}
