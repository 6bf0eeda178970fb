//! The Vietnamese lunisolar calendar (âm lịch), computed astronomically for UTC+7 with Hồ
//! Ngọc Đức's algorithm (new moons and solar terms after Meeus, "Astronomical Algorithms").
//! Vietnam's calendar uses UTC+7 and China's UTC+8, so they differ in some years — Tết 1985
//! fell on 21 January in Vietnam and 20 February in China. Checked against the `vnlunar`
//! package for every month from 1900 to 2100 (`tests/vectors/lunar.csv.gz`).

use std::f64::consts::PI;

use time::{Date, Month};

/// Vietnam's time zone, in hours.
pub const VIETNAM_TZ: f64 = 7.0;

/// A date of the lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LunarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    /// The date is in the leap (intercalary) month of that number.
    pub leap: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LunarError {
    #[error("year {0} is outside 1900–2199")]
    OutOfRange(i32),
    #[error("there is no such lunar date")]
    NoSuchDate,
}

const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2199;

fn julian_day(d: i64, m: i64, y: i64) -> i64 {
    let a = (14 - m) / 12;
    let y = y + 4800 - a;
    let m = m + 12 * a - 3;
    d + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
}

fn from_julian_day(jd: i64) -> Option<Date> {
    let a = jd + 32044;
    let b = (4 * a + 3) / 146_097;
    let c = a - (b * 146_097) / 4;
    let d = (4 * c + 3) / 1461;
    let e = c - (1461 * d) / 4;
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    let year = b * 100 + d - 4800 + m / 10;
    Date::from_calendar_date(year as i32, Month::try_from(month as u8).ok()?, day as u8).ok()
}

fn julian_day_of(date: Date) -> i64 {
    julian_day(
        i64::from(date.day()),
        i64::from(u8::from(date.month())),
        i64::from(date.year()),
    )
}

/// Julian day (fractional) of the k-th new moon after the one of 1900-01-01.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - delta_t
}

/// The sun's apparent longitude (radians) at a Julian day.
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl = dl + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// The solar term (0–11, by 30° of longitude) at local midnight starting `day`.
fn sun_term(day: i64, tz: f64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - tz / 24.0) / PI * 6.0).floor() as i64
}

fn new_moon_day(k: i64, tz: f64) -> i64 {
    (new_moon(k) + 0.5 + tz / 24.0).floor() as i64
}

/// The day the 11th lunar month (the one holding the winter solstice) of `year` begins.
fn month11(year: i64, tz: f64) -> i64 {
    let off = julian_day(31, 12, year) - 2_415_021;
    let k = (off as f64 / 29.530_588_853).floor() as i64;
    let nm = new_moon_day(k, tz);
    if sun_term(nm, tz) >= 9 {
        new_moon_day(k - 1, tz)
    } else {
        nm
    }
}

/// Offset, from the 11th month starting `a11`, of the leap month (the first without a major term).
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = ((a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_term(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_term(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

fn check_year(year: i32) -> Result<(), LunarError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(LunarError::OutOfRange(year))
    }
}

/// The lunar date of a solar (Gregorian) date, in time zone `tz` (7 for Vietnam).
pub fn to_lunar_tz(date: Date, tz: f64) -> Result<LunarDate, LunarError> {
    check_year(date.year())?;
    let day_number = julian_day_of(date);
    let k = ((day_number as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64;
    // The estimate of k can be one lunation ahead (e.g. 2054-05-07): step back until the
    // month starts on or before the date, or the original algorithm yields "day 0".
    let mut k = k + 1;
    let mut month_start = new_moon_day(k, tz);
    while month_start > day_number {
        k -= 1;
        month_start = new_moon_day(k, tz);
    }
    let yy = i64::from(date.year());
    let mut a11 = month11(yy, tz);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = yy;
        a11 = month11(yy - 1, tz);
    } else {
        lunar_year = yy + 1;
        b11 = month11(yy + 1, tz);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11, tz);
        if diff >= leap_diff {
            lunar_month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    Ok(LunarDate {
        year: lunar_year as i32,
        month: lunar_month as u8,
        day: lunar_day as u8,
        leap,
    })
}

/// The solar date of a lunar date, in time zone `tz`. Fails for a leap flag on a month that is
/// not leap that year, or day 30 of a 29-day month.
pub fn to_solar_tz(lunar: LunarDate, tz: f64) -> Result<Date, LunarError> {
    check_year(lunar.year)?;
    if !(1..=12).contains(&lunar.month) || !(1..=30).contains(&lunar.day) {
        return Err(LunarError::NoSuchDate);
    }
    let (year, month) = (i64::from(lunar.year), i64::from(lunar.month));
    let (a11, b11) = if month < 11 {
        (month11(year - 1, tz), month11(year, tz))
    } else {
        (month11(year, tz), month11(year + 1, tz))
    };
    let k = (0.5 + (a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64;
    let mut off = month - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if lunar.leap && month != leap_month {
            return Err(LunarError::NoSuchDate);
        }
        if lunar.leap || off >= leap_off {
            off += 1;
        }
    } else if lunar.leap {
        return Err(LunarError::NoSuchDate);
    }
    let month_start = new_moon_day(k + off, tz);
    let solar =
        from_julian_day(month_start + i64::from(lunar.day) - 1).ok_or(LunarError::NoSuchDate)?;
    // Day 30 of a 29-day month lands in the next month: refuse it.
    if to_lunar_tz(solar, tz)? != lunar {
        return Err(LunarError::NoSuchDate);
    }
    Ok(solar)
}

/// The Vietnamese lunar date of a solar date.
pub fn to_lunar(date: Date) -> Result<LunarDate, LunarError> {
    to_lunar_tz(date, VIETNAM_TZ)
}

/// The solar date of a Vietnamese lunar date.
pub fn to_solar(lunar: LunarDate) -> Result<Date, LunarError> {
    to_solar_tz(lunar, VIETNAM_TZ)
}

/// Tết Nguyên Đán (1st day of the 1st lunar month) of a solar year.
pub fn tet(year: i32) -> Result<Date, LunarError> {
    to_solar(LunarDate {
        year,
        month: 1,
        day: 1,
        leap: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tet_in_vietnam_and_china_differ_in_1985() {
        assert_eq!(tet(1985), Ok(date!(1985 - 01 - 21)));
        assert_eq!(
            to_solar_tz(
                LunarDate {
                    year: 1985,
                    month: 1,
                    day: 1,
                    leap: false
                },
                8.0
            ),
            Ok(date!(1985 - 02 - 20))
        );
        assert_eq!(tet(2026), Ok(date!(2026 - 02 - 17)));
        assert_eq!(tet(2025), Ok(date!(2025 - 01 - 29)));
    }

    #[test]
    fn leap_months_and_impossible_dates() {
        // 2023 had a leap 2nd month (tháng 2 nhuận): 2023-03-22 is its first day.
        assert_eq!(
            to_lunar(date!(2023 - 03 - 22)),
            Ok(LunarDate {
                year: 2023,
                month: 2,
                day: 1,
                leap: true
            })
        );
        assert_eq!(
            to_solar(LunarDate {
                year: 2023,
                month: 2,
                day: 1,
                leap: true
            }),
            Ok(date!(2023 - 03 - 22))
        );
        assert_eq!(
            to_solar(LunarDate {
                year: 2023,
                month: 3,
                day: 1,
                leap: true
            }),
            Err(LunarError::NoSuchDate)
        );
        assert_eq!(
            to_solar(LunarDate {
                year: 2024,
                month: 13,
                day: 1,
                leap: false
            }),
            Err(LunarError::NoSuchDate)
        );
        assert_eq!(
            to_lunar(date!(1899 - 12 - 31)),
            Err(LunarError::OutOfRange(1899))
        );
    }

    #[test]
    fn no_day_zero_where_the_estimate_runs_ahead() {
        assert_eq!(
            to_lunar(date!(2054 - 05 - 07)),
            Ok(LunarDate {
                year: 2054,
                month: 3,
                day: 30,
                leap: false
            })
        );
        assert_eq!(to_lunar(date!(2062 - 04 - 09)).map(|l| l.day), Ok(30));
    }

    #[test]
    fn round_trip_every_day_of_a_decade() {
        let mut d = date!(2020 - 01 - 01);
        while d < date!(2030 - 01 - 01) {
            let lunar = to_lunar(d).expect("in range");
            assert_eq!(to_solar(lunar), Ok(d), "{d} → {lunar:?}");
            d = d.next_day().expect("date");
        }
    }
}
