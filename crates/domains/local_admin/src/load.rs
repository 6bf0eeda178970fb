//! The admin-unit datasets shipped with the binary, loaded into the store as part of migrating,
//! and the in-memory registry built from the store.

use guichet_core::{Clock, Country};
use guichet_ledger::Event;
use guichet_store::{Audit, PlatformStore, StoreError};
use guichet_units::{Registry, UnitsError, data};

use crate::store::UnitDataset;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the shipped unit dataset is damaged: {0}")]
    Damaged(UnitsError),
    #[error("the admin units in the database are inconsistent: {0}")]
    Inconsistent(UnitsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads each country's shipped dataset unless the store already holds that version.
/// Returns the countries (re)loaded.
pub async fn sync_shipped(
    store: &dyn PlatformStore,
    clock: &dyn Clock,
) -> Result<Vec<Country>, LoadError> {
    let units = crate::units_store(store)?;
    let loaded = units.unit_datasets().await?;
    let mut done = Vec::new();
    for country in [Country::Vn, Country::Fr] {
        let version = data::shipped_version(country);
        if loaded
            .iter()
            .any(|d| d.country == country && d.version == version)
        {
            continue;
        }
        let dataset = data::shipped(country).map_err(LoadError::Damaged)?;
        let now = clock.now();
        let record = UnitDataset {
            country,
            version: dataset.version.clone(),
            source: dataset.source.to_string(),
            loaded_at: now,
            units: dataset.units.len() as i64,
            links: dataset.links.len() as i64,
        };
        let event = Event {
            stream: guichet_ledger::SYSTEM_STREAM.into(),
            actor: "system".into(),
            action: "units.dataset_loaded".into(),
            object_type: "admin_unit_dataset".into(),
            object_id: country.code().into(),
            payload: serde_json::json!({
                "country": country.code(),
                "version": dataset.version,
                "source": dataset.source,
                "units": dataset.units.len(),
                "links": dataset.links.len(),
            }),
        };
        units
            .replace_units(
                &record,
                dataset.units,
                dataset.links,
                &Audit::one(now, event),
            )
            .await?;
        done.push(country);
    }
    Ok(done)
}

/// The registry as the store holds it.
pub async fn registry(store: &dyn PlatformStore) -> Result<Registry, LoadError> {
    let (units, links) = crate::units_store(store)?.load_units().await?;
    Registry::build(units, links).map_err(LoadError::Inconsistent)
}
