//! One-stop public services (dịch vụ công một cửa / guichet unique): the procedure catalogue
//! with versioned forms, dossiers and their legal state machine, working-day deadlines,
//! messages, uploaded files, and the outbox that sends e-mails and webhooks.
//!
//! Invariant: every change to a dossier is one `Store::write_dossier` call, so the dossier,
//! its history line, messages, outbox rows and ledger entry commit together.
//! Invariant: this crate never reads the system clock or OS randomness; `Clock` and `Entropy`
//! are passed in.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod documents;
pub mod dossier;
pub mod exports;
pub mod files;
pub mod form;
pub mod hr;
pub mod identity;
pub mod outbox;
pub mod procedure;
pub mod records;
pub mod sheets;
pub mod state;
pub mod stats;

use guichet_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks a rule; `key` is stable (API problem code, message key).
    #[error("{detail}")]
    Invalid { key: &'static str, detail: String },
    /// Answers that do not pass the form.
    #[error("the form has {} problem(s)", .0.len())]
    Form(Vec<form::FieldError>),
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

pub(crate) fn invalid(key: &'static str, detail: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        key,
        detail: detail.into(),
    }
}
