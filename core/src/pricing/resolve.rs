//! Model-name resolution: the lookup index over ids and aliases, the normalizations a name goes
//! through (case, provider prefixes, Bedrock and Vertex ids, dated snapshots) and the cache that
//! makes a repeated lookup one hash probe.

use std::collections::HashMap;

/// How a model name was matched to a priced model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// The name is the model's id (ignoring case and surrounding spaces).
    Exact,
    /// The name is one of the model's listed aliases.
    Alias,
    /// The name matched after dropping a provider path such as `openai/` or `openrouter/anthropic/`.
    ProviderPrefix,
    /// A Bedrock id: region profile (`us.`, `eu.`, `apac.`, `global.`...), vendor (`anthropic.`)
    /// and version suffix (`-v1:0`) removed.
    Bedrock,
    /// A Vertex id: `@version` turned into `-version` or dropped.
    Vertex,
    /// A dated snapshot (`-20250929`, `-2024-08-06`) or `-latest` removed.
    Snapshot,
    /// Dotted version numbers spelled with dashes (`claude-sonnet-4.5` → `claude-sonnet-4-5`).
    DottedVersion,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Alias => "alias",
            MatchKind::ProviderPrefix => "provider_prefix",
            MatchKind::Bedrock => "bedrock",
            MatchKind::Vertex => "vertex",
            MatchKind::Snapshot => "snapshot",
            MatchKind::DottedVersion => "dotted_version",
        }
    }

    /// The rule recorded on a cost; `None` for a plain id, which needs no explanation.
    pub(crate) fn rule(self) -> Option<&'static str> {
        match self {
            MatchKind::Exact => None,
            MatchKind::Alias => Some("resolved:alias"),
            MatchKind::ProviderPrefix => Some("resolved:provider_prefix"),
            MatchKind::Bedrock => Some("resolved:bedrock"),
            MatchKind::Vertex => Some("resolved:vertex"),
            MatchKind::Snapshot => Some("resolved:snapshot"),
            MatchKind::DottedVersion => Some("resolved:dotted_version"),
        }
    }
}

/// A model name resolved to one priced model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedModel {
    pub provider: String,
    /// The canonical model id in the table.
    pub id: String,
    pub matched: MatchKind,
}

/// Lower-case ids and aliases to model groups (indices into the table's group list).
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    ids: HashMap<String, Vec<u32>>,
    aliases: HashMap<String, Vec<u32>>,
}

impl Index {
    pub(crate) fn add_id(&mut self, id: &str, group: u32) {
        push_unique(self.ids.entry(id.to_ascii_lowercase()).or_default(), group);
    }

    pub(crate) fn add_alias(&mut self, alias: &str, group: u32) {
        push_unique(
            self.aliases.entry(alias.to_ascii_lowercase()).or_default(),
            group,
        );
    }

    pub(crate) fn alias_owners(&self, alias: &str) -> &[u32] {
        self.aliases.get(alias).map(Vec::as_slice).unwrap_or(&[])
    }

    pub(crate) fn id_owners(&self, id: &str) -> &[u32] {
        self.ids.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    fn lookup(&self, name: &str) -> Option<(&[u32], bool)> {
        if let Some(g) = self.ids.get(name) {
            return Some((g, true));
        }
        self.aliases.get(name).map(|g| (g.as_slice(), false))
    }
}

fn push_unique(v: &mut Vec<u32>, g: u32) {
    if !v.contains(&g) {
        v.push(g);
    }
}

/// The outcome of one resolution, as cached.
#[derive(Debug, Clone)]
pub(crate) enum Resolution {
    Found(u32, MatchKind),
    Unknown,
    /// Candidate names, `provider/id`.
    Ambiguous(Vec<String>),
}

/// Provider spellings used by SDKs, gateways and LiteLLM, folded to the names the table uses.
pub(crate) fn canonical_provider(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    let folded = match p.as_str() {
        "gemini" | "google_ai_studio" | "google-ai-studio" | "vertex" | "vertex_ai"
        | "vertexai" | "vertex_ai_beta" | "google-vertex" | "google_genai" => "google",
        "aws" | "amazon_bedrock" | "amazon-bedrock" | "bedrock_converse" | "aws_bedrock" => {
            "bedrock"
        }
        "x-ai" | "x_ai" | "grok" => "xai",
        "mistralai" | "mistral_ai" => "mistral",
        "azure_openai" | "azure-openai" | "azure_ai" => "azure",
        "cohere_chat" => "cohere",
        "anthropic_messages" => "anthropic",
        _ => return p,
    };
    folded.to_string()
}

const BEDROCK_REGIONS: [&str; 9] = [
    "us-gov.", "global.", "apac.", "us.", "eu.", "jp.", "au.", "ca.", "ap.",
];
const BEDROCK_VENDORS: [&str; 10] = [
    "anthropic.",
    "meta.",
    "mistral.",
    "cohere.",
    "amazon.",
    "deepseek.",
    "openai.",
    "ai21.",
    "qwen.",
    "writer.",
];

/// `us.anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude-sonnet-4-5-20250929`.
fn strip_bedrock(s: &str) -> Option<&str> {
    let mut t = s;
    for r in BEDROCK_REGIONS {
        if let Some(rest) = t.strip_prefix(r) {
            t = rest;
            break;
        }
    }
    let vendor = BEDROCK_VENDORS.iter().find_map(|v| t.strip_prefix(v))?;
    let mut t = vendor;
    if let Some(pos) = t.rfind(':')
        && t[pos + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        t = &t[..pos];
    }
    if let Some(pos) = t.rfind("-v") {
        let digits = &t[pos + 2..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            t = &t[..pos];
        }
    }
    Some(t)
}

/// Drops a trailing `-YYYYMMDD`, `-YYYY-MM-DD` or `-latest`.
fn strip_snapshot(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_suffix("-latest") {
        return Some(rest);
    }
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let n = b.len();
    if n > 9 && b[n - 9] == b'-' && digits(n - 8..n) {
        return Some(&s[..n - 9]);
    }
    if n > 11
        && b[n - 11] == b'-'
        && b[n - 6] == b'-'
        && b[n - 3] == b'-'
        && digits(n - 10..n - 6)
        && digits(n - 5..n - 3)
        && digits(n - 2..n)
    {
        return Some(&s[..n - 11]);
    }
    None
}

/// `claude-sonnet-4.5` → `claude-sonnet-4-5`; `None` when there is no dot between digits.
fn dots_to_dashes(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    for (i, c) in s.char_indices() {
        let between_digits = c == '.'
            && i > 0
            && b[i - 1].is_ascii_digit()
            && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if between_digits {
            out.push('-');
            changed = true;
        } else {
            out.push(c);
        }
    }
    changed.then_some(out)
}

/// The names to try for `raw`, in order, each with how it was derived.
fn attempts(raw: &str) -> (Vec<(String, MatchKind)>, Option<String>) {
    let lower = raw.trim().to_ascii_lowercase();
    let mut out: Vec<(String, MatchKind)> = Vec::with_capacity(8);
    let mut path_provider = None;
    let mut rest = lower.as_str();
    while let Some(pos) = rest.find('/') {
        if path_provider.is_none() {
            path_provider = Some(canonical_provider(&rest[..pos]));
        }
        rest = &rest[pos + 1..];
        out.push((rest.to_string(), MatchKind::ProviderPrefix));
    }
    let name = rest.to_string();
    if let Some(b) = strip_bedrock(&name) {
        out.push((b.to_string(), MatchKind::Bedrock));
        if let Some(s) = strip_snapshot(b) {
            out.push((s.to_string(), MatchKind::Bedrock));
        }
    }
    if let Some(at) = name.find('@') {
        out.push((name.replacen('@', "-", 1), MatchKind::Vertex));
        out.push((name[..at].to_string(), MatchKind::Vertex));
    }
    if let Some(s) = strip_snapshot(&name) {
        out.push((s.to_string(), MatchKind::Snapshot));
    }
    if let Some(d) = dots_to_dashes(&name) {
        if let Some(s) = strip_snapshot(&d) {
            let s = s.to_string();
            out.push((d, MatchKind::DottedVersion));
            out.push((s, MatchKind::DottedVersion));
        } else {
            out.push((d, MatchKind::DottedVersion));
        }
    }
    out.insert(0, (lower, MatchKind::Exact));
    (out, path_provider)
}

/// Resolves without the cache. `providers[g]` is the canonical provider of group `g`;
/// `names[g]` its `provider/id` for error messages.
pub(crate) fn resolve_uncached(
    index: &Index,
    providers: &[&str],
    names: &dyn Fn(u32) -> String,
    raw: &str,
    provider: Option<&str>,
) -> Resolution {
    let (tries, path_provider) = attempts(raw);
    let hint = provider.map(canonical_provider).or(path_provider);
    for (name, kind) in &tries {
        let Some((groups, is_id)) = index.lookup(name) else {
            continue;
        };
        let kind = if !is_id && *kind == MatchKind::Exact {
            MatchKind::Alias
        } else {
            *kind
        };
        if let [g] = groups {
            return Resolution::Found(*g, kind);
        }
        if let Some(h) = &hint {
            let matching: Vec<u32> = groups
                .iter()
                .copied()
                .filter(|g| providers.get(*g as usize).is_some_and(|p| p == h))
                .collect();
            if let [g] = matching.as_slice() {
                return Resolution::Found(*g, kind);
            }
        }
        let mut candidates: Vec<String> = groups.iter().map(|g| names(*g)).collect();
        candidates.sort();
        return Resolution::Ambiguous(candidates);
    }
    Resolution::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bedrock_ids_lose_region_vendor_and_version() {
        assert_eq!(
            strip_bedrock("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            Some("claude-sonnet-4-5-20250929")
        );
        assert_eq!(
            strip_bedrock("anthropic.claude-3-5-sonnet-20241022-v2:0"),
            Some("claude-3-5-sonnet-20241022")
        );
        assert_eq!(
            strip_bedrock("meta.llama3-3-70b-instruct-v1:0"),
            Some("llama3-3-70b-instruct")
        );
        assert_eq!(strip_bedrock("claude-sonnet-4-5"), None);
    }

    #[test]
    fn snapshots_and_dots() {
        assert_eq!(
            strip_snapshot("claude-sonnet-4-5-20250929"),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(strip_snapshot("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(
            strip_snapshot("claude-3-5-sonnet-latest"),
            Some("claude-3-5-sonnet")
        );
        assert_eq!(strip_snapshot("gpt-4o"), None);
        assert_eq!(strip_snapshot("o3-2025"), None);
        assert_eq!(
            dots_to_dashes("claude-sonnet-4.5").as_deref(),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(dots_to_dashes("a.b"), None);
    }

    #[test]
    fn attempts_keep_the_exact_name_first() {
        let (t, p) = attempts("OpenRouter/Anthropic/claude-sonnet-4.5");
        assert_eq!(t[0].0, "openrouter/anthropic/claude-sonnet-4.5");
        assert_eq!(t[1].0, "anthropic/claude-sonnet-4.5");
        assert_eq!(t[2].0, "claude-sonnet-4.5");
        assert!(
            t.iter()
                .any(|(n, k)| n == "claude-sonnet-4-5" && *k == MatchKind::DottedVersion)
        );
        assert_eq!(p.as_deref(), Some("openrouter"));
    }
}
