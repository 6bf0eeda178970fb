//! Exports of dossiers and their answers: CSV, XLSX (rust_xlsxwriter, constant-memory mode),
//! ODS (written as a stream: one row at a time into `content.xml` inside the zip) and ZIP
//! (the CSV plus every file of every dossier). Dossiers are read page by page in id order and
//! written as they come, so memory stays flat whatever the number of rows; the file is written
//! to a temporary file and then copied to the file store in chunks.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use crate::store::{DossierQuery, DossierRecord, ExportJobRecord, OneStopStore, ProcedureRecord};
use guichet_core::{Clock, Entropy, ExportId, IdGen, UserId};
use guichet_ledger::Event;
use guichet_store::{Audit, Office};
use serde_json::Value;
use tokio::runtime::Handle;

use crate::files::Files;
use crate::form::FormSchema;
use crate::{Result, ServiceError, invalid};

/// Rows read from the store at a time.
pub const PAGE: u32 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Ods,
    Zip,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "ods" => Some(Format::Ods),
            "zip" => Some(Format::Zip),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
            Format::Zip => "zip",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Format::Zip => "application/zip",
        }
    }
}

/// The columns every export can have, before the answers.
pub const FIXED_COLUMNS: [&str; 11] = [
    "code",
    "procedure",
    "version",
    "state",
    "applicant",
    "email",
    "submitted_at",
    "received_at",
    "due_date",
    "decided_on",
    "timing",
];

/// Columns a person may choose: the fixed ones, then `answers.{key}` for each field of the
/// procedure's form (files, sections and explanations left out).
pub fn available_columns(schema: Option<&FormSchema>) -> Vec<String> {
    let mut out: Vec<String> = FIXED_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    if let Some(schema) = schema {
        for f in &schema.fields {
            if !f.kind.is_static() && !matches!(f.kind, crate::form::FieldKind::File { .. }) {
                out.push(format!("answers.{}", f.key));
            }
        }
    } else {
        out.push("answers".into());
    }
    out
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

fn day(d: Option<time::Date>) -> Cell {
    d.map(|d| Cell::Text(crate::form::iso(d)))
        .unwrap_or(Cell::Empty)
}

fn moment(t: Option<time::OffsetDateTime>) -> Cell {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .map(Cell::Text)
    .unwrap_or(Cell::Empty)
}

fn answer_cell(v: Option<&Value>) -> Cell {
    match v {
        None | Some(Value::Null) => Cell::Empty,
        Some(Value::String(s)) => Cell::Text(s.clone()),
        Some(Value::Number(n)) => n.as_f64().map(Cell::Number).unwrap_or(Cell::Empty),
        Some(Value::Bool(b)) => Cell::Text(if *b { "yes" } else { "no" }.into()),
        Some(Value::Array(items)) if items.iter().all(|i| i.is_string()) => Cell::Text(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Some(other) => Cell::Text(other.to_string()),
    }
}

/// The cells of one dossier for `columns`.
pub fn cells(d: &DossierRecord, procedure_code: &str, columns: &[String]) -> Vec<Cell> {
    columns
        .iter()
        .map(|c| match c.as_str() {
            "code" => d.code.clone().map(Cell::Text).unwrap_or(Cell::Empty),
            "procedure" => Cell::Text(procedure_code.to_owned()),
            "version" => Cell::Number(d.procedure_version as f64),
            "state" => Cell::Text(d.state.clone()),
            "applicant" => Cell::Text(d.applicant_name.clone()),
            "email" => d
                .applicant_email
                .clone()
                .map(Cell::Text)
                .unwrap_or(Cell::Empty),
            "submitted_at" => moment(d.submitted_at),
            "received_at" => moment(d.received_at),
            "due_date" => day(d.due_date),
            "decided_on" => day(d.decided_on),
            "timing" => match (d.decided_on, d.due_date) {
                (Some(x), Some(due)) => Cell::Text(
                    match guichet_rules::calendar::classify(x, due) {
                        guichet_rules::calendar::Timeliness::Early => "early",
                        guichet_rules::calendar::Timeliness::OnTime => "on_time",
                        guichet_rules::calendar::Timeliness::Late => "late",
                    }
                    .into(),
                ),
                _ => Cell::Empty,
            },
            "answers" => Cell::Text(d.answers.to_string()),
            other => match other.strip_prefix("answers.") {
                Some(key) => answer_cell(d.answers.get(key)),
                None => Cell::Empty,
            },
        })
        .collect()
}

/// A writer of rows in one format.
pub trait RowSink {
    fn row(&mut self, cells: &[Cell]) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

fn io(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("writing the export: {e}"))
}

struct CsvSink<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> RowSink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        self.w
            .write_record(cells.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Number(n) => format_number(*n),
                Cell::Empty => String::new(),
            }))
            .map_err(io)
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.w.flush().map_err(io)
    }
}

/// Numbers as spreadsheets print them: integers without a decimal point.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

struct XlsxSink {
    workbook: rust_xlsxwriter::Workbook,
    path: std::path::PathBuf,
    row: u32,
}

impl XlsxSink {
    fn new(path: &Path) -> Result<Self> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook
            .add_worksheet_with_constant_memory()
            .map_err(io)?
            .set_name("dossiers")
            .map_err(io)?;
        Ok(Self {
            workbook,
            path: path.to_owned(),
            row: 0,
        })
    }
}

impl RowSink for XlsxSink {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        if self.row >= 1_048_576 {
            return Err(invalid(
                "export-too-big",
                "XLSX holds at most 1,048,576 rows: choose CSV or ODS",
            ));
        }
        let sheet = self.workbook.worksheet_from_index(0).map_err(io)?;
        for (i, c) in cells.iter().enumerate() {
            let col = i as u16;
            match c {
                Cell::Text(s) => {
                    sheet.write_string(self.row, col, s).map_err(io)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(self.row, col, *n).map_err(io)?;
                }
                Cell::Empty => {}
            }
        }
        self.row += 1;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        let path = self.path.clone();
        self.workbook.save(&path).map_err(io)
    }
}

/// OpenDocument spreadsheet written as a stream.
struct OdsSink<W: Write + std::io::Seek> {
    zip: zip::ZipWriter<W>,
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot carry.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

impl<W: Write + std::io::Seek> OdsSink<W> {
    fn new(w: W) -> Result<Self> {
        use zip::write::SimpleFileOptions;
        let mut zip = zip::ZipWriter::new(w);
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).map_err(io)?;
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .map_err(io)?;
        let deflated =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("META-INF/manifest.xml", deflated)
            .map_err(io)?;
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"#).map_err(io)?;
        zip.start_file("content.xml", deflated).map_err(io)?;
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="dossiers">"#).map_err(io)?;
        Ok(Self { zip })
    }
}

impl<W: Write + std::io::Seek> RowSink for OdsSink<W> {
    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        let mut s = String::from("<table:table-row>");
        for c in cells {
            match c {
                Cell::Text(t) => {
                    s.push_str("<table:table-cell office:value-type=\"string\"><text:p>");
                    s.push_str(&xml_escape(t));
                    s.push_str("</text:p></table:table-cell>");
                }
                Cell::Number(n) => {
                    let v = format_number(*n);
                    s.push_str(&format!(
                        "<table:table-cell office:value-type=\"float\" office:value=\"{v}\"><text:p>{v}</text:p></table:table-cell>"
                    ));
                }
                Cell::Empty => s.push_str("<table:table-cell/>"),
            }
        }
        s.push_str("</table:table-row>");
        self.zip.write_all(s.as_bytes()).map_err(io)
    }
    fn finish(mut self: Box<Self>) -> Result<()> {
        self.zip
            .write_all(
                b"</table:table></office:spreadsheet></office:body></office:document-content>",
            )
            .map_err(io)?;
        self.zip.finish().map_err(io)?;
        Ok(())
    }
}

/// What to export.
#[derive(Clone)]
pub struct ExportSpec {
    pub office: Office,
    pub procedure: Option<ProcedureRecord>,
    pub format: Format,
    pub columns: Vec<String>,
}

/// Writes the export to `out`, calling `progress(done, total)` after each page. Blocking: run
/// it on a blocking thread (it reads the store through `handle`).
pub fn write_export(
    handle: &Handle,
    store: &Arc<dyn OneStopStore>,
    files: &Files,
    spec: &ExportSpec,
    out: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64> {
    let query = DossierQuery {
        office: Some(spec.office.id),
        procedure: spec.procedure.as_ref().map(|p| p.id),
        ..DossierQuery::default()
    };
    let total = handle
        .block_on(store.count_dossiers(&query, i64::MAX))?
        .max(0) as u64;
    let procedures: Vec<ProcedureRecord> =
        handle.block_on(store.list_procedures(Some(spec.office.id)))?;
    let file = std::fs::File::create(out).map_err(io)?;
    let mut zip_out: Option<zip::ZipWriter<std::fs::File>> = None;
    let mut sink: Box<dyn RowSink> = match spec.format {
        Format::Csv => Box::new(CsvSink {
            w: csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file)),
        }),
        Format::Xlsx => {
            drop(file);
            Box::new(XlsxSink::new(out)?)
        }
        Format::Ods => Box::new(OdsSink::new(BufWriter::with_capacity(1 << 20, file))?),
        Format::Zip => {
            // The table goes in as dossiers.csv, written to a side file and added at the end.
            zip_out = Some(zip::ZipWriter::new(file));
            let side = out.with_extension("csv.part");
            Box::new(CsvSink {
                w: csv::Writer::from_writer(BufWriter::new(
                    std::fs::File::create(&side).map_err(io)?,
                )),
            })
        }
    };
    let header: Vec<Cell> = spec.columns.iter().map(|c| Cell::Text(c.clone())).collect();
    sink.row(&header)?;
    // One procedure at a time, each in id order: the pages walk the (office, procedure, id)
    // index instead of sorting the office's dossiers for every page.
    let walk: Vec<&ProcedureRecord> = match &spec.procedure {
        Some(p) => vec![p],
        None => procedures.iter().collect(),
    };
    let mut done = 0u64;
    for procedure in walk {
        let mut after = None;
        loop {
            let page = handle.block_on(store.dossiers_page(
                spec.office.id,
                Some(procedure.id),
                after,
                PAGE,
            ))?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for d in &page {
                sink.row(&cells(d, &procedure.code, &spec.columns))?;
                if let Some(zip) = zip_out.as_mut() {
                    let folder = d.code.clone().unwrap_or_else(|| d.id.to_string());
                    for f in handle.block_on(store.dossier_files(d.id))? {
                        let content = handle.block_on(files.get(&f))?;
                        let options = zip::write::SimpleFileOptions::default()
                            .compression_method(zip::CompressionMethod::Deflated)
                            .large_file(content.len() as u64 >= u32::MAX as u64);
                        let name = f.name.replace(['/', '\\'], "_");
                        zip.start_file(
                            format!("{folder}/{}-{name}", &f.id.to_string()[..8]),
                            options,
                        )
                        .map_err(io)?;
                        zip.write_all(&content).map_err(io)?;
                    }
                }
            }
            done += page.len() as u64;
            progress(done, total.max(done));
            if page.len() < PAGE as usize {
                break;
            }
        }
    }
    sink.finish()?;
    if let Some(mut zip) = zip_out {
        let side = out.with_extension("csv.part");
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("dossiers.csv", options).map_err(io)?;
        let mut f = std::fs::File::open(&side).map_err(io)?;
        std::io::copy(&mut f, &mut zip).map_err(io)?;
        zip.finish().map_err(io)?;
        let _ = std::fs::remove_file(&side);
    }
    Ok(done)
}

/// Checks the requested columns against those available.
pub fn check_columns(requested: &[String], available: &[String]) -> Result<Vec<String>> {
    if requested.is_empty() {
        return Ok(available.to_vec());
    }
    for c in requested {
        if !available.contains(c) {
            return Err(invalid("export-column", format!("unknown column {c}")));
        }
    }
    Ok(requested.to_vec())
}

/// Records an export job and runs it in the background; returns the job as first recorded.
#[allow(clippy::too_many_arguments)]
pub async fn start_job(
    store: Arc<dyn OneStopStore>,
    files: Files,
    clock: Arc<dyn Clock>,
    entropy: &dyn Entropy,
    actor: &str,
    requested_by: Option<UserId>,
    spec: ExportSpec,
) -> Result<ExportJobRecord> {
    let now = clock.now();
    let id: ExportId = IdGen {
        clock: &*clock,
        entropy,
    }
    .id();
    let job = ExportJobRecord {
        id,
        office_id: spec.office.id,
        requested_by,
        format: spec.format.code().into(),
        params: serde_json::json!({
            "procedure": spec.procedure.as_ref().map(|p| p.code.clone()),
            "columns": spec.columns,
        }),
        state: "queued".into(),
        rows_done: 0,
        rows_total: 0,
        storage_key: None,
        size: None,
        error: None,
        created_at: now,
        finished_at: None,
    };
    let event = Event {
        stream: spec.office.code.clone(),
        actor: actor.to_owned(),
        action: "export.requested".into(),
        object_type: "export".into(),
        object_id: id.to_string(),
        payload: job.params.clone(),
    };
    store
        .create_export_job(&job, &Audit::one(now, event))
        .await?;
    let first = job.clone();
    tokio::spawn(run_job(store, files, clock, job, spec));
    Ok(first)
}

/// Runs a recorded job to its end, saving progress; a failure is recorded on the job.
pub async fn run_job(
    store: Arc<dyn OneStopStore>,
    files: Files,
    clock: Arc<dyn Clock>,
    mut job: ExportJobRecord,
    spec: ExportSpec,
) {
    job.state = "running".into();
    let _ = store.update_export_job(&job).await;
    let outcome = run_job_inner(&store, &files, &mut job, &spec).await;
    job.finished_at = Some(clock.now());
    match outcome {
        Ok(()) => job.state = "done".into(),
        Err(e) => {
            tracing::warn!(export = %job.id, error = %e, "export failed");
            job.state = "failed".into();
            job.error = Some(e.to_string());
        }
    }
    if let Err(e) = store.update_export_job(&job).await {
        tracing::error!(export = %job.id, error = %e, "cannot record the end of an export");
    }
}

async fn run_job_inner(
    store: &Arc<dyn OneStopStore>,
    files: &Files,
    job: &mut ExportJobRecord,
    spec: &ExportSpec,
) -> Result<()> {
    let dir = tempfile::tempdir().map_err(io)?;
    let path = dir.path().join(format!("export.{}", spec.format.code()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
    let (store2, files2, spec2, path2) = (store.clone(), files.clone(), spec.clone(), path.clone());
    let handle = Handle::current();
    let writer = tokio::task::spawn_blocking(move || {
        write_export(&handle, &store2, &files2, &spec2, &path2, |done, total| {
            let _ = tx.send((done, total));
        })
    });
    while let Some((done, total)) = rx.recv().await {
        job.rows_done = done as i64;
        job.rows_total = total as i64;
        let _ = store.update_export_job(job).await;
    }
    let rows = writer
        .await
        .map_err(|e| ServiceError::Internal(format!("export stopped: {e}")))??;
    job.rows_done = rows as i64;
    job.rows_total = job.rows_total.max(rows as i64);
    let key = format!("exports/{}.{}", job.id, spec.format.code());
    let size = files.put_path(&key, &path).await?;
    job.storage_key = Some(key);
    job.size = Some(size as i64);
    Ok(())
}
