//! The HTML session report: one self-contained page (inline CSS and SVG, no script, nothing
//! fetched) with KPIs, cost and tokens over time, per-model and per-tool breakdowns, latency and
//! the event timeline. The public variant leaves out names, repositories, pull requests,
//! commits, payloads and error details.

use crate::CliError;
use crate::fmt::{count, duration, money, money_opt};
use chrono::{DateTime, Utc};
use hailog::recorder::Recorder;
use hailog::session::{SessionSummary, is_failure};
use hailog::{Event, EventType};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::fmt::Write;

/// Time buckets of the charts.
const BUCKETS: usize = 48;
/// Event rows listed in the timeline table (the first and last halves of longer sessions).
const MAX_ROWS: usize = 400;

const CSS: &str = r#"
:root{--bg:#f6f7fb;--card:#fff;--ink:#1c2233;--muted:#6b7387;--line:#e4e7ef;--blue:#3b6cf6;--teal:#16a394;--amber:#e59a1a;--violet:#8a5cf6;--red:#e0364f;--gray:#a4abbd}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:12px;margin-bottom:4px}
h1{font-size:22px;margin:0;font-weight:650;letter-spacing:-.01em}
h2{font-size:15px;margin:0 0 12px;font-weight:600}
.id{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;color:var(--muted)}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.s-active{background:#e3f7ee;color:#0f7a4f}.s-idle{background:#fff4de;color:#9a6200}.s-done{background:#eceef4;color:#4b5368}.s-errored{background:#fde6ea;color:#b0172f}.s-paused{background:#e4f1fb;color:#145e93}
.facts{color:var(--muted);margin:4px 0 22px}.facts span+span:before{content:" · "}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(122px,1fr));gap:12px;margin-bottom:18px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.kpi b{display:block;font-size:22px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.kpi small{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.kpi.bad b{color:var(--red)}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px}
@media (max-width:820px){.grid{grid-template-columns:1fr}}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;margin-bottom:16px;overflow:hidden}
.grid .card{margin-bottom:0}
svg{display:block;width:100%;height:auto}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin-top:8px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th{text-align:left;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600;padding:6px 8px;border-bottom:1px solid var(--line)}
td{padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.n,th.n{text-align:right}tr.err td{background:#fff5f6}tr.err td:first-child{box-shadow:inset 3px 0 var(--red)}
.kind{display:inline-block;padding:1px 7px;border-radius:6px;font-size:12px;background:#eef1f8}
.k-llm{background:#e8eefe;color:#2649b8}.k-tool{background:#e2f6f3;color:#0d7368}.k-user{background:#f1eefe;color:#5b3dc4}.k-err{background:#fde6ea;color:#b0172f}
.muted{color:var(--muted)}.empty{color:var(--muted);padding:24px 0;text-align:center}
ul.plain{margin:0;padding-left:18px}footer{color:var(--muted);font-size:12px;margin-top:24px;text-align:center}
"#;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A chart coordinate from an exact amount (only the drawing is approximate).
fn px(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// `850ms`, `1.4s`, `12s`: short enough for a KPI card.
fn short_ms(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms}ms"),
        1000..10_000 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format!("{}s", ms / 1000),
    }
}

fn tokens_total(s: &SessionSummary) -> u64 {
    s.tokens.total().unwrap_or(0)
}

struct Bucket {
    cost: Decimal,
    input: u64,
    cache_read: u64,
    cache_write: u64,
    output: u64,
    errors: u64,
}

/// Splits the session's time span into [`BUCKETS`] equal slices.
fn buckets(events: &[Event], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Bucket> {
    let span = (to - from).num_milliseconds().max(1) as f64;
    let mut out: Vec<Bucket> = (0..BUCKETS)
        .map(|_| Bucket {
            cost: Decimal::ZERO,
            input: 0,
            cache_read: 0,
            cache_write: 0,
            output: 0,
            errors: 0,
        })
        .collect();
    for ev in events {
        let at = (ev.timestamp - from).num_milliseconds() as f64 / span;
        let i = ((at * BUCKETS as f64) as usize).min(BUCKETS - 1);
        let b = &mut out[i];
        if let Some(c) = hailog::store::usd_of(ev) {
            b.cost += c;
        }
        if let Some(u) = &ev.usage {
            b.input +=
                u.input.unwrap_or(0) + u.input_audio.unwrap_or(0) + u.input_image.unwrap_or(0);
            b.cache_read += u.cache_read.unwrap_or(0);
            b.cache_write += u.cache_write_5m.unwrap_or(0) + u.cache_write_1h.unwrap_or(0);
            b.output +=
                u.output.unwrap_or(0) + u.reasoning.unwrap_or(0) + u.output_audio.unwrap_or(0);
        }
        b.errors += u64::from(is_failure(ev));
    }
    out
}

const W: f64 = 520.0;
const H: f64 = 190.0;
const PAD_L: f64 = 52.0;
const PAD_B: f64 = 22.0;
const PAD_T: f64 = 10.0;

fn axis(svg: &mut String, max_label: &str, from: DateTime<Utc>, to: DateTime<Utc>) {
    let base = H - PAD_B;
    let _ = write!(
        svg,
        r##"<line x1="{PAD_L}" y1="{base}" x2="{W}" y2="{base}" stroke="#e4e7ef"/><line x1="{PAD_L}" y1="{PAD_T}" x2="{W}" y2="{PAD_T}" stroke="#f0f2f7" stroke-dasharray="3 3"/><text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{}" text-anchor="end">0</text><text x="{PAD_L}" y="{}">{}</text><text x="{W}" y="{}" text-anchor="end">{}</text>"##,
        PAD_L - 6.0,
        PAD_T + 4.0,
        esc(max_label),
        PAD_L - 6.0,
        base + 4.0,
        H - 4.0,
        from.format("%b %d %H:%M"),
        H - 4.0,
        to.format("%b %d %H:%M"),
    );
}

fn cost_chart(b: &[Bucket], from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut cum = Vec::with_capacity(b.len());
    let mut total = Decimal::ZERO;
    for x in b {
        total += x.cost;
        cum.push(total);
    }
    if total.is_zero() {
        return r#"<p class="empty">No priced requests</p>"#.into();
    }
    let max = px(total);
    let step = (W - PAD_L) / b.len() as f64;
    let y = |v: Decimal| H - PAD_B - px(v) / max * (H - PAD_B - PAD_T);
    let mut line = format!("M{PAD_L},{}", H - PAD_B);
    for (i, v) in cum.iter().enumerate() {
        let _ = write!(
            line,
            " L{:.1},{:.1}",
            PAD_L + step * (i as f64 + 1.0),
            y(*v)
        );
    }
    let mut svg = format!(r#"<svg viewBox="0 0 {W} {H}" role="img" aria-label="Cumulative cost">"#);
    axis(&mut svg, &money(total), from, to);
    let _ = write!(
        svg,
        r##"<defs><linearGradient id="cg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b6cf6" stop-opacity=".28"/><stop offset="1" stop-color="#3b6cf6" stop-opacity="0"/></linearGradient></defs><path d="{line} L{W},{} Z" fill="url(#cg)"/><path d="{line}" fill="none" stroke="#3b6cf6" stroke-width="2" stroke-linejoin="round"/>"##,
        H - PAD_B
    );
    // Per-slice spend as thin bars under the curve.
    let max_slice = b.iter().map(|x| px(x.cost)).fold(0.0, f64::max).max(1e-12);
    for (i, x) in b.iter().enumerate() {
        if x.cost.is_zero() {
            continue;
        }
        let h = px(x.cost) / max_slice * (H - PAD_B - PAD_T) * 0.35;
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#8a5cf6" opacity=".35"><title>{}</title></rect>"##,
            PAD_L + step * i as f64 + 1.0,
            H - PAD_B - h,
            (step - 2.0).max(1.0),
            h,
            money(x.cost)
        );
    }
    svg.push_str("</svg>");
    svg + r##"<div class="legend"><span><i style="background:#3b6cf6"></i>cumulative cost</span><span><i style="background:#8a5cf6;opacity:.5"></i>spend per slice</span></div>"##
}

const TOKEN_SERIES: [(&str, &str); 4] = [
    ("input", "#3b6cf6"),
    ("cache read", "#16a394"),
    ("cache write", "#e59a1a"),
    ("output", "#8a5cf6"),
];

fn token_chart(b: &[Bucket], from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let parts = |x: &Bucket| [x.input, x.cache_read, x.cache_write, x.output];
    let max = b
        .iter()
        .map(|x| parts(x).iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    if max == 0 {
        return r#"<p class="empty">No token usage recorded</p>"#.into();
    }
    let step = (W - PAD_L) / b.len() as f64;
    let scale = (H - PAD_B - PAD_T) / max as f64;
    let mut svg =
        format!(r#"<svg viewBox="0 0 {W} {H}" role="img" aria-label="Tokens over time">"#);
    axis(&mut svg, &count(max), from, to);
    for (i, x) in b.iter().enumerate() {
        let mut top = H - PAD_B;
        for (v, (name, colour)) in parts(x).iter().zip(TOKEN_SERIES) {
            if *v == 0 {
                continue;
            }
            let h = *v as f64 * scale;
            top -= h;
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{h:.1}" fill="{colour}"><title>{name}: {}</title></rect>"#,
                PAD_L + step * i as f64 + 1.0,
                (step - 2.0).max(1.0),
                count(*v)
            );
        }
        if x.errors > 0 {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{}" r="3.5" fill="#e0364f"><title>{} error(s)</title></circle>"##,
                PAD_L + step * (i as f64 + 0.5),
                PAD_T + 2.0,
                x.errors
            );
        }
    }
    svg.push_str("</svg>");
    let mut legend = String::from(r#"<div class="legend">"#);
    for (name, colour) in TOKEN_SERIES {
        let _ = write!(
            legend,
            r#"<span><i style="background:{colour}"></i>{name}</span>"#
        );
    }
    legend.push_str(
        r##"<span><i style="background:#e0364f;border-radius:50%"></i>errors</span></div>"##,
    );
    svg + &legend
}

/// Horizontal bars: (label, value for the bar length, text shown, red part of the bar 0..1).
fn hbars(rows: &[(String, f64, String, f64)], colour: &str) -> String {
    if rows.is_empty() {
        return r#"<p class="empty">Nothing recorded</p>"#.into();
    }
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(1e-12);
    let row_h = 26.0;
    let h = row_h * rows.len() as f64 + 4.0;
    let label_w = 150.0;
    let bar_w = W - label_w - 150.0;
    let mut svg = format!(r#"<svg viewBox="0 0 {W} {h}" role="img">"#);
    for (i, (label, v, text, red)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let w = (v / max * bar_w).max(2.0);
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" text-anchor="end" style="fill:#1c2233">{}</text><rect x="{label_w}" y="{y:.1}" width="{bar_w}" height="16" rx="4" fill="#f0f2f7"/><rect x="{label_w}" y="{y:.1}" width="{w:.1}" height="16" rx="4" fill="{colour}"/>"##,
            label_w - 8.0,
            y + 12.0,
            esc(&crate::fmt::cut(label, 21)),
        );
        if *red > 0.0 {
            let rw = (w * red).max(2.0);
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{y:.1}" width="{rw:.1}" height="16" rx="4" fill="#e0364f"/>"##,
                label_w + w - rw
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            label_w + bar_w + 8.0,
            y + 12.0,
            esc(text)
        );
    }
    svg + "</svg>"
}

fn latency_chart(events: &[Event], s: &SessionSummary) -> String {
    let lat: Vec<u64> = events.iter().filter_map(|e| e.latency_ms).collect();
    if lat.is_empty() {
        return r#"<p class="empty">No latency recorded</p>"#.into();
    }
    // Log-spaced buckets from 10 ms to over a minute.
    let edges: [u64; 12] = [
        0, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
    ];
    let label = |ms: u64| {
        if ms >= 1000 {
            format!("{}s", ms / 1000)
        } else {
            format!("{ms}ms")
        }
    };
    let mut counts = [0u64; 12];
    for v in &lat {
        let i = edges.iter().rposition(|e| v >= e).unwrap_or(0);
        counts[i] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let step = (W - PAD_L) / counts.len() as f64;
    let mut svg = format!(r#"<svg viewBox="0 0 {W} {H}" role="img" aria-label="Latency">"#);
    let base = H - PAD_B;
    let _ = write!(
        svg,
        r##"<line x1="{PAD_L}" y1="{base}" x2="{W}" y2="{base}" stroke="#e4e7ef"/><text x="{}" y="{}" text-anchor="end">{max}</text>"##,
        PAD_L - 6.0,
        PAD_T + 4.0
    );
    for (i, c) in counts.iter().enumerate() {
        let x = PAD_L + step * i as f64;
        let h = *c as f64 / max as f64 * (base - PAD_T);
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" rx="3" fill="#16a394"><title>{c} requests</title></rect><text x="{:.1}" y="{}" text-anchor="middle">{}</text>"##,
            x + 3.0,
            base - h,
            step - 6.0,
            x + step / 2.0,
            H - 4.0,
            if i + 1 == edges.len() {
                format!("≥{}", label(edges[i]))
            } else {
                label(edges[i])
            }
        );
    }
    svg.push_str("</svg>");
    let ms = |v: Option<u64>| v.map_or_else(|| "-".into(), |v| format!("{v} ms"));
    svg + &format!(
        r#"<div class="legend"><span>p50 <b>{}</b></span><span>p95 <b>{}</b></span><span>{} timed requests</span></div>"#,
        ms(s.latency_p50_ms),
        ms(s.latency_p95_ms),
        lat.len()
    )
}

/// A person's name for an event kind (HAIL tags such as `ToolResult` read as "tool result").
fn kind_label(ev: &Event) -> String {
    let name = ev.event_type.kind_name();
    if name.contains('_') || name.chars().all(|c| c.is_lowercase()) {
        return name.replace('_', " ");
    }
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn kind_class(ev: &Event) -> (&'static str, String) {
    if is_failure(ev) {
        return ("k-err", kind_label(ev));
    }
    match &ev.event_type {
        t if t.is_llm_call() => ("k-llm", "llm call".into()),
        EventType::UserMessage => ("k-user", "prompt".into()),
        EventType::ToolCall { .. } | EventType::ToolResult { .. } => ("k-tool", kind_label(ev)),
        _ => ("", kind_label(ev)),
    }
}

/// Whether an event is part of the work (not metadata or a note added afterwards), so a note
/// written days later does not stretch the charts.
fn is_activity(ev: &Event) -> bool {
    !matches!(
        ev.event_type.custom_kind(),
        Some(hailog::event::kinds::METADATA | hailog::event::kinds::NOTE)
    )
}

fn strip(events: &[Event], from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let span = (to - from).num_milliseconds().max(1) as f64;
    let h = 70.0;
    let mut svg = format!(r#"<svg viewBox="0 0 {W} {h}" role="img" aria-label="Event timeline">"#);
    let lanes = [
        ("llm", 14.0, "#3b6cf6"),
        ("tool", 30.0, "#16a394"),
        ("other", 46.0, "#a4abbd"),
    ];
    for (name, y, _) in lanes {
        let _ = write!(
            svg,
            r##"<text x="0" y="{}">{name}</text><line x1="{PAD_L}" y1="{y}" x2="{W}" y2="{y}" stroke="#f0f2f7"/>"##,
            y + 4.0
        );
    }
    let x =
        |t: DateTime<Utc>| PAD_L + (t - from).num_milliseconds() as f64 / span * (W - PAD_L - 4.0);
    let mut errors = Vec::new();
    for ev in events {
        let lane = match &ev.event_type {
            t if t.is_llm_call() => lanes[0],
            EventType::ToolCall { .. } | EventType::ToolResult { .. } => lanes[1],
            _ => lanes[2],
        };
        if is_failure(ev) {
            errors.push((x(ev.timestamp), lane.1));
        } else {
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{}" width="1.6" height="10" fill="{}" opacity=".7"/>"#,
                x(ev.timestamp),
                lane.1 - 5.0,
                lane.2
            );
        }
    }
    for (ex, ey) in errors {
        let _ = write!(
            svg,
            r##"<path d="M{ex:.1},{} l5,9 h-10 z" fill="#e0364f"><title>error</title></path>"##,
            ey - 5.0
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{PAD_L}" y="{}">{}</text><text x="{W}" y="{}" text-anchor="end">{}</text></svg>"#,
        h - 2.0,
        from.format("%H:%M:%S"),
        h - 2.0,
        to.format("%H:%M:%S")
    );
    svg
}

fn event_rows(events: &[Event], public: bool) -> String {
    let mut out = String::new();
    let n = events.len();
    let (head, tail) = if n > MAX_ROWS {
        (MAX_ROWS / 2, MAX_ROWS / 2)
    } else {
        (n, 0)
    };
    let row = |out: &mut String, ev: &Event| {
        let (class, label) = kind_class(ev);
        let what = ev
            .model
            .clone()
            .or_else(|| ev.tool.clone())
            .or_else(|| match &ev.event_type {
                EventType::ToolCall { name } | EventType::ToolResult { name, .. } => {
                    Some(name.clone())
                }
                _ => None,
            });
        let detail = if is_failure(ev) && !public {
            ev.error
                .clone()
                .map(|e| {
                    format!(
                        r#"<div class="muted">{}</div>"#,
                        esc(&crate::fmt::cut(&e, 160))
                    )
                })
                .unwrap_or_default()
        } else {
            String::new()
        };
        let tokens = ev.usage.as_ref().map(|u| {
            let i = u.input_total().unwrap_or(0);
            let o = u.output_total().unwrap_or(0);
            format!("{} → {}", count(i), count(o))
        });
        let _ = write!(
            out,
            r#"<tr{}><td class="muted">{}</td><td><span class="kind {class}">{}</span></td><td>{}{detail}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            if is_failure(ev) {
                r#" class="err""#
            } else {
                ""
            },
            ev.timestamp.format("%m-%d %H:%M:%S"),
            esc(&label),
            esc(what.as_deref().unwrap_or("")),
            tokens.unwrap_or_default(),
            hailog::store::usd_of(ev).map(money).unwrap_or_default(),
            ev.latency_ms.map(|l| format!("{l} ms")).unwrap_or_default(),
        );
    };
    for ev in &events[..head] {
        row(&mut out, ev);
    }
    if tail > 0 {
        let _ = write!(
            out,
            r#"<tr><td colspan="6" class="empty">… {} events not listed …</td></tr>"#,
            n - head - tail
        );
        for ev in &events[n - tail..] {
            row(&mut out, ev);
        }
    }
    out
}

/// Renders the report page of `session_id`.
pub fn render(
    rec: &Recorder,
    session_id: &str,
    public: bool,
    now: DateTime<Utc>,
) -> Result<String, CliError> {
    let s = rec
        .summary(session_id)?
        .ok_or_else(|| CliError::new("unknown_ref", format!("no session {session_id:?}")))?;
    let status = rec
        .status(session_id, now)?
        .map_or("done", |st| st.as_str());
    let events = rec.events(session_id)?;
    let active = || {
        events
            .iter()
            .filter(|e| is_activity(e))
            .map(|e| e.timestamp)
    };
    let from = active().min().or(s.first_event_at).unwrap_or(now);
    let to = active()
        .max()
        .or(s.last_event_at)
        .unwrap_or(now)
        .max(from + chrono::Duration::seconds(1));
    let charted: Vec<Event> = events.iter().filter(|e| is_activity(e)).cloned().collect();
    let b = buckets(&charted, from, to);

    let mut h = String::with_capacity(64 << 10);
    let title = if public {
        "Session report".to_string()
    } else {
        s.name.clone().unwrap_or_else(|| "Session report".into())
    };
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{} · hailog</title><style>{CSS}</style></head><body><main><header><h1>{}</h1><span class="badge s-{status}">{status}</span><span class="id">{}</span></header>"#,
        esc(&title),
        esc(&title),
        esc(session_id)
    );
    let mut facts = Vec::new();
    if let Some(a) = &s.agent {
        facts.push(format!("agent {}", esc(a)));
    }
    if !public && let Some(r) = &s.repo {
        facts.push(format!("repo {}", esc(r)));
    }
    if !s.tags.is_empty() {
        facts.push(format!("tags {}", esc(&s.tags.join(", "))));
    }
    facts.push(format!(
        "{} → {} UTC",
        from.format("%Y-%m-%d %H:%M"),
        to.format("%Y-%m-%d %H:%M")
    ));
    if !s.models.is_empty() {
        facts.push(esc(&s
            .models
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")));
    }
    h.push_str(r#"<div class="facts">"#);
    for f in facts {
        let _ = write!(h, "<span>{f}</span>");
    }
    h.push_str("</div>");

    let cost = match (s.cost_usd, s.unpriced_requests) {
        (c, 0) => money_opt(c),
        (c, n) => format!("{} <small>+{n} unpriced</small>", money_opt(c)),
    };
    let kpis = [
        ("Cost", cost, false),
        ("Requests", count(s.request_count), false),
        ("Tokens", count(tokens_total(&s)), false),
        ("Tool calls", count(s.tool_call_count), false),
        ("Errors", s.error_count.to_string(), s.error_count > 0),
        (
            "Duration",
            duration(u64::try_from((to - from).num_seconds()).unwrap_or(0)),
            false,
        ),
        (
            "p50 / p95",
            match (s.latency_p50_ms, s.latency_p95_ms) {
                (Some(a), Some(b)) => format!("{} / {}", short_ms(a), short_ms(b)),
                _ => "—".into(),
            },
            false,
        ),
    ];
    h.push_str(r#"<section class="kpis">"#);
    for (k, v, bad) in kpis {
        let _ = write!(
            h,
            r#"<div class="kpi{}"><small>{k}</small><b>{v}</b></div>"#,
            if bad { " bad" } else { "" }
        );
    }
    h.push_str("</section>");

    let _ = write!(
        h,
        r#"<div class="grid"><section class="card"><h2>Cost over time</h2>{}</section><section class="card"><h2>Tokens over time</h2>{}</section></div>"#,
        cost_chart(&b, from, to),
        token_chart(&b, from, to)
    );

    let mut models: Vec<(String, f64, String, f64)> = s
        .models
        .iter()
        .map(|(m, mb)| {
            let tokens = mb.tokens.total().unwrap_or(0);
            let text = format!(
                "{} · {} req · {}",
                mb.cost_usd.map_or_else(|| "unpriced".into(), money),
                mb.requests,
                count(tokens)
            );
            let v = mb.cost_usd.map_or(0.0, px);
            (
                m.clone(),
                if s.cost_usd.is_some() {
                    v
                } else {
                    tokens as f64
                },
                text,
                0.0,
            )
        })
        .collect();
    models.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut tools: Vec<(String, f64, String, f64)> = s
        .tools
        .iter()
        .map(|(t, c)| {
            let text = if c.errors > 0 {
                format!("{} calls · {} failed", c.calls, c.errors)
            } else {
                format!("{} calls", c.calls)
            };
            (
                t.clone(),
                c.calls.max(c.errors) as f64,
                text,
                c.errors as f64 / c.calls.max(c.errors).max(1) as f64,
            )
        })
        .collect();
    tools.sort_by(|a, b| b.1.total_cmp(&a.1));
    tools.truncate(15);
    let _ = write!(
        h,
        r#"<div class="grid"><section class="card"><h2>By model</h2>{}</section><section class="card"><h2>By tool</h2>{}</section></div>"#,
        hbars(&models, "#3b6cf6"),
        hbars(&tools, "#16a394")
    );
    let _ = write!(
        h,
        r#"<div class="grid"><section class="card"><h2>Latency</h2>{}</section><section class="card"><h2>Timeline</h2>{}<div class="legend"><span><i style="background:#3b6cf6"></i>LLM calls</span><span><i style="background:#16a394"></i>tools</span><span><i style="background:#a4abbd"></i>other</span><span><i style="background:#e0364f"></i>errors</span></div></section></div>"#,
        latency_chart(&events, &s),
        strip(&charted, from, to)
    );

    if !public {
        let mut links = String::new();
        for (title, items) in [("Pull requests", &s.pull_requests), ("Commits", &s.commits)] {
            if !items.is_empty() {
                let _ = write!(links, "<h2>{title}</h2><ul class=\"plain\">");
                for i in items {
                    let _ = write!(links, "<li>{}</li>", esc(i));
                }
                links.push_str("</ul>");
            }
        }
        let notes: Vec<String> = events
            .iter()
            .filter(|e| e.event_type.custom_kind() == Some(hailog::event::kinds::NOTE))
            .filter_map(|e| {
                e.attributes.get("note").and_then(|v| v.as_str()).map(|n| {
                    format!(
                        "<li><span class=\"muted\">{}</span> {}</li>",
                        e.timestamp.format("%m-%d %H:%M"),
                        esc(n)
                    )
                })
            })
            .collect();
        if !notes.is_empty() {
            let _ = write!(
                links,
                "<h2>Notes</h2><ul class=\"plain\">{}</ul>",
                notes.concat()
            );
        }
        if !links.is_empty() {
            let _ = write!(h, r#"<section class="card">{links}</section>"#);
        }
    }

    let _ = write!(
        h,
        r#"<section class="card"><h2>Events ({})</h2><table><thead><tr><th>Time</th><th>Kind</th><th>Model / tool</th><th class="n">Tokens in → out</th><th class="n">Cost</th><th class="n">Latency</th></tr></thead><tbody>{}</tbody></table></section>"#,
        events.len(),
        event_rows(&events, public)
    );
    let _ = writeln!(
        h,
        "<footer>hailog report · generated {} UTC{}</footer></main></body></html>",
        now.format("%Y-%m-%d %H:%M"),
        if public { " · public view" } else { "" }
    );
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
