//! SQLite (default, embedded) and PostgreSQL stores: the platform's SQL (ledger, backup tables,
//! outbox; `shared.rs`, written once for both), the pools, the group-commit writer,
//! `write_tx!`, and the migrations collected from the platform's and the slices' sets. Each
//! slice crate implements its own store trait on [`SqliteStore`] and [`PostgresStore`] with the
//! backend's `prelude` (see `tests/outside_domain.rs`).
//!
//! Invariant: no advisory locks, no LISTEN/NOTIFY, UUIDv7 keys and BIGINT counters, so the
//! PostgreSQL schema runs on distributed PostgreSQL (Citus, CockroachDB, YugabyteDB);
//! serialization failures are retried.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod migrations;
mod outbox;
pub mod postgres;
mod shared;
pub mod sqlite;
pub mod testing;

use std::sync::Arc;

use guichet_core::Entropy;
use guichet_store::{PlatformStore, Result, StoreError};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Opens the database named by `url` (`sqlite:PATH` or `postgres://…`) and applies the
/// built-in migrations.
pub async fn open(url: &str, entropy: Arc<dyn Entropy>) -> Result<Arc<dyn PlatformStore>> {
    open_with(url, entropy, &[]).await
}

/// Opens the database named by `url` and applies the built-in migrations and those of
/// `slices` (the app's composition list).
pub async fn open_with(
    url: &str,
    entropy: Arc<dyn Entropy>,
    slices: &[&'static migrations::MigrationSet],
) -> Result<Arc<dyn PlatformStore>> {
    let store: Arc<dyn PlatformStore> =
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Arc::new(
                PostgresStore::connect(url, entropy)
                    .await?
                    .with_slices(slices),
            )
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Arc::new(
                SqliteStore::open(std::path::Path::new(path), entropy)
                    .await?
                    .with_slices(slices),
            )
        } else {
            return Err(StoreError::Connect(format!(
                "unsupported database URL {:?}: use sqlite:PATH or postgres://USER@HOST/DB",
                url.split('@').next_back().unwrap_or(url)
            )));
        };
    store.migrate().await?;
    Ok(store)
}

/// A slice's own storage trait on whichever backend `store` is:
/// `slice_store!(&*app.store, dyn CooperationStore)` is `Some(&dyn CooperationStore)` when the
/// slice's SQL is expanded for both backends (as `tests/outside_domain.rs` shows), `None` for
/// a store of another kind.
#[macro_export]
macro_rules! slice_store {
    ($store:expr, dyn $Trait:path) => {{
        let any = $crate::__PlatformStore::as_any($store);
        if let Some(s) = any.downcast_ref::<$crate::SqliteStore>() {
            Some(s as &dyn $Trait)
        } else if let Some(s) = any.downcast_ref::<$crate::PostgresStore>() {
            Some(s as &dyn $Trait)
        } else {
            None
        }
    }};
}

/// The same as [`slice_store!`] for a shared store: `slice_store_arc!(app.store.clone(), dyn
/// OneStopStore)` is `Some(Arc<dyn OneStopStore>)`, for work that outlives the request.
#[macro_export]
macro_rules! slice_store_arc {
    ($store:expr, dyn $Trait:path) => {{
        let any = $crate::__PlatformStore::into_any($store);
        match any.downcast::<$crate::SqliteStore>() {
            Ok(s) => Some(s as ::std::sync::Arc<dyn $Trait>),
            Err(any) => match any.downcast::<$crate::PostgresStore>() {
                Ok(s) => Some(s as ::std::sync::Arc<dyn $Trait>),
                Err(_) => None,
            },
        }
    }};
}

/// The error for a store that lacks a slice's SQL (a store of another kind than the composed
/// application's): what `slice_store!` returning `None` means, in one wording.
pub fn missing_slice(slice: &str) -> StoreError {
    StoreError::Database(format!("this store does not hold the {slice} tables"))
}

#[doc(hidden)]
pub use guichet_store::PlatformStore as __PlatformStore;

/// The platform's outbox trait on whichever backend `store` is.
pub fn outbox_store(store: &dyn PlatformStore) -> Result<&dyn guichet_store::OutboxStore> {
    slice_store!(store, dyn guichet_store::OutboxStore).ok_or_else(|| missing_slice("outbox"))
}
