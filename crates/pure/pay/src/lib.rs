//! Civil-service pay, computed from effective-dated legal parameters.
//!
//! - [`vn`]: Vietnamese pay of cán bộ, công chức, viên chức: pay coefficient × base salary
//!   (Decree 204/2004/NĐ-CP), or the reform's pay by job position; allowances, beyond-frame
//!   seniority, employee insurance contributions and personal income tax.
//! - [`fr`]: French index pay of fonctionnaires: indice majoré × point value, NBI, indemnité de
//!   résidence, supplément familial de traitement, pension civile, RAFP, CSG and CRDS.
//! - [`params`]: every rate and amount as dated data with its legal reference; values entered
//!   later by an administrator are added to the built-in ones.
//!
//! Invariant: money is an integer count of the currency's smallest unit (đồng, centime); no
//! float is ever used. Each line is rounded once, to the nearest unit, halves away from zero,
//! and totals are sums of rounded lines (what a payslip prints adds up).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod decimal;
pub mod fr;
mod messages;
pub mod params;
pub mod vn;

use serde::Serialize;
use time::Date;

pub use decimal::Decimal;
pub use messages::InvalidInput;
pub(crate) use messages::invalid;
pub use params::{ParamName, Parameters};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayError {
    #[error("unknown pay scale {0:?}")]
    UnknownScale(String),
    #[error("step {step} does not exist on scale {scale} (steps 1 to {max})")]
    NoSuchStep { scale: String, step: u32, max: u32 },
    #[error("no value of {name} is known on {date}; the first is from {first}")]
    BeforeParameters {
        name: &'static str,
        date: Date,
        first: String,
    },
    #[error("{name} already has a value from {from}; effective dates may not overlap")]
    Overlap { name: &'static str, from: Date },
    #[error("invalid input: {0}")]
    Invalid(InvalidInput),
}

pub type Result<T> = std::result::Result<T, PayError>;

/// The largest amount an input may give, in minor units (a thousand billion đồng, ten
/// billion euros): far above any pay, and low enough that no sum of lines can overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Refuses an amount outside `0..=MAX_AMOUNT`.
pub(crate) fn check_amount(v: i64, what: &str) -> Result<i64> {
    if !(0..=MAX_AMOUNT).contains(&v) {
        return Err(invalid("amount-range", &[&what, &v, &MAX_AMOUNT]));
    }
    Ok(v)
}

/// Divides, rounding to the nearest integer with halves away from zero.
pub fn round_div(numerator: i128, denominator: i128) -> i64 {
    let (n, d) = if denominator < 0 {
        (-numerator, -denominator)
    } else {
        (numerator, denominator)
    };
    let q = if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    };
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

/// Whether a line adds to or takes from the pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Earning,
    Deduction,
    /// Shown for information (e.g. a tax base); not added.
    Info,
}

/// One line of a payslip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// Stable code, e.g. `base_salary`, `bhxh`, `csg_deductible`.
    pub code: String,
    pub kind: LineKind,
    /// What the rate applies to, in minor units, when there is one.
    pub base: Option<i64>,
    /// Rate or coefficient as printed, e.g. `4.32` or `8%`.
    pub rate: Option<String>,
    /// Minor units (đồng, centimes).
    pub amount: i64,
    /// The legal source of the rule and of its parameter.
    pub source: String,
}

/// A person-month of pay: gross, every line, net.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payslip {
    pub country: &'static str,
    /// `VND` or `EUR`.
    pub currency: &'static str,
    /// Minor units per major unit: 1 for đồng, 100 for euro.
    pub minor_per_major: i64,
    pub date: Date,
    pub lines: Vec<Line>,
    pub gross: i64,
    pub deductions: i64,
    pub net: i64,
}

impl Payslip {
    pub fn line(&self, code: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.code == code)
    }

    pub fn amount(&self, code: &str) -> i64 {
        self.line(code).map_or(0, |l| l.amount)
    }

    /// Formats minor units in the currency's major unit: `5475600` đồng, `1969.11` €.
    pub fn format(&self, minor: i64) -> String {
        format_minor(minor, self.minor_per_major)
    }

    /// The breakdown as JSON, amounts as exact decimal strings in the major unit.
    pub fn to_json(&self) -> serde_json::Value {
        let money = |v: i64| serde_json::Value::String(self.format(v));
        let lines: Vec<serde_json::Value> = self
            .lines
            .iter()
            .map(|l| {
                let mut o = serde_json::json!({
                    "code": l.code,
                    "kind": l.kind,
                    "amount": money(l.amount),
                    "source": l.source,
                });
                if let Some(b) = l.base {
                    o["base"] = money(b);
                }
                if let Some(r) = &l.rate {
                    o["rate"] = serde_json::Value::String(r.clone());
                }
                o
            })
            .collect();
        serde_json::json!({
            "country": self.country,
            "currency": self.currency,
            "date": format_date(self.date),
            "gross": money(self.gross),
            "deductions": money(self.deductions),
            "net": money(self.net),
            "lines": lines,
        })
    }

    pub(crate) fn finish(
        country: &'static str,
        currency: &'static str,
        minor_per_major: i64,
        date: Date,
        lines: Vec<Line>,
    ) -> Payslip {
        let gross = lines
            .iter()
            .filter(|l| l.kind == LineKind::Earning)
            .map(|l| l.amount)
            .sum();
        let deductions = lines
            .iter()
            .filter(|l| l.kind == LineKind::Deduction)
            .map(|l| l.amount)
            .sum();
        Payslip {
            country,
            currency,
            minor_per_major,
            date,
            lines,
            gross,
            deductions,
            net: gross - deductions,
        }
    }
}

pub fn format_minor(minor: i64, per_major: i64) -> String {
    if per_major == 1 {
        return minor.to_string();
    }
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    let p = per_major.unsigned_abs();
    let digits = p.to_string().len() - 1;
    format!("{sign}{}.{:0digits$}", m / p, m % p)
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn parse_date(s: &str) -> Result<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| invalid("date", &[&s]))
}

pub(crate) fn pct_text(bp: i64) -> String {
    let s = format!("{}.{:02}", bp / 100, bp % 100);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

pub(crate) mod serde_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_date(&s).map_err(serde::de::Error::custom)
    }
}

pub(crate) mod serde_opt_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::format_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| super::parse_date(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Computes one person-month from the JSON input format of `guichet pay compute`.
pub fn compute_json(country: &str, input: &str, params: &Parameters) -> Result<Payslip> {
    match country {
        "vn" => {
            let i: vn::VnInput = serde_json::from_str(input).map_err(|e| invalid("json", &[&e]))?;
            vn::compute(&i, params)
        }
        "fr" => {
            let i: fr::FrInput = serde_json::from_str(input).map_err(|e| invalid("json", &[&e]))?;
            fr::compute(&i, params)
        }
        other => Err(invalid("country", &[&other])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_div(5, 2), 3);
        assert_eq!(round_div(-5, 2), -3);
        assert_eq!(round_div(4, 3), 1);
        assert_eq!(round_div(149, 100), 1);
        assert_eq!(round_div(150, 100), 2);
        assert_eq!(round_div(7, -2), -4);
    }

    #[test]
    fn minor_units_format_exactly() {
        assert_eq!(format_minor(196911, 100), "1969.11");
        assert_eq!(format_minor(5, 100), "0.05");
        assert_eq!(format_minor(-1205, 100), "-12.05");
        assert_eq!(format_minor(5475600, 1), "5475600");
        assert_eq!(pct_text(800), "8%");
        assert_eq!(pct_text(150), "1.5%");
        assert_eq!(pct_text(1110), "11.1%");
        assert_eq!(pct_text(9825), "98.25%");
        assert_eq!(pct_text(0), "0%");
    }
}
