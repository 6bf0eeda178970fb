//! Local administration (chính quyền địa phương, administration territoriale): the
//! administrative units of Vietnam's two-level local government (34 provinces and 3,321
//! communes since 1 July 2025, and the units before) and of France (communes, départements,
//! régions), each a dated version with its lineage (merges, splits, renames, code changes).
//!
//! A domain slice: its store trait and tables (`store`), SQL once for both backends (`sql`),
//! migrations (`migrations/`), the loading of the datasets shipped with the binary (`load`),
//! pages, API and address conversion (`web`), templates and vi/fr/en messages. The rules
//! (registry, lineage, old-address conversion) are the pure crate `guichet_units`; the app builds
//! the in-memory registry from this slice's store and hands it to every slice's pages.
//!
//! Invariant: a country's units are replaced as a whole, in one transaction with its ledger
//! entry; nothing else writes the unit tables.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cli;
pub mod load;
mod sql;
pub mod store;
pub mod web;

use guichet_store::{PlatformStore, StoreError};

pub use store::{TABLES, UnitDataset, UnitsStore};
pub use web::SLICE;

guichet_store_sql::slice_migrations!(pub static MIGRATIONS = "local_admin", TABLES);

/// The slice's store on `store` (the composed application's).
pub fn units_store(store: &dyn PlatformStore) -> Result<&dyn UnitsStore, StoreError> {
    guichet_store_sql::slice_store!(store, dyn UnitsStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("local administration"))
}
