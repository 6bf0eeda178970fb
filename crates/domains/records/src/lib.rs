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
pub mod cli;
pub mod demo;
pub mod service;
mod sql;
pub mod store;
pub mod web;

use std::sync::Arc;

use guichet_records_formats::search::SearchIndex;

pub use demo::DEMO;
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
    /// The record search index, opened on first use.
    pub search: Arc<SearchSlot>,
    /// The archives service packages are made for.
    pub agency: guichet_records_formats::package::Agency,
}

/// The record search index of a data directory, opened on first use: a command that needs no
/// search never opens it, and a command run beside a server (which holds the index's lock)
/// finds it unavailable and skips indexing (`guichet archive reindex` rebuilds it later).
pub struct SearchSlot {
    dir: Option<std::path::PathBuf>,
    index: tokio::sync::OnceCell<Option<Arc<SearchIndex>>>,
}

impl SearchSlot {
    /// The index kept in `dir`.
    pub fn at(dir: std::path::PathBuf) -> SearchSlot {
        SearchSlot {
            dir: Some(dir),
            index: tokio::sync::OnceCell::new(),
        }
    }

    /// No index: searches find nothing.
    pub fn none() -> SearchSlot {
        SearchSlot {
            dir: None,
            index: tokio::sync::OnceCell::new(),
        }
    }

    /// The index if it has been opened.
    pub fn ready(&self) -> Option<&SearchIndex> {
        self.index.get().and_then(|i| i.as_deref())
    }

    /// The index if it has been opened, shared.
    pub fn shared(&self) -> Option<Arc<SearchIndex>> {
        self.index.get().and_then(Clone::clone)
    }

    /// Opens the index (once), rebuilding it from the database when it was just created
    /// while records exist; `None` when it cannot be opened (another process holds it).
    pub async fn open(
        &self,
        store: &dyn RecordsStore,
        clock: &dyn guichet_core::Clock,
        entropy: &dyn guichet_core::Entropy,
        archive: &service::ArchiveStorage,
        files: &guichet_common::files::Files,
    ) -> Option<&SearchIndex> {
        let dir = self.dir.clone()?;
        self.index
            .get_or_init(|| async {
                let opened = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await;
                let (index, created) = match opened {
                    Ok(Ok(opened)) => opened,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "record search index unavailable");
                        return None;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "record search index unavailable");
                        return None;
                    }
                };
                if created && store.count_records(None).await.unwrap_or(0) > 0 {
                    let records = Records {
                        store,
                        clock,
                        entropy,
                        archive,
                        files,
                        index: Some(&index),
                    };
                    if let Err(e) = records.reindex(&|_, _| {}).await {
                        tracing::warn!(error = %e, "could not rebuild the record search index");
                    }
                }
                Some(Arc::new(index))
            })
            .await
            .as_deref()
    }
}

/// The slice's trait in a store of the application: `Err` for a store of another kind (one
/// without the records SQL expanded for it).
pub fn records_store(
    store: &dyn guichet_store::PlatformStore,
) -> Result<&dyn RecordsStore, guichet_store::StoreError> {
    guichet_store_sql::slice_store!(store, dyn RecordsStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("records"))
}
