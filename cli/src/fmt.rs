//! How numbers, times and tables look in a terminal, colour only where it helps (a terminal
//! without NO_COLOR), and the JSON envelope every `--json` document shares.

use crate::{CliError, SCHEMA_VERSION};
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use std::io::IsTerminal;

/// ANSI styling, switched off when the stream is not a terminal or NO_COLOR is set.
#[derive(Clone, Copy)]
pub struct Style {
    on: bool,
}

fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

impl Style {
    pub fn stdout() -> Self {
        Style {
            on: std::io::stdout().is_terminal() && colour_allowed(),
        }
    }

    pub fn stderr() -> Self {
        Style {
            on: std::io::stderr().is_terminal() && colour_allowed(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn yellow(&self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }

    /// A status word in its colour.
    pub fn status(&self, s: &str) -> String {
        match s {
            "active" => self.green(s),
            "idle" => self.yellow(s),
            "errored" => self.red(s),
            "paused" => self.cyan(s),
            _ => self.dim(s),
        }
    }
}

/// `$0.0123`, `$12.35`; exact digits kept below a cent so small sessions are not shown as $0.
pub fn money(d: Decimal) -> String {
    if d.is_zero() {
        return "$0".into();
    }
    if d.abs() >= Decimal::ONE {
        format!(
            "${}",
            d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        )
    } else {
        format!(
            "${}",
            d.round_sf_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
                .unwrap_or(d)
                .normalize()
        )
    }
}

/// Money that may be unknown (unpriced): never shown as zero.
pub fn money_opt(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".into(), money)
}

/// `950`, `12.3k`, `4.56M`, `1.2B`.
pub fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => trim(format!("{:.1}", n as f64 / 1e3)) + "k",
        1_000_000..1_000_000_000 => trim(format!("{:.2}", n as f64 / 1e6)) + "M",
        _ => trim(format!("{:.2}", n as f64 / 1e9)) + "B",
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `45s`, `12m 03s`, `3h 20m`, `2d 4h`.
pub fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// `just now`, `5m ago`, `3h ago`, `2d ago`.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let s = (now - t).num_seconds();
    if s < 0 {
        return "in the future".into();
    }
    let s = s as u64;
    match s {
        0..10 => "just now".into(),
        10..60 => format!("{s}s ago"),
        60..3600 => format!("{}m ago", s / 60),
        3600..86_400 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// Terminal columns of one character: East Asian wide and fullwidth characters (Hangul, CJK,
/// kana, fullwidth forms, most emoji) take two.
fn columns(c: char) -> usize {
    match u32::from(c) {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Cuts `s` to `max` terminal columns with an ellipsis.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().map(columns).sum::<usize>() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = columns(c);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A plain text table: left-aligned text, right-aligned numbers, widths from the cells. Cells
/// may carry ANSI colour; widths count only visible characters.
pub struct Table {
    headers: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => n += columns(c),
        }
    }
    n
}

impl Table {
    /// Headers ending in `>` are right-aligned (the `>` is not shown).
    pub fn new(headers: &[&'static str]) -> Self {
        Table {
            right: headers.iter().map(|h| h.ends_with('>')).collect(),
            headers: headers.iter().map(|h| h.trim_end_matches('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self, style: &Style) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.len()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(visible_len(c));
                }
            }
        }
        let line = |cells: Vec<String>| {
            let mut out = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(visible_len(c));
                if i > 0 {
                    out.push_str("  ");
                }
                if self.right[i] {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(c);
                } else {
                    out.push_str(c);
                    if i + 1 < cells.len() {
                        out.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.trim_end().to_string()
        };
        let mut out = String::new();
        let head = line(self.headers.iter().map(|h| h.to_string()).collect());
        out.push_str(&style.bold(&head));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r.clone()));
            out.push('\n');
        }
        out
    }
}

/// Prints `value` with `schema_version` as its first key.
pub fn print_json(mut value: serde_json::Value) {
    let mut doc = serde_json::Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    if let serde_json::Value::Object(map) = &mut value {
        doc.extend(std::mem::take(map));
    } else {
        doc.insert("data".into(), value);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default()
    );
}

pub fn print_json_error(e: &CliError) {
    println!(
        "{}",
        serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "error": {"code": e.code, "message": e.message}
        })
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_keeps_small_amounts_visible_and_rounds_large_ones() {
        let d = |s| Decimal::from_str(s).expect("decimal");
        assert_eq!(money(d("0")), "$0");
        assert_eq!(money(d("0.000123456")), "$0.000123");
        assert_eq!(money(d("12.345")), "$12.35");
        assert_eq!(money_opt(None), "—");
    }

    #[test]
    fn counts_and_durations_read_like_a_person_writes_them() {
        assert_eq!(count(950), "950");
        assert_eq!(count(12_300), "12.3k");
        assert_eq!(count(4_560_000), "4.56M");
        assert_eq!(count(2_000_000), "2M");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(723), "12m 03s");
        assert_eq!(duration(12_000), "3h 20m");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(visible_len("레포 ok"), 7);
        assert_eq!(cut("레포최신화", 6), "레포…");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }

    #[test]
    fn table_widths_ignore_colour_codes() {
        let mut t = Table::new(&["A", "N>"]);
        t.row(vec!["\x1b[31mred\x1b[0m".into(), "5".into()]);
        t.row(vec!["longer".into(), "12".into()]);
        let out = t.render(&Style { on: false });
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "A        N");
        assert_eq!(lines[2], "longer  12");
        assert!(lines[1].ends_with("   5"));
    }
}
