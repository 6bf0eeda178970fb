//! French index pay of fonctionnaires (traitement indiciaire).
//!
//! Rounding: every line is rounded to the cent once, halves away from zero; the CSG/CRDS base
//! (98.25 % of the gross) is itself rounded to the cent before the three rates apply to it, as
//! payslips print it.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::params::{ParamName, Parameters};
use crate::{Decimal, Line, LineKind, Payslip, Result, invalid, pct_text, round_div};

/// One person-month, the input of `guichet pay compute --country fr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrInput {
    #[serde(with = "crate::serde_date")]
    pub date: Date,
    /// Corps, grade and échelon, as the career records them; the pay follows the index.
    #[serde(default)]
    pub corps: Option<String>,
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub echelon: Option<u32>,
    pub indice_majore: u32,
    /// Nouvelle bonification indiciaire, in points of indice majoré.
    #[serde(default)]
    pub nbi_points: u32,
    /// 1 (3 %), 2 (1 %) or 3 (0 %).
    pub residence_zone: u8,
    /// Children in the agent's charge, for the supplément familial de traitement.
    #[serde(default)]
    pub children: u32,
    /// Primes et indemnités of the month, in euros (`"350.00"`).
    #[serde(default)]
    pub bonuses: Option<Decimal>,
    /// Personal withholding rate of the income tax, in percent (`7.5`).
    #[serde(default)]
    pub withholding_rate: Option<Decimal>,
}

/// SFT fixed part (cents) and proportional part (basis points) for `children`
/// (décret n° 85-1148 art. 10): 1 child 2.29 €; 2: 10.67 € + 3 %; 3: 15.24 € + 8 %;
/// each further child 4.57 € + 6 %.
pub fn sft_parts(children: u32) -> (i64, i64) {
    match children {
        0 => (0, 0),
        1 => (229, 0),
        2 => (1067, 300),
        n => {
            let extra = i64::from(n - 3);
            (1524 + 457 * extra, 800 + 600 * extra)
        }
    }
}

const SFT_SOURCE: &str = "décret n° 85-1148 art. 10 (supplément familial de traitement)";

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

fn rate_of(base: i64, bp: i64) -> i64 {
    round_div(i128::from(base) * i128::from(bp), 10_000)
}

pub fn compute(input: &FrInput, params: &Parameters) -> Result<Payslip> {
    let date = input.date;
    if input.nbi_points > 1000 || input.children > 30 {
        return Err(invalid("fr-limits", &[]));
    }
    if input.indice_majore == 0 || input.indice_majore > 5000 {
        return Err(invalid("fr-index", &[&input.indice_majore]));
    }
    let (point, point_src) = params.value(ParamName::FrPointValue, date)?;
    let (minimum, min_src) = params.value(ParamName::FrMinimumIndex, date)?;
    // Point values are in 1/100,000 € per month; a cent is 1,000 of those.
    let index_pay = |im: i64| round_div(i128::from(im) * i128::from(point), 1000);
    let point_text = format!("{}", Decimal::new(point, 5));
    let mut lines = Vec::new();
    let im = i64::from(input.indice_majore);
    let paid_im = im.max(minimum);
    let traitement = index_pay(paid_im);
    let src = if paid_im > im {
        format!(
            "IM {im} below the minimum, paid at IM {paid_im}: {min_src}; point {point_text} €: {point_src}"
        )
    } else {
        format!("indice majoré × valeur du point {point_text} €: {point_src}")
    };
    lines.push(line(
        "traitement_brut",
        LineKind::Earning,
        Some(paid_im * 100),
        Some(format!("IM {paid_im}")),
        traitement,
        &src,
    ));
    let nbi = index_pay(i64::from(input.nbi_points));
    if input.nbi_points > 0 {
        lines.push(line(
            "nbi",
            LineKind::Earning,
            None,
            Some(format!("{} points", input.nbi_points)),
            nbi,
            &format!("décret n° 91-1067 (nouvelle bonification indiciaire), point {point_text} €"),
        ));
    }
    let indiciaire = traitement + nbi;
    let zone = match input.residence_zone {
        1 => ParamName::FrResidenceZone1Rate,
        2 => ParamName::FrResidenceZone2Rate,
        3 => ParamName::FrResidenceZone3Rate,
        z => {
            return Err(invalid("fr-zone", &[&z]));
        }
    };
    let (ir_rate, ir_src) = params.value(zone, date)?;
    let residence = rate_of(indiciaire, ir_rate);
    if ir_rate > 0 {
        lines.push(line(
            "indemnite_residence",
            LineKind::Earning,
            Some(indiciaire),
            Some(pct_text(ir_rate)),
            residence,
            ir_src,
        ));
    }
    let mut sft = 0;
    if input.children > 0 {
        let (fixed, prop) = sft_parts(input.children);
        let (floor, _) = params.value(ParamName::FrSftFloorIndex, date)?;
        let (ceiling, bounds_src) = params.value(ParamName::FrSftCeilingIndex, date)?;
        let on = indiciaire.clamp(index_pay(floor), index_pay(ceiling));
        sft = fixed + rate_of(on, prop);
        lines.push(line(
            "sft",
            LineKind::Earning,
            Some(on),
            Some(format!("{} + {}", crate::format_minor(fixed, 100), pct_text(prop))),
            sft,
            &format!("{SFT_SOURCE}; proportional part on the index pay within IM {floor}–{ceiling}: {bounds_src}"),
        ));
    }
    let bonuses = match input.bonuses {
        Some(b) => {
            let cents = b.at_scale(2, "bonuses")?;
            if cents < 0 {
                return Err(invalid("negative", &[&"bonuses"]));
            }
            crate::check_amount(cents, "bonuses")?
        }
        None => 0,
    };
    if bonuses > 0 {
        lines.push(line(
            "primes",
            LineKind::Earning,
            None,
            None,
            bonuses,
            "primes et indemnités as given",
        ));
    }
    let gross = indiciaire + residence + sft + bonuses;
    let (pension_rate, pension_src) = params.value(ParamName::FrPensionRate, date)?;
    lines.push(line(
        "pension_civile",
        LineKind::Deduction,
        Some(indiciaire),
        Some(pct_text(pension_rate)),
        rate_of(indiciaire, pension_rate),
        pension_src,
    ));
    let (rafp_rate, rafp_src) = params.value(ParamName::FrRafpRate, date)?;
    let (cap_rate, _) = params.value(ParamName::FrRafpCapRate, date)?;
    let rafp_base = (bonuses + residence + sft).min(rate_of(indiciaire, cap_rate));
    let rafp = rate_of(rafp_base, rafp_rate);
    if rafp_base > 0 {
        lines.push(line("rafp", LineKind::Deduction, Some(rafp_base), Some(pct_text(rafp_rate)), rafp, &format!("{rafp_src}; base: bonuses, indemnité de résidence and SFT, at most {} of the index pay", pct_text(cap_rate))));
    }
    let (csg_base_rate, csg_base_src) = params.value(ParamName::FrCsgBaseRate, date)?;
    let csg_base = rate_of(gross, csg_base_rate);
    lines.push(line(
        "csg_crds_base",
        LineKind::Info,
        Some(gross),
        Some(pct_text(csg_base_rate)),
        csg_base,
        csg_base_src,
    ));
    let mut csg_deductible = 0;
    for (name, code) in [
        (ParamName::FrCsgDeductibleRate, "csg_deductible"),
        (ParamName::FrCsgNonDeductibleRate, "csg_non_deductible"),
        (ParamName::FrCrdsRate, "crds"),
    ] {
        let (rate, src) = params.value(name, date)?;
        let amount = rate_of(csg_base, rate);
        if name == ParamName::FrCsgDeductibleRate {
            csg_deductible = amount;
        }
        lines.push(line(
            code,
            LineKind::Deduction,
            Some(csg_base),
            Some(pct_text(rate)),
            amount,
            src,
        ));
    }
    let pension = rate_of(indiciaire, pension_rate);
    let net_taxable = gross - pension - rafp - csg_deductible;
    lines.push(line(
        "net_imposable",
        LineKind::Info,
        None,
        None,
        net_taxable,
        "code général des impôts art. 83 (gross less pension, RAFP and deductible CSG)",
    ));
    if let Some(rate) = input.withholding_rate {
        let bp = rate.at_scale(2, "withholding_rate")?;
        if !(0..=4300).contains(&bp) {
            return Err(invalid("fr-withholding", &[&rate]));
        }
        lines.push(line(
            "prelevement_a_la_source",
            LineKind::Deduction,
            Some(net_taxable),
            Some(pct_text(bp)),
            rate_of(net_taxable, bp),
            "code général des impôts art. 204 H (personal withholding rate)",
        ));
    }
    Ok(Payslip::finish("fr", "EUR", 100, date, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sft_parts_follow_the_decree() {
        assert_eq!(sft_parts(0), (0, 0));
        assert_eq!(sft_parts(1), (229, 0));
        assert_eq!(sft_parts(2), (1067, 300));
        assert_eq!(sft_parts(3), (1524, 800));
        assert_eq!(sft_parts(4), (1981, 1400));
        assert_eq!(sft_parts(5), (2438, 2000));
    }

    #[test]
    fn sft_proportional_part_is_clamped() {
        let mut p = Parameters::builtin();
        p.add(
            ParamName::FrSftFloorIndex,
            time::macros::date!(2025 - 01 - 01),
            500,
            "test",
        )
        .unwrap();
        let input = FrInput {
            date: time::macros::date!(2025 - 02 - 01),
            corps: None,
            grade: None,
            echelon: None,
            indice_majore: 400,
            nbi_points: 0,
            residence_zone: 3,
            children: 2,
            bonuses: None,
            withholding_rate: None,
        };
        let slip = compute(&input, &p).unwrap();
        // On IM 500: 500 × 4.92278 = 2461.39; 3 % = 73.84; + 10.67
        assert_eq!(slip.line("sft").unwrap().base, Some(246139));
        assert_eq!(slip.amount("sft"), 1067 + 7384);
    }
}
