//! Agreement with python-holidays 0.109: Vietnam 1995–2060 (without the government's yearly
//! one-off swaps), France and Alsace-Moselle 1982–2100.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use guichet_rules::holidays::{Country, Region, holidays};
use time::Date;
use time::macros::format_description;

#[test]
fn holidays_agree_with_python_holidays() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/holidays.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("vectors"))
        .read_to_string(&mut text)
        .expect("gzip");
    let fmt = format_description!("[year]-[month]-[day]");
    let mut expected: BTreeMap<(String, String, i32), BTreeSet<Date>> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        expected
            .entry((
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].parse().expect("year"),
            ))
            .or_default()
            .insert(Date::parse(f[3], &fmt).expect("date"));
    }
    let mut wrong = Vec::new();
    for ((country, region, year), reference) in &expected {
        let c: Country = country.parse().expect("country");
        let r: Option<Region> = (!region.is_empty()).then(|| region.parse().expect("region"));
        let ours: BTreeSet<Date> = holidays(c, r, *year)
            .expect("in range")
            .into_iter()
            .map(|h| h.date)
            .collect();
        if &ours != reference {
            wrong.push(format!(
                "{country}/{region}/{year}: missing {:?}, extra {:?}",
                reference.difference(&ours).collect::<Vec<_>>(),
                ours.difference(reference).collect::<Vec<_>>()
            ));
        }
    }
    assert!(expected.len() > 300, "{} country-years", expected.len());
    assert!(
        wrong.is_empty(),
        "{} years differ: {:#?}",
        wrong.len(),
        &wrong[..wrong.len().min(15)]
    );
}
