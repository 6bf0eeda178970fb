//! One-stop public services (dịch vụ công một cửa / guichet unique): the procedure catalogue
//! with versioned forms, dossiers and their legal state machine, working-day deadlines,
//! messages, uploaded files, official documents with their seals, statistics, exports, and the
//! outbox that sends e-mails and webhooks.
//!
//! A domain slice: its services (`procedure`, `form`, `state`, `dossier`, `documents`,
//! `stats`, `exports`, `outbox`), its pages and API (`web`), templates and messages
//! (`locales/`). The app composes it from `crates/app/src/slices.rs` and inserts its
//! [`OneStopState`].
//!
//! Invariant: every change to a dossier is one `Store::write_dossier` call, so the dossier,
//! its history line, messages, outbox rows and ledger entry commit together.
//! Invariant: this crate never reads the system clock or OS randomness; `Clock` and `Entropy`
//! are passed in.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod authz;
pub mod cli;
pub mod contract;
pub mod counter;
pub mod demo;
pub mod documents;
pub mod dossier;
pub mod exports;
pub mod form;
pub mod identity;
mod lean;
pub mod outbox;
pub mod procedure;
pub mod silence;
mod sql;
pub mod state;
pub mod stats;
pub mod store;
pub mod web;

pub use demo::DEMO;
pub use sql::dossiers_page_generic_sqlite;
pub use store::{OneStopStore, TABLES};

guichet_store_sql::slice_migrations!(pub static MIGRATIONS = "one_stop", TABLES);

pub use guichet_common::{Result, ServiceError, files, invalid, sheets};

use std::sync::Arc;

/// What the slice needs besides the store, inserted into the application by the app
/// (`guichet_web::Services::slice_state`).
#[derive(Clone)]
pub struct OneStopState {
    /// Renders, seals and stores official documents.
    pub issuer: documents::Issuer,
    /// Parsed bodies of published procedure versions (immutable, so cached).
    pub versions: Arc<procedure::VersionCache>,
}

/// The slice's state in the application; `Err` when the app did not insert it.
pub fn state(
    app: &guichet_web::App,
) -> std::result::Result<&OneStopState, guichet_store::StoreError> {
    app.slice_state::<OneStopState>().ok_or_else(|| {
        guichet_store::StoreError::Database("the one-stop slice's state is not installed".into())
    })
}

/// The slice's trait on a shared store, for work that outlives a request (export jobs).
pub fn one_stop_store_arc(
    store: std::sync::Arc<dyn guichet_store::PlatformStore>,
) -> std::result::Result<std::sync::Arc<dyn OneStopStore>, guichet_store::StoreError> {
    guichet_store_sql::slice_store_arc!(store, dyn OneStopStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("one-stop"))
}

/// The slice's trait in a store of the application: `Err` for a store of another kind (one
/// without the one-stop SQL expanded for it).
pub fn one_stop_store(
    store: &dyn guichet_store::PlatformStore,
) -> std::result::Result<&dyn OneStopStore, guichet_store::StoreError> {
    guichet_store_sql::slice_store!(store, dyn OneStopStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("one-stop"))
}

use guichet_common::files::Files;

/// Checks, stores and records an upload (metadata row and `file.uploaded` ledger entry in
/// one transaction). Returns `Invalid` (file-type, file-too-big, file-empty, file-infected, file-content)
/// for a refused file, which then leaves nothing behind in the database.
#[allow(clippy::too_many_arguments)]
pub async fn upload(
    files: &Files,
    store: &dyn OneStopStore,
    clock: &dyn guichet_core::Clock,
    entropy: &dyn guichet_core::Entropy,
    actor: &str,
    name: &str,
    content: bytes::Bytes,
    rules: &guichet_common::files::FileRules<'_>,
    uploaded_by: Option<guichet_core::UserId>,
) -> Result<guichet_store::FileRecord> {
    let id: guichet_core::FileId = guichet_core::IdGen { clock, entropy }.id();
    let record = files
        .put(id, name, content, rules, uploaded_by, clock.now())
        .await?;
    let audit = guichet_store::Audit::one(
        clock.now(),
        guichet_ledger::Event {
            stream: guichet_ledger::SYSTEM_STREAM.into(),
            actor: actor.to_owned(),
            action: "file.uploaded".into(),
            object_type: "file".into(),
            object_id: record.id.to_string(),
            payload: serde_json::json!({ "sha256": record.sha256, "size": record.size, "name": record.name }),
        },
    );
    store.add_file(&record, &audit).await?;
    Ok(record)
}
