//! Forms as typed schemas (stored as JSON in a procedure version) and the server-side
//! validation of answers.
//!
//! Answers are one JSON object keyed by field key. Text-like fields hold strings (normalised:
//! trimmed, identifiers in their normal form, numbers without grouping), multiple choice an
//! array of option values, a file `{"file", "name", "size", "sha256"}`, an address
//! `{"unit", "street", "label"}`, a repeatable block an array of answer objects.
//!
//! Invariant: `validate` is the only gate between what a person typed and a submitted dossier;
//! the HTML form and the API both go through it.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use guichet_core::{Country, Language};
use guichet_rules::ids;
use guichet_units::Registry;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

/// A text in the three languages; a missing translation falls back to another language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fr: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub en: String,
}

impl Text {
    pub fn new(vi: &str, fr: &str, en: &str) -> Self {
        Self {
            vi: vi.into(),
            fr: fr.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Language) -> &str {
        let own = match lang {
            Language::Vi => &self.vi,
            Language::Fr => &self.fr,
            Language::En => &self.en,
        };
        [own, &self.en, &self.fr, &self.vi]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or("", |s| s.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.vi.is_empty() && self.fr.is_empty() && self.en.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: Text,
}

/// What a field asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    ShortText {
        #[serde(default)]
        max_len: Option<u32>,
    },
    LongText {
        #[serde(default)]
        max_len: Option<u32>,
    },
    Number {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
        #[serde(default)]
        integer: bool,
    },
    /// An amount in `currency` (`VND` has no minor unit, `EUR` has cents).
    Money {
        currency: String,
    },
    Date {
        /// Refuse dates after today (birth dates).
        #[serde(default)]
        past_only: bool,
    },
    Email,
    Phone,
    YesNo,
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    Dropdown {
        options: Vec<Choice>,
    },
    /// An upload; `types` are lower-case file extensions (`pdf`, `jpg`, `png`).
    File {
        max_bytes: u64,
        types: Vec<String>,
    },
    /// `cccd`, `cmnd`, `mst`, `nir`, `siren`, `siret` or `iban`, checked by `guichet-rules`.
    Identifier {
        id: String,
    },
    /// A commune of today's map of `country` (`vn`, `fr`) and a street line.
    Address {
        country: String,
    },
    /// A heading that starts a group of fields.
    Section,
    Explanation {
        text: Text,
    },
    /// A block of fields the applicant fills once per item (children, co-owners).
    Repeat {
        fields: Vec<Field>,
        #[serde(default)]
        min: u32,
        max: u32,
    },
}

impl FieldKind {
    pub fn code(&self) -> &'static str {
        match self {
            FieldKind::ShortText { .. } => "short_text",
            FieldKind::LongText { .. } => "long_text",
            FieldKind::Number { .. } => "number",
            FieldKind::Money { .. } => "money",
            FieldKind::Date { .. } => "date",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::YesNo => "yes_no",
            FieldKind::SingleChoice { .. } => "single_choice",
            FieldKind::MultipleChoice { .. } => "multiple_choice",
            FieldKind::Dropdown { .. } => "dropdown",
            FieldKind::File { .. } => "file",
            FieldKind::Identifier { .. } => "identifier",
            FieldKind::Address { .. } => "address",
            FieldKind::Section => "section",
            FieldKind::Explanation { .. } => "explanation",
            FieldKind::Repeat { .. } => "repeat",
        }
    }

    /// Fields that only show text and take no answer.
    pub fn is_static(&self) -> bool {
        matches!(self, FieldKind::Section | FieldKind::Explanation { .. })
    }

    pub fn options(&self) -> &[Choice] {
        match self {
            FieldKind::SingleChoice { options }
            | FieldKind::MultipleChoice { options }
            | FieldKind::Dropdown { options } => options,
            _ => &[],
        }
    }
}

/// Show a field only when another (earlier) field has a value, or a given value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowIf {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// `[a-z][a-z0-9_]*`, unique in its form (or block).
    pub key: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub help: Text,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
    /// An identity attribute (`given_name`, `birthdate`, `siret`…) that fills this field
    /// from the applicant's verified identity; the applicant cannot change it then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormSchema {
    pub fields: Vec<Field>,
}

/// Why a schema cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field:?}: {problem}")]
pub struct SchemaError {
    pub field: String,
    pub problem: String,
}

fn schema_error(field: &str, problem: impl Into<String>) -> SchemaError {
    SchemaError {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

pub fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 40
}

/// Most fields in one form, and most items in one repeatable block.
pub const MAX_FIELDS: usize = 200;

impl FormSchema {
    /// Checks that the schema is one people can fill: keys, options, limits, conditions.
    pub fn check(&self) -> Result<(), SchemaError> {
        check_fields(&self.fields, true)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The fields that take a file, at top level or in blocks.
    pub fn has_files(&self) -> bool {
        fn any(fields: &[Field]) -> bool {
            fields.iter().any(|f| match &f.kind {
                FieldKind::File { .. } => true,
                FieldKind::Repeat { fields, .. } => any(fields),
                _ => false,
            })
        }
        any(&self.fields)
    }
}

fn check_fields(fields: &[Field], top: bool) -> Result<(), SchemaError> {
    if fields.len() > MAX_FIELDS {
        return Err(schema_error("", format!("more than {MAX_FIELDS} fields")));
    }
    let mut seen = BTreeSet::new();
    for f in fields {
        if !valid_key(&f.key) {
            return Err(schema_error(
                &f.key,
                "the key must be lower-case letters, digits and _ (at most 40), starting with a letter",
            ));
        }
        if !seen.insert(f.key.as_str()) {
            return Err(schema_error(&f.key, "the key is used twice"));
        }
        if f.label.is_empty() && !matches!(f.kind, FieldKind::Explanation { .. }) {
            return Err(schema_error(&f.key, "the field needs a label"));
        }
        if let Some(cond) = &f.show_if {
            // Only earlier fields, so the condition never refers to itself or a loop.
            let earlier = fields
                .iter()
                .take_while(|g| g.key != f.key)
                .any(|g| g.key == cond.field);
            if !earlier {
                return Err(schema_error(
                    &f.key,
                    format!(
                        "show_if names {:?}, which is not an earlier field",
                        cond.field
                    ),
                ));
            }
        }
        if let Some(attribute) = &f.prefill {
            if !top {
                return Err(schema_error(
                    &f.key,
                    "only top-level fields can be prefilled",
                ));
            }
            if !guichet_identity::oidc::ATTRIBUTES.contains(&attribute.as_str()) {
                return Err(schema_error(
                    &f.key,
                    format!(
                        "prefill {attribute:?} is not an identity attribute ({})",
                        guichet_identity::oidc::ATTRIBUTES.join(", ")
                    ),
                ));
            }
            let fits = match &f.kind {
                FieldKind::Date { .. } => attribute == "birthdate",
                FieldKind::Identifier { id } => id == attribute,
                FieldKind::Email => attribute == "email",
                FieldKind::ShortText { .. } => !matches!(attribute.as_str(), "birthdate"),
                FieldKind::SingleChoice { .. } | FieldKind::Dropdown { .. } => {
                    attribute == "gender"
                }
                _ => false,
            };
            if !fits {
                return Err(schema_error(
                    &f.key,
                    format!(
                        "a {} field cannot be prefilled with {attribute:?}",
                        f.kind.code()
                    ),
                ));
            }
        }
        match &f.kind {
            FieldKind::SingleChoice { options }
            | FieldKind::MultipleChoice { options }
            | FieldKind::Dropdown { options } => {
                if options.is_empty() {
                    return Err(schema_error(&f.key, "a choice needs options"));
                }
                let mut values = BTreeSet::new();
                for o in options {
                    if o.value.trim().is_empty() || !values.insert(o.value.as_str()) {
                        return Err(schema_error(
                            &f.key,
                            "option values must be non-empty and distinct",
                        ));
                    }
                }
            }
            FieldKind::Number {
                min: Some(a),
                max: Some(b),
                ..
            } if a > b => {
                return Err(schema_error(&f.key, "min is above max"));
            }
            FieldKind::Money { currency } if !matches!(currency.as_str(), "VND" | "EUR") => {
                return Err(schema_error(&f.key, "currency is VND or EUR"));
            }
            FieldKind::File { max_bytes, types } => {
                if *max_bytes == 0 || types.is_empty() {
                    return Err(schema_error(
                        &f.key,
                        "a file field needs a size limit and allowed types",
                    ));
                }
                if types.iter().any(|t| content_type_for(t).is_none()) {
                    return Err(schema_error(
                        &f.key,
                        format!(
                            "allowed types are {}",
                            KNOWN_TYPES.map(|(e, _)| e).join(", ")
                        ),
                    ));
                }
            }
            FieldKind::Identifier { id } if ids::Kind::from_str(id).is_err() => {
                return Err(schema_error(
                    &f.key,
                    format!("unknown identifier kind {id:?}"),
                ));
            }
            FieldKind::Address { country } if Country::parse(country).is_none() => {
                return Err(schema_error(&f.key, "the address country is vn or fr"));
            }
            FieldKind::Repeat { fields, min, max } => {
                if !top {
                    return Err(schema_error(&f.key, "blocks cannot be nested"));
                }
                if *max == 0 || min > max || *max as usize > MAX_FIELDS {
                    return Err(schema_error(
                        &f.key,
                        "a block needs 0 ≤ min ≤ max ≤ 200 and max ≥ 1",
                    ));
                }
                check_fields(fields, false)?;
            }
            _ => {}
        }
    }
    Ok(())
}

pub use guichet_common::FieldError;
pub use guichet_common::files::{KNOWN_TYPES, content_type_for, extension, human_size};

/// Whether missing required answers are errors (submission) or allowed (saving a draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Draft,
    Submit,
}

/// What validation needs besides the schema and the answers.
pub struct Check<'a> {
    pub lang: Language,
    pub mode: Mode,
    pub today: Date,
    pub units: &'a Registry,
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        // An address with nothing chosen, a block row left empty.
        Value::Object(o) => o.values().all(is_blank),
        _ => false,
    }
}

/// Whether a field is shown, given the answers (a hidden field is neither required nor kept).
pub fn visible(field: &Field, answers: &Map<String, Value>) -> bool {
    let Some(cond) = &field.show_if else {
        return true;
    };
    let Some(v) = answers.get(&cond.field) else {
        return false;
    };
    match &cond.equals {
        None => !is_blank(v),
        Some(want) => match v {
            Value::String(s) => s == want,
            Value::Array(a) => a.iter().any(|x| x.as_str() == Some(want)),
            Value::Bool(b) => (if *b { "yes" } else { "no" }) == want,
            _ => false,
        },
    }
}

/// Validates `answers` against `schema`: returns the normalised answers (unknown keys and
/// hidden fields dropped) or every error found.
pub fn validate(
    schema: &FormSchema,
    answers: &Value,
    check: &Check<'_>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let empty = Map::new();
    let given = answers.as_object().unwrap_or(&empty);
    let mut errors = Vec::new();
    let out = validate_fields(&schema.fields, given, "", check, &mut errors);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn validate_fields(
    fields: &[Field],
    given: &Map<String, Value>,
    prefix: &str,
    check: &Check<'_>,
    errors: &mut Vec<FieldError>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for field in fields {
        if field.kind.is_static() {
            continue;
        }
        // Conditions look at the normalised answers of earlier fields.
        if !visible(field, &out) {
            continue;
        }
        let path = format!("{prefix}{}", field.key);
        let value = given.get(&field.key).cloned().unwrap_or(Value::Null);
        let error = |code: &str, arg: &str| FieldError {
            path: path.clone(),
            code: code.to_owned(),
            message: message(check.lang, code, arg),
        };
        if is_blank(&value) {
            if field.required && check.mode == Mode::Submit {
                errors.push(error("required", ""));
            }
            continue;
        }
        match normalise(field, &value, check, &path, errors) {
            Ok(v) => {
                out.insert(field.key.clone(), v);
            }
            Err((code, arg)) => errors.push(error(code, &arg)),
        }
    }
    out
}

type Bad = (&'static str, String);

fn as_text(v: &Value) -> Result<String, Bad> {
    match v {
        Value::String(s) => Ok(s.trim().to_owned()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "yes" } else { "no" }.to_owned()),
        _ => Err(("not-text", String::new())),
    }
}

fn normalise(
    field: &Field,
    value: &Value,
    check: &Check<'_>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Value, Bad> {
    let lang = check.lang;
    match &field.kind {
        FieldKind::ShortText { max_len } | FieldKind::LongText { max_len } => {
            let s = as_text(value)?;
            let default = if matches!(field.kind, FieldKind::ShortText { .. }) {
                200
            } else {
                5000
            };
            let max = max_len.unwrap_or(default) as usize;
            if s.chars().count() > max {
                return Err(("too-long", max.to_string()));
            }
            if matches!(field.kind, FieldKind::ShortText { .. }) && s.contains(['\n', '\r']) {
                return Err(("one-line", String::new()));
            }
            Ok(Value::String(s))
        }
        FieldKind::Number { min, max, integer } => {
            let s = as_text(value)?
                .replace([' ', '\u{a0}'], "")
                .replace(',', ".");
            let n: f64 = s.parse().map_err(|_| ("not-a-number", String::new()))?;
            if !n.is_finite() || (*integer && n.fract() != 0.0) {
                return Err(("not-a-number", String::new()));
            }
            if min.is_some_and(|m| n < m) {
                return Err(("too-small", min.map(|m| m.to_string()).unwrap_or_default()));
            }
            if max.is_some_and(|m| n > m) {
                return Err(("too-big", max.map(|m| m.to_string()).unwrap_or_default()));
            }
            Ok(Value::String(s))
        }
        FieldKind::Money { currency } => {
            // "1.500.000" (vi), "1 500,50" (fr), "1500.50": digits with grouping.
            let raw = as_text(value)?;
            let cleaned: String = raw
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
                .collect();
            let normal = if currency == "VND" {
                let digits: String = cleaned.chars().filter(|c| *c != '.' && *c != ',').collect();
                if digits.is_empty()
                    || !digits.chars().all(|c| c.is_ascii_digit())
                    || digits.len() > 15
                {
                    return Err(("not-money", currency.clone()));
                }
                digits.trim_start_matches('0').to_owned()
            } else {
                let (units, cents) = match cleaned.rsplit_once([',', '.']) {
                    Some((u, c)) if c.len() <= 2 => (u.replace(['.', ','], ""), c.to_owned()),
                    _ => (cleaned.replace(['.', ','], ""), String::new()),
                };
                if units.is_empty()
                    || !units.chars().all(|c| c.is_ascii_digit())
                    || units.len() > 13
                    || !cents.chars().all(|c| c.is_ascii_digit())
                {
                    return Err(("not-money", currency.clone()));
                }
                let units = units.trim_start_matches('0');
                format!(
                    "{}.{:0<2}",
                    if units.is_empty() { "0" } else { units },
                    cents
                )
            };
            Ok(Value::String(if normal.is_empty() {
                "0".into()
            } else {
                normal
            }))
        }
        FieldKind::Date { past_only } => {
            let s = as_text(value)?;
            let d = parse_date(&s).ok_or(("not-a-date", String::new()))?;
            if *past_only && d > check.today {
                return Err(("date-in-future", String::new()));
            }
            Ok(Value::String(iso(d)))
        }
        FieldKind::Email => {
            let s = as_text(value)?;
            let ok = s.len() <= 254
                && s.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !s.contains(char::is_whitespace)
                        && s.matches('@').count() == 1
                });
            if ok {
                Ok(Value::String(s))
            } else {
                Err(("not-an-email", String::new()))
            }
        }
        FieldKind::Phone => {
            let s = as_text(value)?;
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            let allowed = s
                .chars()
                .all(|c| c.is_ascii_digit() || " .-+()".contains(c));
            if !allowed || !(8..=15).contains(&digits.len()) {
                return Err(("not-a-phone", String::new()));
            }
            Ok(Value::String(if s.starts_with('+') {
                format!("+{digits}")
            } else {
                digits
            }))
        }
        FieldKind::YesNo => match as_text(value)?.as_str() {
            "yes" | "true" | "on" => Ok(Value::String("yes".into())),
            "no" | "false" => Ok(Value::String("no".into())),
            _ => Err(("invalid-choice", String::new())),
        },
        FieldKind::SingleChoice { options } | FieldKind::Dropdown { options } => {
            let s = as_text(value)?;
            if options.iter().any(|o| o.value == s) {
                Ok(Value::String(s))
            } else {
                Err(("invalid-choice", String::new()))
            }
        }
        FieldKind::MultipleChoice { options } => {
            let items: Vec<String> = match value {
                Value::Array(a) => a.iter().map(as_text).collect::<Result<_, _>>()?,
                other => vec![as_text(other)?],
            };
            let mut chosen = Vec::new();
            for item in items {
                if !options.iter().any(|o| o.value == item) {
                    return Err(("invalid-choice", String::new()));
                }
                if !chosen.contains(&item) {
                    chosen.push(item);
                }
            }
            // In the schema's order, whatever order they came in.
            chosen.sort_by_key(|c| options.iter().position(|o| &o.value == c));
            Ok(Value::Array(
                chosen.into_iter().map(Value::String).collect(),
            ))
        }
        FieldKind::File { max_bytes, types } => {
            // The upload itself was checked when stored; here the reference must be whole.
            let obj = value.as_object().ok_or(("not-a-file", String::new()))?;
            let id = obj.get("file").and_then(Value::as_str).unwrap_or_default();
            let name = obj.get("name").and_then(Value::as_str).unwrap_or_default();
            let size = obj.get("size").and_then(Value::as_u64).unwrap_or(u64::MAX);
            if id.parse::<uuid::Uuid>().is_err() || name.is_empty() {
                return Err(("not-a-file", String::new()));
            }
            if size > *max_bytes {
                return Err(("file-too-big", human_size(*max_bytes)));
            }
            if !types.contains(&extension(name)) {
                return Err(("file-type", types.join(", ")));
            }
            Ok(value.clone())
        }
        FieldKind::Identifier { id } => {
            let kind =
                ids::Kind::from_str(id).map_err(|_| ("invalid-identifier", String::new()))?;
            let s = as_text(value)?;
            ids::check(kind, &s)
                .map(Value::String)
                .map_err(|e| ("invalid-identifier", e.message(lang)))
        }
        FieldKind::Address { country } => {
            let obj = value.as_object().ok_or(("not-an-address", String::new()))?;
            let unit = obj
                .get("unit")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            let street = obj
                .get("street")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            if unit.is_empty() {
                // Half-way through the no-JavaScript cascade (province chosen, commune not yet):
                // fine in a draft, an error at submission.
                return match check.mode {
                    Mode::Draft => Ok(value.clone()),
                    Mode::Submit => Err(("choose-commune", String::new())),
                };
            }
            let found = guichet_units::UnitRef::parse(&unit)
                .ok()
                .and_then(|r| check.units.at(&r, check.today).ok());
            let Some(found) = found else {
                return Err(("unknown-unit", unit));
            };
            let country_ok = Country::parse(country).is_some_and(|c| found.unit_ref.country() == c);
            if !country_ok || found.level != guichet_units::Level::Commune {
                return Err(("choose-commune", String::new()));
            }
            if street.chars().count() > 200 {
                return Err(("too-long", "200".into()));
            }
            let chain: Vec<String> = std::iter::once(found.name.clone())
                .chain(
                    check
                        .units
                        .ancestors(found, check.today)
                        .into_iter()
                        .map(|u| u.name.clone()),
                )
                .collect();
            let label = if street.is_empty() {
                chain.join(", ")
            } else {
                format!("{street}, {}", chain.join(", "))
            };
            let mut m = Map::new();
            m.insert("unit".into(), Value::String(unit));
            m.insert("street".into(), Value::String(street));
            m.insert("label".into(), Value::String(label));
            Ok(Value::Object(m))
        }
        FieldKind::Repeat { fields, min, max } => {
            let items = value.as_array().ok_or(("not-a-list", String::new()))?;
            let items: Vec<&Value> = items.iter().filter(|v| !is_blank_item(v)).collect();
            if items.len() > *max as usize {
                return Err(("too-many-items", max.to_string()));
            }
            if check.mode == Mode::Submit && items.len() < *min as usize {
                return Err(("too-few-items", min.to_string()));
            }
            let empty = Map::new();
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let obj = item.as_object().unwrap_or(&empty);
                let prefix = format!("{path}[{i}].");
                out.push(Value::Object(validate_fields(
                    fields, obj, &prefix, check, errors,
                )));
            }
            Ok(Value::Array(out))
        }
        FieldKind::Section | FieldKind::Explanation { .. } => Ok(Value::Null),
    }
}

fn is_blank_item(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.values().all(is_blank),
        other => is_blank(other),
    }
}

/// `YYYY-MM-DD`, or `DD/MM/YYYY` as people write it in Vietnam and France.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let (y, m, d) = if let Some((y, rest)) = s.split_once('-') {
        let (m, d) = rest.split_once('-')?;
        (y, m, d)
    } else {
        let mut parts = s.split(['/', '.']);
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    if y.len() != 4 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The message for an error code in `lang`; `arg` fills the blank some messages have.
pub fn message(lang: Language, code: &str, arg: &str) -> String {
    use Language::*;
    let text = match (code, lang) {
        ("required", Vi) => "Trường này là bắt buộc.",
        ("required", Fr) => "Ce champ est obligatoire.",
        ("required", En) => "This field is required.",
        ("too-long", Vi) => "Quá dài: tối đa {} ký tự.",
        ("too-long", Fr) => "Trop long : {} caractères au plus.",
        ("too-long", En) => "Too long: at most {} characters.",
        ("one-line", Vi) => "Chỉ nhập một dòng.",
        ("one-line", Fr) => "Une seule ligne, s’il vous plaît.",
        ("one-line", En) => "Please write a single line.",
        ("not-a-number", Vi) => "Hãy nhập một số.",
        ("not-a-number", Fr) => "Saisissez un nombre.",
        ("not-a-number", En) => "Enter a number.",
        ("too-small", Vi) => "Số phải từ {} trở lên.",
        ("too-small", Fr) => "Le nombre doit être au moins {}.",
        ("too-small", En) => "The number must be at least {}.",
        ("too-big", Vi) => "Số không được lớn hơn {}.",
        ("too-big", Fr) => "Le nombre doit être au plus {}.",
        ("too-big", En) => "The number must be at most {}.",
        ("not-money", Vi) => "Hãy nhập số tiền ({}), ví dụ 1.500.000.",
        ("not-money", Fr) => "Saisissez un montant ({}), par exemple 1 500,50.",
        ("not-money", En) => "Enter an amount ({}), e.g. 1500.50.",
        ("not-a-date", Vi) => "Hãy nhập ngày theo dạng ngày/tháng/năm, ví dụ 25/11/2026.",
        ("not-a-date", Fr) => "Saisissez une date au format jj/mm/aaaa, par exemple 25/11/2026.",
        ("not-a-date", En) => "Enter a date as dd/mm/yyyy, e.g. 25/11/2026.",
        ("date-in-future", Vi) => "Ngày này không được ở tương lai.",
        ("date-in-future", Fr) => "Cette date ne peut pas être dans le futur.",
        ("date-in-future", En) => "This date cannot be in the future.",
        ("not-an-email", Vi) => "Hãy nhập địa chỉ thư điện tử, ví dụ ten@example.vn.",
        ("not-an-email", Fr) => "Saisissez une adresse électronique, par exemple nom@example.fr.",
        ("not-an-email", En) => "Enter an e-mail address, e.g. name@example.org.",
        ("not-a-phone", Vi) => "Hãy nhập số điện thoại (8 đến 15 chữ số).",
        ("not-a-phone", Fr) => "Saisissez un numéro de téléphone (8 à 15 chiffres).",
        ("not-a-phone", En) => "Enter a phone number (8 to 15 digits).",
        ("invalid-choice", Vi) => "Hãy chọn một trong các lựa chọn đã cho.",
        ("invalid-choice", Fr) => "Choisissez parmi les options proposées.",
        ("invalid-choice", En) => "Choose one of the options given.",
        ("not-a-file", Vi) | ("not-text", Vi) | ("not-a-list", Vi) | ("not-an-address", Vi) => {
            "Giá trị không hợp lệ."
        }
        ("not-a-file", Fr) | ("not-text", Fr) | ("not-a-list", Fr) | ("not-an-address", Fr) => {
            "Valeur non valide."
        }
        ("not-a-file", _) | ("not-text", _) | ("not-a-list", _) | ("not-an-address", _) => {
            "Invalid value."
        }
        ("file-too-big", Vi) => "Tệp quá lớn: tối đa {}.",
        ("file-too-big", Fr) => "Fichier trop volumineux : {} au plus.",
        ("file-too-big", En) => "The file is too big: at most {}.",
        ("file-type", Vi) => "Loại tệp không được chấp nhận. Các loại được phép: {}.",
        ("file-type", Fr) => "Type de fichier refusé. Types acceptés : {}.",
        ("file-type", En) => "This type of file is not accepted. Allowed: {}.",
        ("file-content", Vi) => "Nội dung tệp không phải là tệp {} như tên tệp cho biết.",
        ("file-content", Fr) => {
            "Le contenu du fichier n’est pas celui d’un fichier {} comme son nom l’indique."
        }
        ("file-content", En) => "The file's content is not a {} file, as its name says.",
        ("file-infected", Vi) => "Tệp bị từ chối vì phát hiện mã độc ({}).",
        ("file-infected", Fr) => "Fichier refusé : un logiciel malveillant a été détecté ({}).",
        ("file-infected", En) => "The file was refused: malware was found ({}).",
        ("invalid-identifier", _) => "{}",
        ("choose-commune", Vi) => "Hãy chọn tỉnh/thành phố rồi xã/phường.",
        ("choose-commune", Fr) => "Choisissez le département puis la commune.",
        ("choose-commune", En) => "Choose the province (or département), then the commune.",
        ("unknown-unit", Vi) => "Không tìm thấy đơn vị hành chính {} ở thời điểm hiện tại.",
        ("unknown-unit", Fr) => "L’unité administrative {} n’existe pas à ce jour.",
        ("unknown-unit", En) => "The administrative unit {} does not exist today.",
        ("too-many-items", Vi) => "Tối đa {} mục.",
        ("too-many-items", Fr) => "{} éléments au plus.",
        ("too-many-items", En) => "At most {} items.",
        ("too-few-items", Vi) => "Cần ít nhất {} mục.",
        ("too-few-items", Fr) => "Au moins {} éléments sont requis.",
        ("too-few-items", En) => "At least {} items are needed.",
        (_, Vi) => "Giá trị không hợp lệ.",
        (_, Fr) => "Valeur non valide.",
        (_, En) => "Invalid value.",
    };
    text.replace("{}", arg)
}

/// Turns submitted HTML form pairs (`key`, `key.unit`, `block[1].key`, repeated keys for
/// multiple choice) into an answers object for [`validate`]. Files are added by the caller.
pub fn answers_from_pairs(schema: &FormSchema, pairs: &[(String, String)]) -> Map<String, Value> {
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in pairs {
        by_name.entry(k.as_str()).or_default().push(v.as_str());
    }
    fields_from_pairs(&schema.fields, "", &by_name)
}

fn fields_from_pairs(
    fields: &[Field],
    prefix: &str,
    by_name: &BTreeMap<&str, Vec<&str>>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        let name = format!("{prefix}{}", f.key);
        let first = |n: &str| {
            by_name
                .get(n)
                .and_then(|v| v.first())
                .map(|s| s.to_string())
        };
        let value = match &f.kind {
            FieldKind::Section | FieldKind::Explanation { .. } | FieldKind::File { .. } => continue,
            FieldKind::MultipleChoice { .. } => Value::Array(
                by_name
                    .get(name.as_str())
                    .map(|v| {
                        v.iter()
                            .filter(|s| !s.is_empty())
                            .map(|s| Value::String(s.to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            FieldKind::Address { .. } => {
                let mut m = Map::new();
                // The commune select wins; without it the province alone is kept for the cascade.
                let unit = first(&format!("{name}.commune")).filter(|s| !s.is_empty());
                let province = first(&format!("{name}.province")).unwrap_or_default();
                m.insert("unit".into(), Value::String(unit.unwrap_or_default()));
                m.insert("province".into(), Value::String(province));
                m.insert(
                    "street".into(),
                    Value::String(first(&format!("{name}.street")).unwrap_or_default()),
                );
                Value::Object(m)
            }
            FieldKind::Repeat { fields: inner, .. } => {
                let mut items = Vec::new();
                for i in 0..MAX_FIELDS {
                    let p = format!("{name}[{i}].");
                    if !by_name.keys().any(|k| k.starts_with(&p)) {
                        break;
                    }
                    items.push(Value::Object(fields_from_pairs(inner, &p, by_name)));
                }
                Value::Array(items)
            }
            _ => match first(&name) {
                Some(v) => Value::String(v),
                None => continue,
            },
        };
        out.insert(f.key.clone(), value);
    }
    out
}

/// Address answers carry the chosen province for the no-JavaScript cascade; the stored answer
/// keeps only what validation kept.
pub fn address_province(value: &Value) -> Option<&str> {
    value
        .get("province")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}
