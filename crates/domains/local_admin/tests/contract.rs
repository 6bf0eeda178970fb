//! The slice's storage contract, run unchanged on SQLite and PostgreSQL: a country's units
//! replace the previous ones as a whole with their ledger entry, the other country's stay, and
//! the tables are in the backup.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_core::Country;
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_local_admin::{MIGRATIONS, UnitDataset, UnitsStore};
use guichet_store::Audit;
use guichet_units::{LinkRow, UnitRow};
use time::macros::{date, datetime};

fn unit(unit_ref: &str, level: &str, parent: Option<&str>, from: time::Date) -> UnitRow {
    UnitRow {
        unit_ref: unit_ref.into(),
        level: level.into(),
        kind: if level == "province" { "tinh" } else { "xa" }.into(),
        name: format!("Đơn vị {unit_ref}"),
        parent_ref: parent.map(Into::into),
        valid_from: from,
        valid_to: None,
        start_ref: "NQ 202/2025/QH15".into(),
        end_ref: String::new(),
    }
}

fn dataset(country: Country, version: &str, units: i64, links: i64) -> UnitDataset {
    UnitDataset {
        country,
        version: version.into(),
        source: "test".into(),
        loaded_at: datetime!(2026-12-07 09:00 UTC),
        units,
        links,
    }
}

fn loaded(country: Country) -> Audit {
    Audit::one(
        datetime!(2026-12-07 09:00 UTC),
        Event {
            stream: SYSTEM_STREAM.into(),
            actor: "system".into(),
            action: "units.dataset_loaded".into(),
            object_type: "admin_unit_dataset".into(),
            object_id: country.code().into(),
            payload: serde_json::json!({}),
        },
    )
}

async fn units_replace_as_a_whole(store: Arc<dyn UnitsStore>) {
    let from = date!(2025 - 07 - 01);
    let merged = UnitRow {
        valid_to: Some(date!(2025 - 06 - 30)),
        ..unit("VN-00001", "commune", Some("VN-01"), date!(2020 - 01 - 01))
    };
    let vn = vec![
        unit("VN-01", "province", None, date!(2020 - 01 - 01)),
        merged,
        unit("VN-00004", "commune", Some("VN-01"), from),
    ];
    let link = LinkRow {
        from_id: "VN-00001@2020-01-01".into(),
        to_id: "VN-00004@2025-07-01".into(),
        kind: "merge".into(),
        effective: from,
        partial: false,
        legal_ref: "NQ 1656/NQ-UBTVQH15".into(),
    };
    store
        .replace_units(
            &dataset(Country::Vn, "v1", 2, 1),
            vn,
            vec![link.clone()],
            &loaded(Country::Vn),
        )
        .await
        .unwrap();
    store
        .replace_units(
            &dataset(Country::Fr, "v1", 1, 0),
            vec![unit("FR-75", "department", None, date!(1968 - 01 - 01))],
            Vec::new(),
            &loaded(Country::Fr),
        )
        .await
        .unwrap();
    // A second load of Vietnam replaces its units and links, not France's.
    store
        .replace_units(
            &dataset(Country::Vn, "v2", 1, 0),
            vec![unit("VN-01", "province", None, from)],
            Vec::new(),
            &loaded(Country::Vn),
        )
        .await
        .unwrap();
    let (units, links) = store.load_units().await.unwrap();
    let refs: Vec<&str> = units.iter().map(|u| u.unit_ref.as_str()).collect();
    assert_eq!(refs, ["FR-75", "VN-01"]);
    assert!(links.is_empty(), "Vietnam's old links went with its units");
    let datasets = store.unit_datasets().await.unwrap();
    assert_eq!(
        datasets
            .iter()
            .map(|d| (d.country, d.version.as_str(), d.units))
            .collect::<Vec<_>>(),
        [(Country::Fr, "v1", 1), (Country::Vn, "v2", 1)]
    );
    assert_eq!(
        store
            .ledger_entries(SYSTEM_STREAM, 0, 10)
            .await
            .unwrap()
            .len(),
        3,
        "one ledger entry per load"
    );
    let tables: Vec<&str> = store.tables().iter().map(|t| t.name).collect();
    for t in guichet_local_admin::TABLES {
        assert!(tables.contains(&t.name), "{} is not in the backup", t.name);
    }
}

async fn open(url: &str) -> Arc<dyn UnitsStore> {
    let store =
        guichet_store_sql::open_with(url, Arc::new(guichet_core::OsEntropy), &[&MIGRATIONS])
            .await
            .unwrap();
    guichet_store_sql::slice_store_arc!(store, dyn UnitsStore).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_replace_as_a_whole_on_sqlite() {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(uuid::Uuid::now_v7().to_string());
    units_replace_as_a_whole(open(&format!("sqlite:{}", dir.join("g.db").display())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_replace_as_a_whole_on_postgres() {
    if let Some(url) = guichet_store_sql::testing::postgres_for_tests().await {
        units_replace_as_a_whole(open(&url).await).await;
    }
}
