//! Public holidays of Vietnam and France, computed from rules kept as data: each rule names
//! its legal source and the years it is in force. The government's yearly decisions (which
//! days are swapped, the exact Tết days of the civil service) are not rules: an office records
//! them as overrides on its calendar ([`crate::calendar`]).
//!
//! Vietnam (Labour Code 2019 art. 112, before it 2012 art. 115, 1994 art. 73): 1 January;
//! Tết Nguyên Đán, the eve and the first three days, and the fourth from 2013; Hùng Kings' day
//! (10/3 lunar) from 2007; 30 April; 1 May; National Day 2 September, and one adjacent day
//! from 2021; 24 November (Vietnam Cultural Day) from 2026. A holiday on a weekend gives
//! the next working day off; for Tết from 2014 a Saturday gives the working day before and a
//! Sunday the working day after. Checked against python-holidays 0.109 from 1995 to 2060.
//!
//! France (Code du travail L3133-1): 1 January, Easter Monday, 1 May, 8 May (restored 1982),
//! Ascension, Whit Monday (not 2005–2007, when it was the journée de solidarité), 14 July,
//! 15 August, 1 November, 11 November, 25 December; Alsace-Moselle (L3134-13) adds Good Friday
//! and 26 December. Checked against python-holidays 0.109 from 1982 to 2100.

use time::{Date, Duration, Month, Weekday};

use crate::lunar::{self, LunarDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    Vn,
    Fr,
}

impl std::str::FromStr for Country {
    type Err = HolidayError;
    fn from_str(s: &str) -> Result<Country, HolidayError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vn" => Ok(Country::Vn),
            "fr" => Ok(Country::Fr),
            other => Err(HolidayError::UnknownCountry(
                other.chars().take(16).collect(),
            )),
        }
    }
}

/// Regions with holidays of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// Bas-Rhin, Haut-Rhin and Moselle (local law of Alsace-Moselle).
    AlsaceMoselle,
}

impl std::str::FromStr for Region {
    type Err = HolidayError;
    fn from_str(s: &str) -> Result<Region, HolidayError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "alsace-moselle" => Ok(Region::AlsaceMoselle),
            other => Err(HolidayError::UnknownRegion(
                other.chars().take(32).collect(),
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    #[error("year {year} is outside {from}–{to}, the years these rules cover")]
    YearOutOfRange { year: i32, from: i32, to: i32 },
    #[error("unknown country {0:?}: use vn or fr")]
    UnknownCountry(String),
    #[error("unknown region {0:?}: the only region with its own holidays is alsace-moselle (fr)")]
    UnknownRegion(String),
    #[error("the region does not belong to this country")]
    RegionOfOtherCountry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    /// The official name, in the country's language; observed days end in "(nghỉ bù)".
    pub name: String,
    /// A day off given because the holiday fell on a weekend.
    pub observed: bool,
}

/// When a rule's day falls.
#[derive(Debug, Clone, Copy)]
enum When {
    Fixed(Month, u8),
    /// Days after Easter Sunday (negative: before).
    Easter(i64),
    /// A day of the lunar year that begins in this solar year.
    Lunar(u8, u8),
    /// The last day of the lunar year ending in this solar year.
    LunarNewYearEve,
    /// The day next to 2 September the government adds (Labour Code 2019, art. 112).
    NationalDayAdjacent,
}

/// How a holiday on a weekend is compensated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compensation {
    None,
    /// Saturday or Sunday → the next working day.
    NextWorkday,
    /// Tết days: Saturday → the working day before; Sunday → the working day after (from 2014;
    /// before, like `NextWorkday`).
    Tet,
}

struct Rule {
    name: &'static str,
    when: When,
    from: i32,
    until: i32,
    compensation: Compensation,
    region: Option<Region>,
    /// Legal source of the rule.
    #[allow(dead_code)]
    source: &'static str,
}

const FOREVER: i32 = 9999;
const LC: &str = "Bộ luật Lao động 2019, Điều 112 (earlier: 2012 Điều 115; 1994 Điều 73)";

const VN_RULES: &[Rule] = &[
    Rule {
        name: "Tết Dương lịch",
        when: When::Fixed(Month::January, 1),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::NextWorkday,
        region: None,
        source: LC,
    },
    Rule {
        name: "Giao thừa Tết Nguyên Đán",
        when: When::LunarNewYearEve,
        from: 1995,
        until: FOREVER,
        compensation: Compensation::Tet,
        region: None,
        source: LC,
    },
    Rule {
        name: "Tết Nguyên Đán",
        when: When::Lunar(1, 1),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::Tet,
        region: None,
        source: LC,
    },
    Rule {
        name: "Mùng hai Tết Nguyên Đán",
        when: When::Lunar(1, 2),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::Tet,
        region: None,
        source: LC,
    },
    Rule {
        name: "Mùng ba Tết Nguyên Đán",
        when: When::Lunar(1, 3),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::Tet,
        region: None,
        source: LC,
    },
    Rule {
        name: "Mùng bốn Tết Nguyên Đán",
        when: When::Lunar(1, 4),
        from: 2013,
        until: FOREVER,
        compensation: Compensation::Tet,
        region: None,
        source: "Bộ luật Lao động 2012, Điều 115",
    },
    Rule {
        name: "Ngày Giỗ Tổ Hùng Vương",
        when: When::Lunar(3, 10),
        from: 2007,
        until: FOREVER,
        compensation: Compensation::NextWorkday,
        region: None,
        source: "Luật sửa đổi Bộ luật Lao động 2007",
    },
    Rule {
        name: "Ngày Chiến thắng",
        when: When::Fixed(Month::April, 30),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::NextWorkday,
        region: None,
        source: LC,
    },
    Rule {
        name: "Ngày Quốc tế Lao động",
        when: When::Fixed(Month::May, 1),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::NextWorkday,
        region: None,
        source: LC,
    },
    Rule {
        name: "Quốc khánh",
        when: When::Fixed(Month::September, 2),
        from: 1995,
        until: FOREVER,
        compensation: Compensation::NextWorkday,
        region: None,
        source: LC,
    },
    Rule {
        name: "Quốc khánh",
        when: When::NationalDayAdjacent,
        from: 2021,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: "Bộ luật Lao động 2019, Điều 112",
    },
    Rule {
        name: "Ngày Văn hóa Việt Nam",
        when: When::Fixed(Month::November, 24),
        from: 2026,
        until: FOREVER,
        compensation: Compensation::NextWorkday,
        region: None,
        source: "Nghị quyết 80-NQ/TW (as listed by python-holidays 0.109; confirm the implementing text)",
    },
];

const CT: &str = "Code du travail, L3133-1";

const FR_RULES: &[Rule] = &[
    Rule {
        name: "Jour de l'an",
        when: When::Fixed(Month::January, 1),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Vendredi saint",
        when: When::Easter(-2),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: Some(Region::AlsaceMoselle),
        source: "Code du travail, L3134-13",
    },
    Rule {
        name: "Lundi de Pâques",
        when: When::Easter(1),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Fête du Travail",
        when: When::Fixed(Month::May, 1),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Fête de la Victoire",
        when: When::Fixed(Month::May, 8),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: "Loi n° 81-893 du 2 octobre 1981",
    },
    Rule {
        name: "Ascension",
        when: When::Easter(39),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Lundi de Pentecôte",
        when: When::Easter(50),
        from: 1982,
        until: 2004,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Lundi de Pentecôte",
        when: When::Easter(50),
        from: 2008,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: "Loi n° 2008-351 du 16 avril 2008",
    },
    Rule {
        name: "Fête nationale",
        when: When::Fixed(Month::July, 14),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Assomption",
        when: When::Fixed(Month::August, 15),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Toussaint",
        when: When::Fixed(Month::November, 1),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Armistice",
        when: When::Fixed(Month::November, 11),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Noël",
        when: When::Fixed(Month::December, 25),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: None,
        source: CT,
    },
    Rule {
        name: "Saint Étienne",
        when: When::Fixed(Month::December, 26),
        from: 1982,
        until: FOREVER,
        compensation: Compensation::None,
        region: Some(Region::AlsaceMoselle),
        source: "Code du travail, L3134-13",
    },
];

/// The years each country's rules cover.
pub fn year_range(country: Country) -> (i32, i32) {
    match country {
        Country::Vn => (1995, 2199),
        Country::Fr => (1982, 2199),
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn day_of(when: When, year: i32) -> Option<Date> {
    match when {
        When::Fixed(month, day) => Date::from_calendar_date(year, month, day).ok(),
        When::Easter(offset) => {
            let e = computus::gregorian(year).ok()?;
            let easter =
                Date::from_calendar_date(e.year, Month::try_from(e.month as u8).ok()?, e.day as u8)
                    .ok()?;
            easter.checked_add(Duration::days(offset))
        }
        When::Lunar(month, day) => lunar::to_solar(LunarDate {
            year,
            month,
            day,
            leap: false,
        })
        .ok(),
        When::LunarNewYearEve => lunar::tet(year).ok()?.previous_day(),
        When::NationalDayAdjacent => {
            let sep2 = Date::from_calendar_date(year, Month::September, 2).ok()?;
            let shift = match sep2.weekday() {
                Weekday::Monday | Weekday::Thursday | Weekday::Sunday => 1,
                _ => -1,
            };
            sep2.checked_add(Duration::days(shift))
        }
    }
}

/// The holidays of `country` (and `region`) in `year`, sorted by date.
pub fn holidays(
    country: Country,
    region: Option<Region>,
    year: i32,
) -> Result<Vec<Holiday>, HolidayError> {
    let (from, to) = year_range(country);
    if !(from..=to).contains(&year) {
        return Err(HolidayError::YearOutOfRange { year, from, to });
    }
    if region.is_some() && country != Country::Fr {
        return Err(HolidayError::RegionOfOtherCountry);
    }
    let rules = match country {
        Country::Vn => VN_RULES,
        Country::Fr => FR_RULES,
    };
    let in_force: Vec<(&Rule, Date)> = rules
        .iter()
        .filter(|r| {
            (r.from..=r.until).contains(&year) && (r.region.is_none() || r.region == region)
        })
        .filter_map(|r| day_of(r.when, year).map(|d| (r, d)))
        .collect();
    let mut days: Vec<Holiday> = in_force
        .iter()
        .map(|(r, d)| Holiday {
            date: *d,
            name: r.name.to_owned(),
            observed: false,
        })
        .collect();

    // Compensation, in python-holidays' order: Tết days first, then the others by date. A day
    // already off (holiday or earlier compensation) is never a working day to move onto, and
    // the search stays within the year.
    let taken = |days: &Vec<Holiday>, d: Date| days.iter().any(|h| h.date == d);
    let next_workday = |days: &Vec<Holiday>, from: Date, step: i64| -> Option<Date> {
        let mut d = from.checked_add(Duration::days(step))?;
        while d.year() == year {
            if !is_weekend(d) && !taken(days, d) {
                return Some(d);
            }
            d = d.checked_add(Duration::days(step))?;
        }
        None
    };
    let mut tet: Vec<&(&Rule, Date)> = in_force
        .iter()
        .filter(|(r, _)| r.compensation == Compensation::Tet)
        .collect();
    tet.sort_by_key(|(_, d)| *d);
    for (rule, date) in tet {
        let moved = match date.weekday() {
            Weekday::Saturday if year >= 2014 => next_workday(&days, *date, -1),
            Weekday::Saturday | Weekday::Sunday => next_workday(&days, *date, 1),
            _ => None,
        };
        if let Some(d) = moved {
            days.push(Holiday {
                date: d,
                name: format!("{} (nghỉ bù)", rule.name),
                observed: true,
            });
        }
    }
    let mut others: Vec<&(&Rule, Date)> = in_force
        .iter()
        .filter(|(r, _)| r.compensation == Compensation::NextWorkday)
        .collect();
    others.sort_by_key(|(_, d)| *d);
    for (rule, date) in others {
        if is_weekend(*date)
            && let Some(d) = next_workday(&days, *date, 1)
        {
            days.push(Holiday {
                date: d,
                name: format!("{} (nghỉ bù)", rule.name),
                observed: true,
            });
        }
    }
    days.sort_by(|a, b| a.date.cmp(&b.date).then(a.observed.cmp(&b.observed)));
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dates(c: Country, r: Option<Region>, y: i32) -> Vec<Date> {
        holidays(c, r, y)
            .expect("in range")
            .into_iter()
            .map(|h| h.date)
            .collect()
    }

    #[test]
    fn france_2026_and_alsace_moselle() {
        let fr = dates(Country::Fr, None, 2026);
        assert_eq!(fr.len(), 11);
        assert!(fr.contains(&date!(2026 - 04 - 06)), "Easter Monday");
        assert!(fr.contains(&date!(2026 - 05 - 14)), "Ascension");
        assert!(fr.contains(&date!(2026 - 05 - 25)), "Whit Monday");
        let am = dates(Country::Fr, Some(Region::AlsaceMoselle), 2026);
        assert_eq!(am.len(), 13);
        assert!(am.contains(&date!(2026 - 04 - 03)) && am.contains(&date!(2026 - 12 - 26)));
        assert_eq!(
            dates(Country::Fr, None, 2006).len(),
            10,
            "no Whit Monday in 2006"
        );
    }

    #[test]
    fn vietnam_2026_tet_and_national_day() {
        let vn = holidays(Country::Vn, None, 2026).expect("2026");
        let has = |d: Date| vn.iter().any(|h| h.date == d);
        // Tết Bính Ngọ: 17 February 2026; eve 16 Feb (Mon) to 4th day 20 Feb (Fri).
        for d in [
            date!(2026 - 02 - 16),
            date!(2026 - 02 - 17),
            date!(2026 - 02 - 20),
        ] {
            assert!(has(d), "{d}");
        }
        // 2 September 2026 is a Wednesday: the adjacent day is Tuesday 1 September.
        assert!(has(date!(2026 - 09 - 01)) && has(date!(2026 - 09 - 02)));
        // Hùng Kings' day 10/3 lunar = 26 April 2026, a Sunday: Monday 27 April off.
        assert!(has(date!(2026 - 04 - 26)) && has(date!(2026 - 04 - 27)));
        assert!(
            vn.iter()
                .any(|h| h.observed && h.date == date!(2026 - 04 - 27))
        );
    }

    #[test]
    fn out_of_range_and_bad_names() {
        assert!(matches!(
            holidays(Country::Vn, None, 1990),
            Err(HolidayError::YearOutOfRange { .. })
        ));
        assert_eq!(
            holidays(Country::Vn, Some(Region::AlsaceMoselle), 2026),
            Err(HolidayError::RegionOfOtherCountry)
        );
        assert!("de".parse::<Country>().is_err());
        assert!("bretagne".parse::<Region>().is_err());
    }
}
