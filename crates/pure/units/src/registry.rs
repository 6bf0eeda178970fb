//! The in-memory index over every unit version and link, and its queries.

use crate::fold::{compact, fold};
use crate::{
    Country, Kind, Level, LinkKind, LinkRow, UnitRef, UnitRow, UnitsError, format_date, version_id,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use time::Date;

/// One dated version of a unit.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// `REF@valid_from`.
    pub id: String,
    #[serde(rename = "ref")]
    pub unit_ref: UnitRef,
    pub country: Country,
    pub level: Level,
    pub kind: Kind,
    /// Official name with its type word and diacritics ("Phường Ba Đình", "Bordeaux").
    pub name: String,
    /// The name without the type word ("Ba Đình").
    pub short_name: String,
    pub parent_ref: Option<UnitRef>,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub start_ref: String,
    pub end_ref: String,
    #[serde(skip)]
    key_name: String,
    #[serde(skip)]
    key_short: String,
    #[serde(skip)]
    tokens: Vec<String>,
}

impl Unit {
    pub fn in_force(&self, date: Date) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|end| date < end)
    }

    pub fn code(&self) -> &str {
        self.unit_ref.code()
    }

    /// The day to read this version on when asked about `date`: `date` itself while the
    /// version is in force, otherwise its first day (its parents and names as they were).
    pub fn seen_on(&self, date: Date) -> Date {
        if self.in_force(date) {
            date
        } else {
            self.valid_from
        }
    }
}

#[derive(Debug, Clone)]
struct Link {
    from: usize,
    to: usize,
    kind: LinkKind,
    effective: Date,
    partial: bool,
    legal_ref: String,
}

/// A link seen from one end: the unit at the other end and how they relate.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView<'a> {
    pub unit: &'a Unit,
    pub kind: LinkKind,
    pub effective: Date,
    pub partial: bool,
    pub legal_ref: &'a str,
}

/// A search hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit<'a> {
    pub unit: &'a Unit,
    /// Parent names, nearest first ("Quận Ba Đình", "Thành phố Hà Nội").
    pub within: Vec<&'a str>,
}

/// Search results: matches, or when nothing matches, close spellings.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Match<'a> {
    pub hits: Vec<Hit<'a>>,
    pub suggestions: Vec<Hit<'a>>,
}

/// Counts of the units in force at a date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub country: Country,
    pub date: Date,
    pub by_level: BTreeMap<Level, usize>,
    pub by_kind: BTreeMap<Kind, usize>,
    /// Counts per level and kind (a kind can sit at two levels: collectivités d'outre-mer).
    pub detail: Vec<KindCount>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KindCount {
    pub level: Level,
    pub kind: Kind,
    pub count: usize,
}

#[derive(Debug, Default)]
pub struct Registry {
    units: Vec<Unit>,
    by_ref: HashMap<UnitRef, Vec<usize>>,
    by_id: HashMap<String, usize>,
    children: HashMap<UnitRef, Vec<usize>>,
    links: Vec<Link>,
    out_links: HashMap<usize, Vec<usize>>,
    in_links: HashMap<usize, Vec<usize>>,
    starts: BTreeMap<Country, Date>,
}

fn short_name(kind: Kind, name: &str) -> String {
    kind.vn_prefix()
        .and_then(|p| name.strip_prefix(p))
        .and_then(|rest| rest.strip_prefix(' '))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name)
        .to_string()
}

/// Typo budget for a query of this many letters.
pub(crate) fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        6..=10 => 2,
        _ => 3,
    }
}

impl Registry {
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// Validates and indexes rows; refuses unknown kinds, bad references and dangling links.
    pub fn build(rows: Vec<UnitRow>, links: Vec<LinkRow>) -> Result<Registry, UnitsError> {
        let bad = |line: usize, detail: String| UnitsError::BadData {
            file: "registry".into(),
            line,
            detail,
        };
        let mut reg = Registry::default();
        for (i, row) in rows.into_iter().enumerate() {
            let unit_ref = UnitRef::parse(&row.unit_ref)?;
            let kind = Kind::parse(&row.kind)
                .ok_or_else(|| bad(i, format!("unknown kind {:?}", row.kind)))?;
            let level = Level::parse(&row.level)
                .ok_or_else(|| bad(i, format!("unknown level {:?}", row.level)))?;
            let parent_ref = row.parent_ref.as_deref().map(UnitRef::parse).transpose()?;
            if row.valid_to.is_some_and(|end| end <= row.valid_from) {
                return Err(bad(i, format!("{} ends before it starts", row.unit_ref)));
            }
            let short = short_name(kind, &row.name);
            let country = unit_ref.country();
            let id = version_id(&unit_ref, row.valid_from);
            let idx = reg.units.len();
            if reg.by_id.insert(id.clone(), idx).is_some() {
                return Err(bad(i, format!("version {id} twice")));
            }
            reg.by_ref.entry(unit_ref.clone()).or_default().push(idx);
            if let Some(p) = &parent_ref {
                reg.children.entry(p.clone()).or_default().push(idx);
            }
            let start = reg.starts.entry(country).or_insert(row.valid_from);
            *start = (*start).min(row.valid_from);
            reg.units.push(Unit {
                id,
                key_name: compact(&row.name),
                key_short: compact(&short),
                tokens: fold(&row.name).split(' ').map(str::to_string).collect(),
                unit_ref,
                country,
                level,
                kind,
                name: row.name,
                short_name: short,
                parent_ref,
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                start_ref: row.start_ref,
                end_ref: row.end_ref,
            });
        }
        for versions in reg.by_ref.values_mut() {
            versions.sort_by_key(|&i| reg.units[i].valid_from);
        }
        for (i, link) in links.into_iter().enumerate() {
            let end = |id: &str| {
                reg.by_id
                    .get(id)
                    .copied()
                    .ok_or_else(|| bad(i, format!("link to unknown version {id}")))
            };
            let (from, to) = (end(&link.from_id)?, end(&link.to_id)?);
            let kind = LinkKind::parse(&link.kind)
                .ok_or_else(|| bad(i, format!("unknown link kind {:?}", link.kind)))?;
            let li = reg.links.len();
            reg.out_links.entry(from).or_default().push(li);
            reg.in_links.entry(to).or_default().push(li);
            reg.links.push(Link {
                from,
                to,
                kind,
                effective: link.effective,
                partial: link.partial,
                legal_ref: link.legal_ref,
            });
        }
        Ok(reg)
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    /// First day the registry knows for a country.
    pub fn data_start(&self, country: Country) -> Option<Date> {
        self.starts.get(&country).copied()
    }

    fn check_date(&self, country: Country, date: Date) -> Result<(), UnitsError> {
        match self.data_start(country) {
            Some(start) if date >= start => Ok(()),
            start => Err(UnitsError::BeforeData {
                country: country.code().to_string(),
                starts: start.map(format_date).unwrap_or_else(|| "(no data)".into()),
                date: format_date(date),
            }),
        }
    }

    pub fn versions(&self, unit: &UnitRef) -> Result<Vec<&Unit>, UnitsError> {
        self.by_ref
            .get(unit)
            .map(|v| v.iter().map(|&i| &self.units[i]).collect())
            .ok_or_else(|| UnitsError::UnknownUnit(unit.to_string()))
    }

    pub fn version(&self, id: &str) -> Option<&Unit> {
        self.by_id.get(id).map(|&i| &self.units[i])
    }

    /// The version of `unit` in force on `date`.
    pub fn at(&self, unit: &UnitRef, date: Date) -> Result<&Unit, UnitsError> {
        self.check_date(unit.country(), date)?;
        let versions = self.versions(unit)?;
        if let Some(u) = versions.iter().find(|u| u.in_force(date)) {
            return Ok(u);
        }
        let spans: Vec<String> = versions
            .iter()
            .map(|u| {
                format!(
                    "{} to {}",
                    format_date(u.valid_from),
                    u.valid_to
                        .map(format_date)
                        .unwrap_or_else(|| "today".into())
                )
            })
            .collect();
        Err(UnitsError::NotInForce {
            unit: unit.to_string(),
            date: format_date(date),
            versions: spans.join(", "),
        })
    }

    /// The units directly under `unit` on `date`, by name.
    pub fn children(&self, unit: &UnitRef, date: Date) -> Result<Vec<&Unit>, UnitsError> {
        self.at(unit, date)?;
        let mut out: Vec<&Unit> = self
            .children
            .get(unit)
            .into_iter()
            .flatten()
            .map(|&i| &self.units[i])
            .filter(|u| u.in_force(date))
            .collect();
        out.sort_by(|a, b| a.key_short.cmp(&b.key_short).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    /// The top units of a country on `date` (provinces; régions), by name.
    pub fn roots(&self, country: Country, date: Date) -> Result<Vec<&Unit>, UnitsError> {
        self.check_date(country, date)?;
        let mut out: Vec<&Unit> = self
            .units
            .iter()
            .filter(|u| u.country == country && u.parent_ref.is_none() && u.in_force(date))
            .collect();
        out.sort_by(|a, b| a.key_short.cmp(&b.key_short));
        Ok(out)
    }

    /// Parents of a version on the date it is looked at, nearest first.
    pub fn ancestors(&self, unit: &Unit, date: Date) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut next = unit.parent_ref.clone();
        while let Some(p) = next {
            match self.at(&p, date) {
                Ok(parent) if out.len() < 8 => {
                    next = parent.parent_ref.clone();
                    out.push(parent);
                }
                _ => break,
            }
        }
        out
    }

    fn view(&self, li: usize, other: usize) -> LinkView<'_> {
        let l = &self.links[li];
        LinkView {
            unit: &self.units[other],
            kind: l.kind,
            effective: l.effective,
            partial: l.partial,
            legal_ref: &l.legal_ref,
        }
    }

    fn index_of(&self, unit: &Unit) -> Option<usize> {
        self.by_id.get(&unit.id).copied()
    }

    /// The versions this one became.
    pub fn successors(&self, unit: &Unit) -> Vec<LinkView<'_>> {
        let Some(i) = self.index_of(unit) else {
            return vec![];
        };
        self.out_links
            .get(&i)
            .into_iter()
            .flatten()
            .map(|&li| self.view(li, self.links[li].to))
            .collect()
    }

    /// The versions that became this one.
    pub fn predecessors(&self, unit: &Unit) -> Vec<LinkView<'_>> {
        let Some(i) = self.index_of(unit) else {
            return vec![];
        };
        self.in_links
            .get(&i)
            .into_iter()
            .flatten()
            .map(|&li| self.view(li, self.links[li].from))
            .collect()
    }

    /// Follows links (and later versions of the same unit) until units in force on `date`;
    /// `partial` is true when some step only took part of the old unit.
    pub fn in_force_successors(&self, unit: &Unit, date: Date) -> Vec<(&Unit, bool)> {
        let mut out: Vec<(&Unit, bool)> = Vec::new();
        let mut stack: Vec<(usize, bool, usize)> = self
            .index_of(unit)
            .map(|i| (i, false, 0))
            .into_iter()
            .collect();
        while let Some((i, partial, depth)) = stack.pop() {
            let u = &self.units[i];
            if u.in_force(date) {
                if let Some(seen) = out.iter_mut().find(|(o, _)| o.id == u.id) {
                    seen.1 &= partial;
                } else {
                    out.push((u, partial));
                }
                continue;
            }
            if depth > 16 || u.valid_from > date {
                continue;
            }
            let links = self.out_links.get(&i).map(Vec::as_slice).unwrap_or(&[]);
            for &li in links {
                let split = self.links[li].partial;
                stack.push((self.links[li].to, partial || split, depth + 1));
            }
            if links.is_empty() {
                // A later version of the same unit continues it (renamed, re-parented).
                if let Some(next) = self.by_ref.get(&u.unit_ref).and_then(|v| {
                    v.iter()
                        .copied()
                        .find(|&j| self.units[j].valid_from >= u.valid_to.unwrap_or(date))
                }) {
                    stack.push((next, partial, depth + 1));
                }
            }
        }
        out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        out
    }

    pub fn hit<'a>(&'a self, u: &'a Unit, date: Date) -> Hit<'a> {
        Hit {
            unit: u,
            within: self
                .ancestors(u, date.max(u.valid_from))
                .into_iter()
                .map(|p| p.name.as_str())
                .collect(),
        }
    }

    /// Accent- and case-insensitive search by name or code, at a date or over all time;
    /// when nothing matches, suggestions within a few typos.
    pub fn search(
        &self,
        query: &str,
        country: Option<Country>,
        date: Option<Date>,
        level: Option<Level>,
        limit: usize,
    ) -> Result<Match<'_>, UnitsError> {
        if let (Some(c), Some(d)) = (country, date) {
            self.check_date(c, d)?;
        }
        let q = compact(query);
        let q_tokens: Vec<String> = fold(query)
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        if q.is_empty() {
            return Ok(Match::default());
        }
        let candidates = self.units.iter().filter(|u| {
            country.is_none_or(|c| u.country == c)
                && level.is_none_or(|l| u.level == l)
                && date.is_none_or(|d| u.in_force(d))
        });
        let q_upper = query.trim().to_ascii_uppercase();
        let mut scored: Vec<(u8, &Unit)> = Vec::new();
        for u in candidates.clone() {
            let rank = if u.key_short == q || u.unit_ref.as_str() == q_upper || u.code() == q_upper
            {
                0
            } else if u.key_name == q {
                1
            } else if u.key_short.starts_with(&q) {
                2
            } else if u.key_name.contains(&q) {
                3
            } else if q_tokens
                .iter()
                .all(|t| u.tokens.iter().any(|w| w.starts_with(t.as_str())))
            {
                4
            } else {
                continue;
            };
            scored.push((rank, u));
        }
        let order = |a: &(u8, &Unit), b: &(u8, &Unit)| {
            a.0.cmp(&b.0)
                .then(a.1.level.cmp(&b.1.level))
                .then(b.1.valid_from.cmp(&a.1.valid_from))
                .then(a.1.name.cmp(&b.1.name))
        };
        scored.sort_by(order);
        let at = |u: &Unit| date.unwrap_or(u.valid_from);
        let hits: Vec<Hit<'_>> = scored
            .iter()
            .take(limit)
            .map(|(_, u)| self.hit(u, at(u)))
            .collect();
        let mut suggestions = Vec::new();
        if hits.is_empty() {
            let budget = allowed_typos(q.chars().count());
            let mut near: Vec<(usize, &Unit)> = candidates
                .filter_map(|u| {
                    let d = strsim::damerau_levenshtein(&q, &u.key_short)
                        .min(strsim::damerau_levenshtein(&q, &u.key_name));
                    (d <= budget).then_some((d, u))
                })
                .collect();
            near.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(a.1.level.cmp(&b.1.level))
                    .then(a.1.name.cmp(&b.1.name))
            });
            suggestions = near
                .into_iter()
                .take(limit)
                .map(|(_, u)| self.hit(u, at(u)))
                .collect();
        }
        Ok(Match { hits, suggestions })
    }

    /// Units of a country in force on `date`, counted by level and by kind.
    pub fn stats(&self, country: Country, date: Date) -> Result<Stats, UnitsError> {
        self.check_date(country, date)?;
        let mut stats = Stats {
            country,
            date,
            by_level: BTreeMap::new(),
            by_kind: BTreeMap::new(),
            detail: Vec::new(),
        };
        let mut detail: BTreeMap<(Level, Kind), usize> = BTreeMap::new();
        for u in self
            .units
            .iter()
            .filter(|u| u.country == country && u.in_force(date))
        {
            *stats.by_level.entry(u.level).or_default() += 1;
            *stats.by_kind.entry(u.kind).or_default() += 1;
            *detail.entry((u.level, u.kind)).or_default() += 1;
        }
        stats.detail = detail
            .into_iter()
            .map(|((level, kind), count)| KindCount { level, kind, count })
            .collect();
        Ok(stats)
    }
}

/// Keys used by the address resolver.
pub(crate) fn keys(unit: &Unit) -> (&str, &str) {
    (&unit.key_short, &unit.key_name)
}
