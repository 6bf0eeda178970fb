//! SQLite's lean page reader for exports: dossiers with their answers through a plain
//! read-only connection on a blocking thread. sqlx hands every row across threads, which costs
//! more than decoding it; `tests/contract.rs` checks this reader against the generic one.

use std::path::Path;
use std::time::Duration;

/// Dossiers with their answers through a plain read-only connection (see `read_ledger`):
/// sqlx hands every row across threads, which costs more than decoding it.
pub(crate) fn read_dossiers_blocking(
    path: &Path,
    office: guichet_core::OfficeId,
    procedure: Option<guichet_core::ProcedureId>,
    after: Option<guichet_core::DossierId>,
    limit: u32,
) -> guichet_store::Result<Vec<crate::store::DossierRecord>> {
    use guichet_store::StoreError;
    use rusqlite::OpenFlags;
    let db = |e: rusqlite::Error| StoreError::Database(e.to_string());
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
    // Pages through a memory map rather than one read(2) each (exports touch every page);
    // 128 MiB keeps the mapped pages, which count in the resident size, bounded.
    conn.pragma_update(None, "mmap_size", 128i64 << 20)
        .map_err(db)?;
    let mut sql = format!(
        "SELECT {} FROM dossiers WHERE office_id = ?1",
        crate::sql::DOSSIER_COLUMNS
    );
    sql.push_str(if procedure.is_some() {
        " AND procedure_id = ?2"
    } else {
        " AND ?2 IS NULL"
    });
    sql.push_str(if after.is_some() {
        " AND id > ?3"
    } else {
        " AND ?3 IS NULL"
    });
    sql.push_str(" ORDER BY id LIMIT ?4");
    let mut statement = conn.prepare(&sql).map_err(db)?;
    let uuid_bytes = |u: uuid::Uuid| u.as_bytes().to_vec();
    let mut rows = statement
        .query(rusqlite::params![
            uuid_bytes(office.as_uuid()),
            procedure.map(|p| uuid_bytes(p.as_uuid())),
            after.map(|a| uuid_bytes(a.as_uuid())),
            i64::from(limit.clamp(1, 10_000)),
        ])
        .map_err(db)?;
    let damaged = |what: &str| StoreError::Database(format!("dossier row is damaged: {what}"));
    let mut out = Vec::with_capacity(limit.min(10_000) as usize);
    while let Some(row) = rows.next().map_err(db)? {
        let uuid = |i: usize| -> guichet_store::Result<Option<uuid::Uuid>> {
            match row.get_ref(i).map_err(db)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                v => v
                    .as_blob()
                    .ok()
                    .and_then(|b| uuid::Uuid::from_slice(b).ok())
                    .map(Some)
                    .ok_or_else(|| damaged("id is not a UUID")),
            }
        };
        let text = |i: usize| -> guichet_store::Result<Option<&str>> {
            match row.get_ref(i).map_err(db)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                v => v.as_str().map(Some).map_err(|_| damaged("text expected")),
            }
        };
        let moment = |i: usize| -> guichet_store::Result<Option<time::OffsetDateTime>> {
            text(i)?
                .map(|t| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| damaged("time is not RFC 3339"))
                })
                .transpose()
        };
        let day = |i: usize| {
            text(i)?
                .map(guichet_store_sql::sqlite::prelude::parse_day)
                .transpose()
        };
        let required = |v: Option<uuid::Uuid>| v.ok_or_else(|| damaged("missing id"));
        out.push(crate::store::DossierRecord {
            id: guichet_core::DossierId(required(uuid(0)?)?),
            code: text(1)?.map(str::to_owned),
            office_id: guichet_core::OfficeId(required(uuid(2)?)?),
            procedure_id: guichet_core::ProcedureId(required(uuid(3)?)?),
            procedure_version: row.get(4).map_err(db)?,
            applicant_id: uuid(5)?.map(guichet_core::UserId),
            applicant_name: row.get(6).map_err(db)?,
            applicant_email: row.get(7).map_err(db)?,
            state: row.get(8).map_err(db)?,
            answers: match text(9)? {
                Some(t) => serde_json::from_str(t)
                    .map_err(|e| damaged(&format!("answers are not JSON: {e}")))?,
                None => serde_json::Value::Null,
            },
            secret_hash: row.get(10).map_err(db)?,
            rev: row.get(11).map_err(db)?,
            created_at: moment(12)?.ok_or_else(|| damaged("no creation time"))?,
            updated_at: moment(13)?.ok_or_else(|| damaged("no update time"))?,
            submitted_at: moment(14)?,
            received_at: moment(15)?,
            due_date: day(16)?,
            paused_on: day(17)?,
            decided_on: day(18)?,
            assigned_to: uuid(19)?.map(guichet_core::UserId),
            idempotency_key: row.get(20).map_err(db)?,
            lang: row.get(21).map_err(db)?,
            intake: match text(22)? {
                Some(t) => Some(
                    serde_json::from_str(t)
                        .map_err(|e| damaged(&format!("intake is not JSON: {e}")))?,
                ),
                None => None,
            },
        });
    }
    Ok(out)
}
