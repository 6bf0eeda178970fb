//! Creating offices: the rules for office codes and names.

use crate::store::IdentityStore;
use guichet_core::{Clock, Entropy, IdGen, OfficeId};
use guichet_ledger::Event;
use guichet_store::{Audit, Country, Office};

use crate::{Result, invalid};

/// What an administrator supplies.
#[derive(Debug, Clone)]
pub struct NewOffice {
    pub code: String,
    pub name: String,
    pub country: String,
}

/// An office code is also its ledger stream name: 2–32 capital letters, digits and hyphens.
pub fn valid_office_code(code: &str) -> bool {
    (2..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

pub async fn create_office(
    store: &dyn IdentityStore,
    clock: &dyn Clock,
    entropy: &dyn Entropy,
    actor: &str,
    new: NewOffice,
) -> Result<Office> {
    let code = new.code.trim().to_uppercase();
    if !valid_office_code(&code) {
        return Err(invalid(
            "invalid-office-code",
            format!(
                "office code {:?}: use 2 to 32 capital letters, digits and hyphens (e.g. HN-HOANKIEM)",
                new.code.chars().take(40).collect::<String>()
            ),
        ));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid(
            "invalid-office-name",
            "an office name has 1 to 200 characters",
        ));
    }
    let country = Country::parse(new.country.trim()).ok_or_else(|| {
        invalid(
            "invalid-country",
            format!(
                "country {:?}: use vn or fr",
                new.country.chars().take(10).collect::<String>()
            ),
        )
    })?;
    let now = clock.now();
    let office = Office {
        id: IdGen { clock, entropy }.id::<OfficeId>(),
        code,
        name: name.to_owned(),
        country,
        created_at: now,
    };
    // An office's creation opens its own ledger stream, named by its code.
    let event = Event {
        stream: office.code.clone(),
        actor: actor.to_owned(),
        action: "office.created".into(),
        object_type: "office".into(),
        object_id: office.id.to_string(),
        payload: serde_json::json!({"code": office.code, "name": office.name, "country": country.code()}),
    };
    store
        .create_office(&office, &Audit::one(now, event))
        .await?;
    Ok(office)
}

#[cfg(test)]
mod tests {
    use super::valid_office_code;

    #[test]
    fn office_codes() {
        for ok in ["HN-HOANKIEM", "FR-PREF-33", "QN01"] {
            assert!(valid_office_code(ok), "{ok}");
        }
        for bad in [
            "",
            "A",
            "hn-hk",
            "HN HK",
            "-HN",
            "HN-",
            "HÀ-NỘI",
            &"X".repeat(33),
        ] {
            assert!(!valid_office_code(bad), "{bad}");
        }
    }
}
