//! Agreement with the `vnlunar` package: the first day of every lunar month, leap months
//! included, from 1900 to 2100, both ways.

use std::io::Read;

use guichet_rules::lunar::{LunarDate, to_lunar, to_solar};
use time::Date;
use time::macros::format_description;

#[test]
fn every_month_1900_to_2100_agrees_with_vnlunar() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/lunar.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("vectors"))
        .read_to_string(&mut text)
        .expect("gzip");
    let fmt = format_description!("[year]-[month]-[day]");
    let mut months = 0;
    let mut leaps = 0;
    let mut wrong = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        let solar = Date::parse(f[0], &fmt).expect("date");
        let lunar = LunarDate {
            year: f[1].parse().expect("y"),
            month: f[2].parse().expect("m"),
            day: 1,
            leap: f[3] == "1",
        };
        months += 1;
        leaps += usize::from(lunar.leap);
        if to_lunar(solar) != Ok(lunar) || to_solar(lunar) != Ok(solar) {
            wrong.push(format!(
                "{line}: ours {:?} / {:?}",
                to_lunar(solar),
                to_solar(lunar)
            ));
        }
        // The day before a month's first day is day 29 or 30 of the month before.
        if let Some(prev) = solar.previous_day().filter(|p| p.year() >= 1900)
            && !matches!(to_lunar(prev).map(|l| l.day), Ok(29 | 30))
        {
            wrong.push(format!("{line}: the day before is {:?}", to_lunar(prev)));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements: {:#?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
    assert!(months > 2480, "{months} months");
    assert!(leaps >= 70, "{leaps} leap months");
}
