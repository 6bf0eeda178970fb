//! The address picker, a form widget any domain's form can show: cascading selects without
//! JavaScript and a type-ahead with it.

use guichet_core::Country;
use guichet_units::{Level, Registry, Unit, UnitRef};
use time::Date;

/// The address picker: works as cascading selects without JavaScript (each choice submits
/// the form and the next select appears) and as a type-ahead with it (static/picker.js).
pub struct Picker {
    pub country: &'static str,
    pub province: String,
    pub provinces: Vec<(String, String)>,
    pub communes: Vec<(String, String)>,
    pub commune: String,
    pub chosen: Option<String>,
}

impl Picker {
    /// Options for a country on a date, with what is already chosen.
    pub fn build(
        reg: &Registry,
        country: Country,
        at: Date,
        province: &str,
        commune: &str,
    ) -> Picker {
        // Vietnam: provinces hold communes. France: régions are too big for one list, so the
        // first list is the départements.
        let tops = reg.roots(country, at).unwrap_or_default();
        let tops: Vec<&Unit> = if country == Country::Fr {
            let mut deps: Vec<&Unit> = tops
                .iter()
                .flat_map(|r| reg.children(&r.unit_ref, at).unwrap_or_default())
                .filter(|d| d.level == Level::Department)
                .collect();
            deps.sort_by(|a, b| a.code().cmp(b.code()));
            deps
        } else {
            tops
        };
        let provinces: Vec<(String, String)> = tops
            .into_iter()
            .map(|u| match country {
                Country::Fr => (u.unit_ref.to_string(), format!("{} – {}", u.code(), u.name)),
                Country::Vn => (u.unit_ref.to_string(), u.name.clone()),
            })
            .collect();
        let province_ref = UnitRef::parse(province)
            .ok()
            .filter(|r| provinces.iter().any(|(p, _)| p == r.as_str()));
        let communes: Vec<(String, String)> = province_ref
            .as_ref()
            .map(|p| {
                let mut out = Vec::new();
                for c in reg.children(p, at).unwrap_or_default() {
                    // Communes déléguées and arrondissements sit under their commune.
                    if c.level == Level::Commune {
                        out.push((c.unit_ref.to_string(), c.name.clone()));
                    }
                }
                out
            })
            .unwrap_or_default();
        let chosen = communes
            .iter()
            .find(|(r, _)| r == commune)
            .map(|(r, name)| {
                let p = provinces.iter().find(|(pr, _)| {
                    Some(pr.as_str()) == province_ref.as_ref().map(UnitRef::as_str)
                });
                format!("{name}, {} [{r}]", p.map(|(_, n)| n.as_str()).unwrap_or(""))
            });
        Picker {
            country: country.code(),
            province: province_ref.map(|r| r.to_string()).unwrap_or_default(),
            provinces,
            communes,
            commune: commune.to_string(),
            chosen,
        }
    }
}
