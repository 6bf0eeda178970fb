//! The two countries whose law guichet implements.

/// Country whose law applies: to an office, an administrative unit, a rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Country {
    Vn,
    Fr,
}

impl Country {
    pub fn code(self) -> &'static str {
        match self {
            Country::Vn => "vn",
            Country::Fr => "fr",
        }
    }

    /// Parses `vn`/`fr` in any case.
    pub fn parse(s: &str) -> Option<Country> {
        match s.to_ascii_lowercase().as_str() {
            "vn" => Some(Country::Vn),
            "fr" => Some(Country::Fr),
            _ => None,
        }
    }
}
