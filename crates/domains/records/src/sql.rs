//! The slice's SQL, written once and expanded for each backend with that backend's prelude:
//! row decoders, the record insert and the `RecordsStore` implementation.

macro_rules! records_sql {
    ($Store:ty) => {
        use guichet_core::{DossierId, OfficeId, UserId};
        use guichet_store::Audit;
        use sqlx::Row as _;
        use time::OffsetDateTime;

        use crate::store::RecordsStore;
        use guichet_core::{ArchiveFileId, ClassId, DispositionId, HoldId, RecordId};
        use crate::store::{
            ArchiveFileRecord, CaptureSource, ClassRecord, DispositionRecord, FixityRunRecord,
            HoldRecord, RecordRow,
        };

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
            .bind(iso_day(r.doc_date))
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
            .bind(r.due_on.map(iso_day))
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

        #[async_trait::async_trait]
        impl RecordsStore for $Store {
            async fn put_record_class(&self, c: &crate::store::ClassRecord, audit: &Audit) -> Result<()> {
                let (c, audit, entropy) = (c.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO record_classes (id, office_id, code, title, retention_years, final_action, trigger_event, legal_reference, captures_dossiers, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         ON CONFLICT (id) DO UPDATE SET code = $3, title = $4, retention_years = $5, final_action = $6, trigger_event = $7, legal_reference = $8, captures_dossiers = $9",
                    )
                    .bind(c.id.as_uuid())
                    .bind(c.office_id.as_uuid())
                    .bind(&c.code)
                    .bind(&c.title)
                    .bind(c.retention_years)
                    .bind(&c.final_action)
                    .bind(&c.trigger)
                    .bind(&c.legal_reference)
                    .bind(c.captures_dossiers)
                    .bind(c.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("file plan class {}", c.code)))?;
                    if c.captures_dossiers {
                        // One class receives the office's dossiers.
                        sqlx::query("UPDATE record_classes SET captures_dossiers = $1 WHERE office_id = $2 AND id <> $3")
                            .bind(false)
                            .bind(c.office_id.as_uuid())
                            .bind(c.id.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn record_classes(&self, office: OfficeId) -> Result<Vec<crate::store::ClassRecord>> {
                let rows = sqlx::query("SELECT * FROM record_classes WHERE office_id = $1 ORDER BY code")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(class_from_row).collect()
            }

            async fn open_archive_file(
                &self,
                f: &crate::store::ArchiveFileRecord,
                number: &crate::store::NumberRequest,
                audit: &Audit,
            ) -> Result<crate::store::ArchiveFileRecord> {
                let (f, number, audit, entropy) = (f.clone(), number.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let mut f = f.clone();
                    // An empty counter keeps the reference as given (imports).
                    if !number.counter.is_empty() {
                        let n = next_number(&mut *conn, f.office_id, &number.counter, number.year).await?;
                        f.reference = format!("{}{n:02}", f.reference);
                    }
                    sqlx::query(
                        "INSERT INTO archive_files (id, office_id, class_id, reference, title, dossier_id, opened_on, closed_on, due_on, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(f.id.as_uuid())
                    .bind(f.office_id.as_uuid())
                    .bind(f.class_id.as_uuid())
                    .bind(&f.reference)
                    .bind(&f.title)
                    .bind(f.dossier_id.map(|d| d.as_uuid()))
                    .bind(iso_day(f.opened_on))
                    .bind(f.closed_on.map(iso_day))
                    .bind(f.due_on.map(iso_day))
                    .bind(f.created_at)
                    .bind(f.created_by.map(|u| u.as_uuid()))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("archival file {} (or one for this dossier)", f.reference)))?;
                    let mut audit = audit.clone();
                    for ev in &mut audit.events {
                        if let Some(obj) = ev.payload.as_object_mut() {
                            obj.insert("reference".into(), serde_json::Value::String(f.reference.clone()));
                        }
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(f)
                })
            }

            async fn close_archive_file(
                &self,
                id: guichet_core::ArchiveFileId,
                closed_on: time::Date,
                due_on: Option<time::Date>,
                records_due: bool,
                audit: &Audit,
            ) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let due = due_on.map(iso_day);
                    let changed = sqlx::query("UPDATE archive_files SET closed_on = $1, due_on = $2 WHERE id = $3 AND closed_on IS NULL")
                        .bind(iso_day(closed_on))
                        .bind(&due)
                        .bind(id.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::Stale(format!("archival file {id}")));
                    }
                    if records_due {
                        sqlx::query("UPDATE records SET due_on = $1 WHERE file_id = $2 AND state = 'active'")
                            .bind(&due)
                            .bind(id.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn archive_file(&self, id: guichet_core::ArchiveFileId) -> Result<Option<crate::store::ArchiveFileRecord>> {
                let row = sqlx::query("SELECT * FROM archive_files WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(archive_file_from_row).transpose()
            }

            async fn archive_file_for_dossier(&self, dossier: DossierId) -> Result<Option<crate::store::ArchiveFileRecord>> {
                let row = sqlx::query("SELECT * FROM archive_files WHERE dossier_id = $1")
                    .bind(dossier.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(archive_file_from_row).transpose()
            }

            async fn open_files_of_dossiers_in(&self, states: &[&str], limit: u32) -> Result<Vec<(crate::store::ArchiveFileRecord, OffsetDateTime)>> {
                if states.is_empty() {
                    return Ok(Vec::new());
                }
                let mut b = sqlx::QueryBuilder::<Db>::new(
                    "SELECT f.*, d.updated_at AS dossier_updated_at FROM archive_files f JOIN dossiers d ON d.id = f.dossier_id \
                     WHERE f.closed_on IS NULL AND d.state IN (",
                );
                let mut sep = b.separated(", ");
                for s in states {
                    sep.push_bind((*s).to_owned());
                }
                b.push(") ORDER BY f.id LIMIT ").push_bind(i64::from(limit.clamp(1, 10_000)));
                let rows = b.build().fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((archive_file_from_row(r)?, r.try_get("dossier_updated_at").map_err(map_err)?)))
                    .collect()
            }

            async fn archive_files(&self, office: OfficeId, limit: u32) -> Result<Vec<crate::store::ArchiveFileRecord>> {
                let rows = sqlx::query("SELECT * FROM archive_files WHERE office_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(office.as_uuid())
                    .bind(i64::from(limit.clamp(1, 10_000)))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(archive_file_from_row).collect()
            }

            async fn add_records(&self, writes: Vec<crate::store::RecordWrite>, audit: &Audit) -> Result<Vec<crate::store::RecordRow>> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let mut stored = Vec::with_capacity(writes.len());
                    let mut numbers = serde_json::Map::new();
                    for w in &writes {
                        let mut r = w.record.clone();
                        if let Some(req) = &w.number {
                            let n = next_number(&mut *conn, r.office_id, &req.counter, req.year).await?;
                            r.number = Some(n);
                            r.year = Some(req.year);
                            numbers.insert(r.id.to_string(), serde_json::Value::from(n));
                        }
                        if insert_record(&mut *conn, &r).await? {
                            stored.push(r);
                        }
                    }
                    if stored.is_empty() {
                        return Ok(stored);
                    }
                    // Numbers are given here; the events name them.
                    let mut audit = audit.clone();
                    for ev in &mut audit.events {
                        if let Some(obj) = ev.payload.as_object_mut()
                            && !numbers.is_empty()
                        {
                            obj.insert("numbers".into(), serde_json::Value::Object(numbers.clone()));
                        }
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(stored)
                })
            }

            async fn record_row(&self, id: guichet_core::RecordId) -> Result<Option<crate::store::RecordRow>> {
                let row = sqlx::query("SELECT * FROM records WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(record_from_row).transpose()
            }

            async fn records(&self, q: &crate::store::RecordQuery) -> Result<Vec<crate::store::RecordRow>> {
                let mut b = sqlx::QueryBuilder::<Db>::new("SELECT * FROM records WHERE 1 = 1");
                if let Some(o) = q.office {
                    b.push(" AND office_id = ").push_bind(o.as_uuid());
                }
                if let Some(r) = &q.register {
                    b.push(" AND register = ").push_bind(r.clone());
                }
                if let Some(y) = q.year {
                    b.push(" AND year = ").push_bind(y);
                }
                if let Some(f) = q.file {
                    b.push(" AND file_id = ").push_bind(f.as_uuid());
                }
                if let Some(d) = q.dossier {
                    b.push(" AND dossier_id = ").push_bind(d.as_uuid());
                }
                if !q.ids.is_empty() {
                    b.push(" AND id IN (");
                    let mut sep = b.separated(", ");
                    for id in &q.ids {
                        sep.push_bind(id.as_uuid());
                    }
                    b.push(")");
                }
                if q.active_only {
                    b.push(" AND state = 'active'");
                }
                if let Some(d) = q.due_by {
                    b.push(" AND due_on IS NOT NULL AND due_on <= ").push_bind(iso_day(d));
                }
                if q.not_warned {
                    b.push(" AND warned_at IS NULL");
                }
                if let Some(a) = q.after {
                    b.push(if q.newest_first { " AND id < " } else { " AND id > " }).push_bind(a.as_uuid());
                }
                b.push(if q.newest_first { " ORDER BY id DESC" } else { " ORDER BY id" });
                b.push(" LIMIT ").push_bind(i64::from(q.limit.clamp(1, 100_000)));
                let rows = b.build().fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter().map(record_from_row).collect()
            }

            async fn count_records(&self, office: Option<OfficeId>) -> Result<i64> {
                let mut b = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM records");
                if let Some(o) = office {
                    b.push(" WHERE office_id = ").push_bind(o.as_uuid());
                }
                let row = b.build().fetch_one(self.reader()).await.map_err(map_err)?;
                row.try_get("n").map_err(map_err)
            }

            async fn uncaptured(&self, limit: u32) -> Result<Vec<crate::store::CaptureSource>> {
                let limit = i64::from(limit.clamp(1, 10_000));
                let files = sqlx::query(
                    "SELECT f.id, d.office_id, f.dossier_id, d.code AS dossier_code, d.procedure_id, f.created_at AS at, \
                     f.uploaded_by AS author_id, NULL AS author_name, f.name, f.content_type, f.size, f.sha256, f.storage_key, \
                     doc.kind AS document_kind, doc.lang AS document_lang, NULL AS body, NULL AS internal, NULL AS from_applicant \
                     FROM files f JOIN dossiers d ON d.id = f.dossier_id \
                     LEFT JOIN documents doc ON doc.file_id = f.id \
                     WHERE d.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM records r WHERE r.source = 'file' AND r.source_id = f.id) \
                     ORDER BY f.id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let messages = sqlx::query(
                    "SELECT m.id, d.office_id, m.dossier_id, d.code AS dossier_code, d.procedure_id, m.at, \
                     m.author_id, m.author_name, NULL AS name, NULL AS content_type, NULL AS size, NULL AS sha256, NULL AS storage_key, \
                     NULL AS document_kind, NULL AS document_lang, m.body, m.internal, m.from_applicant \
                     FROM dossier_messages m JOIN dossiers d ON d.id = m.dossier_id \
                     WHERE d.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM records r WHERE r.source = 'message' AND r.source_id = m.id) \
                     ORDER BY m.id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(files.len() + messages.len());
                for r in &files {
                    out.push(capture_from_row(r, "file")?);
                }
                for r in &messages {
                    out.push(capture_from_row(r, "message")?);
                }
                Ok(out)
            }

            async fn mark_records_warned(&self, ids: &[guichet_core::RecordId], at: OffsetDateTime, audit: &Audit) -> Result<()> {
                let (ids, audit, entropy) = (ids.to_vec(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    for id in &ids {
                        sqlx::query("UPDATE records SET warned_at = $1 WHERE id = $2 AND warned_at IS NULL")
                            .bind(at)
                            .bind(id.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn put_hold(&self, h: &crate::store::HoldRecord, audit: &Audit) -> Result<()> {
                let (h, audit, entropy) = (h.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO record_holds (id, office_id, reason, legal_reference, record_id, file_id, placed_at, placed_by, released_at, released_by, release_reason) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(h.id.as_uuid())
                    .bind(h.office_id.as_uuid())
                    .bind(&h.reason)
                    .bind(&h.legal_reference)
                    .bind(h.record_id.map(|r| r.as_uuid()))
                    .bind(h.file_id.map(|f| f.as_uuid()))
                    .bind(h.placed_at)
                    .bind(h.placed_by.map(|u| u.as_uuid()))
                    .bind(h.released_at)
                    .bind(h.released_by.map(|u| u.as_uuid()))
                    .bind(&h.release_reason)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "hold"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn release_hold(&self, id: guichet_core::HoldId, at: OffsetDateTime, by: Option<UserId>, reason: &str, audit: &Audit) -> Result<()> {
                let (reason, audit, entropy) = (reason.to_owned(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let changed = sqlx::query(
                        "UPDATE record_holds SET released_at = $1, released_by = $2, release_reason = $3 WHERE id = $4 AND released_at IS NULL",
                    )
                    .bind(at)
                    .bind(by.map(|u| u.as_uuid()))
                    .bind(&reason)
                    .bind(id.as_uuid())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::Stale(format!("hold {id}")));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn holds(&self, office: OfficeId) -> Result<Vec<crate::store::HoldRecord>> {
                let rows = sqlx::query("SELECT * FROM record_holds WHERE office_id = $1 ORDER BY id DESC")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(hold_from_row).collect()
            }

            async fn put_disposition(&self, d: &crate::store::DispositionRecord, expected_state: Option<&str>, audit: &Audit) -> Result<()> {
                let (d, expected, audit, entropy) = (d.clone(), expected_state.map(str::to_owned), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    match &expected {
                        None => {
                            sqlx::query(
                                "INSERT INTO dispositions (id, office_id, as_of, state, created_at, created_by, decided_at, decided_by, executed_at, items, note, certificate_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                            )
                            .bind(d.id.as_uuid())
                            .bind(d.office_id.as_uuid())
                            .bind(iso_day(d.as_of))
                            .bind(&d.state)
                            .bind(d.created_at)
                            .bind(d.created_by.map(|u| u.as_uuid()))
                            .bind(d.decided_at)
                            .bind(d.decided_by.map(|u| u.as_uuid()))
                            .bind(d.executed_at)
                            .bind(d.items.to_string())
                            .bind(&d.note)
                            .bind(d.certificate_id.map(|c| c.as_uuid()))
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| conflict(e, "disposition"))?;
                        }
                        Some(state) => {
                            let changed = sqlx::query(
                                "UPDATE dispositions SET state = $1, decided_at = $2, decided_by = $3, executed_at = $4, items = $5, note = $6, certificate_id = $7 \
                                 WHERE id = $8 AND state = $9",
                            )
                            .bind(&d.state)
                            .bind(d.decided_at)
                            .bind(d.decided_by.map(|u| u.as_uuid()))
                            .bind(d.executed_at)
                            .bind(d.items.to_string())
                            .bind(&d.note)
                            .bind(d.certificate_id.map(|c| c.as_uuid()))
                            .bind(d.id.as_uuid())
                            .bind(state)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?
                            .rows_affected();
                            if changed == 0 {
                                return Err(StoreError::Stale(format!("disposition {}", d.id)));
                            }
                        }
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn disposition(&self, id: guichet_core::DispositionId) -> Result<Option<crate::store::DispositionRecord>> {
                let row = sqlx::query("SELECT * FROM dispositions WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(disposition_from_row).transpose()
            }

            async fn dispositions(&self, office: OfficeId) -> Result<Vec<crate::store::DispositionRecord>> {
                let rows = sqlx::query("SELECT * FROM dispositions WHERE office_id = $1 ORDER BY id DESC")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(disposition_from_row).collect()
            }

            async fn destroy_records(
                &self,
                disposition: guichet_core::DispositionId,
                ids: &[guichet_core::RecordId],
                at: OffsetDateTime,
                audit: &Audit,
            ) -> Result<crate::store::Destruction> {
                let (ids, audit, entropy) = (ids.to_vec(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let mut out = crate::store::Destruction::default();
                    for id in &ids {
                        let row = sqlx::query("SELECT * FROM records WHERE id = $1 AND state = 'active'")
                            .bind(id.as_uuid())
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        let Some(row) = row else { continue };
                        let record = record_from_row(&row)?;
                        // The hold check runs in the destroying transaction: a hold placed a
                        // moment earlier wins.
                        let held = sqlx::query(
                            "SELECT id FROM record_holds WHERE released_at IS NULL AND (record_id = $1 OR (file_id IS NOT NULL AND file_id = $2) \
                             OR (record_id IS NOT NULL AND record_id = $3))",
                        )
                        .bind(record.id.as_uuid())
                        .bind(record.file_id.map(|f| f.as_uuid()))
                        .bind(record.parent_id.map(|p| p.as_uuid()))
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(map_err)?;
                        if held.is_some() {
                            out.held.push(record.id);
                            continue;
                        }
                        sqlx::query(
                            "UPDATE records SET state = 'destroyed', destroyed_at = $1, disposition_id = $2, storage_key = NULL, text = '' WHERE id = $3",
                        )
                        .bind(at)
                        .bind(disposition.as_uuid())
                        .bind(record.id.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                        out.destroyed.push(record);
                    }
                    let mut audit = audit.clone();
                    for ev in &mut audit.events {
                        if let Some(obj) = ev.payload.as_object_mut() {
                            obj.insert(
                                "destroyed".into(),
                                out.destroyed.iter().map(|r| serde_json::json!({"id": r.id.to_string(), "sha256": r.sha256})).collect(),
                            );
                            obj.insert("held".into(), out.held.iter().map(|r| serde_json::Value::String(r.to_string())).collect());
                        }
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(out)
                })
            }

            async fn add_fixity_run(&self, run: &crate::store::FixityRunRecord, audit: &Audit) -> Result<()> {
                let (run, audit, entropy) = (run.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO fixity_runs (id, started_at, finished_at, objects, copies_checked, ok, repaired, failed, report) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(run.id)
                    .bind(run.started_at)
                    .bind(run.finished_at)
                    .bind(run.objects)
                    .bind(run.copies_checked)
                    .bind(run.ok)
                    .bind(run.repaired)
                    .bind(run.failed)
                    .bind(run.report.to_string())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn fixity_runs(&self, limit: u32) -> Result<Vec<crate::store::FixityRunRecord>> {
                let rows = sqlx::query("SELECT * FROM fixity_runs ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(fixity_from_row).collect()
            }
        }
    };
}

mod on_sqlite {
    use guichet_store_sql::sqlite::prelude::*;
    records_sql!(guichet_store_sql::SqliteStore);
}

mod on_postgres {
    use guichet_store_sql::postgres::prelude::*;
    records_sql!(guichet_store_sql::PostgresStore);
}
