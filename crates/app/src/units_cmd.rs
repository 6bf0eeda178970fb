//! The `guichet units …` commands' output (loading the datasets and building the registry
//! are the local-administration slice's `load`).

use guichet_units::address::{AddressError, Conversion, Outcome};
use guichet_units::{Level, Registry, Stats, format_date};

/// `guichet units stats`: counts by level and kind.
pub fn print_stats(stats: &Stats) -> String {
    let mut out = format!(
        "{} administrative units in force on {}\n",
        stats.country.code().to_uppercase(),
        format_date(stats.date)
    );
    for level in Level::ALL {
        let Some(n) = stats.by_level.get(&level) else {
            continue;
        };
        out.push_str(&format!("  {:<12} {n:>6}\n", level.as_str()));
        for d in stats.detail.iter().filter(|d| d.level == level) {
            out.push_str(&format!("    {:<26} {:>6}\n", d.kind.as_str(), d.count));
        }
    }
    out
}

/// `guichet units convert`: a conversion, or the reason there is none, as text.
pub fn print_conversion(result: &Result<Conversion, AddressError>) -> String {
    let mut out = String::new();
    match result {
        Ok(c) => {
            if !c.old.is_empty() {
                let old: Vec<String> = c
                    .old
                    .iter()
                    .rev()
                    .map(|n| format!("{} [{}]", n.name, n.code))
                    .collect();
                out.push_str(&format!("before 1 July 2025: {}\n", old.join(", ")));
            }
            let line = |cur: &guichet_units::address::Current| {
                format!(
                    "{} [{}], {} [{}]",
                    cur.commune.name, cur.commune.code, cur.province.name, cur.province.code
                )
            };
            match &c.outcome {
                Outcome::Certain { current } => {
                    out.push_str(&format!("today: {}\n", line(current)))
                }
                Outcome::AlreadyCurrent { current } => {
                    out.push_str(&format!("already current: {}\n", line(current)))
                }
                Outcome::Divided { candidates } => {
                    out.push_str("the old commune was divided; today the address is in one of:\n");
                    for cur in candidates {
                        out.push_str(&format!("  {}\n", line(cur)));
                    }
                }
            }
            if let Some(street) = &c.street {
                out.push_str(&format!("street (unchanged): {street}\n"));
            }
        }
        Err(e) => {
            out.push_str(&format!("cannot convert: {e}\n"));
            let (label, list) = match e {
                AddressError::Unknown { suggestions, .. } => ("did you mean", suggestions),
                AddressError::Ambiguous { candidates, .. } => ("candidates", candidates),
                _ => return out,
            };
            if !list.is_empty() {
                out.push_str(&format!("{label}:\n"));
                for n in list {
                    out.push_str(&format!(
                        "  {} [{}] ({})\n",
                        n.name,
                        n.code,
                        n.within.join(", ")
                    ));
                }
            }
        }
    }
    out
}

fn span(u: &guichet_units::Unit) -> String {
    format!(
        "{} → {}",
        format_date(u.valid_from),
        u.valid_to
            .map(format_date)
            .unwrap_or_else(|| "today".into())
    )
}

/// `guichet units show`: a unit's versions, parents on the date, and lineage.
pub fn print_unit(
    reg: &Registry,
    unit: &guichet_units::UnitRef,
    at: time::Date,
) -> anyhow::Result<String> {
    let mut out = String::new();
    for u in reg.versions(unit)? {
        let marker = if u.in_force(at) { "*" } else { " " };
        out.push_str(&format!(
            "{marker} {} {} ({}), {}\n",
            u.id,
            u.name,
            u.kind.as_str(),
            span(u)
        ));
        let parents: Vec<&str> = reg
            .ancestors(u, u.valid_from)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if !parents.is_empty() {
            out.push_str(&format!("    in {}\n", parents.join(", ")));
        }
        let links = reg
            .predecessors(u)
            .into_iter()
            .map(|l| ("from", l))
            .chain(reg.successors(u).into_iter().map(|l| ("into", l)));
        for (direction, l) in links {
            out.push_str(&format!(
                "    {direction} {} {} ({}{}, {}; {})\n",
                l.unit.id,
                l.unit.name,
                l.kind.as_str(),
                if l.partial { ", part" } else { "" },
                format_date(l.effective),
                l.legal_ref
            ));
        }
    }
    Ok(out)
}

/// `guichet units search`.
pub fn print_search(m: &guichet_units::Match<'_>) -> String {
    let mut out = String::new();
    let line = |h: &guichet_units::Hit<'_>| {
        format!(
            "  {:<22} {} ({}) {}{}\n",
            h.unit.unit_ref,
            h.unit.name,
            h.unit.kind.as_str(),
            if h.within.is_empty() {
                String::new()
            } else {
                format!("in {}, ", h.within.join(", "))
            },
            span(h.unit)
        )
    };
    if m.hits.is_empty() && m.suggestions.is_empty() {
        out.push_str("no unit matches\n");
    }
    for h in &m.hits {
        out.push_str(&line(h));
    }
    if !m.suggestions.is_empty() {
        out.push_str("no exact match; did you mean:\n");
        for h in &m.suggestions {
            out.push_str(&line(h));
        }
    }
    out
}
