//! Schema migrations, one set per domain (`migrations/<domain>/<backend>/NNNN_*.sql`),
//! collected into one migrator per backend.
//!
//! Invariant: a migration keeps its global version number and its file byte for byte (sqlx
//! records both, with the file's SHA-384, in `_sqlx_migrations`), whichever set it lives in, so a
//! database migrated before the sets were split — or before a set moves into its domain's
//! crate — upgrades in place. `tests/upgrade.rs` checks this against the history of the
//! previous layout and against databases it made.

use std::borrow::Cow;
use std::sync::OnceLock;

use guichet_store::{Backend, StoreError, TableSpec};
use sqlx::migrate::{Migration, Migrator};

/// One domain's migrations for both backends, with the tables they create (for backup,
/// restore and the contract test that every table is backed up).
pub struct MigrationSet {
    pub domain: &'static str,
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
    /// Parents before children. The built-in sets below leave this empty: their tables are
    /// `guichet_store::TABLE_SETS` until those domains move into their slice crates.
    pub tables: &'static [TableSpec],
}

/// Declares a slice crate's migrations: `migration_set!(pub static MIGRATIONS = "cooperation",
/// TABLES);` reads `migrations/sqlite/` and `migrations/postgres/` of the calling crate. A
/// version must not be used by another set (collecting refuses it at startup); take the next
/// free number, and keep it once released.
#[macro_export]
macro_rules! slice_migrations {
    ($vis:vis static $name:ident = $domain:literal, $tables:expr) => {
        $vis static $name: $crate::migrations::MigrationSet = $crate::migrations::MigrationSet {
            domain: $domain,
            sqlite: &::sqlx::migrate!("./migrations/sqlite"),
            postgres: &::sqlx::migrate!("./migrations/postgres"),
            tables: $tables,
        };
    };
}

macro_rules! migration_set {
    ($name:ident, $domain:literal, $sqlite:literal, $postgres:literal) => {
        pub static $name: MigrationSet = MigrationSet {
            domain: $domain,
            sqlite: &sqlx::migrate!($sqlite),
            postgres: &sqlx::migrate!($postgres),
            tables: &[],
        };
    };
}

migration_set!(
    PLATFORM,
    "platform",
    "./migrations/platform/sqlite",
    "./migrations/platform/postgres"
);

/// Every domain's migrations, in no particular order (versions order them).
pub static SETS: &[&MigrationSet] = &[&PLATFORM];

/// The migrations of `sets` for `backend`, by version, as one migrator. Two migrations with
/// the same version, or the two backends of a set disagreeing on which versions exist, are
/// an error: they would apply in an order nobody chose.
pub fn collect(sets: &[&MigrationSet], backend: Backend) -> Result<Migrator, StoreError> {
    let mut all: Vec<Migration> = Vec::new();
    for set in sets {
        let versions = |m: &Migrator| m.migrations.iter().map(|m| m.version).collect::<Vec<_>>();
        if versions(set.sqlite) != versions(set.postgres) {
            return Err(StoreError::Migration(format!(
                "the {} migrations differ between SQLite {:?} and PostgreSQL {:?}",
                set.domain,
                versions(set.sqlite),
                versions(set.postgres)
            )));
        }
        let migrator = match backend {
            Backend::Sqlite => set.sqlite,
            Backend::Postgres => set.postgres,
        };
        all.extend(migrator.migrations.iter().cloned());
    }
    all.sort_by_key(|m| m.version);
    if let Some(pair) = all.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(StoreError::Migration(format!(
            "two migrations have version {}: {} and {}",
            pair[0].version, pair[0].description, pair[1].description
        )));
    }
    Ok(Migrator {
        migrations: Cow::Owned(all),
        ..Migrator::DEFAULT
    })
}

/// The tables of a store migrated with `sets`, in restore order: the built-in domains', then
/// each set's own.
pub fn tables_of(sets: &[&'static MigrationSet]) -> Vec<&'static TableSpec> {
    guichet_store::tables()
        .chain(sets.iter().flat_map(|s| s.tables.iter()))
        .collect()
}

/// The migrator of the built-in sets for `backend`, collected once.
pub fn migrator(backend: Backend) -> Result<&'static Migrator, StoreError> {
    static SQLITE: OnceLock<Result<Migrator, String>> = OnceLock::new();
    static POSTGRES: OnceLock<Result<Migrator, String>> = OnceLock::new();
    let cell = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| collect(SETS, backend).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| StoreError::Migration(e.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_is_collected_in_version_order() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let m = migrator(backend).unwrap();
            let versions: Vec<i64> = m.migrations.iter().map(|m| m.version).collect();
            let mut sorted = versions.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(versions, sorted);
            let total: usize = SETS
                .iter()
                .map(|s| match backend {
                    Backend::Sqlite => s.sqlite.migrations.len(),
                    Backend::Postgres => s.postgres.migrations.len(),
                })
                .sum();
            assert_eq!(versions.len(), total);
        }
    }

    #[test]
    fn a_version_used_twice_is_refused() {
        static TWICE: &[&MigrationSet] = &[&PLATFORM, &PLATFORM];
        let e = collect(TWICE, Backend::Sqlite).unwrap_err();
        assert!(e.to_string().contains("two migrations have version"), "{e}");
    }
}
