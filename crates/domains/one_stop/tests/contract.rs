//! The one-stop slice's storage contract (`guichet_one_stop::contract`) on SQLite and
//! PostgreSQL, and SQLite's lean page reader checked against the generic decoding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_identity::IdentityStore as _;
use guichet_one_stop::contract;
use guichet_one_stop::store::OneStopStore;
use guichet_store::PlatformStore as _;

async fn sqlite_store() -> Arc<guichet_store_sql::SqliteStore> {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(uuid::Uuid::now_v7().to_string());
    let store = Arc::new(
        guichet_store_sql::SqliteStore::open(&dir.join("g.db"), Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[&guichet_identity::MIGRATIONS, &guichet_one_stop::MIGRATIONS]),
    );
    store.migrate().await.unwrap();
    store
}

async fn sqlite() -> Option<Arc<dyn OneStopStore>> {
    Some(sqlite_store().await)
}

async fn postgres() -> Option<Arc<dyn OneStopStore>> {
    let url = guichet_store_sql::testing::postgres_for_tests().await?;
    let store = Arc::new(
        guichet_store_sql::PostgresStore::connect(&url, Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[&guichet_identity::MIGRATIONS, &guichet_one_stop::MIGRATIONS]),
    );
    store.migrate().await.unwrap();
    Some(store)
}

macro_rules! on_both {
    ($($case:ident),*) => {
        mod on_sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(store) = sqlite().await {
                        contract::$case(store).await;
                    }
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn backup_restores_documents_and_exports() {
                if let (Some(a), Some(b)) = (sqlite().await, sqlite().await) {
                    contract::backup_restores_documents_and_exports(a, b).await;
                }
            }
        }
        mod on_postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(store) = postgres().await {
                        contract::$case(store).await;
                    }
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn backup_restores_documents_and_exports() {
                if let (Some(a), Some(b)) = (postgres().await, postgres().await) {
                    contract::backup_restores_documents_and_exports(a, b).await;
                }
            }
        }
    };
}

on_both!(
    dossier_codes_are_gap_free_under_concurrency,
    stale_dossier_writes_are_refused_and_change_nothing,
    published_procedure_versions_never_change,
    documents_ratings_stats_and_exports
);

/// SQLite's lean export reader returns what sqlx's generic decoding returns, and pages.
#[tokio::test]
async fn lean_dossier_reader_matches_generic_decoding() {
    let store = sqlite_store().await;
    contract::documents_ratings_stats_and_exports(store.clone()).await;
    let office = store.list_offices().await.unwrap()[0].id;
    let lean = store.dossiers_page(office, None, None, 100).await.unwrap();
    assert_eq!(lean.len(), 5);
    assert!(
        lean.iter()
            .any(|d| d.received_at.is_some() && d.code.is_some())
    );
    assert_eq!(
        lean,
        guichet_one_stop::dossiers_page_generic_sqlite(&store, office, 100)
            .await
            .unwrap()
    );
    let after = Some(lean[1].id);
    assert_eq!(
        store.dossiers_page(office, None, after, 2).await.unwrap(),
        lean[2..4].to_vec()
    );
}
