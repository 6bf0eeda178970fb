//! The PostgreSQL backend (production). READ COMMITTED with row locks on the ledger heads keeps
//! ledger sequences gap-free; serialization failures and deadlocks (what distributed
//! PostgreSQL reports under contention) are retried.

use std::sync::Arc;
use std::time::Duration;

pub use sqlx::PgConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PostgresStore {
    pool: PgPool,
    entropy: Arc<dyn guichet_core::Entropy>,
    /// The migration sets `migrate` applies: the built-in ones and the composed slices'.
    sets: Vec<&'static crate::migrations::MigrationSet>,
}

const DATA_TABLES_SQL: &str = "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
     AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY 1";

impl PostgresStore {
    pub async fn connect(
        url: &str,
        entropy: Arc<dyn guichet_core::Entropy>,
    ) -> guichet_store::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| {
                guichet_store::StoreError::Connect(format!("PostgreSQL at {}: {e}", redact(url)))
            })?;
        Ok(Self {
            pool,
            entropy,
            sets: crate::migrations::SETS.to_vec(),
        })
    }

    /// The same store, also migrating (and backing up) the tables of `slices`.
    pub fn with_slices(mut self, slices: &[&'static crate::migrations::MigrationSet]) -> Self {
        self.sets.extend_from_slice(slices);
        self
    }

    /// The migration sets this store applies.
    pub fn migration_sets(&self) -> &[&'static crate::migrations::MigrationSet] {
        &self.sets
    }

    /// The connection pool (reads, and the transactions of `write_tx!`).
    pub fn reader(&self) -> &PgPool {
        &self.pool
    }

    #[doc(hidden)]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The randomness ledger entry ids are drawn from.
    pub fn entropy(&self) -> Arc<dyn guichet_core::Entropy> {
        self.entropy.clone()
    }

    /// One statement outside any transaction (CREATE DATABASE refuses to run in one).
    async fn raw(&self, sql: &str) -> guichet_store::Result<u64> {
        let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    /// Ledger entries, decoded row by row. (A binary `COPY` reader was measured slower: each
    /// row arrives as its own protocol message.)
    async fn read_ledger(
        &self,
        stream: &str,
        after_seq: i64,
        limit: u32,
    ) -> guichet_store::Result<Vec<guichet_ledger::Entry>> {
        self.read_ledger_generic(stream, after_seq, limit).await
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// A database error as the store reports it (unique violation: `Conflict`; serialization
/// failure or deadlock: `Busy`, retried by `write_tx!`).
pub fn map_err(e: sqlx::Error) -> guichet_store::StoreError {
    use guichet_store::StoreError;
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        // serialization_failure, deadlock_detected
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01")) => {
            StoreError::Busy(db.message().to_owned())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

/// How many times a transaction that hit a serialization failure or deadlock is tried.
#[doc(hidden)]
pub const MAX_ATTEMPTS: u32 = 12;

/// Runs `$body` with `$conn: &mut PgConnection` inside a transaction (`$self` is a
/// `PostgresStore`); serialization failures and deadlocks roll back and run it again with a
/// growing pause. Domains use it as `write_tx!` from [`prelude`].
#[macro_export]
macro_rules! postgres_write_tx {
    ($self:ident, $conn:ident, $body:block) => {{
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut tx = $self
                .pool()
                .begin()
                .await
                .map_err($crate::postgres::map_err)?;
            let result: $crate::postgres::prelude::Result<_> = {
                let $conn: &mut $crate::postgres::PgConnection = &mut *tx;
                async { $body }.await
            };
            let outcome = match result {
                Ok(value) => tx
                    .commit()
                    .await
                    .map(|_| value)
                    .map_err($crate::postgres::map_err),
                Err(e) => Err(e),
            };
            match outcome {
                Err($crate::postgres::prelude::StoreError::Busy(_))
                    if attempt < $crate::postgres::MAX_ATTEMPTS =>
                {
                    $crate::postgres::retry_pause(attempt).await;
                }
                other => break other,
            }
        }
    }};
}
use crate::postgres_write_tx as write_tx;

/// The pause before trying a busy transaction again.
#[doc(hidden)]
pub async fn retry_pause(attempt: u32) {
    tokio::time::sleep(std::time::Duration::from_millis(2u64 << attempt.min(6))).await;
}

/// What a domain's SQL, written once for both backends, needs of this backend (see the
/// SQLite one).
pub mod prelude {
    pub use super::{
        Conn, DbRow, PostgresStore, append_events, conflict, day_of, day_text, entry_from_row,
        insert_outbox, json_text, map_err, opt_day, opt_id,
    };
    /// The backend's sqlx database type (for `QueryBuilder::<Db>`).
    pub type Db = sqlx::Postgres;
    pub use crate::postgres_write_tx as write_tx;
    pub use crate::shared::{entry_id, iso_day, parse_day, to_hash};
    pub use guichet_store::{Result, StoreError};
}

crate::shared::platform_sql!(PostgresStore, sqlx::Postgres, Backend::Postgres);

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            super::redact("postgres://app:secret@db:5432/guichet"),
            "postgres://app@db:5432/guichet"
        );
        assert_eq!(
            super::redact("postgres://db/guichet"),
            "postgres://db/guichet"
        );
    }
}
