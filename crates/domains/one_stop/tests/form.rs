//! Forms: schemas that cannot be filled are refused at save; answers are normalised or refused
//! with a stable code and a message in the user's language; conditions and blocks behave.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use guichet_core::{Country, Language};
use guichet_one_stop::form::{
    Check, Choice, Field, FieldKind, FormSchema, Mode, ShowIf, Text, answers_from_pairs, validate,
};
use guichet_units::{Registry, data};
use serde_json::{Value, json};
use time::macros::date;

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let (mut units, mut links) = (Vec::new(), Vec::new());
        for c in [Country::Vn, Country::Fr] {
            let d = data::shipped(c).unwrap();
            units.extend(d.units);
            links.extend(d.links);
        }
        Registry::build(units, links).unwrap()
    })
}

fn f(key: &str, kind: FieldKind, required: bool) -> Field {
    Field {
        key: key.into(),
        kind,
        label: Text::new(key, key, key),
        help: Text::default(),
        required,
        show_if: None,
        prefill: None,
    }
}

fn opts(values: &[&str]) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).into(),
            label: Text::new(v, v, v),
        })
        .collect()
}

fn schema() -> FormSchema {
    let mut other = f("other", FieldKind::ShortText { max_len: None }, true);
    other.show_if = Some(ShowIf {
        field: "kind".into(),
        equals: Some("other".into()),
    });
    FormSchema {
        fields: vec![
            f("intro", FieldKind::Section, false),
            f("name", FieldKind::ShortText { max_len: Some(10) }, true),
            f("story", FieldKind::LongText { max_len: None }, false),
            f(
                "age",
                FieldKind::Number {
                    min: Some(0.0),
                    max: Some(150.0),
                    integer: true,
                },
                false,
            ),
            f(
                "vnd",
                FieldKind::Money {
                    currency: "VND".into(),
                },
                false,
            ),
            f(
                "eur",
                FieldKind::Money {
                    currency: "EUR".into(),
                },
                false,
            ),
            f("born", FieldKind::Date { past_only: true }, false),
            f("mail", FieldKind::Email, false),
            f("tel", FieldKind::Phone, false),
            f("ok", FieldKind::YesNo, false),
            f(
                "kind",
                FieldKind::SingleChoice {
                    options: opts(&["a", "other"]),
                },
                false,
            ),
            other,
            f(
                "many",
                FieldKind::MultipleChoice {
                    options: opts(&["x", "y", "z"]),
                },
                false,
            ),
            f(
                "pick",
                FieldKind::Dropdown {
                    options: opts(&["p", "q"]),
                },
                false,
            ),
            f("cccd", FieldKind::Identifier { id: "cccd".into() }, false),
            f("siret", FieldKind::Identifier { id: "siret".into() }, false),
            f(
                "home",
                FieldKind::Address {
                    country: "vn".into(),
                },
                false,
            ),
            f(
                "scan",
                FieldKind::File {
                    max_bytes: 1000,
                    types: vec!["pdf".into()],
                },
                false,
            ),
            f(
                "kids",
                FieldKind::Repeat {
                    fields: vec![f("kid", FieldKind::ShortText { max_len: None }, true)],
                    min: 1,
                    max: 2,
                },
                false,
            ),
        ],
    }
}

fn check(mode: Mode, lang: Language) -> Check<'static> {
    Check {
        lang,
        mode,
        today: date!(2026 - 11 - 25),
        units: registry(),
    }
}

fn errors_of(answers: Value, mode: Mode) -> Vec<(String, String)> {
    match validate(&schema(), &answers, &check(mode, Language::En)) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

#[test]
fn the_test_schema_is_valid() {
    schema().check().unwrap();
}

#[test]
fn answers_are_normalised() {
    let answers = json!({
        "name": "  Lan  ", "age": "42", "vnd": "1.500.000", "eur": "1 500,5", "born": "12/04/1990",
        "mail": "lan@example.vn", "tel": "+84 912-345-678", "ok": "yes", "kind": "a", "many": ["z", "x", "z"],
        "pick": "q", "cccd": "001 190 012 345", "siret": "73282932000074",
        "home": {"unit": "VN-C-00004", "street": "12 Hàng Bạc"},
        "scan": {"file": "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6", "name": "a.PDF", "size": 10, "sha256": "00"},
        "kids": [{"kid": "An"}, {"kid": ""}], "unknown": "dropped"
    });
    let out = validate(&schema(), &answers, &check(Mode::Submit, Language::En)).unwrap();
    assert_eq!(out["name"], "Lan");
    assert_eq!(out["vnd"], "1500000");
    assert_eq!(out["eur"], "1500.50");
    assert_eq!(out["born"], "1990-04-12");
    assert_eq!(out["tel"], "+84912345678");
    assert_eq!(
        out["many"],
        json!(["x", "z"]),
        "deduplicated, in the schema's order"
    );
    assert_eq!(out["cccd"], "001190012345");
    assert_eq!(
        out["home"]["label"],
        "12 Hàng Bạc, Phường Ba Đình, Thành phố Hà Nội"
    );
    assert_eq!(
        out["kids"],
        json!([{"kid": "An"}]),
        "empty rows are dropped"
    );
    assert!(out.get("unknown").is_none() && out.get("other").is_none());
}

#[test]
fn every_kind_refuses_bad_values_with_a_stable_code() {
    let cases = [
        (json!({"name": "far too long a name"}), "name", "too-long"),
        (json!({"name": "two\nlines"}), "name", "one-line"),
        (json!({"age": "4.5"}), "age", "not-a-number"),
        (json!({"age": "151"}), "age", "too-big"),
        (json!({"age": "-1"}), "age", "too-small"),
        (json!({"vnd": "12,5 đ"}), "vnd", "not-money"),
        (json!({"born": "31/02/2020"}), "born", "not-a-date"),
        (json!({"born": "01/01/2027"}), "born", "date-in-future"),
        (json!({"mail": "lan@"}), "mail", "not-an-email"),
        (json!({"tel": "12345"}), "tel", "not-a-phone"),
        (json!({"ok": "maybe"}), "ok", "invalid-choice"),
        (json!({"kind": "zzz"}), "kind", "invalid-choice"),
        (json!({"many": ["x", "w"]}), "many", "invalid-choice"),
        (
            json!({"cccd": "001190012346x"}),
            "cccd",
            "invalid-identifier",
        ),
        (
            json!({"siret": "73282932000075"}),
            "siret",
            "invalid-identifier",
        ),
        (
            json!({"home": {"unit": "VN-C-99999"}}),
            "home",
            "unknown-unit",
        ),
        (
            json!({"home": {"unit": "VN-P-01"}}),
            "home",
            "choose-commune",
        ),
        (
            json!({"home": {"unit": "FR-C-33063"}}),
            "home",
            "choose-commune",
        ),
        (
            json!({"scan": {"file": "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6", "name": "a.exe", "size": 10, "sha256": "0"}}),
            "scan",
            "file-type",
        ),
        (
            json!({"scan": {"file": "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6", "name": "a.pdf", "size": 1001, "sha256": "0"}}),
            "scan",
            "file-too-big",
        ),
        (
            json!({"kids": [{"kid": "a"}, {"kid": "b"}, {"kid": "c"}]}),
            "kids",
            "too-many-items",
        ),
    ];
    for (answers, path, code) in cases {
        let errors = errors_of(answers.clone(), Mode::Draft);
        assert!(
            errors.contains(&(path.to_owned(), code.to_owned())),
            "{answers} → {errors:?}"
        );
    }
}

#[test]
fn required_answers_and_conditions() {
    // A draft may be incomplete; a submission may not.
    assert!(errors_of(json!({}), Mode::Draft).is_empty());
    let errors = errors_of(json!({"kids": [{"kid": ""}]}), Mode::Submit);
    assert!(errors.contains(&("name".into(), "required".into())));
    assert!(errors.contains(&("kids".into(), "too-few-items".into())));
    // Inside a block, the path names the row.
    let errors = errors_of(
        json!({"name": "x", "kids": [{"kid": "a"}, {"kid": "", "extra": "y"}]}),
        Mode::Submit,
    );
    assert_eq!(
        errors,
        vec![("kids[1].kid".to_owned(), "required".to_owned())]
    );
    // "other" is required only when kind = other.
    assert!(
        errors_of(
            json!({"name": "x", "kind": "a", "kids": [{"kid": "a"}]}),
            Mode::Submit
        )
        .is_empty()
    );
    let errors = errors_of(
        json!({"name": "x", "kind": "other", "kids": [{"kid": "a"}]}),
        Mode::Submit,
    );
    assert_eq!(errors, vec![("other".to_owned(), "required".to_owned())]);
}

#[test]
fn messages_follow_the_language() {
    let fr = validate(
        &schema(),
        &json!({"mail": "x"}),
        &check(Mode::Draft, Language::Fr),
    )
    .unwrap_err();
    assert!(
        fr[0].message.contains("adresse électronique"),
        "{}",
        fr[0].message
    );
    let vi = validate(
        &schema(),
        &json!({"mail": "x"}),
        &check(Mode::Draft, Language::Vi),
    )
    .unwrap_err();
    assert!(vi[0].message.contains("thư điện tử"), "{}", vi[0].message);
    let vi = validate(
        &schema(),
        &json!({"cccd": "12"}),
        &check(Mode::Draft, Language::Vi),
    )
    .unwrap_err();
    assert!(
        !vi[0].message.is_empty() && !vi[0].message.is_ascii(),
        "the rules crate explains in Vietnamese"
    );
}

#[test]
fn schemas_that_cannot_be_filled_are_refused() {
    let bad = |fields: Vec<Field>| FormSchema { fields }.check().unwrap_err().problem;
    assert!(bad(vec![f("Bad Key", FieldKind::Email, false)]).contains("key"));
    assert!(
        bad(vec![
            f("a", FieldKind::Email, false),
            f("a", FieldKind::Phone, false)
        ])
        .contains("twice")
    );
    assert!(
        bad(vec![f(
            "a",
            FieldKind::SingleChoice { options: vec![] },
            false
        )])
        .contains("options")
    );
    assert!(
        bad(vec![f(
            "a",
            FieldKind::Dropdown {
                options: opts(&["x", "x"])
            },
            false
        )])
        .contains("distinct")
    );
    assert!(
        bad(vec![f(
            "a",
            FieldKind::Identifier { id: "ssn".into() },
            false
        )])
        .contains("identifier")
    );
    assert!(
        bad(vec![f(
            "a",
            FieldKind::File {
                max_bytes: 10,
                types: vec!["exe".into()]
            },
            false
        )])
        .contains("allowed types")
    );
    assert!(
        bad(vec![f(
            "a",
            FieldKind::Money {
                currency: "USD".into()
            },
            false
        )])
        .contains("currency")
    );
    let mut later = f("a", FieldKind::Email, false);
    later.show_if = Some(ShowIf {
        field: "b".into(),
        equals: None,
    });
    assert!(bad(vec![later, f("b", FieldKind::Email, false)]).contains("earlier"));
    let nested = FieldKind::Repeat {
        fields: vec![f(
            "x",
            FieldKind::Repeat {
                fields: vec![],
                min: 0,
                max: 1,
            },
            false,
        )],
        min: 0,
        max: 2,
    };
    assert!(bad(vec![f("a", nested, false)]).contains("nested"));
    // A schema round-trips through JSON as stored.
    let text = serde_json::to_string(&schema()).unwrap();
    assert_eq!(serde_json::from_str::<FormSchema>(&text).unwrap(), schema());
}

#[test]
fn html_form_pairs_become_answers() {
    let pairs: Vec<(String, String)> = [
        ("name", "Lan"),
        ("many", "x"),
        ("many", "y"),
        ("home.province", "VN-P-01"),
        ("home.commune", "VN-C-00004"),
        ("home.street", "1 Phố Huế"),
        ("kids[0].kid", "An"),
        ("kids[1].kid", "Bình"),
        ("csrf", "ignored"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let a = Value::Object(answers_from_pairs(&schema(), &pairs));
    assert_eq!(a["many"], json!(["x", "y"]));
    assert_eq!(a["home"]["unit"], "VN-C-00004");
    assert_eq!(a["kids"], json!([{"kid": "An"}, {"kid": "Bình"}]));
    assert!(a.get("csrf").is_none());
}
