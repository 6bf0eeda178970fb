//! The legal parameters of pay as dated series. A value holds from its date until the next
//! value's date. Built-in values carry their legal reference and how sure we are of it
//! (`official`: read in the legal text; `secondary`: read in a reliable summary); values an
//! administrator enters later (a new base salary, a new point value) are added with theirs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::date;

use crate::{PayError, Result, invalid};

/// A scalar parameter. Rates are in basis points (1/100 %), amounts in minor units, the
/// French point value in 1/100,000 € per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamName {
    VnBaseSalary,
    VnBhxhRate,
    VnBhytRate,
    VnBhtnRate,
    /// Insured salary cap, as a multiple of the base salary.
    VnInsuranceCapMultiple,
    VnPitPersonalDeduction,
    VnPitDependantDeduction,
    FrPointValue,
    FrMinimumIndex,
    FrPensionRate,
    FrRafpRate,
    /// RAFP base cap, as a rate of the index pay.
    FrRafpCapRate,
    FrCsgBaseRate,
    FrCsgDeductibleRate,
    FrCsgNonDeductibleRate,
    FrCrdsRate,
    FrResidenceZone1Rate,
    FrResidenceZone2Rate,
    FrResidenceZone3Rate,
    /// Floor and ceiling indices of the SFT's proportional part.
    FrSftFloorIndex,
    FrSftCeilingIndex,
}

impl ParamName {
    pub const ALL: [ParamName; 21] = [
        ParamName::VnBaseSalary,
        ParamName::VnBhxhRate,
        ParamName::VnBhytRate,
        ParamName::VnBhtnRate,
        ParamName::VnInsuranceCapMultiple,
        ParamName::VnPitPersonalDeduction,
        ParamName::VnPitDependantDeduction,
        ParamName::FrPointValue,
        ParamName::FrMinimumIndex,
        ParamName::FrPensionRate,
        ParamName::FrRafpRate,
        ParamName::FrRafpCapRate,
        ParamName::FrCsgBaseRate,
        ParamName::FrCsgDeductibleRate,
        ParamName::FrCsgNonDeductibleRate,
        ParamName::FrCrdsRate,
        ParamName::FrResidenceZone1Rate,
        ParamName::FrResidenceZone2Rate,
        ParamName::FrResidenceZone3Rate,
        ParamName::FrSftFloorIndex,
        ParamName::FrSftCeilingIndex,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ParamName::VnBaseSalary => "vn_base_salary",
            ParamName::VnBhxhRate => "vn_bhxh_rate",
            ParamName::VnBhytRate => "vn_bhyt_rate",
            ParamName::VnBhtnRate => "vn_bhtn_rate",
            ParamName::VnInsuranceCapMultiple => "vn_insurance_cap_multiple",
            ParamName::VnPitPersonalDeduction => "vn_pit_personal_deduction",
            ParamName::VnPitDependantDeduction => "vn_pit_dependant_deduction",
            ParamName::FrPointValue => "fr_point_value",
            ParamName::FrMinimumIndex => "fr_minimum_index",
            ParamName::FrPensionRate => "fr_pension_rate",
            ParamName::FrRafpRate => "fr_rafp_rate",
            ParamName::FrRafpCapRate => "fr_rafp_cap_rate",
            ParamName::FrCsgBaseRate => "fr_csg_base_rate",
            ParamName::FrCsgDeductibleRate => "fr_csg_deductible_rate",
            ParamName::FrCsgNonDeductibleRate => "fr_csg_non_deductible_rate",
            ParamName::FrCrdsRate => "fr_crds_rate",
            ParamName::FrResidenceZone1Rate => "fr_residence_zone1_rate",
            ParamName::FrResidenceZone2Rate => "fr_residence_zone2_rate",
            ParamName::FrResidenceZone3Rate => "fr_residence_zone3_rate",
            ParamName::FrSftFloorIndex => "fr_sft_floor_index",
            ParamName::FrSftCeilingIndex => "fr_sft_ceiling_index",
        }
    }

    pub fn parse(code: &str) -> Option<ParamName> {
        ParamName::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn country(self) -> &'static str {
        if self.code().starts_with("vn_") {
            "vn"
        } else {
            "fr"
        }
    }

    /// How the stored integer reads: the unit an administrator types the value in.
    pub fn unit(self) -> &'static str {
        match self {
            ParamName::VnBaseSalary
            | ParamName::VnPitPersonalDeduction
            | ParamName::VnPitDependantDeduction => "đồng",
            ParamName::FrPointValue => "1/100000 € per month",
            ParamName::FrMinimumIndex
            | ParamName::FrSftFloorIndex
            | ParamName::FrSftCeilingIndex => "indice majoré",
            ParamName::VnInsuranceCapMultiple => "× base salary",
            _ => "basis points (1/100 %)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Official,
    Secondary,
    /// Entered by an administrator of this installation.
    Entered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub from: Date,
    pub value: i64,
    pub source: String,
    pub confidence: Confidence,
}

/// Every parameter's dated values.
#[derive(Debug, Clone)]
pub struct Parameters {
    series: BTreeMap<ParamName, Vec<Entry>>,
}

/// The built-in values: (name, from, value, source, confidence).
const BUILTIN: &[(ParamName, Date, i64, &str, Confidence)] = {
    use Confidence::{Official, Secondary};
    use ParamName::*;
    &[
        (
            VnBaseSalary,
            date!(2019 - 07 - 01),
            1_490_000,
            "Decree 38/2019/NĐ-CP art. 3",
            Official,
        ),
        (
            VnBaseSalary,
            date!(2023 - 07 - 01),
            1_800_000,
            "Decree 24/2023/NĐ-CP art. 3",
            Official,
        ),
        (
            VnBaseSalary,
            date!(2024 - 07 - 01),
            2_340_000,
            "Decree 73/2024/NĐ-CP art. 3",
            Official,
        ),
        (
            VnBhxhRate,
            date!(2016 - 01 - 01),
            800,
            "Law 58/2014/QH13 art. 85 (pension and survivors 8 %)",
            Secondary,
        ),
        (
            VnBhytRate,
            date!(2016 - 01 - 01),
            150,
            "Decree 146/2018/NĐ-CP art. 7 (health insurance, employee third of 4.5 %)",
            Secondary,
        ),
        (
            VnBhtnRate,
            date!(2016 - 01 - 01),
            100,
            "Law 38/2013/QH13 art. 57 (unemployment insurance 1 %)",
            Secondary,
        ),
        (
            VnInsuranceCapMultiple,
            date!(2016 - 01 - 01),
            20,
            "Law 58/2014/QH13 art. 89.3 (cap 20 × base salary)",
            Secondary,
        ),
        (
            VnPitPersonalDeduction,
            date!(2013 - 07 - 01),
            9_000_000,
            "Law 26/2012/QH13 art. 1.6 (PIT family deduction)",
            Official,
        ),
        (
            VnPitDependantDeduction,
            date!(2013 - 07 - 01),
            3_600_000,
            "Law 26/2012/QH13 art. 1.6 (PIT family deduction)",
            Official,
        ),
        (
            VnPitPersonalDeduction,
            date!(2020 - 01 - 01),
            11_000_000,
            "Resolution 954/2020/UBTVQH14 art. 1 (from the 2020 tax period)",
            Official,
        ),
        (
            VnPitDependantDeduction,
            date!(2020 - 01 - 01),
            4_400_000,
            "Resolution 954/2020/UBTVQH14 art. 1 (from the 2020 tax period)",
            Official,
        ),
        (
            VnPitPersonalDeduction,
            date!(2026 - 01 - 01),
            15_500_000,
            "Resolution 110/2025/UBTVQH15 (from the 2026 tax period)",
            Secondary,
        ),
        (
            VnPitDependantDeduction,
            date!(2026 - 01 - 01),
            6_200_000,
            "Resolution 110/2025/UBTVQH15 (from the 2026 tax period)",
            Secondary,
        ),
        (
            FrPointValue,
            date!(2022 - 07 - 01),
            485_003,
            "décret n° 2022-994 du 7 juillet 2022 (56,2323 € → 58,2004 € a year)",
            Official,
        ),
        (
            FrPointValue,
            date!(2023 - 07 - 01),
            492_278,
            "décret n° 2023-519 du 28 juin 2023 (59,07336 € a year)",
            Official,
        ),
        (
            FrMinimumIndex,
            date!(2024 - 01 - 01),
            366,
            "minimum de traitement, indice majoré 366 from 1 January 2024",
            Secondary,
        ),
        (
            FrPensionRate,
            date!(2020 - 01 - 01),
            1110,
            "décret n° 2010-1749 art. 1 (retenue pour pension civile 11,10 % from 2020)",
            Official,
        ),
        (
            FrRafpRate,
            date!(2005 - 01 - 01),
            500,
            "décret n° 2004-569 art. 2 (RAFP, 5 % agent)",
            Official,
        ),
        (
            FrRafpCapRate,
            date!(2005 - 01 - 01),
            2000,
            "décret n° 2004-569 art. 2 (base capped at 20 % of the traitement indiciaire brut)",
            Official,
        ),
        (
            FrCsgBaseRate,
            date!(2018 - 01 - 01),
            9825,
            "code de la sécurité sociale art. L136-1-2 (abattement 1,75 %)",
            Official,
        ),
        (
            FrCsgDeductibleRate,
            date!(2018 - 01 - 01),
            680,
            "code général des impôts art. 154 quinquies (CSG déductible 6,8 %)",
            Official,
        ),
        (
            FrCsgNonDeductibleRate,
            date!(2018 - 01 - 01),
            240,
            "code de la sécurité sociale art. L136-8 (CSG 9,2 %, of which 2,4 % not deductible)",
            Official,
        ),
        (
            FrCrdsRate,
            date!(1996 - 02 - 01),
            50,
            "ordonnance n° 96-50 art. 19 (CRDS 0,5 %)",
            Official,
        ),
        (
            FrResidenceZone1Rate,
            date!(1985 - 10 - 25),
            300,
            "décret n° 85-1148 art. 9 (indemnité de résidence, zone 1: 3 %)",
            Official,
        ),
        (
            FrResidenceZone2Rate,
            date!(1985 - 10 - 25),
            100,
            "décret n° 85-1148 art. 9 (zone 2: 1 %)",
            Official,
        ),
        (
            FrResidenceZone3Rate,
            date!(1985 - 10 - 25),
            0,
            "décret n° 85-1148 art. 9 (zone 3: 0 %)",
            Official,
        ),
        (
            FrSftFloorIndex,
            date!(2009 - 01 - 01),
            449,
            "décret n° 85-1148 art. 10 (SFT proportional part floor: IM 449) — check against the text in force",
            Secondary,
        ),
        (
            FrSftCeilingIndex,
            date!(2009 - 01 - 01),
            717,
            "décret n° 85-1148 art. 10 (SFT proportional part ceiling: IM 717) — check against the text in force",
            Secondary,
        ),
    ]
};

impl Parameters {
    /// The values built into this release.
    pub fn builtin() -> Parameters {
        let mut series: BTreeMap<ParamName, Vec<Entry>> = BTreeMap::new();
        for (name, from, value, source, confidence) in BUILTIN {
            series.entry(*name).or_default().push(Entry {
                from: *from,
                value: *value,
                source: (*source).to_owned(),
                confidence: *confidence,
            });
        }
        for entries in series.values_mut() {
            entries.sort_by_key(|e| e.from);
        }
        Parameters { series }
    }

    /// Adds a value from `from` on. A second value with the same start date would make the
    /// effective dates overlap and is refused; so is a value that is not positive (rates of
    /// zero excepted).
    pub fn add(&mut self, name: ParamName, from: Date, value: i64, source: &str) -> Result<()> {
        let is_rate = name.unit().starts_with("basis points");
        if value < 0 || (value == 0 && !is_rate) {
            return Err(invalid("param-positive", &[&name.code(), &value]));
        }
        let limit = if is_rate {
            10_000
        } else {
            crate::MAX_AMOUNT / 1000
        };
        if value > limit {
            return Err(invalid(
                "param-plausible",
                &[&name.code(), &value, &limit, &name.unit()],
            ));
        }
        if source.trim().is_empty() {
            return Err(invalid("param-reference", &[&name.code()]));
        }
        let entries = self.series.entry(name).or_default();
        if entries.iter().any(|e| e.from == from) {
            return Err(PayError::Overlap {
                name: name.code(),
                from,
            });
        }
        entries.push(Entry {
            from,
            value,
            source: source.trim().to_owned(),
            confidence: Confidence::Entered,
        });
        entries.sort_by_key(|e| e.from);
        Ok(())
    }

    /// The entry in force on `date`.
    pub fn entry(&self, name: ParamName, date: Date) -> Result<&Entry> {
        let entries = self.series.get(&name).map(Vec::as_slice).unwrap_or(&[]);
        entries
            .iter()
            .rev()
            .find(|e| e.from <= date)
            .ok_or_else(|| PayError::BeforeParameters {
                name: name.code(),
                date,
                first: entries
                    .first()
                    .map_or_else(|| "no value".to_owned(), |e| crate::format_date(e.from)),
            })
    }

    pub fn value(&self, name: ParamName, date: Date) -> Result<(i64, &str)> {
        self.entry(name, date).map(|e| (e.value, e.source.as_str()))
    }

    /// The first day on which every parameter of `country` (`vn` or `fr`) has a value: pay can
    /// be computed from then on.
    pub fn first_complete_day(&self, country: &str) -> Option<Date> {
        ParamName::ALL
            .into_iter()
            .filter(|n| n.country() == country)
            .map(|n| self.entries(n).first().map(|e| e.from))
            .collect::<Option<Vec<Date>>>()
            .and_then(|days| days.into_iter().max())
    }

    pub fn entries(&self, name: ParamName) -> &[Entry] {
        self.series.get(&name).map(Vec::as_slice).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_hold_until_the_next_date() {
        let p = Parameters::builtin();
        let v = |d| p.value(ParamName::VnBaseSalary, d).map(|(v, _)| v);
        assert_eq!(v(date!(2023 - 06 - 30)), Ok(1_490_000));
        assert_eq!(v(date!(2023 - 07 - 01)), Ok(1_800_000));
        assert_eq!(v(date!(2024 - 06 - 30)), Ok(1_800_000));
        assert_eq!(v(date!(2024 - 07 - 01)), Ok(2_340_000));
        assert_eq!(v(date!(2030 - 01 - 01)), Ok(2_340_000));
        assert!(matches!(
            v(date!(2019 - 06 - 30)),
            Err(PayError::BeforeParameters { .. })
        ));
    }

    #[test]
    fn entered_values_cannot_overlap_and_need_a_reference() {
        let mut p = Parameters::builtin();
        assert!(matches!(
            p.add(
                ParamName::VnBaseSalary,
                date!(2024 - 07 - 01),
                2_500_000,
                "x"
            ),
            Err(PayError::Overlap { .. })
        ));
        assert!(
            p.add(
                ParamName::VnBaseSalary,
                date!(2026 - 07 - 01),
                2_530_000,
                " "
            )
            .is_err()
        );
        assert!(
            p.add(ParamName::VnBaseSalary, date!(2026 - 07 - 01), 0, "x")
                .is_err()
        );
        p.add(
            ParamName::VnBaseSalary,
            date!(2026 - 07 - 01),
            2_530_000,
            "Decree X",
        )
        .unwrap();
        assert_eq!(
            p.value(ParamName::VnBaseSalary, date!(2026 - 07 - 01))
                .unwrap(),
            (2_530_000, "Decree X")
        );
        assert_eq!(
            p.value(ParamName::VnBaseSalary, date!(2026 - 06 - 30))
                .unwrap()
                .0,
            2_340_000
        );
    }

    #[test]
    fn pay_can_be_computed_from_the_latest_first_value() {
        let p = Parameters::builtin();
        assert_eq!(p.first_complete_day("vn"), Some(date!(2019 - 07 - 01)));
        assert_eq!(p.first_complete_day("fr"), Some(date!(2024 - 01 - 01)));
        assert_eq!(p.first_complete_day("xx"), None);
    }

    #[test]
    fn every_name_has_a_code_and_builtin_values() {
        for n in ParamName::ALL {
            assert_eq!(ParamName::parse(n.code()), Some(n));
            assert!(!Parameters::builtin().entries(n).is_empty(), "{n:?}");
        }
    }
}
