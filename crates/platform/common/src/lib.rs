//! What every domain's service shares, so that no domain crate depends on another for it:
//! the service error with its stable keys (API problem codes and message keys), the form field
//! error, who acts (as histories and the ledger name them), and spreadsheet rows in and out.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod files;
pub mod sheets;

use guichet_core::{Country, Language, UserId};
use guichet_store::{Office, StoreError, User};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks a rule; `key` is stable (API problem code, message key `svc-{key}`),
    /// `detail` is English for logs and the API; `said`, when the wording must carry data (a
    /// name, a value), is the message in each language, shown instead of the key's message.
    #[error("{detail}")]
    Invalid {
        key: &'static str,
        detail: String,
        said: Option<Box<Said>>,
    },
    /// Answers that do not pass the form.
    #[error("the form has {} problem(s)", .0.len())]
    Form(Vec<FieldError>),
    #[error("a dossier in state {from} cannot take the step {step}")]
    IllegalStep { from: String, step: String },
    #[error("the form changed (version {from} → {to}); review your answers and submit again")]
    FormChanged { from: i64, to: i64 },
    #[error("{0} was not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// A rule broken by the input: `key` names it for the API and the messages.
pub fn invalid(key: &'static str, detail: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        key,
        detail: detail.into(),
        said: None,
    }
}

/// A rule broken by the input, with its message in each language (the English one is also
/// the detail).
pub fn invalid_said(key: &'static str, said: Said) -> ServiceError {
    ServiceError::Invalid {
        key,
        detail: said.en.clone(),
        said: Some(Box::new(said)),
    }
}

/// One message in each language guichet speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Said {
    pub vi: String,
    pub fr: String,
    pub en: String,
}

impl Said {
    /// The same message built once per language.
    pub fn each(mut text: impl FnMut(Language) -> String) -> Self {
        Self {
            vi: text(Language::Vi),
            fr: text(Language::Fr),
            en: text(Language::En),
        }
    }

    /// By language code (`vi`, `fr`; anything else English), as templates hold it.
    pub fn get_code(&self, lang: &str) -> &str {
        match lang {
            "vi" => &self.vi,
            "fr" => &self.fr,
            _ => &self.en,
        }
    }

    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::Vi => &self.vi,
            Language::Fr => &self.fr,
            Language::En => &self.en,
        }
    }
}

/// What is wrong with one answer. `path` is the field key, or `block[2].key` inside a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub code: String,
    /// In the language asked for.
    pub message: String,
}

/// Who acts, as histories and the ledger record it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<UserId>,
    pub name: String,
}

impl Actor {
    /// Someone who is no account: the command line, a benchmark, guichet itself.
    pub fn named(name: &str) -> Self {
        Self {
            id: None,
            name: name.to_owned(),
        }
    }

    pub fn user(u: &User) -> Self {
        Self {
            id: Some(u.id),
            name: u.display_name.clone(),
        }
    }

    pub fn ledger(&self) -> String {
        self.id
            .map_or_else(|| "anonymous".to_owned(), |id| format!("user:{id}"))
    }
}

/// "Hà Nội, ngày 25 tháng 11 năm 2026" / "Bordeaux, le 25 novembre 2026".
pub fn place_date(office: &Office, lang: Language, d: time::Date) -> String {
    const FR_MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = u8::from(d.month());
    match (office.country, lang) {
        (Country::Vn, _) => format!("ngày {:02} tháng {:02} năm {}", d.day(), month, d.year()),
        (Country::Fr, Language::En) => format!("{:04}-{:02}-{:02}", d.year(), month, d.day()),
        (Country::Fr, _) => format!(
            "le {} {} {}",
            d.day(),
            FR_MONTHS[usize::from(month - 1)],
            d.year()
        ),
    }
}
