//! The PostgreSQL backend (production). READ COMMITTED with row locks on the ledger heads keeps
//! ledger sequences gap-free; serialization failures and deadlocks (what distributed
//! PostgreSQL reports under contention) are retried.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PostgresStore {
    pool: PgPool,
    entropy: Arc<dyn guichet_core::Entropy>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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
        Ok(Self { pool, entropy })
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
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

fn map_err(e: sqlx::Error) -> guichet_store::StoreError {
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

crate::shared::sql_store!(PostgresStore, sqlx::Postgres, Backend::Postgres);

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
