//! The slice's SQL, written once and expanded for each backend with that backend's prelude:
//! column lists, row decoders and the `OneStopStore` implementation. Where the backends differ
//! (SQLite reads export pages through a lean read-only connection, `lean.rs`), each module
//! below supplies `read_dossiers_page`.

macro_rules! dossier_columns {
    () => {
        "id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, applicant_email, \
         state, answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
         paused_on, decided_on, assigned_to, idempotency_key, lang, intake"
    };
}

macro_rules! dossier_list_columns {
    () => {
        "id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, applicant_email, \
         state, NULL AS answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
         paused_on, decided_on, assigned_to, idempotency_key, lang, intake"
    };
}

/// The dossier columns, for the lean reader (`lean.rs`).
pub(crate) const DOSSIER_COLUMNS: &str = dossier_columns!();

macro_rules! one_stop_sql {
    ($Store:ty) => {
        use guichet_core::{OfficeId, UserId};
        use guichet_store::{Audit, FileRecord};
        use sqlx::Row as _;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use crate::store::*;

        use guichet_core::{DossierId, FileId, ProcedureId};

        fn procedure_from_row(row: &DbRow) -> Result<ProcedureRecord> {
            Ok(ProcedureRecord {
                id: ProcedureId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                topic: row.try_get("topic").map_err(map_err)?,
                published_version: row.try_get("published_version").map_err(map_err)?,
                latest_version: row.try_get("latest_version").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn version_from_row(row: &DbRow) -> Result<ProcedureVersionRecord> {
            Ok(ProcedureVersionRecord {
                id: row.try_get("id").map_err(map_err)?,
                procedure_id: ProcedureId(row.try_get("procedure_id").map_err(map_err)?),
                version: row.try_get("version").map_err(map_err)?,
                status: row.try_get("status").map_err(map_err)?,
                body: json_text(row, "body")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                published_at: row.try_get("published_at").map_err(map_err)?,
            })
        }

        fn dossier_from_row(row: &DbRow) -> Result<DossierRecord> {
            let opt_uuid = |col: &str| row.try_get::<Option<Uuid>, _>(col).map_err(map_err);
            Ok(DossierRecord {
                id: DossierId(row.try_get("id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                procedure_id: ProcedureId(row.try_get("procedure_id").map_err(map_err)?),
                procedure_version: row.try_get("procedure_version").map_err(map_err)?,
                applicant_id: opt_uuid("applicant_id")?.map(UserId),
                applicant_name: row.try_get("applicant_name").map_err(map_err)?,
                applicant_email: row.try_get("applicant_email").map_err(map_err)?,
                state: row.try_get("state").map_err(map_err)?,
                answers: json_text(row, "answers")?,
                secret_hash: row.try_get("secret_hash").map_err(map_err)?,
                rev: row.try_get("rev").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                updated_at: row.try_get("updated_at").map_err(map_err)?,
                submitted_at: row.try_get("submitted_at").map_err(map_err)?,
                received_at: row.try_get("received_at").map_err(map_err)?,
                due_date: opt_day(row, "due_date")?,
                paused_on: opt_day(row, "paused_on")?,
                decided_on: opt_day(row, "decided_on")?,
                assigned_to: opt_uuid("assigned_to")?.map(UserId),
                idempotency_key: row.try_get("idempotency_key").map_err(map_err)?,
                lang: row.try_get("lang").map_err(map_err)?,
                intake: match json_text(row, "intake")? {
                    serde_json::Value::Null => None,
                    v => Some(serde_json::from_value(v).map_err(|e| StoreError::Database(format!("stored intake: {e}")))?),
                },
            })
        }

        fn intake_text(d: &DossierRecord) -> Result<Option<String>> {
            d.intake
                .as_ref()
                .map(|i| serde_json::to_string(i).map_err(|e| StoreError::Database(e.to_string())))
                .transpose()
        }

        fn file_from_row(row: &DbRow) -> Result<FileRecord> {
            Ok(FileRecord {
                id: FileId(row.try_get("id").map_err(map_err)?),
                dossier_id: row.try_get::<Option<Uuid>, _>("dossier_id").map_err(map_err)?.map(DossierId),
                name: row.try_get("name").map_err(map_err)?,
                content_type: row.try_get("content_type").map_err(map_err)?,
                size: row.try_get("size").map_err(map_err)?,
                sha256: row.try_get("sha256").map_err(map_err)?,
                storage_key: row.try_get("storage_key").map_err(map_err)?,
                uploaded_by: row.try_get::<Option<Uuid>, _>("uploaded_by").map_err(map_err)?.map(UserId),
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn document_from_row(row: &DbRow) -> Result<crate::store::DocumentRecord> {
            Ok(crate::store::DocumentRecord {
                id: guichet_core::DocumentId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                dossier_id: row.try_get::<Option<Uuid>, _>("dossier_id").map_err(map_err)?.map(DossierId),
                kind: row.try_get("kind").map_err(map_err)?,
                lang: row.try_get("lang").map_err(map_err)?,
                file_id: FileId(row.try_get("file_id").map_err(map_err)?),
                sha256: row.try_get("sha256").map_err(map_err)?,
                key_id: row.try_get("key_id").map_err(map_err)?,
                public_key: row.try_get("public_key").map_err(map_err)?,
                statement: row.try_get("statement").map_err(map_err)?,
                qr_signature: row.try_get("qr_signature").map_err(map_err)?,
                issued_at: row.try_get("issued_at").map_err(map_err)?,
                issued_by: row.try_get::<Option<Uuid>, _>("issued_by").map_err(map_err)?.map(UserId),
                revoked_at: row.try_get("revoked_at").map_err(map_err)?,
                revoked_by: row.try_get::<Option<Uuid>, _>("revoked_by").map_err(map_err)?.map(UserId),
                revoke_reason: row.try_get("revoke_reason").map_err(map_err)?,
            })
        }

        fn export_job_from_row(row: &DbRow) -> Result<crate::store::ExportJobRecord> {
            Ok(crate::store::ExportJobRecord {
                id: guichet_core::ExportId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                requested_by: row.try_get::<Option<Uuid>, _>("requested_by").map_err(map_err)?.map(UserId),
                format: row.try_get("format").map_err(map_err)?,
                params: json_text(row, "params")?,
                state: row.try_get("state").map_err(map_err)?,
                rows_done: row.try_get("rows_done").map_err(map_err)?,
                rows_total: row.try_get("rows_total").map_err(map_err)?,
                storage_key: row.try_get("storage_key").map_err(map_err)?,
                size: row.try_get("size").map_err(map_err)?,
                error: row.try_get("error").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                finished_at: row.try_get("finished_at").map_err(map_err)?,
            })
        }

        async fn insert_file(conn: &mut Conn, f: &FileRecord) -> Result<()> {
            sqlx::query(
                "INSERT INTO files (id, dossier_id, name, content_type, size, sha256, storage_key, uploaded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(f.id.as_uuid())
            .bind(f.dossier_id.map(|d| d.as_uuid()))
            .bind(&f.name)
            .bind(&f.content_type)
            .bind(f.size)
            .bind(&f.sha256)
            .bind(&f.storage_key)
            .bind(f.uploaded_by.map(|u| u.as_uuid()))
            .bind(f.created_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, "file"))?;
            Ok(())
        }

        async fn insert_document(conn: &mut Conn, d: &crate::store::DocumentRecord) -> Result<()> {
            sqlx::query(
                "INSERT INTO documents (id, office_id, dossier_id, kind, lang, file_id, sha256, key_id, public_key, statement, \
                 qr_signature, issued_at, issued_by, revoked_at, revoked_by, revoke_reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(d.id.as_uuid())
            .bind(d.office_id.as_uuid())
            .bind(d.dossier_id.map(|x| x.as_uuid()))
            .bind(&d.kind)
            .bind(&d.lang)
            .bind(d.file_id.as_uuid())
            .bind(&d.sha256)
            .bind(&d.key_id)
            .bind(&d.public_key)
            .bind(&d.statement)
            .bind(&d.qr_signature)
            .bind(d.issued_at)
            .bind(d.issued_by.map(|u| u.as_uuid()))
            .bind(d.revoked_at)
            .bind(d.revoked_by.map(|u| u.as_uuid()))
            .bind(&d.revoke_reason)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, "document"))?;
            Ok(())
        }

        /// Adds the WHERE clause of a dossier query.
        fn push_dossier_filter(q: &mut sqlx::QueryBuilder<Db>, query: &DossierQuery) {
            q.push(" WHERE 1 = 1");
            if let Some(o) = query.office {
                q.push(" AND office_id = ").push_bind(o.as_uuid());
            }
            if let Some(a) = query.applicant {
                q.push(" AND applicant_id = ").push_bind(a.as_uuid());
            }
            if !query.states.is_empty() {
                q.push(" AND state IN (");
                let mut list = q.separated(", ");
                for s in &query.states {
                    list.push_bind(s.clone());
                }
                q.push(")");
            }
            if let Some(p) = query.procedure {
                q.push(" AND procedure_id = ").push_bind(p.as_uuid());
            }
            if let Some(a) = query.assigned_to {
                q.push(" AND assigned_to = ").push_bind(a.as_uuid());
            }
            if let Some(d) = query.due_by {
                q.push(" AND due_date <= ").push_bind(iso_day(d));
            }
            if let Some(c) = &query.code {
                q.push(" AND code = ").push_bind(c.clone());
            }
        }

        /// Dossiers with answers through sqlx's generic row decoding; the SQLite backend
        /// has a lean reader (exports read millions of rows) tested against it.
        pub async fn dossiers_page_generic(
            store: &$Store,
            office: OfficeId,
            procedure: Option<guichet_core::ProcedureId>,
            after: Option<DossierId>,
            limit: u32,
        ) -> Result<Vec<DossierRecord>> {
            let mut q = sqlx::QueryBuilder::<Db>::new(concat!("SELECT ", dossier_columns!(), " FROM dossiers WHERE office_id = "));
            q.push_bind(office.as_uuid());
            if let Some(p) = procedure {
                q.push(" AND procedure_id = ").push_bind(p.as_uuid());
            }
            if let Some(a) = after {
                q.push(" AND id > ").push_bind(a.as_uuid());
            }
            q.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit.clamp(1, 10_000)));
            let rows = q.build().fetch_all(store.reader()).await.map_err(map_err)?;
            rows.iter().map(dossier_from_row).collect()
        }

        #[async_trait::async_trait]
        impl OneStopStore for $Store {
            // ---- one-stop services (procedures, dossiers, files, webhooks, outbox) ----
            async fn create_procedure(&self, procedure: &ProcedureRecord, first: &ProcedureVersionRecord, audit: &Audit) -> Result<()> {
                let (p, v, audit, entropy) = (procedure.clone(), first.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO procedures (id, office_id, code, topic, published_version, latest_version, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(p.id.as_uuid())
                    .bind(p.office_id.as_uuid())
                    .bind(&p.code)
                    .bind(&p.topic)
                    .bind(p.published_version)
                    .bind(p.latest_version)
                    .bind(p.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("procedure {}", p.code)))?;
                    sqlx::query(
                        "INSERT INTO procedure_versions (id, procedure_id, version, status, body, created_at, published_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(v.id)
                    .bind(v.procedure_id.as_uuid())
                    .bind(v.version)
                    .bind(&v.status)
                    .bind(v.body.to_string())
                    .bind(v.created_at)
                    .bind(v.published_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "procedure version"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn save_procedure_draft(&self, version: &ProcedureVersionRecord, audit: &Audit) -> Result<()> {
                let (v, audit, entropy) = (version.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let updated = sqlx::query(
                        "UPDATE procedure_versions SET body = $3 WHERE procedure_id = $1 AND version = $2 AND status = 'draft'",
                    )
                    .bind(v.procedure_id.as_uuid())
                    .bind(v.version)
                    .bind(v.body.to_string())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if updated == 0 {
                        // A new version must come right after the latest one; a frozen one is refused.
                        let moved = sqlx::query(
                            "UPDATE procedures SET latest_version = $2 WHERE id = $1 AND latest_version = $2 - 1",
                        )
                        .bind(v.procedure_id.as_uuid())
                        .bind(v.version)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                        if moved == 0 {
                            return Err(StoreError::Stale(format!(
                                "version {} of the procedure (published versions never change; edit the latest draft)",
                                v.version
                            )));
                        }
                        sqlx::query(
                            "INSERT INTO procedure_versions (id, procedure_id, version, status, body, created_at, published_at) \
                             VALUES ($1, $2, $3, 'draft', $4, $5, NULL)",
                        )
                        .bind(v.id)
                        .bind(v.procedure_id.as_uuid())
                        .bind(v.version)
                        .bind(v.body.to_string())
                        .bind(v.created_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, "procedure version"))?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn publish_procedure(&self, procedure: ProcedureId, version: i64, at: OffsetDateTime, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let published = sqlx::query(
                        "UPDATE procedure_versions SET status = 'published', published_at = $3 \
                         WHERE procedure_id = $1 AND version = $2 AND status = 'draft'",
                    )
                    .bind(procedure.as_uuid())
                    .bind(version)
                    .bind(at)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if published == 0 {
                        return Err(StoreError::Stale(format!("draft version {version} of the procedure")));
                    }
                    sqlx::query(
                        "UPDATE procedure_versions SET status = 'retired' \
                         WHERE procedure_id = $1 AND status = 'published' AND version <> $2",
                    )
                    .bind(procedure.as_uuid())
                    .bind(version)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    sqlx::query("UPDATE procedures SET published_version = $2 WHERE id = $1")
                        .bind(procedure.as_uuid())
                        .bind(version)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn unpublish_procedure(&self, procedure: ProcedureId, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let changed = sqlx::query("UPDATE procedures SET published_version = 0 WHERE id = $1 AND published_version > 0")
                        .bind(procedure.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::Stale("the procedure (it is not published)".into()));
                    }
                    sqlx::query("UPDATE procedure_versions SET status = 'retired' WHERE procedure_id = $1 AND status = 'published'")
                        .bind(procedure.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn list_procedures(&self, office: Option<OfficeId>) -> Result<Vec<ProcedureRecord>> {
                let rows = match office {
                    Some(o) => sqlx::query(
                        "SELECT id, office_id, code, topic, published_version, latest_version, created_at FROM procedures \
                         WHERE office_id = $1 ORDER BY code",
                    )
                    .bind(o.as_uuid())
                    .fetch_all(self.reader())
                    .await,
                    None => sqlx::query(
                        "SELECT id, office_id, code, topic, published_version, latest_version, created_at FROM procedures ORDER BY code",
                    )
                    .fetch_all(self.reader())
                    .await,
                }
                .map_err(map_err)?;
                rows.iter().map(procedure_from_row).collect()
            }

            async fn procedure(&self, id: ProcedureId) -> Result<Option<ProcedureRecord>> {
                let row = sqlx::query("SELECT id, office_id, code, topic, published_version, latest_version, created_at FROM procedures WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(procedure_from_row).transpose()
            }

            async fn procedure_by_code(&self, office: OfficeId, code: &str) -> Result<Option<ProcedureRecord>> {
                let row = sqlx::query(
                    "SELECT id, office_id, code, topic, published_version, latest_version, created_at FROM procedures \
                     WHERE office_id = $1 AND code = $2",
                )
                .bind(office.as_uuid())
                .bind(code.to_owned())
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?;
                row.as_ref().map(procedure_from_row).transpose()
            }

            async fn procedure_version(&self, procedure: ProcedureId, version: i64) -> Result<Option<ProcedureVersionRecord>> {
                let row = sqlx::query(
                    "SELECT id, procedure_id, version, status, body, created_at, published_at FROM procedure_versions \
                     WHERE procedure_id = $1 AND version = $2",
                )
                .bind(procedure.as_uuid())
                .bind(version)
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?;
                row.as_ref().map(version_from_row).transpose()
            }

            async fn procedure_versions(&self, procedure: ProcedureId) -> Result<Vec<ProcedureVersionRecord>> {
                let rows = sqlx::query(
                    "SELECT id, procedure_id, version, status, body, created_at, published_at FROM procedure_versions \
                     WHERE procedure_id = $1 ORDER BY version",
                )
                .bind(procedure.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(version_from_row).collect()
            }

            async fn write_dossier(&self, write: DossierWrite, audit: &Audit) -> Result<DossierRecord> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let mut d = write.dossier.clone();
                    let mut audit = audit.clone();
                    if let Some(req) = &write.allocate_code {
                        // The counter row is locked by this upsert until commit, so numbers are
                        // gap-free: a failed submission rolls its number back with it.
                        let row = sqlx::query(
                            "INSERT INTO dossier_counters (office_id, day, last) VALUES ($1, $2, 1) \
                             ON CONFLICT (office_id, day) DO UPDATE SET last = dossier_counters.last + 1 RETURNING last",
                        )
                        .bind(d.office_id.as_uuid())
                        .bind(iso_day(req.day))
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(map_err)?;
                        let n: i64 = row.try_get("last").map_err(map_err)?;
                        let code = format!("{}-{n:04}", req.prefix);
                        for event in &mut audit.events {
                            if let Some(obj) = event.payload.as_object_mut() {
                                if obj.get("code").is_some_and(|v| v.is_null()) {
                                    obj.insert("code".into(), serde_json::Value::from(code.clone()));
                                }
                            }
                        }
                        d.code = Some(code);
                    }
                    let answers = if d.answers.is_null() { "{}".to_owned() } else { d.answers.to_string() };
                    match write.expected_rev {
                        None => {
                            sqlx::query(concat!(
                                "INSERT INTO dossiers (", dossier_columns!(), ") VALUES \
                                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
                            ))
                            .bind(d.id.as_uuid())
                            .bind(&d.code)
                            .bind(d.office_id.as_uuid())
                            .bind(d.procedure_id.as_uuid())
                            .bind(d.procedure_version)
                            .bind(d.applicant_id.map(|u| u.as_uuid()))
                            .bind(&d.applicant_name)
                            .bind(&d.applicant_email)
                            .bind(&d.state)
                            .bind(&answers)
                            .bind(&d.secret_hash)
                            .bind(d.rev)
                            .bind(d.created_at)
                            .bind(d.updated_at)
                            .bind(d.submitted_at)
                            .bind(d.received_at)
                            .bind(day_text(d.due_date))
                            .bind(day_text(d.paused_on))
                            .bind(day_text(d.decided_on))
                            .bind(d.assigned_to.map(|u| u.as_uuid()))
                            .bind(&d.idempotency_key)
                            .bind(&d.lang)
                            .bind(intake_text(&d)?)
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| conflict(e, "dossier"))?;
                        }
                        Some(rev) => {
                            let changed = sqlx::query(
                                "UPDATE dossiers SET code = $3, applicant_name = $4, applicant_email = $5, state = $6, \
                                 answers = $7, secret_hash = $8, rev = $9, updated_at = $10, submitted_at = $11, \
                                 received_at = $12, due_date = $13, paused_on = $14, decided_on = $15, assigned_to = $16, \
                                 procedure_version = $17, lang = $18, intake = $19 WHERE id = $1 AND rev = $2",
                            )
                            .bind(d.id.as_uuid())
                            .bind(rev)
                            .bind(&d.code)
                            .bind(&d.applicant_name)
                            .bind(&d.applicant_email)
                            .bind(&d.state)
                            .bind(&answers)
                            .bind(&d.secret_hash)
                            .bind(d.rev)
                            .bind(d.updated_at)
                            .bind(d.submitted_at)
                            .bind(d.received_at)
                            .bind(day_text(d.due_date))
                            .bind(day_text(d.paused_on))
                            .bind(day_text(d.decided_on))
                            .bind(d.assigned_to.map(|u| u.as_uuid()))
                            .bind(d.procedure_version)
                            .bind(&d.lang)
                            .bind(intake_text(&d)?)
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| conflict(e, "dossier code"))?
                            .rows_affected();
                            if changed == 0 {
                                return Err(StoreError::Stale(format!("dossier {}", d.id)));
                            }
                        }
                    }
                    if let Some(e) = &write.event {
                        sqlx::query(
                            "INSERT INTO dossier_events (id, dossier_id, at, actor_id, actor_name, action, from_state, to_state, note) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(e.id)
                        .bind(e.dossier_id.as_uuid())
                        .bind(e.at)
                        .bind(e.actor_id.map(|u| u.as_uuid()))
                        .bind(&e.actor_name)
                        .bind(&e.action)
                        .bind(&e.from_state)
                        .bind(&e.to_state)
                        .bind(&e.note)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    }
                    for f in &write.attach_files {
                        let attached = sqlx::query(
                            "UPDATE files SET dossier_id = $1 WHERE id = $2 AND (dossier_id IS NULL OR dossier_id = $1)",
                        )
                        .bind(d.id.as_uuid())
                        .bind(f.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                        if attached == 0 {
                            return Err(StoreError::NotFound(format!("file {f}")));
                        }
                    }
                    for m in &write.messages {
                        sqlx::query(
                            "INSERT INTO dossier_messages (id, dossier_id, at, author_id, author_name, from_applicant, internal, body, file_id) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(m.id)
                        .bind(m.dossier_id.as_uuid())
                        .bind(m.at)
                        .bind(m.author_id.map(|u| u.as_uuid()))
                        .bind(&m.author_name)
                        .bind(m.from_applicant)
                        .bind(m.internal)
                        .bind(&m.body)
                        .bind(m.file_id.map(|f| f.as_uuid()))
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    }
                    for o in &write.outbox {
                        insert_outbox(&mut *conn, o).await?;
                    }
                    for issued in &write.documents {
                        insert_file(&mut *conn, &issued.file).await?;
                        insert_document(&mut *conn, &issued.document).await?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(d)
                })
            }

            async fn dossier(&self, id: DossierId) -> Result<Option<DossierRecord>> {
                let row = sqlx::query(concat!("SELECT ", dossier_columns!(), " FROM dossiers WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(dossier_from_row).transpose()
            }

            async fn dossier_by_code(&self, code: &str) -> Result<Option<DossierRecord>> {
                let row = sqlx::query(concat!("SELECT ", dossier_columns!(), " FROM dossiers WHERE code = $1"))
                    .bind(code.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(dossier_from_row).transpose()
            }

            async fn dossier_by_idempotency_key(&self, key: &str) -> Result<Option<DossierRecord>> {
                let row = sqlx::query(concat!("SELECT ", dossier_columns!(), " FROM dossiers WHERE idempotency_key = $1"))
                    .bind(key.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(dossier_from_row).transpose()
            }

            async fn list_dossiers(&self, query: &DossierQuery) -> Result<Vec<DossierRecord>> {
                let mut q = sqlx::QueryBuilder::<Db>::new(concat!("SELECT ", dossier_list_columns!(), " FROM dossiers"));
                push_dossier_filter(&mut q, query);
                q.push(match query.order {
                    // NULLS FIRST is SQLite's natural order and an index order on PostgreSQL, so
                    // both walk an index instead of sorting the queue.
                    DossierOrder::DueDate => " ORDER BY due_date ASC NULLS FIRST, id",
                    DossierOrder::Newest => " ORDER BY id DESC",
                    DossierOrder::Oldest => " ORDER BY id",
                });
                q.push(" LIMIT ").push_bind(i64::from(query.limit.clamp(1, 1000)));
                q.push(" OFFSET ").push_bind(i64::from(query.offset));
                let rows = q.build().fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter().map(dossier_from_row).collect()
            }

            async fn count_dossiers(&self, query: &DossierQuery, cap: i64) -> Result<i64> {
                // Counting stops at `cap`: a queue of a million rows says "more than 10,000"
                // instead of scanning them all.
                let mut q = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM (SELECT 1 FROM dossiers");
                push_dossier_filter(&mut q, query);
                q.push(" LIMIT ").push_bind(cap.max(0)).push(") AS counted");
                let row = q.build().fetch_one(self.reader()).await.map_err(map_err)?;
                row.try_get::<i64, _>(0).map_err(map_err)
            }

            async fn dossier_events(&self, dossier: DossierId) -> Result<Vec<DossierEventRecord>> {
                let rows = sqlx::query(
                    "SELECT id, dossier_id, at, actor_id, actor_name, action, from_state, to_state, note FROM dossier_events \
                     WHERE dossier_id = $1 ORDER BY id",
                )
                .bind(dossier.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(DossierEventRecord {
                            id: r.try_get("id").map_err(map_err)?,
                            dossier_id: DossierId(r.try_get("dossier_id").map_err(map_err)?),
                            at: r.try_get("at").map_err(map_err)?,
                            actor_id: r.try_get::<Option<Uuid>, _>("actor_id").map_err(map_err)?.map(UserId),
                            actor_name: r.try_get("actor_name").map_err(map_err)?,
                            action: r.try_get("action").map_err(map_err)?,
                            from_state: r.try_get("from_state").map_err(map_err)?,
                            to_state: r.try_get("to_state").map_err(map_err)?,
                            note: r.try_get("note").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn dossier_messages(&self, dossier: DossierId) -> Result<Vec<MessageRecord>> {
                let rows = sqlx::query(
                    "SELECT id, dossier_id, at, author_id, author_name, from_applicant, internal, body, file_id \
                     FROM dossier_messages WHERE dossier_id = $1 ORDER BY id",
                )
                .bind(dossier.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(MessageRecord {
                            id: r.try_get("id").map_err(map_err)?,
                            dossier_id: DossierId(r.try_get("dossier_id").map_err(map_err)?),
                            at: r.try_get("at").map_err(map_err)?,
                            author_id: r.try_get::<Option<Uuid>, _>("author_id").map_err(map_err)?.map(UserId),
                            author_name: r.try_get("author_name").map_err(map_err)?,
                            from_applicant: r.try_get("from_applicant").map_err(map_err)?,
                            internal: r.try_get("internal").map_err(map_err)?,
                            body: r.try_get("body").map_err(map_err)?,
                            file_id: r.try_get::<Option<Uuid>, _>("file_id").map_err(map_err)?.map(FileId),
                        })
                    })
                    .collect()
            }

            async fn add_file(&self, file: &FileRecord, audit: &Audit) -> Result<()> {
                let (f, audit, entropy) = (file.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO files (id, dossier_id, name, content_type, size, sha256, storage_key, uploaded_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(f.id.as_uuid())
                    .bind(f.dossier_id.map(|d| d.as_uuid()))
                    .bind(&f.name)
                    .bind(&f.content_type)
                    .bind(f.size)
                    .bind(&f.sha256)
                    .bind(&f.storage_key)
                    .bind(f.uploaded_by.map(|u| u.as_uuid()))
                    .bind(f.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "file"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn file(&self, id: FileId) -> Result<Option<FileRecord>> {
                let row = sqlx::query(
                    "SELECT id, dossier_id, name, content_type, size, sha256, storage_key, uploaded_by, created_at FROM files WHERE id = $1",
                )
                .bind(id.as_uuid())
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?;
                row.as_ref().map(file_from_row).transpose()
            }

            async fn dossier_files(&self, dossier: DossierId) -> Result<Vec<FileRecord>> {
                let rows = sqlx::query(
                    "SELECT id, dossier_id, name, content_type, size, sha256, storage_key, uploaded_by, created_at FROM files \
                     WHERE dossier_id = $1 ORDER BY id",
                )
                .bind(dossier.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(file_from_row).collect()
            }

            async fn dossiers_page(
                &self,
                office: OfficeId,
                procedure: Option<guichet_core::ProcedureId>,
                after: Option<DossierId>,
                limit: u32,
            ) -> Result<Vec<DossierRecord>> {
                read_dossiers_page(self, office, procedure, after, limit).await
            }

            async fn document(&self, id: guichet_core::DocumentId) -> Result<Option<crate::store::DocumentRecord>> {
                let row = sqlx::query("SELECT * FROM documents WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(document_from_row).transpose()
            }

            async fn dossier_documents(&self, dossier: DossierId) -> Result<Vec<crate::store::DocumentRecord>> {
                let rows = sqlx::query("SELECT * FROM documents WHERE dossier_id = $1 ORDER BY id")
                    .bind(dossier.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(document_from_row).collect()
            }

            async fn revoke_document(
                &self,
                id: guichet_core::DocumentId,
                at: OffsetDateTime,
                by: Option<UserId>,
                reason: &str,
                audit: &Audit,
            ) -> Result<()> {
                let (audit, entropy, reason) = (audit.clone(), self.entropy(), reason.to_owned());
                write_tx!(self, conn, {
                    let changed = sqlx::query(
                        "UPDATE documents SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
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
                        let exists = sqlx::query("SELECT id FROM documents WHERE id = $1")
                            .bind(id.as_uuid())
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        return Err(match exists {
                            Some(_) => StoreError::Conflict(format!("document {id} is already revoked")),
                            None => StoreError::NotFound(format!("document {id}")),
                        });
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn document_template(&self, office: OfficeId, kind: &str) -> Result<Option<crate::store::TemplateRecord>> {
                let row = sqlx::query("SELECT office_id, kind, source, updated_at, updated_by FROM document_templates WHERE office_id = $1 AND kind = $2")
                    .bind(office.as_uuid())
                    .bind(kind.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> Result<_> {
                    Ok(crate::store::TemplateRecord {
                        office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                        kind: r.try_get("kind").map_err(map_err)?,
                        source: r.try_get("source").map_err(map_err)?,
                        updated_at: r.try_get("updated_at").map_err(map_err)?,
                        updated_by: r.try_get::<Option<Uuid>, _>("updated_by").map_err(map_err)?.map(UserId),
                    })
                })
                .transpose()
            }

            async fn put_document_template(&self, t: &crate::store::TemplateRecord, audit: &Audit) -> Result<()> {
                let (t, audit, entropy) = (t.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO document_templates (office_id, kind, source, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (office_id, kind) DO UPDATE SET source = $3, updated_at = $4, updated_by = $5",
                    )
                    .bind(t.office_id.as_uuid())
                    .bind(&t.kind)
                    .bind(&t.source)
                    .bind(t.updated_at)
                    .bind(t.updated_by.map(|u| u.as_uuid()))
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn delete_document_template(&self, office: OfficeId, kind: &str, audit: &Audit) -> Result<()> {
                let (kind, audit, entropy) = (kind.to_owned(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query("DELETE FROM document_templates WHERE office_id = $1 AND kind = $2")
                        .bind(office.as_uuid())
                        .bind(&kind)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn add_rating(&self, r: &crate::store::RatingRecord, audit: &Audit) -> Result<()> {
                let (r, audit, entropy) = (r.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query("INSERT INTO ratings (dossier_id, office_id, procedure_id, score, comment, at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(r.dossier_id.as_uuid())
                        .bind(r.office_id.as_uuid())
                        .bind(r.procedure_id.as_uuid())
                        .bind(r.score)
                        .bind(&r.comment)
                        .bind(r.at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, "rating"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn rating(&self, dossier: DossierId) -> Result<Option<crate::store::RatingRecord>> {
                let row = sqlx::query("SELECT dossier_id, office_id, procedure_id, score, comment, at FROM ratings WHERE dossier_id = $1")
                    .bind(dossier.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> Result<_> {
                    Ok(crate::store::RatingRecord {
                        dossier_id: DossierId(r.try_get("dossier_id").map_err(map_err)?),
                        office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                        procedure_id: guichet_core::ProcedureId(r.try_get("procedure_id").map_err(map_err)?),
                        score: r.try_get("score").map_err(map_err)?,
                        comment: r.try_get("comment").map_err(map_err)?,
                        at: r.try_get("at").map_err(map_err)?,
                    })
                })
                .transpose()
            }

            async fn stat_rows(&self, office: Option<OfficeId>, from: time::Date, to: time::Date) -> Result<Vec<crate::store::StatRow>> {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT d.office_id, d.procedure_id, d.state, d.received_at, d.due_date, d.decided_on, \
                     (SELECT COUNT(*) FROM dossier_events e WHERE e.dossier_id = d.id AND e.action = 'request_correction') AS corrections, \
                     r.score FROM dossiers d LEFT JOIN ratings r ON r.dossier_id = d.id \
                     WHERE d.received_at IS NOT NULL AND d.received_at < ",
                );
                // Office-local days run up to 14 hours off UTC; a day of margin each side, the
                // caller keeps what falls in its window.
                let end = to.next_day().unwrap_or(to).midnight().assume_utc();
                q.push_bind(end);
                q.push(" AND (d.decided_on IS NULL OR d.decided_on >= ").push_bind(iso_day(from)).push(")");
                if let Some(o) = office {
                    q.push(" AND d.office_id = ").push_bind(o.as_uuid());
                }
                let rows = q.build().fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| -> Result<_> {
                        Ok(crate::store::StatRow {
                            office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                            procedure_id: guichet_core::ProcedureId(r.try_get("procedure_id").map_err(map_err)?),
                            state: r.try_get("state").map_err(map_err)?,
                            received_at: r.try_get("received_at").map_err(map_err)?,
                            due_date: opt_day(r, "due_date")?,
                            decided_on: opt_day(r, "decided_on")?,
                            corrections: r.try_get("corrections").map_err(map_err)?,
                            score: r.try_get("score").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn create_export_job(&self, j: &crate::store::ExportJobRecord, audit: &Audit) -> Result<()> {
                let (j, audit, entropy) = (j.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO export_jobs (id, office_id, requested_by, format, params, state, rows_done, rows_total, storage_key, size, error, created_at, finished_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind(j.id.as_uuid())
                    .bind(j.office_id.as_uuid())
                    .bind(j.requested_by.map(|u| u.as_uuid()))
                    .bind(&j.format)
                    .bind(j.params.to_string())
                    .bind(&j.state)
                    .bind(j.rows_done)
                    .bind(j.rows_total)
                    .bind(&j.storage_key)
                    .bind(j.size)
                    .bind(&j.error)
                    .bind(j.created_at)
                    .bind(j.finished_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "export"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn update_export_job(&self, j: &crate::store::ExportJobRecord) -> Result<()> {
                let j = j.clone();
                write_tx!(self, conn, {
                    sqlx::query(
                        "UPDATE export_jobs SET state = $1, rows_done = $2, rows_total = $3, storage_key = $4, size = $5, error = $6, finished_at = $7 WHERE id = $8",
                    )
                    .bind(&j.state)
                    .bind(j.rows_done)
                    .bind(j.rows_total)
                    .bind(&j.storage_key)
                    .bind(j.size)
                    .bind(&j.error)
                    .bind(j.finished_at)
                    .bind(j.id.as_uuid())
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    Ok(())
                })
            }

            async fn export_job(&self, id: guichet_core::ExportId) -> Result<Option<crate::store::ExportJobRecord>> {
                let row = sqlx::query("SELECT * FROM export_jobs WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(export_job_from_row).transpose()
            }

            async fn export_jobs(&self, office: OfficeId, limit: u32) -> Result<Vec<crate::store::ExportJobRecord>> {
                let rows = sqlx::query("SELECT * FROM export_jobs WHERE office_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(office.as_uuid())
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(export_job_from_row).collect()
            }

            async fn create_webhook(&self, hook: &WebhookRecord, audit: &Audit) -> Result<()> {
                let (h, audit, entropy) = (hook.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query("INSERT INTO webhooks (id, office_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(h.id)
                        .bind(h.office_id.as_uuid())
                        .bind(&h.url)
                        .bind(&h.secret)
                        .bind(h.created_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, "webhook"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn delete_webhook(&self, office: OfficeId, id: Uuid, audit: &Audit) -> Result<bool> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND office_id = $2")
                        .bind(id)
                        .bind(office.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(true)
                })
            }

            async fn webhooks(&self, office: OfficeId) -> Result<Vec<WebhookRecord>> {
                let rows = sqlx::query("SELECT id, office_id, url, secret, created_at FROM webhooks WHERE office_id = $1 ORDER BY id")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(WebhookRecord {
                            id: r.try_get("id").map_err(map_err)?,
                            office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                            url: r.try_get("url").map_err(map_err)?,
                            secret: r.try_get("secret").map_err(map_err)?,
                            created_at: r.try_get("created_at").map_err(map_err)?,
                        })
                    })
                    .collect()
            }
        }
    };
}

mod on_sqlite {
    use guichet_store_sql::sqlite::prelude::*;
    one_stop_sql!(guichet_store_sql::SqliteStore);

    async fn read_dossiers_page(
        store: &guichet_store_sql::SqliteStore,
        office: OfficeId,
        procedure: Option<guichet_core::ProcedureId>,
        after: Option<DossierId>,
        limit: u32,
    ) -> Result<Vec<DossierRecord>> {
        let path = store.path().to_owned();
        tokio::task::spawn_blocking(move || {
            crate::lean::read_dossiers_blocking(&path, office, procedure, after, limit)
        })
        .await
        .map_err(|e| StoreError::Database(format!("dossier reader stopped: {e}")))?
    }
}

mod on_postgres {
    use guichet_store_sql::postgres::prelude::*;
    one_stop_sql!(guichet_store_sql::PostgresStore);

    async fn read_dossiers_page(
        store: &guichet_store_sql::PostgresStore,
        office: OfficeId,
        procedure: Option<guichet_core::ProcedureId>,
        after: Option<DossierId>,
        limit: u32,
    ) -> Result<Vec<DossierRecord>> {
        dossiers_page_generic(store, office, procedure, after, limit).await
    }
}

/// The page reader through sqlx's generic row decoding, for the test that checks the lean
/// SQLite reader against it.
pub async fn dossiers_page_generic_sqlite(
    store: &guichet_store_sql::SqliteStore,
    office: guichet_core::OfficeId,
    limit: u32,
) -> guichet_store::Result<Vec<crate::store::DossierRecord>> {
    on_sqlite::dossiers_page_generic(store, office, None, None, limit).await
}
