//! The shipped datasets, indexed: counts, dates, lineage, search and old-address conversion.

use guichet_units::address::{AddressError, Outcome, convert};
use guichet_units::{Country, Kind, Level, Registry, UnitRef, UnitsError, data, parse_date};
use std::sync::OnceLock;
use time::Date;

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let mut units = Vec::new();
        let mut links = Vec::new();
        for country in [Country::Vn, Country::Fr] {
            let d = data::shipped(country).expect("shipped dataset parses");
            units.extend(d.units);
            links.extend(d.links);
        }
        Registry::build(units, links).expect("shipped dataset is consistent")
    })
}

fn day(s: &str) -> Date {
    parse_date(s).expect("test date")
}

fn r(s: &str) -> UnitRef {
    UnitRef::parse(s).expect("test ref")
}

#[test]
fn vietnam_since_the_reform_has_34_provinces_and_3321_communes() {
    let s = registry().stats(Country::Vn, day("2025-07-01")).unwrap();
    assert_eq!(s.by_level.get(&Level::Province), Some(&34));
    assert_eq!(s.by_level.get(&Level::Commune), Some(&3321));
    assert_eq!(s.by_level.get(&Level::District), None);
    assert_eq!(s.by_kind.get(&Kind::Tinh), Some(&28));
    assert_eq!(s.by_kind.get(&Kind::ThanhPhoTw), Some(&6));
    assert_eq!(s.by_kind.get(&Kind::Xa), Some(&2621));
    assert_eq!(s.by_kind.get(&Kind::Phuong), Some(&687));
    assert_eq!(s.by_kind.get(&Kind::DacKhu), Some(&13));
    assert_eq!(s.by_kind.get(&Kind::ThiTran), None);
    // Still so today.
    assert_eq!(
        registry().stats(Country::Vn, day("2026-11-25")).unwrap(),
        guichet_units::Stats {
            date: day("2026-11-25"),
            ..s
        }
    );
}

#[test]
fn vietnam_before_the_reform_has_63_provinces_696_districts_10035_communes() {
    let s = registry().stats(Country::Vn, day("2025-06-30")).unwrap();
    assert_eq!(s.by_level.get(&Level::Province), Some(&63));
    assert_eq!(s.by_level.get(&Level::District), Some(&696));
    assert_eq!(s.by_level.get(&Level::Commune), Some(&10035));
    assert_eq!(s.by_kind.get(&Kind::Xa), Some(&7695));
    assert_eq!(s.by_kind.get(&Kind::Phuong), Some(&1724));
    assert_eq!(s.by_kind.get(&Kind::ThiTran), Some(&616));
}

#[test]
fn dates_before_the_data_are_refused_not_guessed() {
    let err = registry()
        .stats(Country::Vn, day("2024-12-31"))
        .unwrap_err();
    assert_eq!(err.code(), "before-data");
    assert!(err.to_string().contains("2025-01-01"), "{err}");
    let err = registry()
        .at(&r("FR-C-33063"), day("2020-06-01"))
        .unwrap_err();
    assert!(matches!(err, UnitsError::BeforeData { .. }), "{err}");
}

#[test]
fn a_reused_code_names_different_communes_before_and_after_the_reform() {
    let reg = registry();
    let old = reg.at(&r("VN-C-00004"), day("2025-06-30")).unwrap();
    assert_eq!(old.name, "Phường Trúc Bạch");
    let parents: Vec<&str> = reg
        .ancestors(old, day("2025-06-30"))
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(parents, ["Quận Ba Đình", "Thành phố Hà Nội"]);
    let new = reg.at(&r("vn-c-00004"), day("2026-01-01")).unwrap();
    assert_eq!(new.name, "Phường Ba Đình");
    assert_eq!(
        reg.ancestors(new, day("2026-01-01"))
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        ["Thành phố Hà Nội"]
    );
    // Trúc Bạch went into Ba Đình; Ba Đình has several predecessors.
    let succ = reg.successors(old);
    assert!(succ.iter().any(|l| l.unit.id == new.id), "{succ:?}");
    let preds: Vec<&str> = reg
        .predecessors(new)
        .iter()
        .map(|l| l.unit.name.as_str())
        .collect();
    assert!(
        preds.len() > 1 && preds.contains(&"Phường Trúc Bạch"),
        "{preds:?}"
    );
    assert!(
        reg.predecessors(new)
            .iter()
            .all(|l| !l.legal_ref.is_empty())
    );
    // Unknown and out-of-force references are errors that say so.
    assert_eq!(
        reg.at(&r("VN-C-99999"), day("2026-01-01"))
            .unwrap_err()
            .code(),
        "unknown-unit"
    );
    let err = reg.at(&r("VN-D-001"), day("2026-01-01")).unwrap_err();
    assert_eq!(err.code(), "unit-not-in-force");
    assert!(UnitRef::parse("XX-1").is_err());
}

#[test]
fn children_follow_the_date() {
    let reg = registry();
    let before = reg.children(&r("VN-P-01"), day("2025-06-30")).unwrap();
    assert_eq!(before.len(), 30, "Hà Nội had 30 district-level units");
    assert!(before.iter().all(|u| u.level == Level::District));
    let after = reg.children(&r("VN-P-01"), day("2025-07-01")).unwrap();
    assert_eq!(after.len(), 126, "Hà Nội has 126 communes and wards");
    assert!(after.iter().all(|u| u.level == Level::Commune));
    let gironde = reg.children(&r("FR-D-33"), day("2026-01-01")).unwrap();
    assert!(gironde.iter().any(|u| u.name == "Bordeaux"));
    assert_eq!(reg.roots(Country::Vn, day("2026-01-01")).unwrap().len(), 34);
}

#[test]
fn search_ignores_accents_and_case() {
    let reg = registry();
    for q in ["ha noi", "Hà Nội", "HANOI", "hanoi", "  HÀ   nội "] {
        let m = reg
            .search(q, Some(Country::Vn), Some(day("2026-01-01")), None, 5)
            .unwrap();
        assert_eq!(m.hits[0].unit.unit_ref.as_str(), "VN-P-01", "query {q:?}");
    }
    let m = reg
        .search(
            "saint etienne",
            Some(Country::Fr),
            Some(day("2026-01-01")),
            Some(Level::Commune),
            50,
        )
        .unwrap();
    assert!(
        m.hits.iter().any(|h| h.unit.name == "Saint-Étienne"),
        "{:?}",
        m.hits.len()
    );
    // By code too.
    let m = reg
        .search("33063", None, Some(day("2026-01-01")), None, 5)
        .unwrap();
    assert_eq!(m.hits[0].unit.name, "Bordeaux");
}

#[test]
fn misspelt_names_get_suggestions_not_answers() {
    let reg = registry();
    let m = reg
        .search(
            "Bordeau",
            Some(Country::Fr),
            Some(day("2026-01-01")),
            Some(Level::Commune),
            5,
        )
        .unwrap();
    // "Bordeau" is a prefix of Bordeaux, so it is a hit; a real typo is not.
    assert!(m.hits.iter().any(|h| h.unit.name == "Bordeaux"));
    let m = reg
        .search(
            "Bordaeux",
            Some(Country::Fr),
            Some(day("2026-01-01")),
            Some(Level::Commune),
            5,
        )
        .unwrap();
    assert!(m.hits.is_empty());
    assert!(
        m.suggestions.iter().any(|h| h.unit.name == "Bordeaux"),
        "{:?}",
        m.suggestions
    );
    let m = reg
        .search(
            "Ha Noii",
            Some(Country::Vn),
            Some(day("2026-01-01")),
            Some(Level::Province),
            5,
        )
        .unwrap();
    assert!(m.hits.is_empty());
    assert_eq!(m.suggestions[0].unit.name, "Thành phố Hà Nội");
}

#[test]
fn an_old_address_converts_to_todays_commune() {
    let reg = registry();
    let c = convert(
        reg,
        "12 Hàng Bông, Phường Hàng Gai, Quận Hoàn Kiếm, Thành phố Hà Nội",
        day("2026-11-25"),
    )
    .unwrap();
    assert_eq!(c.street.as_deref(), Some("12 Hàng Bông"));
    assert_eq!(c.old.len(), 3);
    match c.outcome {
        Outcome::Certain { current } => {
            assert_eq!(current.commune.name, "Phường Hoàn Kiếm");
            assert_eq!(current.province.code, "01");
        }
        other => panic!("{other:?}"),
    }
    // Unaccented, abbreviated, upper case.
    let c = convert(reg, "P. HANG GAI, Q. HOAN KIEM, HN", day("2026-11-25")).unwrap();
    assert!(matches!(c.outcome, Outcome::Certain { .. }), "{c:?}");
}

#[test]
fn an_address_of_today_is_recognised_as_such() {
    let c = convert(
        registry(),
        "Phường Ba Đình, Thành phố Hà Nội",
        day("2026-11-25"),
    )
    .unwrap();
    assert!(matches!(c.outcome, Outcome::AlreadyCurrent { .. }), "{c:?}");
}

#[test]
fn unknown_and_ambiguous_parts_are_reported_with_candidates() {
    let reg = registry();
    let err = convert(
        reg,
        "Phường Hàng Gaii, Quận Hoàn Kiếm, Hà Nội",
        day("2026-11-25"),
    )
    .unwrap_err();
    match err {
        AddressError::Unknown { suggestions, .. } => {
            assert_eq!(suggestions[0].name, "Phường Hàng Gai")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        convert(reg, "Hà Nội", day("2026-11-25")).unwrap_err(),
        AddressError::TooShort
    );
}

/// "Phường" → "P.", "Quận" → "Q." and so on, as people write on forms.
fn abbreviated(u: &guichet_units::Unit) -> String {
    let short = match u.kind {
        Kind::Phuong => "P.",
        Kind::Xa => "X.",
        Kind::ThiTran => "TT.",
        Kind::Quan => "Q.",
        Kind::Huyen => "H.",
        Kind::ThiXa => "TX.",
        Kind::ThanhPhoTw | Kind::ThanhPhoThuocTinh => "TP.",
        _ => "",
    };
    format!("{short} {}", u.short_name)
}

#[test]
fn two_hundred_and_more_old_addresses_built_from_the_data_convert_in_three_spellings() {
    let reg = registry();
    let old_day = day("2025-06-30");
    let today = day("2026-11-25");
    let mut communes = Vec::new();
    for p in reg.roots(Country::Vn, old_day).unwrap() {
        for d in reg.children(&p.unit_ref, old_day).unwrap() {
            for c in reg.children(&d.unit_ref, old_day).unwrap() {
                communes.push((c, d, p));
            }
        }
    }
    assert_eq!(communes.len(), 10035);
    let (mut converted, mut ambiguous) = (0, 0);
    for (c, d, p) in communes.iter().step_by(37) {
        let spellings = [
            format!("{}, {}, {}", c.name, d.name, p.name),
            [&c.name, &d.name, &p.short_name]
                .map(|n| guichet_units::fold::fold(n))
                .join(" , "),
            format!(
                "{}, {}, {}",
                abbreviated(c),
                abbreviated(d),
                p.short_name.to_uppercase()
            ),
        ];
        let expected: Vec<String> = reg
            .in_force_successors(c, today)
            .iter()
            .map(|(u, _)| u.unit_ref.to_string())
            .collect();
        assert!(!expected.is_empty(), "{} has no successor", c.id);
        for address in &spellings {
            match convert(reg, address, today) {
                Ok(conv) => {
                    assert_eq!(conv.old[2].unit_ref, c.unit_ref.as_str(), "{address}");
                    let got: Vec<String> = match conv.outcome {
                        Outcome::Certain { current } => vec![current.commune.unit_ref],
                        Outcome::Divided { candidates } => {
                            assert!(candidates.len() > 1, "{address}");
                            candidates.into_iter().map(|c| c.commune.unit_ref).collect()
                        }
                        Outcome::AlreadyCurrent { .. } => panic!("{address} taken as new"),
                    };
                    let mut want = expected.clone();
                    want.sort();
                    let mut got = got;
                    got.sort();
                    assert_eq!(got, want, "{address}");
                    converted += 1;
                }
                Err(AddressError::Ambiguous { candidates, .. }) => {
                    // Only when the district really has two communes of that name.
                    assert!(
                        candidates.len() > 1
                            && candidates.iter().any(|x| x.unit_ref == c.unit_ref.as_str())
                    );
                    ambiguous += 1;
                }
                Err(e) => panic!("{address}: {e:?}"),
            }
        }
    }
    assert!(
        converted >= 600,
        "{converted} converted, {ambiguous} ambiguous"
    );
    assert!(
        ambiguous * 50 < converted,
        "{ambiguous} ambiguous of {converted}"
    );
}
