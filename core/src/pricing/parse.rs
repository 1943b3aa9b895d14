//! Reads hailog's own price-file format (`core/data/prices.json`, user override files) into typed
//! entries, with errors that name the entry, the field and the value.

use super::PricingError;
use super::model::{
    LongContextTier, ModelPrice, Modifier, PriceSheet, RATE_FIELDS, Rates, TierBasis, TierMode,
};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A parsed price file before it is indexed.
pub(crate) struct ParsedFile {
    pub version: String,
    pub entries: Vec<ModelPrice>,
}

const TOP_FIELDS: [&str; 5] = ["format", "version", "currency", "notes", "models"];
const ENTRY_FIELDS: [&str; 11] = [
    "provider",
    "id",
    "aliases",
    "effective_from",
    "source",
    "checked",
    "rates",
    "long_context",
    "modifiers",
    "notes",
    "name",
];

pub(crate) fn json_error(e: &serde_json::Error) -> PricingError {
    PricingError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

fn top_error(message: String) -> PricingError {
    PricingError::Json {
        line: 1,
        column: 1,
        message,
    }
}

pub(crate) fn parse_file(s: &str) -> Result<ParsedFile, PricingError> {
    let root: Value = serde_json::from_str(s).map_err(|e| json_error(&e))?;
    let Value::Object(root) = root else {
        return Err(top_error(
            "the top level must be an object with a `models` array".into(),
        ));
    };
    if let Some(k) = root.keys().find(|k| !TOP_FIELDS.contains(&k.as_str())) {
        return Err(top_error(format!("unknown top-level field `{k}`")));
    }
    if let Some(f) = root.get("format")
        && f.as_str() != Some("hailog-prices/1")
    {
        return Err(top_error(format!(
            "`format` is {f}, expected \"hailog-prices/1\""
        )));
    }
    if let Some(c) = root.get("currency")
        && c.as_str() != Some("USD")
    {
        return Err(top_error(format!(
            "`currency` is {c}; only \"USD\" tables are supported"
        )));
    }
    let version = match root.get("version") {
        None => "custom".to_string(),
        Some(Value::String(v)) if !v.trim().is_empty() => v.clone(),
        Some(v) => {
            return Err(top_error(format!(
                "`version` must be a non-empty string, got {v}"
            )));
        }
    };
    let Some(Value::Array(models)) = root.get("models") else {
        return Err(top_error(
            "`models` must be an array of price entries".into(),
        ));
    };
    let mut entries = Vec::with_capacity(models.len());
    for (index, m) in models.iter().enumerate() {
        entries.push(parse_entry(index, m)?);
    }
    Ok(ParsedFile { version, entries })
}

/// Field-path aware reader of one entry.
struct Ctx<'a> {
    index: usize,
    id: &'a str,
}

impl Ctx<'_> {
    fn err(&self, field: &str, value: &Value, message: impl Into<String>) -> PricingError {
        let mut value = value.to_string();
        if value.len() > 80 {
            let cut = (0..=80)
                .rev()
                .find(|i| value.is_char_boundary(*i))
                .unwrap_or(0);
            value.truncate(cut);
            value.push('…');
        }
        PricingError::InvalidEntry {
            index: self.index,
            id: self.id.to_string(),
            field: field.to_string(),
            value,
            message: message.into(),
        }
    }

    fn object<'v>(
        &self,
        field: &str,
        v: &'v Value,
    ) -> Result<&'v Map<String, Value>, PricingError> {
        v.as_object()
            .ok_or_else(|| self.err(field, v, "must be an object"))
    }

    fn only(
        &self,
        field: &str,
        obj: &Map<String, Value>,
        allowed: &[&str],
    ) -> Result<(), PricingError> {
        match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => {
                let path = if field.is_empty() {
                    k.clone()
                } else {
                    format!("{field}.{k}")
                };
                Err(self.err(
                    &path,
                    &obj[k],
                    format!("unknown field; expected one of {allowed:?}"),
                ))
            }
            None => Ok(()),
        }
    }

    fn string(&self, field: &str, v: &Value) -> Result<String, PricingError> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(self.err(field, v, "must be a non-empty string")),
        }
    }

    fn rate(&self, field: &str, v: &Value) -> Result<Option<Decimal>, PricingError> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => s
                .trim()
                .parse::<Decimal>()
                .map(Some)
                .map_err(|e| self.err(field, v, format!("not a decimal: {e}"))),
            Value::Number(_) => Err(self.err(
                field,
                v,
                "rates are decimal strings (\"2.50\"), never JSON numbers, so no binary rounding can creep in",
            )),
            _ => Err(self.err(field, v, "must be a decimal string or null")),
        }
    }

    fn rates(&self, field: &str, v: &Value) -> Result<Rates, PricingError> {
        let obj = self.object(field, v)?;
        self.only(field, obj, &RATE_FIELDS)?;
        let mut rates = Rates::default();
        for (k, val) in obj {
            let slot = rates
                .field_mut(k)
                .ok_or_else(|| self.err(&format!("{field}.{k}"), val, "unknown rate"))?;
            *slot = self.rate(&format!("{field}.{k}"), val)?;
        }
        Ok(rates)
    }

    fn tiers(&self, field: &str, v: &Value) -> Result<Vec<LongContextTier>, PricingError> {
        let Value::Array(items) = v else {
            return Err(self.err(field, v, "must be an array of tiers"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, t) in items.iter().enumerate() {
            let at = format!("{field}[{i}]");
            let obj = self.object(&at, t)?;
            self.only(&at, obj, &["above", "basis", "mode", "rates"])?;
            let above_v = obj.get("above").unwrap_or(&Value::Null);
            let above = above_v.as_u64().ok_or_else(|| {
                self.err(&format!("{at}.above"), above_v, "must be a token count")
            })?;
            let basis = match obj.get("basis").map(|b| (b, b.as_str())) {
                None | Some((_, Some("prompt"))) => TierBasis::Prompt,
                Some((_, Some("prompt_uncached"))) => TierBasis::PromptUncached,
                Some((b, _)) => {
                    return Err(self.err(
                        &format!("{at}.basis"),
                        b,
                        "expected \"prompt\" or \"prompt_uncached\"",
                    ));
                }
            };
            let mode_v = obj.get("mode").unwrap_or(&Value::Null);
            let mode = match mode_v.as_str() {
                Some("whole_request") => TierMode::WholeRequest,
                Some("marginal") => TierMode::Marginal,
                _ => {
                    return Err(self.err(
                        &format!("{at}.mode"),
                        mode_v,
                        "expected \"whole_request\" or \"marginal\"",
                    ));
                }
            };
            let rates_v = obj.get("rates").unwrap_or(&Value::Null);
            let rates = self.rates(&format!("{at}.rates"), rates_v)?;
            out.push(LongContextTier {
                above,
                basis,
                mode,
                rates,
            });
        }
        Ok(out)
    }

    fn modifier(&self, field: &str, v: &Value) -> Result<Modifier, PricingError> {
        let obj = self.object(field, v)?;
        self.only(field, obj, &["multiplier", "rates", "long_context"])?;
        match (obj.get("multiplier"), obj.get("rates")) {
            (Some(m), None) => {
                if obj.contains_key("long_context") {
                    return Err(self.err(
                        &format!("{field}.long_context"),
                        &obj["long_context"],
                        "only a modifier with its own rates has its own tiers",
                    ));
                }
                let f = self
                    .rate(&format!("{field}.multiplier"), m)?
                    .ok_or_else(|| {
                        self.err(&format!("{field}.multiplier"), m, "must not be null")
                    })?;
                Ok(Modifier::Multiplier(f))
            }
            (None, Some(r)) => {
                let rates = self.rates(&format!("{field}.rates"), r)?;
                let long_context = match obj.get("long_context") {
                    Some(t) => self.tiers(&format!("{field}.long_context"), t)?,
                    None => Vec::new(),
                };
                Ok(Modifier::Sheet(Box::new(PriceSheet {
                    rates,
                    long_context,
                })))
            }
            _ => Err(self.err(field, v, "needs exactly one of `multiplier` or `rates`")),
        }
    }
}

pub(crate) fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn parse_entry(index: usize, v: &Value) -> Result<ModelPrice, PricingError> {
    let id_v = v.get("id").unwrap_or(&Value::Null);
    let id = id_v.as_str().unwrap_or("?");
    let cx = Ctx { index, id };
    let obj = cx.object("", v)?;
    cx.only("", obj, &ENTRY_FIELDS)?;
    let get = |k: &str| obj.get(k).unwrap_or(&Value::Null);
    let id = cx.string("id", get("id"))?;
    let provider = cx.string("provider", get("provider"))?.to_ascii_lowercase();
    let aliases = match get("aliases") {
        Value::Null => Vec::new(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| cx.string(&format!("aliases[{i}]"), x))
            .collect::<Result<_, _>>()?,
        other => return Err(cx.err("aliases", other, "must be an array of strings")),
    };
    let effective_from = match get("effective_from") {
        Value::Null => None,
        Value::String(s) => Some(parse_date_time(s).ok_or_else(|| {
            cx.err(
                "effective_from",
                get("effective_from"),
                "expected a date (2025-09-29) or an RFC 3339 time (2025-09-05T16:00:00Z)",
            )
        })?),
        other => return Err(cx.err("effective_from", other, "must be a date string or null")),
    };
    let source = match get("source") {
        Value::Null => None,
        s => Some(cx.string("source", s)?),
    };
    let checked =
        match get("checked") {
            Value::Null => None,
            Value::String(s) => Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                cx.err("checked", get("checked"), "expected a date like 2026-11-21")
            })?),
            other => return Err(cx.err("checked", other, "must be a date string")),
        };
    if !obj.contains_key("rates") {
        return Err(cx.err("rates", &Value::Null, "every entry needs `rates`"));
    }
    let rates = cx.rates("rates", get("rates"))?;
    let long_context = match get("long_context") {
        Value::Null => Vec::new(),
        t => cx.tiers("long_context", t)?,
    };
    let mut batch = None;
    let mut service_tiers = BTreeMap::new();
    if let Some(m) = obj.get("modifiers") {
        let mo = cx.object("modifiers", m)?;
        cx.only("modifiers", mo, &["batch", "service_tiers"])?;
        if let Some(b) = mo.get("batch") {
            batch = Some(cx.modifier("modifiers.batch", b)?);
        }
        if let Some(st) = mo.get("service_tiers") {
            for (name, t) in cx.object("modifiers.service_tiers", st)? {
                let field = format!("modifiers.service_tiers.{name}");
                let key = name.to_ascii_lowercase();
                if matches!(key.as_str(), "standard" | "default" | "auto" | "batch") {
                    return Err(cx.err(
                        &field,
                        t,
                        "`standard`, `default` and `auto` are the base rates and `batch` is `modifiers.batch`",
                    ));
                }
                service_tiers.insert(key, cx.modifier(&field, t)?);
            }
        }
    }
    let entry = ModelPrice {
        provider,
        id,
        aliases,
        effective_from,
        source,
        checked,
        sheet: PriceSheet {
            rates,
            long_context,
        },
        batch,
        service_tiers,
    };
    entry.validate(index)?;
    Ok(entry)
}
