//! The CCCD birth-province codes agree with an independent source: the pre-2025 province codes
//! of the vietnamadminunits package (`tests/vectors/province_codes.csv`).

use guichet_rules::ids::PROVINCE_CODES;

#[test]
fn province_codes_agree_with_vietnamadminunits() {
    let text = include_str!("vectors/province_codes.csv");
    let reference: Vec<(u16, &str)> = text
        .lines()
        .map(|l| {
            let (code, name) = l.split_once(',').expect("code,name");
            (code.parse().expect("code"), name)
        })
        .collect();
    assert_eq!(reference.len(), 63);
    let ours: Vec<u16> = PROVINCE_CODES.iter().map(|(c, _)| *c).collect();
    let theirs: Vec<u16> = reference.iter().map(|(c, _)| *c).collect();
    assert_eq!(ours, theirs);
    // Names agree too, except Huế: the circular names the province Thừa Thiên Huế, the dataset
    // uses its name as a city (2025).
    for ((code, name), (_, their_name)) in PROVINCE_CODES.iter().zip(&reference) {
        if *code != 46 {
            assert_eq!(name, their_name, "code {code:03}");
        }
    }
}
