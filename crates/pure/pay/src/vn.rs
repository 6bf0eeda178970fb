//! Vietnamese pay of cán bộ, công chức, viên chức and contract staff.
//!
//! Coefficient scheme (Decree 204/2004/NĐ-CP): each amount is a coefficient × the base salary
//! (lương cơ sở) in force on the pay date. Pay-by-position scheme (Resolution 27-NQ/TW of
//! 2018, for simulating the reform): the position's monthly amount replaces the coefficient
//! salary, leadership and beyond-frame allowances.
//!
//! Rounding: coefficient × base salary is exact for every base salary so far (multiples of
//! 100 đ); each percentage line is rounded to the đồng once; the tax is computed bracket by
//! bracket exactly and rounded once.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::params::{ParamName, Parameters};
use crate::{Decimal, Line, LineKind, PayError, Payslip, Result, invalid, pct_text, round_div};

/// A pay scale of Decree 204/2004/NĐ-CP, Bảng 2 (administrative civil servants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub code: &'static str,
    /// Coefficients ×100, step 1 first.
    pub steps: &'static [u32],
    /// Months between step raises, also the wait at the last step before the beyond-frame
    /// allowance starts: 36 for A0 and above, 24 for B and C.
    pub raise_months: u32,
}

impl Scale {
    pub fn coefficient(&self, step: u32) -> Result<u32> {
        step.checked_sub(1)
            .and_then(|i| self.steps.get(i as usize))
            .copied()
            .ok_or_else(|| PayError::NoSuchStep {
                scale: self.code.to_owned(),
                step,
                max: self.max_step(),
            })
    }

    pub fn max_step(&self) -> u32 {
        u32::try_from(self.steps.len()).unwrap_or(u32::MAX)
    }
}

pub const SCALE_SOURCE: &str = "Decree 204/2004/NĐ-CP, Bảng 2 (ngạch công chức)";

pub const SCALES: &[Scale] = &[
    Scale {
        code: "A3.1",
        steps: &[620, 656, 692, 728, 764, 800],
        raise_months: 36,
    },
    Scale {
        code: "A3.2",
        steps: &[575, 611, 647, 683, 719, 755],
        raise_months: 36,
    },
    Scale {
        code: "A2.1",
        steps: &[440, 474, 508, 542, 576, 610, 644, 678],
        raise_months: 36,
    },
    Scale {
        code: "A2.2",
        steps: &[400, 434, 468, 502, 536, 570, 604, 638],
        raise_months: 36,
    },
    Scale {
        code: "A1",
        steps: &[234, 267, 300, 333, 366, 399, 432, 465, 498],
        raise_months: 36,
    },
    Scale {
        code: "A0",
        steps: &[210, 241, 272, 303, 334, 365, 396, 427, 458, 489],
        raise_months: 36,
    },
    Scale {
        code: "B",
        steps: &[186, 206, 226, 246, 266, 286, 306, 326, 346, 366, 386, 406],
        raise_months: 24,
    },
    Scale {
        code: "C1",
        steps: &[165, 183, 201, 219, 237, 255, 273, 291, 309, 327, 345, 363],
        raise_months: 24,
    },
];

pub fn scale(code: &str) -> Result<&'static Scale> {
    SCALES
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(code.trim()))
        .ok_or_else(|| PayError::UnknownScale(code.to_owned()))
}

/// Whole months from `from` to `to` (0 when `to` is earlier).
pub fn months_between(from: Date, to: Date) -> u32 {
    if to <= from {
        return 0;
    }
    let m = (to.year() - from.year()) * 12 + i32::from(u8::from(to.month()))
        - i32::from(u8::from(from.month()));
    let m = if to.day() < from.day() { m - 1 } else { m };
    u32::try_from(m.max(0)).unwrap_or(0)
}

/// Beyond-frame seniority percent on `date` for someone at the last step since `since`: 5 %
/// once the raise interval has passed there, then 1 % more per further full year (Decree
/// 204/2004 art. 6.1.b; Circular 04/2005/TT-BNV).
pub fn beyond_frame_percent(scale: &Scale, since: Date, date: Date) -> u32 {
    let months = months_between(since, date);
    if months < scale.raise_months {
        0
    } else {
        5 + (months - scale.raise_months) / 12
    }
}

/// When the next regular step raise falls due, `early_months` earlier for a raise ahead of
/// time (Circular 08/2013/TT-BNV); `None` at the last step.
pub fn next_raise(scale: &Scale, step: u32, since: Date, early_months: u32) -> Option<Date> {
    if step >= scale.max_step() {
        return None;
    }
    add_months(since, scale.raise_months.saturating_sub(early_months))
}

pub fn add_months(d: Date, months: u32) -> Option<Date> {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let year = i32::try_from(total / 12).ok()?;
    let month = time::Month::try_from(u8::try_from(total % 12 + 1).ok()?).ok()?;
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    #[default]
    Coefficient,
    Position,
}

/// The employment status; unemployment insurance applies to viên chức and contract staff only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffKind {
    CanBo,
    CongChuc,
    VienChuc,
    HopDong,
}

impl StaffKind {
    pub fn code(self) -> &'static str {
        match self {
            StaffKind::CanBo => "can_bo",
            StaffKind::CongChuc => "cong_chuc",
            StaffKind::VienChuc => "vien_chuc",
            StaffKind::HopDong => "hop_dong",
        }
    }
}

/// Another allowance: a coefficient of the base salary or a fixed amount in đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VnAllowance {
    pub name: String,
    #[serde(default)]
    pub coefficient: Option<Decimal>,
    #[serde(default)]
    pub amount: Option<i64>,
    /// Part of the insured salary (only allowances the law names, e.g. phụ cấp thâm niên nghề).
    #[serde(default)]
    pub insured: bool,
    /// Subject to personal income tax (most are; Circular 111/2013/TT-BTC art. 2.2.b lists
    /// exempt ones).
    #[serde(default = "yes")]
    pub taxable: bool,
}

fn yes() -> bool {
    true
}

/// One person-month, the input of `guichet pay compute --country vn`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VnInput {
    #[serde(with = "crate::serde_date")]
    pub date: Date,
    #[serde(default)]
    pub scheme: Scheme,
    pub staff_kind: StaffKind,
    #[serde(default)]
    pub scale: Option<String>,
    #[serde(default)]
    pub step: Option<u32>,
    /// A coefficient given directly (a scale not in the table); excludes `scale`/`step`.
    #[serde(default)]
    pub coefficient: Option<Decimal>,
    /// Monthly amount of the job position, for the position scheme.
    #[serde(default)]
    pub position_salary: Option<i64>,
    #[serde(default)]
    pub leadership_coefficient: Option<Decimal>,
    #[serde(default)]
    pub beyond_frame_percent: Option<u32>,
    /// At the last step since this date: the beyond-frame percent is computed from it.
    #[serde(default, with = "crate::serde_opt_date")]
    pub last_step_since: Option<Date>,
    #[serde(default)]
    pub allowances: Vec<VnAllowance>,
    #[serde(default)]
    pub dependants: u32,
}

/// Monthly PIT brackets: (upper bound of taxable income in đồng or `None`, rate in basis points).
struct Schedule {
    from: Date,
    brackets: &'static [(Option<i64>, i64)],
    source: &'static str,
}

const PIT_SCHEDULES: &[Schedule] = &[
    Schedule {
        from: time::macros::date!(2009 - 01 - 01),
        brackets: &[
            (Some(5_000_000), 500),
            (Some(10_000_000), 1000),
            (Some(18_000_000), 1500),
            (Some(32_000_000), 2000),
            (Some(52_000_000), 2500),
            (Some(80_000_000), 3000),
            (None, 3500),
        ],
        source: "Law 04/2007/QH12 art. 22 (seven brackets, 5–35 %)",
    },
    Schedule {
        from: time::macros::date!(2026 - 01 - 01),
        brackets: &[
            (Some(10_000_000), 500),
            (Some(30_000_000), 1000),
            (Some(60_000_000), 2000),
            (Some(100_000_000), 3000),
            (None, 3500),
        ],
        source: "Law 109/2025/QH15 (five brackets, from the 2026 tax period) [secondary]",
    },
];

/// Monthly personal income tax on `taxable` đồng, with the schedule's source.
pub fn income_tax(taxable: i64, date: Date) -> Result<(i64, &'static str)> {
    let schedule =
        PIT_SCHEDULES
            .iter()
            .rev()
            .find(|s| s.from <= date)
            .ok_or(PayError::BeforeParameters {
                name: "vn_pit_schedule",
                date,
                first: "2009-01-01".into(),
            })?;
    let mut tax_bp: i128 = 0;
    let mut lower = 0i64;
    for (upper, rate) in schedule.brackets {
        if taxable <= lower {
            break;
        }
        let top = upper.map_or(taxable, |u| u.min(taxable));
        tax_bp += i128::from(top - lower) * i128::from(*rate);
        lower = upper.unwrap_or(i64::MAX);
    }
    Ok((round_div(tax_bp, 10_000), schedule.source))
}

fn hundredths(d: Option<Decimal>, what: &str) -> Result<i64> {
    let v = d.unwrap_or(Decimal::ZERO).at_scale(2, what)?;
    if v < 0 {
        return Err(invalid("negative", &[&what]));
    }
    // No coefficient of any Vietnamese table comes near 100.
    if v > 10_000 {
        return Err(invalid("coefficient", &[&what, &Decimal::new(v, 2)]));
    }
    Ok(v)
}

fn line(
    code: &str,
    kind: LineKind,
    base: Option<i64>,
    rate: Option<String>,
    amount: i64,
    source: &str,
) -> Line {
    Line {
        code: code.to_owned(),
        kind,
        base,
        rate,
        amount,
        source: source.to_owned(),
    }
}

fn coef_text(h: i64) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

pub fn compute(input: &VnInput, params: &Parameters) -> Result<Payslip> {
    let date = input.date;
    if input.dependants > 50 || input.allowances.len() > 50 {
        return Err(invalid("vn-limits", &[]));
    }
    let (base, base_src) = params.value(ParamName::VnBaseSalary, date)?;
    let base_src = format!("base salary {base} đ: {base_src}");
    let mut lines = Vec::new();
    // Insured salary (Law 58/2014/QH13 art. 89.1): the coefficient salary, the leadership,
    // beyond-frame and professional seniority allowances.
    let mut insured: i64 = 0;
    let mut untaxed: i64 = 0;
    match input.scheme {
        Scheme::Coefficient => {
            if input.position_salary.is_some() {
                return Err(invalid("position-salary-scheme", &[]));
            }
            let (coef, scale) = match (&input.scale, input.step, input.coefficient) {
                (Some(code), Some(step), None) => {
                    let s = scale(code)?;
                    (i64::from(s.coefficient(step)?), Some(s))
                }
                (None, None, Some(c)) => (hundredths(Some(c), "coefficient")?, None),
                _ => {
                    return Err(invalid("scale-or-coefficient", &[]));
                }
            };
            if coef == 0 {
                return Err(invalid("zero-coefficient", &[]));
            }
            let salary = round_div(i128::from(coef) * i128::from(base), 100);
            // The source is the same for everyone paid on the date (payrolls store it once);
            // the scale and step go with the rate.
            let (src, rate) = match scale {
                Some(s) => (
                    format!("{SCALE_SOURCE}; coefficient × base salary; {base_src}"),
                    format!(
                        "{} ({} / {})",
                        coef_text(coef),
                        s.code,
                        input.step.unwrap_or(0)
                    ),
                ),
                None => (
                    format!("{SCALE_SOURCE}; coefficient × base salary; {base_src}"),
                    coef_text(coef),
                ),
            };
            lines.push(line(
                "salary",
                LineKind::Earning,
                Some(base),
                Some(rate),
                salary,
                &src,
            ));
            insured += salary;
            let lead = hundredths(input.leadership_coefficient, "leadership_coefficient")?;
            if lead > 0 {
                let amount = round_div(i128::from(lead) * i128::from(base), 100);
                lines.push(line(
                    "leadership_allowance",
                    LineKind::Earning,
                    Some(base),
                    Some(coef_text(lead)),
                    amount,
                    &format!(
                        "Decree 204/2004/NĐ-CP art. 6.2 (phụ cấp chức vụ lãnh đạo); {base_src}"
                    ),
                ));
                insured += amount;
            }
            let pct = match (input.beyond_frame_percent, input.last_step_since) {
                (Some(_), Some(_)) => {
                    return Err(invalid("beyond-frame-both", &[]));
                }
                (Some(p), None) => p,
                (None, Some(since)) => match scale {
                    Some(s) => beyond_frame_percent(s, since, date),
                    None => {
                        return Err(invalid("beyond-frame-scale", &[]));
                    }
                },
                (None, None) => 0,
            };
            if pct > 0 {
                if let Some(s) = scale
                    && input.step != Some(s.max_step())
                {
                    return Err(invalid(
                        "beyond-frame-step",
                        &[&s.code, &s.max_step(), &input.step.unwrap_or(0)],
                    ));
                }
                let on = round_div(i128::from(coef + lead) * i128::from(base), 100);
                let amount = round_div(i128::from(on) * i128::from(pct), 100);
                lines.push(line(
                    "beyond_frame_allowance",
                    LineKind::Earning,
                    Some(on),
                    Some(format!("{pct}%")),
                    amount,
                    "Decree 204/2004/NĐ-CP art. 6.1.b; Circular 04/2005/TT-BNV (5 % after the wait at the last step, +1 % a year, on last-step + leadership coefficients)",
                ));
                insured += amount;
            }
        }
        Scheme::Position => {
            let Some(amount) = input.position_salary else {
                return Err(invalid("position-salary-missing", &[]));
            };
            if amount <= 0 {
                return Err(invalid("position-salary-positive", &[]));
            }
            crate::check_amount(amount, "position_salary")?;
            if input.scale.is_some()
                || input.coefficient.is_some()
                || input.leadership_coefficient.is_some()
                || input.beyond_frame_percent.is_some()
                || input.last_step_since.is_some()
            {
                return Err(invalid("position-replaces", &[]));
            }
            lines.push(line(
                "position_salary",
                LineKind::Earning,
                None,
                None,
                amount,
                "Resolution 27-NQ/TW (2018) pay by job position; amount set by the office (simulation)",
            ));
            insured += amount;
        }
    }
    for a in &input.allowances {
        let (amount, rate, base_line) = match (a.coefficient, a.amount) {
            (Some(c), None) => {
                let h = hundredths(Some(c), &a.name)?;
                (
                    round_div(i128::from(h) * i128::from(base), 100),
                    Some(coef_text(h)),
                    Some(base),
                )
            }
            (None, Some(v)) if v >= 0 => (crate::check_amount(v, &a.name)?, None, None),
            _ => {
                return Err(invalid("allowance", &[&a.name]));
            }
        };
        let code = format!("allowance:{}", a.name.trim());
        let src = if base_line.is_some() {
            format!("allowance coefficient × base salary; {base_src}")
        } else {
            "allowance amount as given".to_owned()
        };
        lines.push(line(
            &code,
            LineKind::Earning,
            base_line,
            rate,
            amount,
            &src,
        ));
        if a.insured {
            insured += amount;
        }
        if !a.taxable {
            untaxed += amount;
        }
    }
    let (cap_multiple, cap_src) = params.value(ParamName::VnInsuranceCapMultiple, date)?;
    let cap = cap_multiple * base;
    let insured_base = insured.min(cap);
    lines.push(line(
        "insured_salary",
        LineKind::Info,
        Some(insured),
        None,
        insured_base,
        &format!("Law 58/2014/QH13 art. 89.1 (salary by grade and step plus leadership, beyond-frame and professional seniority allowances); cap {cap_multiple} × base salary: {cap_src}"),
    ));
    let mut insurance = 0;
    let mut contributions = vec![
        (ParamName::VnBhxhRate, "bhxh"),
        (ParamName::VnBhytRate, "bhyt"),
    ];
    if matches!(input.staff_kind, StaffKind::VienChuc | StaffKind::HopDong) {
        contributions.push((ParamName::VnBhtnRate, "bhtn"));
    }
    for (name, code) in contributions {
        let (rate, src) = params.value(name, date)?;
        let amount = round_div(i128::from(insured_base) * i128::from(rate), 10_000);
        insurance += amount;
        lines.push(line(
            code,
            LineKind::Deduction,
            Some(insured_base),
            Some(pct_text(rate)),
            amount,
            src,
        ));
    }
    let gross: i64 = lines
        .iter()
        .filter(|l| l.kind == LineKind::Earning)
        .map(|l| l.amount)
        .sum();
    let (personal, p_src) = params.value(ParamName::VnPitPersonalDeduction, date)?;
    let (per_dependant, _) = params.value(ParamName::VnPitDependantDeduction, date)?;
    let family = personal + per_dependant * i64::from(input.dependants);
    lines.push(line(
        "family_deduction",
        LineKind::Info,
        None,
        Some(format!(
            "{personal} + {} × {per_dependant}",
            input.dependants
        )),
        family,
        p_src,
    ));
    let taxable = (gross - untaxed - insurance - family).max(0);
    let (tax, t_src) = income_tax(taxable, date)?;
    lines.push(line(
        "taxable_income",
        LineKind::Info,
        None,
        None,
        taxable,
        "Law 04/2007/QH12 art. 21 (income minus insurance and family deductions)",
    ));
    lines.push(line(
        "pit",
        LineKind::Deduction,
        Some(taxable),
        None,
        tax,
        t_src,
    ));
    Ok(Payslip::finish("vn", "VND", 1, date, lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn scales_match_the_decree_ranges() {
        for (code, first, last, n) in [
            ("A3.1", 620, 800, 6),
            ("A2.1", 440, 678, 8),
            ("A1", 234, 498, 9),
            ("A0", 210, 489, 10),
            ("B", 186, 406, 12),
            ("C1", 165, 363, 12),
        ] {
            let s = scale(code).unwrap();
            assert_eq!(s.steps.first(), Some(&first), "{code}");
            assert_eq!(s.steps.last(), Some(&last), "{code}");
            assert_eq!(s.steps.len(), n, "{code}");
            // Equal increments.
            let d = s.steps[1] - s.steps[0];
            assert!(s.steps.windows(2).all(|w| w[1] - w[0] == d), "{code}");
        }
        assert!(matches!(
            scale("A1").unwrap().coefficient(10),
            Err(PayError::NoSuchStep { max: 9, .. })
        ));
        assert!(matches!(
            scale("A1").unwrap().coefficient(0),
            Err(PayError::NoSuchStep { .. })
        ));
        assert!(matches!(scale("Z9"), Err(PayError::UnknownScale(_))));
    }

    #[test]
    fn beyond_frame_and_raises_count_whole_months() {
        let a1 = scale("A1").unwrap();
        let b = scale("B").unwrap();
        assert_eq!(
            beyond_frame_percent(a1, date!(2020 - 03 - 15), date!(2023 - 03 - 14)),
            0
        );
        assert_eq!(
            beyond_frame_percent(a1, date!(2020 - 03 - 15), date!(2023 - 03 - 15)),
            5
        );
        assert_eq!(
            beyond_frame_percent(a1, date!(2020 - 03 - 15), date!(2025 - 03 - 15)),
            7
        );
        assert_eq!(
            beyond_frame_percent(b, date!(2020 - 03 - 15), date!(2022 - 03 - 15)),
            5
        );
        assert_eq!(
            next_raise(a1, 3, date!(2022 - 01 - 31), 0),
            Some(date!(2025 - 01 - 31))
        );
        assert_eq!(
            next_raise(a1, 3, date!(2022 - 01 - 31), 1),
            Some(date!(2024 - 12 - 31))
        );
        assert_eq!(
            next_raise(b, 3, date!(2023 - 02 - 28), 0),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(next_raise(a1, 9, date!(2022 - 01 - 31), 0), None);
        assert_eq!(
            add_months(date!(2024 - 01 - 31), 1),
            Some(date!(2024 - 02 - 29))
        );
    }

    #[test]
    fn income_tax_follows_the_brackets() {
        let d = date!(2025 - 01 - 01);
        assert_eq!(income_tax(0, d).unwrap().0, 0);
        assert_eq!(income_tax(5_000_000, d).unwrap().0, 250_000);
        assert_eq!(income_tax(10_000_000, d).unwrap().0, 750_000);
        // 250k + 500k + 15 % of 2M
        assert_eq!(income_tax(12_000_000, d).unwrap().0, 1_050_000);
        // the usual quick formula 35 % × TI − 9.85 M above 80 M
        assert_eq!(
            income_tax(100_000_000, d).unwrap().0,
            35_000_000 - 9_850_000
        );
        assert_eq!(income_tax(1, d).unwrap().0, 0);
        assert_eq!(income_tax(10, d).unwrap().0, 1);
    }
}
