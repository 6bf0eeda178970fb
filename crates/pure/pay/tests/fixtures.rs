//! Pay results against the hand-worked fixtures in `tests/fixtures/{vn,fr}` (each names its
//! legal sources and keeps its working; see `worksheet.py`).

use std::path::Path;

use guichet_pay::{Parameters, compute_json};

fn check_country(country: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(country);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    let params = Parameters::builtin();
    let mut failures = Vec::new();
    for path in &names {
        let text = std::fs::read_to_string(path).unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = fixture["name"].as_str().unwrap();
        let sources = fixture["sources"].as_array().unwrap();
        assert!(
            sources.len() >= 2 && sources.iter().all(|s| !s.as_str().unwrap().is_empty()),
            "{name}: every fixture names its legal sources"
        );
        let slip = compute_json(country, &fixture["input"].to_string(), &params)
            .unwrap_or_else(|e| panic!("{}: {name}: {e}", path.display()));
        for (code, want) in fixture["expected"].as_object().unwrap() {
            let got = match code.as_str() {
                "gross" => slip.gross,
                "net" => slip.net,
                code => match slip.line(code) {
                    Some(l) => l.amount,
                    None => {
                        failures.push(format!("{name}: no line {code}"));
                        continue;
                    }
                },
            };
            if slip.format(got) != want.as_str().unwrap() {
                failures.push(format!(
                    "{}: {name}: {code} is {} not {}",
                    path.display(),
                    slip.format(got),
                    want
                ));
            }
        }
        // Lines that carry money must all be expected: nothing unaccounted for on the slip.
        for l in &slip.lines {
            assert!(
                fixture["expected"].get(&l.code).is_some(),
                "{name}: line {} is not in the fixture",
                l.code
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    names.len()
}

#[test]
fn vietnamese_pay_matches_the_fixtures() {
    assert!(check_country("vn") >= 30);
}

#[test]
fn french_pay_matches_the_fixtures() {
    assert!(check_country("fr") >= 30);
}

#[test]
fn bad_input_is_refused_with_a_clear_message() {
    let p = Parameters::builtin();
    let err = |country: &str, json: &str| compute_json(country, json, &p).unwrap_err().to_string();
    assert_eq!(
        err(
            "vn",
            r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":10}"#
        ),
        "step 10 does not exist on scale A1 (steps 1 to 9)"
    );
    assert_eq!(
        err(
            "vn",
            r#"{"date":"2019-06-30","staff_kind":"cong_chuc","scale":"A1","step":1}"#
        ),
        "no value of vn_base_salary is known on 2019-06-30; the first is from 2019-07-01"
    );
    assert_eq!(
        err(
            "fr",
            r#"{"date":"2023-12-31","indice_majore":400,"residence_zone":1}"#
        ),
        "no value of fr_minimum_index is known on 2023-12-31; the first is from 2024-01-01"
    );
    assert!(
        err(
            "vn",
            r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"Q","step":1}"#
        )
        .contains("unknown pay scale")
    );
    assert!(
        err(
            "vn",
            r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":2,"salary":1}"#
        )
        .contains("unknown field `salary`")
    );
    assert!(
        err(
            "vn",
            r#"{"date":"2025-13-01","staff_kind":"cong_chuc","scale":"A1","step":2}"#
        )
        .contains("not a date")
    );
    assert!(err("vn", r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":2,"coefficient":2.67}"#).contains("either scale and step, or coefficient"));
    assert!(err("vn", r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":2,"beyond_frame_percent":5}"#).contains("last step"));
    assert!(
        err(
            "vn",
            r#"{"date":"2025-01-01","staff_kind":"cong_chuc","coefficient":2.345}"#
        )
        .contains("more than 2 decimals")
    );
    assert!(
        err(
            "fr",
            r#"{"date":"2025-01-01","indice_majore":400,"residence_zone":4}"#
        )
        .contains("zone 4")
    );
    assert!(
        err(
            "fr",
            r#"{"date":"2025-01-01","indice_majore":400,"residence_zone":1,"bonuses":"-3"}"#
        )
        .contains("negative")
    );
    assert!(err("xx", "{}").contains("Unknown country"));
    // Values that could make sums overflow are refused, not wrapped.
    assert!(err("vn", r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scheme":"position","position_salary":9000000000000000000}"#).contains("out of range"));
    assert!(err("vn", r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":1,"allowances":[{"name":"x","amount":9000000000000000000}]}"#).contains("out of range"));
    assert!(
        err(
            "vn",
            r#"{"date":"2025-01-01","staff_kind":"cong_chuc","coefficient":"99999999"}"#
        )
        .contains("not a plausible coefficient")
    );
    assert!(err("vn", r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":1,"dependants":4000000000}"#).contains("At most 50"));
    assert!(err("fr", r#"{"date":"2025-01-01","indice_majore":400,"residence_zone":1,"bonuses":"99999999999999.99"}"#).contains("out of range"));
    assert!(
        err(
            "fr",
            r#"{"date":"2025-01-01","indice_majore":400,"residence_zone":1,"children":4000000000}"#
        )
        .contains("At most")
    );
}
