//! Agreement with python-stdnum 2.2 on 48,000 committed vectors (12,000 per kind), and
//! property tests: normal forms round-trip, single-digit changes are always detected, and no
//! input makes a parser panic.

use std::io::Read;

use guichet_rules::ids::{Kind, Mst, Nir, Siren, Siret, check, validate};
use proptest::prelude::*;

#[test]
fn validity_agrees_with_python_stdnum() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ids.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("vectors"))
        .read_to_string(&mut text)
        .expect("gzip");
    let mut per_kind = std::collections::BTreeMap::<&str, usize>::new();
    let mut disagreements = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ',');
        let (kind, value, expected) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap() == "1",
        );
        let ours = validate(kind.parse::<Kind>().unwrap(), value).is_ok();
        *per_kind.entry(kind).or_default() += 1;
        if ours != expected {
            disagreements.push(format!(
                "{kind},{value}: stdnum says {expected}, we say {ours}"
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements, first: {:#?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(20)]
    );
    for kind in ["mst", "nir", "siren", "siret"] {
        assert!(
            per_kind[kind] >= 10_000,
            "{kind}: {} vectors",
            per_kind[kind]
        );
    }
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n)
        .prop_map(|v| v.into_iter().map(|d| char::from(b'0' + d)).collect())
}

fn luhn_complete(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|s| Siren::parse(&s[s.len() - 9..]).is_ok() || luhn_ok(s))
        .unwrap_or_default()
}

fn luhn_ok(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            if i % 2 == 1 {
                if v * 2 > 9 { v * 2 - 9 } else { v * 2 }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn valid_siren() -> impl Strategy<Value = String> {
    digits(8).prop_map(|b| {
        (0..10)
            .map(|d| format!("{b}{d}"))
            .find(|s| luhn_ok(s))
            .unwrap_or_default()
    })
}

fn valid_siret() -> impl Strategy<Value = String> {
    (valid_siren(), digits(4))
        .prop_map(|(s, e)| {
            (0..10)
                .map(|d| format!("{s}{e}{d}"))
                .find(|x| luhn_ok(x))
                .unwrap_or_default()
        })
        .prop_filter("La Poste numbers follow another rule", |s| {
            !s.starts_with("356000000")
        })
}

fn valid_nir() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("1"), Just("2")],
        digits(2),
        1u8..=12,
        prop_oneof![
            Just("75".to_string()),
            Just("2A".to_string()),
            Just("2B".to_string()),
            digits(2)
        ],
        digits(6),
    )
        .prop_map(|(sex, yy, mm, dept, rest)| {
            let body = format!("{sex}{yy}{mm:02}{dept}{rest}");
            format!("{body}{:02}", guichet_rules::ids::nir_key(body.as_bytes()))
        })
}

fn valid_mst() -> impl Strategy<Value = String> {
    digits(9).prop_filter_map("no check digit for this body", |b| {
        let check = guichet_rules::ids::mst_check_digit(b.as_bytes())?;
        (&b[2..9] != "0000000").then(|| format!("{b}{check}"))
    })
}

/// Every way of changing exactly one digit of `s`.
fn single_digit_changes(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in s.char_indices() {
        if !c.is_ascii_digit() {
            continue;
        }
        for d in '0'..='9' {
            if d != c {
                let mut t = s.to_string();
                t.replace_range(i..i + 1, &d.to_string());
                out.push(t);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn normal_forms_round_trip(siren in valid_siren(), siret in valid_siret(), nir in valid_nir(), mst in valid_mst()) {
        for (kind, value) in [(Kind::Siren, siren), (Kind::Siret, siret), (Kind::Nir, nir), (Kind::Mst, mst)] {
            let normal = check(kind, &value).expect("generated valid");
            let again = check(kind, &normal);
            prop_assert_eq!(again, Ok(normal.clone()), "{} {}", kind, value);
        }
    }

    #[test]
    fn every_single_digit_change_is_detected(siren in valid_siren(), siret in valid_siret(), nir in valid_nir(), mst in valid_mst()) {
        for t in single_digit_changes(&siren) { prop_assert!(Siren::parse(&t).is_err(), "SIREN {} → {}", siren, t); }
        for t in single_digit_changes(&siret) { prop_assert!(Siret::parse(&t).is_err() || t.starts_with("356000000"), "SIRET {} → {}", siret, t); }
        for t in single_digit_changes(&nir) { prop_assert!(Nir::parse(&t).is_err(), "NIR {} → {}", nir, t); }
        for t in single_digit_changes(&mst) { prop_assert!(Mst::parse(&t).is_err(), "MST {} → {}", mst, t); }
    }

    #[test]
    fn no_input_makes_a_parser_panic(input in "\\PC{0,80}") {
        for kind in Kind::ALL {
            let _ = check(kind, &input);
        }
    }
}

#[test]
fn luhn_helper_agrees_with_siren() {
    assert_eq!(luhn_complete("73282932"), "732829320");
}
