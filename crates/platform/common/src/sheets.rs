//! Spreadsheet rows in and out: CSV (UTF-8, comma or semicolon) and XLSX, as rows of text.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// Reads CSV rows; the delimiter is the one the header line uses (`;` from French
/// spreadsheets, `,` otherwise). A UTF-8 byte-order mark is skipped.
pub fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let semis = first.iter().filter(|b| **b == b';').count();
    let commas = first.iter().filter(|b| **b == b',').count();
    let delimiter = if semis > commas { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push(record.iter().map(str::to_owned).collect());
    }
    Ok(out)
}

/// Reads the first sheet of an XLSX workbook; dates become `YYYY-MM-DD`, whole numbers lose
/// their `.0`.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec()))
        .map_err(|e| format!("not a readable XLSX file: {e}"))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|e| format!("cannot read the first sheet: {e}"))?;
    Ok(sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(d) => excel_day(d.as_f64()).unwrap_or_else(|| d.to_string()),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
                    Data::Error(e) => format!("#{e:?}"),
                })
                .collect()
        })
        .collect())
}

/// An Excel date serial (days since 1899-12-30 in the 1900 system) as `YYYY-MM-DD`.
fn excel_day(serial: f64) -> Option<String> {
    let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let day = epoch.checked_add(time::Duration::days(serial.floor() as i64))?;
    Some(guichet_units::format_date(day))
}

pub fn write_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

pub fn write_xlsx(rows: &[Vec<String>], sheet_name: &str) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(|e| e.to_string())?;
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (
                u32::try_from(r).map_err(|e| e.to_string())?,
                u16::try_from(c).map_err(|e| e.to_string())?,
            );
            sheet.write_string(r, c, value).map_err(|e| e.to_string())?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_xlsx_round_trip_the_same_rows() {
        let rows = vec![
            vec![
                "number".to_owned(),
                "family_name".to_owned(),
                "birth_date".to_owned(),
            ],
            vec![
                "NV-1".to_owned(),
                "Nguyễn; Thị".to_owned(),
                "1985-04-30".to_owned(),
            ],
        ];
        assert_eq!(csv_rows(&write_csv(&rows).unwrap()).unwrap(), rows);
        assert_eq!(
            xlsx_rows(&write_xlsx(&rows, "staff").unwrap()).unwrap(),
            rows
        );
        let semi = "\u{feff}number;family_name\nNV-2;Dupont\n".as_bytes();
        assert_eq!(
            csv_rows(semi).unwrap()[1],
            vec!["NV-2".to_owned(), "Dupont".to_owned()]
        );
        assert!(xlsx_rows(b"not a zip").is_err());
    }
}
