//! The embedded SQLite backend: one file, WAL journal, synchronous=FULL (a commit is on disk
//! when it returns), foreign keys on, busy timeout. Writes go through a single connection so
//! writers queue in the pool instead of failing with SQLITE_BUSY; reads use a separate pool.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    entropy: Arc<dyn guichet_core::Entropy>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

const DATA_TABLES_SQL: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name";

impl SqliteStore {
    pub async fn open(
        path: &Path,
        entropy: Arc<dyn guichet_core::Entropy>,
    ) -> guichet_store::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                guichet_store::StoreError::Connect(format!(
                    "cannot create directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(map_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let connect =
            |e: sqlx::Error| guichet_store::StoreError::Connect(format!("{}: {e}", path.display()));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(connect)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(connect)?;
        Ok(Self {
            write,
            read,
            entropy,
        })
    }

    fn writer(&self) -> &SqlitePool {
        &self.write
    }

    fn reader(&self) -> &SqlitePool {
        &self.read
    }
}

fn map_err(e: sqlx::Error) -> guichet_store::StoreError {
    use guichet_store::StoreError;
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included.
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|c| matches!(c.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6))) =>
        {
            StoreError::Busy(db.message().to_owned())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

crate::shared::sql_store!(SqliteStore, sqlx::Sqlite, Backend::Sqlite);
