//! Cross-checks the shipped registry against independent sources that scripts/setup fetches
//! (scripts/reference/second_sources.py) into $GUICHET_REFERENCE_DIR. Every disagreement is
//! listed in tests/discrepancies/*.txt (reviewed, explained in docs/units.md); a test fails
//! when the list changes. `GUICHET_BLESS=1` rewrites the lists after a data update.

use guichet_units::address::{AddressError, Outcome, convert};
use guichet_units::fold::fold;
use guichet_units::{Country, Level, Registry, UnitRef, data, parse_date};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let (mut units, mut links) = (Vec::new(), Vec::new());
        for c in [Country::Vn, Country::Fr] {
            let d = data::shipped(c).expect("dataset");
            units.extend(d.units);
            links.extend(d.links);
        }
        Registry::build(units, links).expect("registry")
    })
}

/// Rows of a second-source file, or None (skipped) outside CI when setup has not fetched it.
fn source(name: &str) -> Option<Vec<Vec<String>>> {
    let dir = std::env::var_os("GUICHET_REFERENCE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/guichet-reference"))
        })
        .expect("HOME or GUICHET_REFERENCE_DIR");
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            text.lines()
                .map(|l| l.split('\t').map(str::to_string).collect())
                .collect(),
        ),
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{}: {e}; scripts/setup fetches it",
                path.display()
            );
            eprintln!("skipped: {} missing (run scripts/setup)", path.display());
            None
        }
    }
}

/// Compares the discrepancies found with the reviewed list.
fn check_listed(name: &str, found: &[String]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/discrepancies")
        .join(name);
    let text = found.iter().map(|l| format!("{l}\n")).collect::<String>();
    if std::env::var("GUICHET_BLESS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &text).expect("write list");
        return;
    }
    let listed = std::fs::read_to_string(&path).unwrap_or_default();
    let listed: BTreeSet<&str> = listed.lines().collect();
    let found_set: BTreeSet<&str> = found.iter().map(String::as_str).collect();
    let new: Vec<_> = found_set.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&found_set).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "{name}: {} new discrepancies {:?}…, {} listed ones gone {:?}…",
        new.len(),
        &new[..new.len().min(10)],
        gone.len(),
        &gone[..gone.len().min(10)]
    );
}

/// "Tp Đà Nẵng", "Thành phố Đà Nẵng" and "Đà Nẵng" are one province.
fn province_key(name: &str) -> String {
    let f = fold(name);
    ["thanh pho ", "tp ", "tinh "]
        .iter()
        .find_map(|p| f.strip_prefix(p))
        .unwrap_or(&f)
        .to_string()
}

fn day(s: &str) -> time::Date {
    parse_date(s).expect("date")
}

#[test]
fn current_vietnamese_codes_and_names_match_the_second_source() {
    let Some(rows) = source("vn-current.tsv") else {
        return;
    };
    let reg = registry();
    let at = day("2025-07-01");
    assert_eq!(rows.len(), 3321, "second source count");
    let mut found = Vec::new();
    let mut theirs = BTreeSet::new();
    for row in &rows {
        let (code, name, province) = (&row[0], &row[1], &row[2]);
        theirs.insert(code.clone());
        let unit_ref = UnitRef::parse(&format!("VN-C-{code}")).expect("code");
        match reg.at(&unit_ref, at) {
            Err(_) => found.push(format!("missing here\t{code}\t{name}\t{province}")),
            Ok(u) => {
                let ours_province = reg
                    .ancestors(u, at)
                    .first()
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                if fold(&u.name) != fold(name)
                    || province_key(&ours_province) != province_key(province)
                {
                    found.push(format!(
                        "differs\t{code}\t{name} ({province})\t{} ({ours_province})",
                        u.name
                    ));
                }
            }
        }
    }
    let stats = reg.stats(Country::Vn, at).expect("stats");
    assert_eq!(stats.by_level[&Level::Commune], theirs.len());
    check_listed("vn-current.txt", &found);
}

#[test]
fn vietnamese_codes_before_the_reform_match_the_2024_list_except_the_listed_merges() {
    let Some(rows) = source("vn-legacy.tsv") else {
        return;
    };
    let reg = registry();
    let at = day("2025-06-30");
    let mut found = Vec::new();
    let mut theirs = BTreeSet::new();
    let mut same = 0usize;
    for row in &rows {
        let (code, name, district, province) = (&row[0], &row[1], &row[3], &row[5]);
        theirs.insert(code.clone());
        let unit_ref = UnitRef::parse(&format!("VN-C-{code}")).expect("code");
        match reg.at(&unit_ref, at) {
            Err(_) => found.push(format!(
                "only in 2024 list\t{code}\t{name}, {district}, {province}"
            )),
            Ok(u) if fold(&u.name) != fold(name) => {
                found.push(format!("renamed\t{code}\t{name}\t{}", u.name))
            }
            Ok(_) => same += 1,
        }
    }
    let province_refs: Vec<UnitRef> = reg
        .roots(Country::Vn, at)
        .expect("provinces")
        .iter()
        .map(|p| p.unit_ref.clone())
        .collect();
    for p in &province_refs {
        for d in reg.children(p, at).expect("districts") {
            for c in reg.children(&d.unit_ref, at).expect("communes") {
                if !theirs.contains(c.code()) {
                    found.push(format!("only here\t{}\t{}, {}", c.code(), c.name, d.name));
                }
            }
        }
    }
    found.sort();
    // Most communes agree; the rest are the 2024–2025 commune merges.
    assert!(same > 9_400, "only {same} communes agree");
    check_listed("vn-legacy.txt", &found);
}

fn names(outcome: &Outcome) -> BTreeSet<String> {
    match outcome {
        Outcome::Certain { current } | Outcome::AlreadyCurrent { current } => {
            [fold(&current.commune.name)].into()
        }
        Outcome::Divided { candidates } => {
            candidates.iter().map(|c| fold(&c.commune.name)).collect()
        }
    }
}

#[test]
fn old_addresses_convert_as_the_second_source_maps_them() {
    let Some(rows) = source("vn-mapping.tsv") else {
        return;
    };
    let reg = registry();
    // old (commune, district, province) → the new communes the source names
    let mut expected: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        expected
            .entry((r[2].clone(), r[1].clone(), r[0].clone()))
            .or_default()
            .insert(fold(&r[4]));
    }
    let mut found = Vec::new();
    let (mut tried, mut agreed) = (0usize, 0usize);
    // Every 15th old commune: about 660 addresses across every province.
    for ((commune, district, province), want) in expected.iter().step_by(15) {
        tried += 1;
        let address = format!("{commune}, {district}, {province}");
        match convert(reg, &address, day("2026-11-25")) {
            Ok(c) if names(&c.outcome) == *want => agreed += 1,
            Ok(c) => found.push(format!(
                "{address}\tsource: {}\there: {}",
                want.iter().cloned().collect::<Vec<_>>().join(" | "),
                names(&c.outcome)
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(" | ")
            )),
            Err(e) => found.push(format!("{address}\tnot converted: {}", short(&e))),
        }
    }
    assert!(tried >= 600, "{tried} addresses");
    assert!(agreed * 100 >= tried * 95, "only {agreed} of {tried} agree");
    check_listed("vn-mapping.txt", &found);
}

fn short(e: &AddressError) -> String {
    match e {
        AddressError::Unknown { part, text, .. } => format!("unknown {} {text}", part.as_str()),
        AddressError::Ambiguous { part, text, .. } => format!("ambiguous {} {text}", part.as_str()),
        other => other.to_string(),
    }
}

#[test]
fn french_counts_and_names_match_the_package() {
    let Some(rows) = source("fr-current.tsv") else {
        return;
    };
    let reg = registry();
    let at = day("2026-01-01");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut differ = Vec::new();
    for r in &rows {
        *counts.entry(r[0].as_str()).or_default() += 1;
        let tag = match r[0].as_str() {
            "region" => "R",
            "departement" => "D",
            "commune-actuelle" => "C",
            "commune-deleguee" => "CD",
            "commune-associee" => "CA",
            _ => "AM",
        };
        match UnitRef::parse(&format!("FR-{tag}-{}", r[1]))
            .map(|u| reg.at(&u, at).map(|u| u.name.clone()))
        {
            Ok(Ok(name)) if name == r[2] => {}
            other => differ.push(format!("{} {} {}: {other:?}", r[0], r[1], r[2])),
        }
    }
    assert!(
        differ.is_empty(),
        "{} differ: {:?}",
        differ.len(),
        &differ[..differ.len().min(5)]
    );
    let stats = reg.stats(Country::Fr, at).expect("stats");
    assert_eq!(stats.by_level[&Level::Region], counts["region"]);
    assert_eq!(stats.by_level[&Level::Department], counts["departement"]);
    let communes = counts["commune-actuelle"]
        + counts["commune-deleguee"]
        + counts["commune-associee"]
        + counts["arrondissement-municipal"];
    assert_eq!(stats.by_level[&Level::Commune], communes);
    assert_eq!(
        stats.by_kind[&guichet_units::Kind::Commune],
        counts["commune-actuelle"]
    );
    // And still today (no newer millésime shipped).
    assert_eq!(
        reg.stats(Country::Fr, day("2026-11-25"))
            .expect("stats")
            .by_level,
        stats.by_level
    );
}
