//! The providers whose bodies and streams hailog reads, with their stable lowercase names (the
//! same spelling in Rust, Python, Node and the stored `usage.provider` field).

use super::UsageError;
use std::fmt;
use std::str::FromStr;

/// A model provider (or a host of another provider's models: Azure, Vertex, Bedrock, OpenRouter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    OpenAi,
    Azure,
    Anthropic,
    Gemini,
    Vertex,
    Bedrock,
    Mistral,
    DeepSeek,
    Groq,
    OpenRouter,
    Cohere,
    Ollama,
    XAi,
    Together,
    Fireworks,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 15] = [
        Provider::OpenAi,
        Provider::Azure,
        Provider::Anthropic,
        Provider::Gemini,
        Provider::Vertex,
        Provider::Bedrock,
        Provider::Mistral,
        Provider::DeepSeek,
        Provider::Groq,
        Provider::OpenRouter,
        Provider::Cohere,
        Provider::Ollama,
        Provider::XAi,
        Provider::Together,
        Provider::Fireworks,
    ];

    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Azure => "azure",
            Provider::Anthropic => "anthropic",
            Provider::Gemini => "gemini",
            Provider::Vertex => "vertex",
            Provider::Bedrock => "bedrock",
            Provider::Mistral => "mistral",
            Provider::DeepSeek => "deepseek",
            Provider::Groq => "groq",
            Provider::OpenRouter => "openrouter",
            Provider::Cohere => "cohere",
            Provider::Ollama => "ollama",
            Provider::XAi => "xai",
            Provider::Together => "together",
            Provider::Fireworks => "fireworks",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = UsageError;

    /// Accepts the names of [`Provider::as_str`] in any case, plus a few common spellings
    /// (`azure-openai`, `google`, `vertex-ai`, `aws-bedrock`, `x-ai`, `grok`).
    fn from_str(s: &str) -> Result<Self, UsageError> {
        let lower = s.trim().to_ascii_lowercase();
        let p = match lower.as_str() {
            "openai" => Provider::OpenAi,
            "azure" | "azure-openai" | "azure_openai" => Provider::Azure,
            "anthropic" => Provider::Anthropic,
            "gemini" | "google" | "google-ai-studio" => Provider::Gemini,
            "vertex" | "vertex-ai" | "vertex_ai" | "vertexai" => Provider::Vertex,
            "bedrock" | "aws-bedrock" | "aws_bedrock" | "amazon-bedrock" => Provider::Bedrock,
            "mistral" => Provider::Mistral,
            "deepseek" => Provider::DeepSeek,
            "groq" => Provider::Groq,
            "openrouter" => Provider::OpenRouter,
            "cohere" => Provider::Cohere,
            "ollama" => Provider::Ollama,
            "xai" | "x-ai" | "grok" => Provider::XAi,
            "together" | "together-ai" | "togetherai" => Provider::Together,
            "fireworks" | "fireworks-ai" | "fireworksai" => Provider::Fireworks,
            _ => {
                return Err(UsageError::UnknownProvider {
                    name: s.to_string(),
                });
            }
        };
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for p in Provider::ALL {
            assert_eq!(p.as_str().parse::<Provider>().unwrap(), p);
            assert_eq!(p.to_string(), p.as_str());
        }
        assert_eq!("Azure-OpenAI".parse::<Provider>().unwrap(), Provider::Azure);
        let err = "acme".parse::<Provider>().unwrap_err();
        assert!(err.to_string().contains("acme"), "{err}");
    }
}
