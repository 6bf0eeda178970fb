//! The records tables in the SQL both backends share: row decoders and the record insert,
//! expanded inside `sql_store!` (the `Store` methods are in `shared.rs`).

macro_rules! records_helpers {
    ($Db:ty) => {
        use guichet_core::{ArchiveFileId, ClassId, DispositionId, HoldId, RecordId};
        use guichet_store::{
            ArchiveFileRecord, CaptureSource, ClassRecord, DispositionRecord, FixityRunRecord,
            HoldRecord, RecordRow,
        };

        fn day_of(row: &DbRow, col: &str) -> Result<time::Date> {
            let text: String = row.try_get(col).map_err(map_err)?;
            $crate::shared::parse_day(&text)
        }

        fn opt_id(row: &DbRow, col: &str) -> Result<Option<Uuid>> {
            row.try_get::<Option<Uuid>, _>(col).map_err(map_err)
        }

        fn class_from_row(row: &DbRow) -> Result<ClassRecord> {
            Ok(ClassRecord {
                id: ClassId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                title: row.try_get("title").map_err(map_err)?,
                retention_years: row.try_get("retention_years").map_err(map_err)?,
                final_action: row.try_get("final_action").map_err(map_err)?,
                trigger: row.try_get("trigger_event").map_err(map_err)?,
                legal_reference: row.try_get("legal_reference").map_err(map_err)?,
                captures_dossiers: row.try_get("captures_dossiers").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn archive_file_from_row(row: &DbRow) -> Result<ArchiveFileRecord> {
            Ok(ArchiveFileRecord {
                id: ArchiveFileId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                class_id: ClassId(row.try_get("class_id").map_err(map_err)?),
                reference: row.try_get("reference").map_err(map_err)?,
                title: row.try_get("title").map_err(map_err)?,
                dossier_id: opt_id(row, "dossier_id")?.map(DossierId),
                opened_on: day_of(row, "opened_on")?,
                closed_on: opt_day(row, "closed_on")?,
                due_on: opt_day(row, "due_on")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: opt_id(row, "created_by")?.map(UserId),
            })
        }

        fn record_from_row(row: &DbRow) -> Result<RecordRow> {
            Ok(RecordRow {
                id: RecordId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                file_id: opt_id(row, "file_id")?.map(ArchiveFileId),
                parent_id: opt_id(row, "parent_id")?.map(RecordId),
                register: row.try_get("register").map_err(map_err)?,
                year: row.try_get("year").map_err(map_err)?,
                number: row.try_get("number").map_err(map_err)?,
                symbol: row.try_get("symbol").map_err(map_err)?,
                original_ref: row.try_get("original_ref").map_err(map_err)?,
                doc_type: row.try_get("doc_type").map_err(map_err)?,
                title: row.try_get("title").map_err(map_err)?,
                doc_date: day_of(row, "doc_date")?,
                issuer: row.try_get("issuer").map_err(map_err)?,
                signer: row.try_get("signer").map_err(map_err)?,
                recipients: row.try_get("recipients").map_err(map_err)?,
                urgency: row.try_get("urgency").map_err(map_err)?,
                confidentiality: row.try_get("confidentiality").map_err(map_err)?,
                lang: row.try_get("lang").map_err(map_err)?,
                source: row.try_get("source").map_err(map_err)?,
                source_id: opt_id(row, "source_id")?,
                dossier_id: opt_id(row, "dossier_id")?.map(DossierId),
                name: row.try_get("name").map_err(map_err)?,
                content_type: row.try_get("content_type").map_err(map_err)?,
                size: row.try_get("size").map_err(map_err)?,
                sha256: row.try_get("sha256").map_err(map_err)?,
                storage_key: row.try_get("storage_key").map_err(map_err)?,
                text: row.try_get("text").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: opt_id(row, "created_by")?.map(UserId),
                due_on: opt_day(row, "due_on")?,
                warned_at: row.try_get("warned_at").map_err(map_err)?,
                state: row.try_get("state").map_err(map_err)?,
                destroyed_at: row.try_get("destroyed_at").map_err(map_err)?,
                disposition_id: opt_id(row, "disposition_id")?.map(DispositionId),
            })
        }

        fn hold_from_row(row: &DbRow) -> Result<HoldRecord> {
            Ok(HoldRecord {
                id: HoldId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                reason: row.try_get("reason").map_err(map_err)?,
                legal_reference: row.try_get("legal_reference").map_err(map_err)?,
                record_id: opt_id(row, "record_id")?.map(RecordId),
                file_id: opt_id(row, "file_id")?.map(ArchiveFileId),
                placed_at: row.try_get("placed_at").map_err(map_err)?,
                placed_by: opt_id(row, "placed_by")?.map(UserId),
                released_at: row.try_get("released_at").map_err(map_err)?,
                released_by: opt_id(row, "released_by")?.map(UserId),
                release_reason: row.try_get("release_reason").map_err(map_err)?,
            })
        }

        fn disposition_from_row(row: &DbRow) -> Result<DispositionRecord> {
            Ok(DispositionRecord {
                id: DispositionId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                as_of: day_of(row, "as_of")?,
                state: row.try_get("state").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                created_by: opt_id(row, "created_by")?.map(UserId),
                decided_at: row.try_get("decided_at").map_err(map_err)?,
                decided_by: opt_id(row, "decided_by")?.map(UserId),
                executed_at: row.try_get("executed_at").map_err(map_err)?,
                items: json_text(row, "items")?,
                note: row.try_get("note").map_err(map_err)?,
                certificate_id: opt_id(row, "certificate_id")?.map(RecordId),
            })
        }

        fn fixity_from_row(row: &DbRow) -> Result<FixityRunRecord> {
            Ok(FixityRunRecord {
                id: row.try_get("id").map_err(map_err)?,
                started_at: row.try_get("started_at").map_err(map_err)?,
                finished_at: row.try_get("finished_at").map_err(map_err)?,
                objects: row.try_get("objects").map_err(map_err)?,
                copies_checked: row.try_get("copies_checked").map_err(map_err)?,
                ok: row.try_get("ok").map_err(map_err)?,
                repaired: row.try_get("repaired").map_err(map_err)?,
                failed: row.try_get("failed").map_err(map_err)?,
                report: json_text(row, "report")?,
            })
        }

        fn capture_from_row(row: &DbRow, kind: &str) -> Result<CaptureSource> {
            let text = |c: &str| -> Result<String> {
                Ok(row.try_get::<Option<String>, _>(c).map_err(map_err)?.unwrap_or_default())
            };
            Ok(CaptureSource {
                kind: kind.to_owned(),
                id: row.try_get("id").map_err(map_err)?,
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                dossier_id: DossierId(row.try_get("dossier_id").map_err(map_err)?),
                dossier_code: text("dossier_code")?,
                procedure_id: guichet_core::ProcedureId(row.try_get("procedure_id").map_err(map_err)?),
                at: row.try_get("at").map_err(map_err)?,
                author_id: opt_id(row, "author_id")?.map(UserId),
                author_name: text("author_name")?,
                name: text("name")?,
                content_type: text("content_type")?,
                size: row.try_get::<Option<i64>, _>("size").map_err(map_err)?.unwrap_or(0),
                sha256: text("sha256")?,
                storage_key: text("storage_key")?,
                document_kind: row.try_get("document_kind").map_err(map_err)?,
                document_lang: row.try_get("document_lang").map_err(map_err)?,
                body: text("body")?,
                internal: row.try_get::<Option<bool>, _>("internal").map_err(map_err)?.unwrap_or(false),
                from_applicant: row.try_get::<Option<bool>, _>("from_applicant").map_err(map_err)?.unwrap_or(false),
            })
        }

        async fn insert_record(conn: &mut Conn, r: &RecordRow) -> Result<bool> {
            let done = sqlx::query(
                "INSERT INTO records (id, office_id, file_id, parent_id, register, year, number, symbol, original_ref, doc_type, \
                 title, doc_date, issuer, signer, recipients, urgency, confidentiality, lang, source, source_id, dossier_id, \
                 name, content_type, size, sha256, storage_key, text, created_at, created_by, due_on, warned_at, state, \
                 destroyed_at, disposition_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34) \
                 ON CONFLICT (source, source_id) DO NOTHING",
            )
            .bind(r.id.as_uuid())
            .bind(r.office_id.as_uuid())
            .bind(r.file_id.map(|f| f.as_uuid()))
            .bind(r.parent_id.map(|p| p.as_uuid()))
            .bind(&r.register)
            .bind(r.year)
            .bind(r.number)
            .bind(&r.symbol)
            .bind(&r.original_ref)
            .bind(&r.doc_type)
            .bind(&r.title)
            .bind($crate::shared::iso_day(r.doc_date))
            .bind(&r.issuer)
            .bind(&r.signer)
            .bind(&r.recipients)
            .bind(&r.urgency)
            .bind(&r.confidentiality)
            .bind(&r.lang)
            .bind(&r.source)
            .bind(r.source_id)
            .bind(r.dossier_id.map(|d| d.as_uuid()))
            .bind(&r.name)
            .bind(&r.content_type)
            .bind(r.size)
            .bind(&r.sha256)
            .bind(&r.storage_key)
            .bind(&r.text)
            .bind(r.created_at)
            .bind(r.created_by.map(|u| u.as_uuid()))
            .bind(r.due_on.map($crate::shared::iso_day))
            .bind(r.warned_at)
            .bind(&r.state)
            .bind(r.destroyed_at)
            .bind(r.disposition_id.map(|d| d.as_uuid()))
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                conflict(
                    e,
                    &format!(
                        "number {} of the {} register of {}",
                        r.number.unwrap_or_default(),
                        r.register.as_deref().unwrap_or("-"),
                        r.year.unwrap_or_default()
                    ),
                )
            })?;
            Ok(done.rows_affected() == 1)
        }

        /// Takes the next number of a gap-free counter (the row lock serialises writers).
        async fn next_number(conn: &mut Conn, office: OfficeId, counter: &str, year: i64) -> Result<i64> {
            let row = sqlx::query(
                "INSERT INTO record_counters (office_id, counter, year, last) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (office_id, counter, year) DO UPDATE SET last = record_counters.last + 1 RETURNING last",
            )
            .bind(office.as_uuid())
            .bind(counter.to_owned())
            .bind(year)
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
            row.try_get("last").map_err(map_err)
        }
    };
}
pub(crate) use records_helpers;
