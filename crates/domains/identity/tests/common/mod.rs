//! Fresh stores for the contract suite: a new SQLite file, or a new PostgreSQL database, each
//! migrated with the identity slice's set.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_core::OsEntropy;
use guichet_identity::IdentityStore;
use uuid::Uuid;

async fn open(url: &str) -> Arc<dyn IdentityStore> {
    let store =
        guichet_store_sql::open_with(url, Arc::new(OsEntropy), &[&guichet_identity::MIGRATIONS])
            .await
            .expect("open the store");
    guichet_identity::identity_store_arc(store).expect("the identity slice's store")
}

pub async fn fresh_sqlite() -> Option<Arc<dyn IdentityStore>> {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(Uuid::now_v7().to_string());
    Some(open(&format!("sqlite:{}", dir.join("guichet.db").display())).await)
}

pub async fn fresh_postgres() -> Option<Arc<dyn IdentityStore>> {
    let url = guichet_store_sql::testing::postgres_for_tests().await?;
    Some(open(&url).await)
}
