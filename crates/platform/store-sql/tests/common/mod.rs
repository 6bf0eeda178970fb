//! Fresh stores for the contract suite: a new SQLite file, or a new PostgreSQL database.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_store::Store;
use uuid::Uuid;

pub async fn fresh_sqlite() -> Option<Arc<dyn Store>> {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(Uuid::now_v7().to_string());
    let url = format!("sqlite:{}", dir.join("guichet.db").display());
    Some(
        guichet_store_sql::open(&url, Arc::new(OsEntropy))
            .await
            .expect("open sqlite"),
    )
}

#[allow(unused_imports)]
pub use guichet_store_sql::testing::fresh_postgres_store as fresh_postgres;
