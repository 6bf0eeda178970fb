//! Converts a Vietnamese address written before the 1 July 2025 reform ("Phường X, Quận Y,
//! Thành phố Z") to the commune and province of today, following the lineage links.
//!
//! The resolver never guesses: a name that fits several units, a name that fits none, and an
//! old commune that was divided between several new ones all come back as such, with the
//! candidates, for a person to choose.

use crate::fold::compact;
use crate::registry::{Unit, keys};
use crate::{Country, Kind, Level, Registry, UnitsError};
use serde::Serialize;
use time::{Date, Month};

/// The last day of the three-level map and the first of the two-level one.
pub const REFORM: Date = match Date::from_calendar_date(2025, Month::July, 1) {
    Ok(d) => d,
    Err(_) => Date::MIN,
};

fn last_legacy_day() -> Date {
    REFORM.previous_day().unwrap_or(REFORM)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Province,
    District,
    Commune,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Province => "province",
            Part::District => "district",
            Part::Commune => "commune",
        }
    }
}

/// A unit named in an answer, with the names of its parents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Named {
    #[serde(rename = "ref")]
    pub unit_ref: String,
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub within: Vec<String>,
}

impl Named {
    fn of(reg: &Registry, u: &Unit, date: Date) -> Named {
        Named {
            unit_ref: u.unit_ref.to_string(),
            code: u.code().to_string(),
            name: u.name.clone(),
            kind: u.kind,
            within: reg
                .ancestors(u, date)
                .into_iter()
                .map(|p| p.name.clone())
                .collect(),
        }
    }
}

/// A commune of today and its province.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Current {
    pub commune: Named,
    pub province: Named,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The old unit went, whole, into exactly one commune of today.
    Certain { current: Current },
    /// The old commune was divided: the address is in one of these, and only the street can
    /// tell which.
    Divided { candidates: Vec<Current> },
    /// The address already names a commune of today.
    AlreadyCurrent { current: Current },
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Conversion {
    /// What came before the administrative parts (house number, street), unchanged.
    pub street: Option<String>,
    /// The old units recognised, top down (province, district, commune).
    pub old: Vec<Named>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize, thiserror::Error, PartialEq, Eq)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AddressError {
    #[error("write the address as \"commune, district, province\" (separated by commas)")]
    TooShort,
    #[error("no {} named {text:?}", part.as_str())]
    Unknown {
        part: Part,
        text: String,
        /// Close spellings among the units where it was looked for.
        suggestions: Vec<Named>,
    },
    #[error("{text:?} fits several {}s; add the type (phường, xã…) or choose", part.as_str())]
    Ambiguous {
        part: Part,
        text: String,
        candidates: Vec<Named>,
    },
    #[error("{0}")]
    Registry(String),
}

impl From<UnitsError> for AddressError {
    fn from(e: UnitsError) -> Self {
        AddressError::Registry(e.to_string())
    }
}

/// Type words as they are written in addresses, folded, longest first, with the kinds they
/// announce.
const TYPE_WORDS: &[(&str, &[Kind])] = &[
    ("thanhpho", &[Kind::ThanhPhoTw, Kind::ThanhPhoThuocTinh]),
    ("thitran", &[Kind::ThiTran]),
    ("dackhu", &[Kind::DacKhu]),
    ("phuong", &[Kind::Phuong]),
    ("huyen", &[Kind::Huyen]),
    ("thixa", &[Kind::ThiXa]),
    ("tinh", &[Kind::Tinh]),
    ("quan", &[Kind::Quan]),
    ("tp", &[Kind::ThanhPhoTw, Kind::ThanhPhoThuocTinh]),
    ("tt", &[Kind::ThiTran]),
    ("tx", &[Kind::ThiXa]),
    ("xa", &[Kind::Xa]),
    ("q", &[Kind::Quan]),
    ("h", &[Kind::Huyen]),
    ("p", &[Kind::Phuong]),
    ("x", &[Kind::Xa]),
];

/// Common short forms of province names.
const PROVINCE_ALIASES: &[(&str, &str)] = &[
    ("hcm", "hochiminh"),
    ("tphcm", "hochiminh"),
    ("saigon", "hochiminh"),
    ("hn", "hanoi"),
    ("brvt", "bariavungtau"),
    ("thuathienhue", "hue"),
];

/// A name as typed: its compact key without the type word, and the kinds the type word (if
/// any) allows.
struct Typed {
    text: String,
    whole: String,
    bare: String,
    kinds: &'static [Kind],
}

fn unpad(s: &str) -> String {
    // "Phường 01" and "Phường 1" are the same ward.
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let t = s.trim_start_matches('0');
        if t.is_empty() { "0".into() } else { t.into() }
    } else {
        s.to_string()
    }
}

fn typed(text: &str) -> Typed {
    let whole = compact(text);
    let words: Vec<String> = crate::fold::fold(text)
        .split(' ')
        .map(str::to_string)
        .collect();
    for (word, kinds) in TYPE_WORDS {
        // The type word is the first one or two words ("thi xa"), or glued to a number ("q1").
        let mut joined = String::new();
        for (n, w) in words.iter().enumerate() {
            joined.push_str(w);
            if joined == *word && n + 1 < words.len() {
                return Typed {
                    text: text.trim().to_string(),
                    whole: whole.clone(),
                    bare: unpad(&words[n + 1..].concat()),
                    kinds,
                };
            }
            if joined.len() >= word.len() {
                break;
            }
        }
        if let Some(rest) = whole.strip_prefix(word)
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            return Typed {
                text: text.trim().to_string(),
                whole: whole.clone(),
                bare: unpad(rest),
                kinds,
            };
        }
    }
    Typed {
        text: text.trim().to_string(),
        bare: unpad(&whole),
        whole,
        kinds: &[],
    }
}

fn resolve<'a>(
    reg: &'a Registry,
    part: Part,
    t: &Typed,
    candidates: &[&'a Unit],
    date: Date,
) -> Result<&'a Unit, AddressError> {
    let alias = if part == Part::Province {
        PROVINCE_ALIASES
            .iter()
            .find(|(a, _)| *a == t.bare || *a == t.whole)
            .map(|(_, to)| to.to_string())
    } else {
        None
    };
    let bare = alias.as_deref().unwrap_or(&t.bare);
    let mut found: Vec<&Unit> = candidates
        .iter()
        .copied()
        .filter(|u| {
            let (short, name) = keys(u);
            unpad(short) == bare || name == t.whole || short == t.whole
        })
        .collect();
    if !t.kinds.is_empty() {
        // A type word written for a commune or district must fit ("Quận Hoàn Kiếm" is not
        // "Phường Hoàn Kiếm"); province names are often written with the wrong one.
        let typed_ok: Vec<&Unit> = found
            .iter()
            .copied()
            .filter(|u| t.kinds.contains(&u.kind))
            .collect();
        if part != Part::Province || (found.len() > 1 && !typed_ok.is_empty()) {
            found = typed_ok;
        }
    }
    match found.len() {
        1 => Ok(found[0]),
        0 => {
            let budget = crate::registry::allowed_typos(bare.chars().count());
            let mut near: Vec<(usize, &Unit)> = candidates
                .iter()
                .copied()
                .filter_map(|u| {
                    let d = strsim::damerau_levenshtein(bare, keys(u).0);
                    (d <= budget).then_some((d, u))
                })
                .collect();
            near.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
            Err(AddressError::Unknown {
                part,
                text: t.text.clone(),
                suggestions: near
                    .into_iter()
                    .take(5)
                    .map(|(_, u)| Named::of(reg, u, date))
                    .collect(),
            })
        }
        _ => Err(AddressError::Ambiguous {
            part,
            text: t.text.clone(),
            candidates: found.into_iter().map(|u| Named::of(reg, u, date)).collect(),
        }),
    }
}

fn current(reg: &Registry, commune: &Unit) -> Result<Current, AddressError> {
    let province = commune
        .parent_ref
        .as_ref()
        .map(|p| reg.at(p, commune.valid_from))
        .transpose()?
        .ok_or_else(|| AddressError::Registry(format!("{} has no province", commune.unit_ref)))?;
    Ok(Current {
        commune: Named::of(reg, commune, commune.valid_from),
        province: Named::of(reg, province, commune.valid_from),
    })
}

/// Converts an old address; `today` is the date whose units the answer names.
pub fn convert(reg: &Registry, address: &str, today: Date) -> Result<Conversion, AddressError> {
    let parts: Vec<&str> = address
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return Err(AddressError::TooShort);
    }
    let old_day = last_legacy_day();
    let n = parts.len();
    let old = convert_old(reg, &parts, old_day, today);
    match old {
        Ok(c) => Ok(c),
        Err(old_err) => {
            // Perhaps the address is already written the new way: "commune, province".
            let provinces = reg.roots(Country::Vn, today.max(REFORM))?;
            let Ok(province) =
                resolve(reg, Part::Province, &typed(parts[n - 1]), &provinces, today)
            else {
                return Err(old_err);
            };
            let communes = reg.children(&province.unit_ref, today.max(REFORM))?;
            match resolve(reg, Part::Commune, &typed(parts[n - 2]), &communes, today) {
                Ok(commune) if province.valid_from >= REFORM => Ok(Conversion {
                    street: (n > 2).then(|| parts[..n - 2].join(", ")),
                    old: vec![],
                    outcome: Outcome::AlreadyCurrent {
                        current: current(reg, commune)?,
                    },
                }),
                _ => Err(old_err),
            }
        }
    }
}

fn convert_old(
    reg: &Registry,
    parts: &[&str],
    old_day: Date,
    today: Date,
) -> Result<Conversion, AddressError> {
    let n = parts.len();
    let provinces = reg.roots(Country::Vn, old_day)?;
    let province = resolve(
        reg,
        Part::Province,
        &typed(parts[n - 1]),
        &provinces,
        old_day,
    )?;
    let districts = reg.children(&province.unit_ref, old_day)?;
    let district = resolve(
        reg,
        Part::District,
        &typed(parts[n - 2]),
        &districts,
        old_day,
    )?;
    let communes = reg.children(&district.unit_ref, old_day)?;
    let (old_unit, street_end) = if communes.is_empty() {
        // Island districts had no communes: the district itself became a đặc khu.
        (district, n - 2)
    } else {
        if n < 3 {
            return Err(AddressError::TooShort);
        }
        let commune = resolve(reg, Part::Commune, &typed(parts[n - 3]), &communes, old_day)?;
        (commune, n - 3)
    };
    let mut old = vec![
        Named::of(reg, province, old_day),
        Named::of(reg, district, old_day),
    ];
    if old_unit.level == Level::Commune {
        old.push(Named::of(reg, old_unit, old_day));
    }
    let now = today.max(REFORM);
    let successors = reg.in_force_successors(old_unit, now);
    let mut currents = successors
        .iter()
        .map(|(u, _)| current(reg, u))
        .collect::<Result<Vec<_>, _>>()?;
    let outcome = match (currents.len(), successors.first()) {
        (1, Some((_, false))) => Outcome::Certain {
            current: currents.remove(0),
        },
        (0, _) => {
            return Err(AddressError::Registry(format!(
                "{} has no successor in the registry",
                old_unit.unit_ref
            )));
        }
        _ => Outcome::Divided {
            candidates: currents,
        },
    };
    Ok(Conversion {
        street: (street_end > 0).then(|| parts[..street_end].join(", ")),
        old,
        outcome,
    })
}
