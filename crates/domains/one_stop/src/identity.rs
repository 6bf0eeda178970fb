//! Once-only principle: form fields marked `prefill` take their value from the applicant's
//! verified identity (what an OpenID provider vouched for), and the applicant cannot change
//! them — every save, submission and resubmission puts the verified value back.

use std::collections::BTreeMap;

use guichet_core::UserId;
use guichet_identity::IdentityStore;
use serde_json::{Map, Value};

use crate::form::FormSchema;

/// A field's verified value and the provider that vouched for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub value: String,
    pub provider: String,
}

/// The prefilled fields of `form` that `user`'s linked identities vouch for, by field key.
/// The first identity linked wins when two vouch for the same attribute.
pub async fn verified_fields(
    store: &dyn IdentityStore,
    user: UserId,
    form: &FormSchema,
) -> Result<BTreeMap<String, Verified>, guichet_store::StoreError> {
    let wanted: Vec<(&str, &str)> = form
        .fields
        .iter()
        .filter_map(|f| f.prefill.as_deref().map(|a| (f.key.as_str(), a)))
        .collect();
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    let links = store.identity_links_of(user).await?;
    let mut out = BTreeMap::new();
    for (key, attribute) in wanted {
        let found = links.iter().find_map(|l| {
            l.attributes
                .get(attribute)
                .and_then(Value::as_str)
                .map(|v| Verified {
                    value: v.to_owned(),
                    provider: l.provider.clone(),
                })
        });
        if let Some(v) = found {
            out.insert(key.to_owned(), v);
        }
    }
    Ok(out)
}

/// Puts the verified values over whatever the answers say.
pub fn lock(answers: &mut Map<String, Value>, verified: &BTreeMap<String, Verified>) {
    for (key, v) in verified {
        answers.insert(key.clone(), Value::String(v.value.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_values_win() {
        let mut answers = Map::new();
        answers.insert("family_name".into(), "Forged".into());
        answers.insert("note".into(), "kept".into());
        let verified: BTreeMap<String, Verified> = [(
            "family_name".to_owned(),
            Verified {
                value: "Phạm".into(),
                provider: "vneid".into(),
            },
        )]
        .into_iter()
        .collect();
        lock(&mut answers, &verified);
        assert_eq!(answers["family_name"], "Phạm");
        assert_eq!(answers["note"], "kept");
    }
}
