//! A domain outside this crate implements its own storage trait on both backends with the SQL
//! written once, through the public backend API (`guichet_store_sql::{sqlite, postgres}::prelude`
//! and each backend's `write_tx!`): what a slice crate under `crates/domains/` does. The change
//! and its ledger entry commit together, and a failed write leaves neither.

use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_ledger::Event;
use guichet_store::{Audit, PlatformStore, Result};

/// The toy domain: notes, each ledgered.
#[async_trait::async_trait]
trait NotesStore: PlatformStore {
    async fn create_notes_table(&self) -> Result<()>;
    /// Adds a note; an empty one is refused after the row was written, so nothing may stay.
    async fn add_note(&self, text: &str, audit: &Audit) -> Result<()>;
    async fn notes(&self) -> Result<Vec<String>>;
}

/// The SQL, once, expanded per backend with that backend's prelude in scope.
macro_rules! notes_sql {
    ($Store:ty) => {
        #[async_trait::async_trait]
        impl crate::NotesStore for $Store {
            async fn create_notes_table(&self) -> Result<()> {
                self.execute_raw("CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL)")
                    .await
                    .map(|_| ())
            }

            async fn add_note(&self, text: &str, audit: &Audit) -> Result<()> {
                let text = text.to_owned();
                let audit = audit.clone();
                let entropy = self.entropy();
                write_tx!(self, conn, {
                    let id = entry_id(audit.at, &*entropy).to_string();
                    sqlx::query("INSERT INTO notes (id, text) VALUES ($1, $2)")
                        .bind(&id)
                        .bind(&text)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    append_events(conn, &*entropy, &audit).await?;
                    if text.is_empty() {
                        return Err(StoreError::Invalid("a note needs text".into()));
                    }
                    Ok(())
                })
            }

            async fn notes(&self) -> Result<Vec<String>> {
                use sqlx::Row as _;
                let rows = sqlx::query("SELECT text FROM notes ORDER BY text")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| r.try_get::<String, _>("text").map_err(map_err))
                    .collect()
            }
        }
    };
}

mod on_sqlite {
    use guichet_store::{Audit, PlatformStore as _, Result};
    use guichet_store_sql::sqlite::prelude::*;
    notes_sql!(guichet_store_sql::SqliteStore);
}

mod on_postgres {
    use guichet_store::{Audit, PlatformStore as _, Result};
    use guichet_store_sql::postgres::prelude::*;
    notes_sql!(guichet_store_sql::PostgresStore);
}

fn audit(text: &str) -> Audit {
    Audit::one(
        time::OffsetDateTime::now_utc(),
        Event {
            stream: "NOTES".into(),
            actor: "test".into(),
            action: "note.added".into(),
            object_type: "note".into(),
            object_id: text.into(),
            payload: serde_json::json!({ "text": text }),
        },
    )
}

async fn story(store: Arc<dyn NotesStore>) {
    store.migrate().await.unwrap();
    store.create_notes_table().await.unwrap();
    store
        .add_note("première", &audit("première"))
        .await
        .unwrap();
    store.add_note("second", &audit("second")).await.unwrap();
    let refused = store.add_note("", &audit("")).await.unwrap_err();
    assert!(
        refused.to_string().contains("a note needs text"),
        "{refused}"
    );
    assert_eq!(store.notes().await.unwrap(), ["première", "second"]);
    let entries = store.ledger_entries("NOTES", 0, 10).await.unwrap();
    assert_eq!(entries.len(), 2, "the refused note left no ledger entry");
    assert_eq!(entries[1].seq, 2);
}

#[tokio::test]
async fn a_domain_outside_the_crate_writes_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = guichet_store_sql::SqliteStore::open(&dir.path().join("g.db"), Arc::new(OsEntropy))
        .await
        .unwrap();
    story(Arc::new(store)).await;
}

#[tokio::test]
async fn a_domain_outside_the_crate_writes_through_postgres() {
    let Some(url) = guichet_store_sql::testing::postgres_for_tests().await else {
        return;
    };
    let store = guichet_store_sql::PostgresStore::connect(&url, Arc::new(OsEntropy))
        .await
        .unwrap();
    story(Arc::new(store)).await;
}
