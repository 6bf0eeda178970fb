//! The three languages guichet speaks.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Vi,
    Fr,
    En,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: guichet speaks vi, fr and en")]
pub struct UnknownLanguage(pub String);

impl Language {
    pub const ALL: [Language; 3] = [Language::Vi, Language::Fr, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::Vi => "vi",
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Vi => "Tiếng Việt",
            Language::Fr => "Français",
            Language::En => "English",
        }
    }

    /// Picks the best supported language from an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(f32, Language)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Ok(lang) = primary.parse::<Language>()
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = UnknownLanguage;
    fn from_str(s: &str) -> Result<Self, UnknownLanguage> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" => Ok(Language::Vi),
            "fr" => Ok(Language::Fr),
            "en" => Ok(Language::En),
            other => Err(UnknownLanguage(other.chars().take(16).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_respects_quality() {
        assert_eq!(
            Language::from_accept_language("de-DE,fr;q=0.8,en;q=0.9"),
            Some(Language::En)
        );
        assert_eq!(Language::from_accept_language("vi-VN"), Some(Language::Vi));
        assert_eq!(Language::from_accept_language("de, ja"), None);
        assert_eq!(Language::from_accept_language("fr;q=0"), None);
        assert_eq!(Language::from_accept_language(""), None);
    }

    #[test]
    fn unknown_language_is_an_error() {
        assert!("xx".parse::<Language>().is_err());
        assert_eq!("FR".parse::<Language>(), Ok(Language::Fr));
    }
}
