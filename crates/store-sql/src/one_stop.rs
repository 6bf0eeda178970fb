//! The one-stop tables (procedures, dossiers, messages, files, webhooks, outbox) in the SQL
//! both backends share: column lists and row decoders, expanded inside `sql_store!`. The
//! `Store` methods themselves are in `shared.rs` (async_trait must see them, not a macro call).

macro_rules! dossier_columns {
    () => {
        "id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, applicant_email, \
         state, answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
         paused_on, decided_on, assigned_to, idempotency_key"
    };
}
pub(crate) use dossier_columns;

/// The same columns with `answers` left out (lists).
macro_rules! dossier_list_columns {
    () => {
        "id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, applicant_email, \
         state, NULL AS answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
         paused_on, decided_on, assigned_to, idempotency_key"
    };
}
pub(crate) use dossier_list_columns;

macro_rules! one_stop_helpers {
    ($Db:ty) => {
        use guichet_core::{DossierId, FileId, ProcedureId};
        use guichet_store::{
            DossierEventRecord, DossierOrder, DossierQuery, DossierRecord, DossierWrite, FileRecord,
            MessageRecord, OutboxRecord, ProcedureRecord, ProcedureVersionRecord, WebhookRecord,
        };

        fn json_text(row: &DbRow, col: &str) -> Result<serde_json::Value> {
            let text: Option<String> = row.try_get(col).map_err(map_err)?;
            match text {
                None => Ok(serde_json::Value::Null),
                Some(t) => serde_json::from_str(&t)
                    .map_err(|e| StoreError::Database(format!("stored {col} is not JSON: {e}"))),
            }
        }

        fn opt_day(row: &DbRow, col: &str) -> Result<Option<time::Date>> {
            let text: Option<String> = row.try_get(col).map_err(map_err)?;
            text.as_deref().map($crate::shared::parse_day).transpose()
        }

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
            })
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

        fn outbox_from_row(row: &DbRow) -> Result<OutboxRecord> {
            Ok(OutboxRecord {
                id: row.try_get("id").map_err(map_err)?,
                topic: row.try_get("topic").map_err(map_err)?,
                payload: json_text(row, "payload")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                attempts: row.try_get("attempts").map_err(map_err)?,
                next_attempt_at: row.try_get("next_attempt_at").map_err(map_err)?,
                done_at: row.try_get("done_at").map_err(map_err)?,
                last_error: row.try_get("last_error").map_err(map_err)?,
            })
        }


        fn document_from_row(row: &DbRow) -> Result<guichet_store::DocumentRecord> {
            Ok(guichet_store::DocumentRecord {
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

        fn export_job_from_row(row: &DbRow) -> Result<guichet_store::ExportJobRecord> {
            Ok(guichet_store::ExportJobRecord {
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

        async fn insert_document(conn: &mut Conn, d: &guichet_store::DocumentRecord) -> Result<()> {
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

        fn day_text(d: Option<time::Date>) -> Option<String> {
            d.map($crate::shared::iso_day)
        }

        async fn insert_outbox(conn: &mut Conn, o: &OutboxRecord) -> Result<()> {
            sqlx::query(
                "INSERT INTO outbox (id, topic, payload, created_at, attempts, next_attempt_at, done_at, last_error) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(o.id)
            .bind(&o.topic)
            .bind(o.payload.to_string())
            .bind(o.created_at)
            .bind(o.attempts)
            .bind(o.next_attempt_at)
            .bind(o.done_at)
            .bind(&o.last_error)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        /// Adds the WHERE clause of a dossier query.
        fn push_dossier_filter(q: &mut sqlx::QueryBuilder<$Db>, query: &DossierQuery) {
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
                q.push(" AND due_date <= ").push_bind($crate::shared::iso_day(d));
            }
            if let Some(c) = &query.code {
                q.push(" AND code = ").push_bind(c.clone());
            }
        }
    };
}
pub(crate) use one_stop_helpers;
