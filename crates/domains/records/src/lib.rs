//! Records and archives (văn thư, lưu trữ / records management and archives): registration of
//! incoming and outgoing documents with gap-free numbers, automatic capture of every dossier
//! document, the file plan and archival files, retention and the 30-day warning, legal holds,
//! disposition runs with four-eyes approval, fixity audits over two or more copies with repair,
//! search, and archival packages (BagIt, SEDA 2.2, E-ARK) out and in.
//!
//! A domain slice: its store rows, narrow trait and tables (`store`), its SQL once for both
//! backends (`sql`), migrations (`migrations/`), the service (`service`), web pages and API
//! (`web`), templates and messages (`locales/`). It reads the one-stop domain (the dossiers
//! whose files and messages it captures) only through `OneStopStore`, a supertrait of its own.
//! The app composes it from `crates/app/src/slices.rs` and inserts its [`RecordsState`].
//!
//! Invariants: a record's content is in every archive copy and read back before its row is
//! written; destruction marks the rows (holds checked in the same transaction) before any
//! content is deleted; register numbers are gap-free per office, register and year.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod authz;
pub mod service;
mod sql;
pub mod store;
pub mod web;

use std::sync::Arc;

pub use service::Records;
pub use store::{RecordsStore, TABLES};
pub use web::SLICE;

guichet_store_sql::slice_migrations!(pub static MIGRATIONS = "records", TABLES);

/// What the slice needs besides the store, inserted into the application by the app
/// (`guichet_web::Services::slice_state`).
#[derive(Clone)]
pub struct RecordsState {
    /// The copies of records' content.
    pub archive: service::ArchiveStorage,
    /// The record search index (`None`: unavailable; searches find nothing).
    pub search: Option<Arc<guichet_records_formats::search::SearchIndex>>,
    /// The archives service packages are made for.
    pub agency: guichet_records_formats::package::Agency,
}

/// The slice's trait in a store of the application: `Err` for a store of another kind (one
/// without the records SQL expanded for it).
pub fn records_store(
    store: &dyn guichet_store::PlatformStore,
) -> Result<&dyn RecordsStore, guichet_store::StoreError> {
    guichet_store_sql::slice_store!(store, dyn RecordsStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("records"))
}
