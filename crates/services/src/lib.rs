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
pub mod identity;
pub mod outbox;
pub mod procedure;
pub mod state;
pub mod stats;

pub use guichet_common::{Result, ServiceError, invalid, sheets};
