//! Reading token counts and exact decimals out of provider JSON: absent and `null` stay `None`,
//! anything that is not a whole non-negative count is an error naming the field.

use super::UsageError;
use rust_decimal::Decimal;
use serde_json::{Number, Value};
use std::str::FromStr;

/// Larger than any real request (a trillion tokens); a count above it is a corrupt body.
pub(crate) const MAX_TOKENS: u64 = 1_000_000_000_000;

/// The value at `path` below `v`, treating JSON `null` like a missing key.
pub(crate) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// A non-empty string at `path`.
pub(crate) fn text(v: &Value, path: &[&str]) -> Option<String> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A token count at `path`; `scope` names the object `v` for error messages (`"usage"`).
pub(crate) fn count(v: &Value, scope: &str, path: &[&str]) -> Result<Option<u64>, UsageError> {
    let Some(x) = at(v, path) else {
        return Ok(None);
    };
    let n = match x {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    match n {
        Some(n) if n <= MAX_TOKENS => Ok(Some(n)),
        _ => Err(UsageError::InvalidField {
            field: field_name(scope, path),
            message: format!(
                "expected a whole token count between 0 and {MAX_TOKENS}, got {}",
                short(x)
            ),
        }),
    }
}

fn field_name(scope: &str, path: &[&str]) -> String {
    let mut s = scope.to_string();
    for p in path {
        if !s.is_empty() {
            s.push('.');
        }
        s.push_str(p);
    }
    s
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        let mut end = 60;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

/// Parses a JSON number literal exactly (plain or with an exponent).
pub(crate) fn decimal_literal(lit: &str) -> Option<Decimal> {
    if lit.contains(['e', 'E']) {
        Decimal::from_scientific(lit).ok()
    } else {
        Decimal::from_str_exact(lit).ok()
    }
}

/// The exact decimal of the number stored under key `key`. serde_json keeps numbers as f64, so
/// when the original bytes are at hand the literal text is read from them (the occurrence whose
/// f64 value equals the parsed one); otherwise the shortest decimal that round-trips the f64 is
/// used, which equals the literal for every literal of up to 15 significant digits.
pub(crate) fn exact_decimal(n: &Number, key: &str, bytes: Option<&[u8]>) -> Option<Decimal> {
    if let (Some(bytes), Some(want)) = (bytes, n.as_f64()) {
        let mut quoted = Vec::with_capacity(key.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(key.as_bytes());
        quoted.push(b'"');
        let mut found = None;
        for pos in memchr::memmem::find_iter(bytes, &quoted) {
            let Some(lit) = number_after_key(&bytes[pos + quoted.len()..]) else {
                continue;
            };
            if lit.parse::<f64>().ok() == Some(want) {
                found = decimal_literal(lit);
            }
        }
        if found.is_some() {
            return found;
        }
    }
    decimal_literal(&n.to_string())
}

fn number_after_key(rest: &[u8]) -> Option<&str> {
    let mut i = 0;
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    if rest.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    while i < rest.len() && matches!(rest[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
        i += 1;
    }
    if i == start {
        return None;
    }
    std::str::from_utf8(&rest[start..i]).ok()
}

/// Parses `"34.4s"`, `"1.5s"`, `"250ms"`, `"2m"` into milliseconds.
pub(crate) fn duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, Decimal::ONE)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, Decimal::from(1000))
    } else if let Some(n) = s.strip_suffix('m') {
        (n, Decimal::from(60_000))
    } else {
        return None;
    };
    let d = Decimal::from_str(num.trim()).ok()?;
    if d.is_sign_negative() {
        return None;
    }
    let ms = (d * scale).ceil();
    u64::try_from(ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_absent_null_and_bad() {
        let v = json!({"a": 5, "b": null, "c": -1, "d": "7", "e": 3.0, "f": 2.5});
        assert_eq!(count(&v, "usage", &["a"]).unwrap(), Some(5));
        assert_eq!(count(&v, "usage", &["b"]).unwrap(), None);
        assert_eq!(count(&v, "usage", &["zz"]).unwrap(), None);
        assert_eq!(count(&v, "usage", &["e"]).unwrap(), Some(3));
        for bad in ["c", "d", "f"] {
            let err = count(&v, "usage", &[bad]).unwrap_err().to_string();
            assert!(err.contains(&format!("usage.{bad}")), "{err}");
        }
        let huge = json!({"n": 10_000_000_000_000u64});
        assert!(count(&huge, "usage", &["n"]).is_err());
    }

    #[test]
    fn decimal_from_literal_keeps_every_digit() {
        // 22 significant digits: an f64 keeps about 17, so only the literal text can give this.
        let body = br#"{"usage":{"cost":0.1234567890123456789012,"x":1}}"#;
        let v: Value = serde_json::from_slice(body).unwrap();
        let n = v["usage"]["cost"].as_number().unwrap();
        let d = exact_decimal(n, "cost", Some(body)).unwrap();
        assert_eq!(d.to_string(), "0.1234567890123456789012");
        let d = exact_decimal(n, "cost", None).unwrap();
        assert_ne!(d.to_string(), "0.1234567890123456789012");
        let body = br#"{"cost" : 1.5e-7}"#;
        let v: Value = serde_json::from_slice(body).unwrap();
        let d = exact_decimal(v["cost"].as_number().unwrap(), "cost", Some(body)).unwrap();
        assert_eq!(d, Decimal::from_str("0.00000015").unwrap());
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms("34.4s"), Some(34_400));
        assert_eq!(duration_ms("250ms"), Some(250));
        assert_eq!(duration_ms("2m"), Some(120_000));
        assert_eq!(duration_ms("soon"), None);
        assert_eq!(duration_ms("-1s"), None);
    }
}
