//! The slice's SQL, written once and expanded for each backend with that backend's prelude.

macro_rules! cooperation_sql {
    ($Store:ty) => {
        use guichet_core::OfficeId;
        use guichet_store::Audit;
        use sqlx::Row as _;
        use time::Date;

        use crate::model::{
            ActionId, Activity, ActivityId, ActivityKind, Agreement, AgreementId, FollowUp,
            LinkedDocument,
        };

        fn json_of<T: serde::de::DeserializeOwned>(row: &DbRow, col: &str) -> Result<T> {
            let text: String = row.try_get(col).map_err(map_err)?;
            serde_json::from_str(&text)
                .map_err(|e| StoreError::Database(format!("stored {col} is not valid: {e}")))
        }

        fn to_json(value: &impl serde::Serialize) -> Result<String> {
            serde_json::to_string(value).map_err(|e| StoreError::Database(e.to_string()))
        }

        fn agreement_from_row(row: &DbRow) -> Result<Agreement> {
            Ok(Agreement {
                id: AgreementId(row.try_get("id").map_err(map_err)?),
                office_id: OfficeId(row.try_get("office_id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                titles: json_of(row, "titles")?,
                summary: row.try_get("summary").map_err(map_err)?,
                parties: json_of(row, "parties")?,
                fields: json_of(row, "fields")?,
                signed_on: day_of(row, "signed_on")?,
                signed_in: row.try_get("signed_in").map_err(map_err)?,
                starts_on: day_of(row, "starts_on")?,
                ends_on: day_of(row, "ends_on")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn activity_from_row(row: &DbRow) -> Result<Activity> {
            let kind: String = row.try_get("kind").map_err(map_err)?;
            Ok(Activity {
                id: ActivityId(row.try_get("id").map_err(map_err)?),
                agreement_id: AgreementId(row.try_get("agreement_id").map_err(map_err)?),
                kind: ActivityKind::parse(&kind)
                    .ok_or_else(|| StoreError::Database(format!("unknown activity kind {kind}")))?,
                titles: json_of(row, "titles")?,
                starts_on: day_of(row, "starts_on")?,
                ends_on: day_of(row, "ends_on")?,
                place: row.try_get("place").map_err(map_err)?,
                country: row.try_get("country").map_err(map_err)?,
                participants: json_of(row, "participants")?,
                outcomes: row.try_get("outcomes").map_err(map_err)?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        fn follow_up_from_row(row: &DbRow) -> Result<FollowUp> {
            Ok(FollowUp {
                id: ActionId(row.try_get("id").map_err(map_err)?),
                activity_id: ActivityId(row.try_get("activity_id").map_err(map_err)?),
                description: row.try_get("description").map_err(map_err)?,
                owner: row.try_get("owner").map_err(map_err)?,
                due_on: day_of(row, "due_on")?,
                done_on: opt_day(row, "done_on")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        const AGREEMENT_COLUMNS: &str = "id, office_id, code, titles, summary, parties, fields, signed_on, signed_in, starts_on, ends_on, created_at";
        const ACTIVITY_COLUMNS: &str = "id, agreement_id, kind, titles, starts_on, ends_on, place, country, participants, outcomes, created_at";

        #[async_trait::async_trait]
        impl crate::store::CooperationStore for $Store {
            async fn add_agreement(&self, agreement: &Agreement, audit: &Audit) -> Result<()> {
                let (a, audit, entropy) = (agreement.clone(), audit.clone(), self.entropy());
                let (titles, parties, fields) =
                    (to_json(&a.titles)?, to_json(&a.parties)?, to_json(&a.fields)?);
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO coop_agreements (id, office_id, code, titles, summary, parties, fields, signed_on, signed_in, starts_on, ends_on, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(a.id.as_uuid())
                    .bind(a.office_id.as_uuid())
                    .bind(&a.code)
                    .bind(&titles)
                    .bind(&a.summary)
                    .bind(&parties)
                    .bind(&fields)
                    .bind(iso_day(a.signed_on))
                    .bind(&a.signed_in)
                    .bind(iso_day(a.starts_on))
                    .bind(iso_day(a.ends_on))
                    .bind(a.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("agreement {}", a.code)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn agreements(&self, office: Option<OfficeId>) -> Result<Vec<Agreement>> {
                let rows = match office {
                    Some(o) => sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {AGREEMENT_COLUMNS} FROM coop_agreements WHERE office_id = $1 ORDER BY signed_on DESC, code"
                    )))
                    .bind(o.as_uuid())
                    .fetch_all(self.reader())
                    .await,
                    None => sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {AGREEMENT_COLUMNS} FROM coop_agreements ORDER BY signed_on DESC, code"
                    )))
                    .fetch_all(self.reader())
                    .await,
                }
                .map_err(map_err)?;
                rows.iter().map(agreement_from_row).collect()
            }

            async fn agreement_by_code(&self, code: &str) -> Result<Option<Agreement>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {AGREEMENT_COLUMNS} FROM coop_agreements WHERE code = $1"
                )))
                .bind(code)
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(agreement_from_row)
                .transpose()
            }

            async fn add_activity(&self, activity: &Activity, audit: &Audit) -> Result<()> {
                let (a, audit, entropy) = (activity.clone(), audit.clone(), self.entropy());
                let (titles, participants) = (to_json(&a.titles)?, to_json(&a.participants)?);
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO coop_activities (id, agreement_id, kind, titles, starts_on, ends_on, place, country, participants, outcomes, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(a.id.as_uuid())
                    .bind(a.agreement_id.as_uuid())
                    .bind(a.kind.code())
                    .bind(&titles)
                    .bind(iso_day(a.starts_on))
                    .bind(iso_day(a.ends_on))
                    .bind(&a.place)
                    .bind(&a.country)
                    .bind(&participants)
                    .bind(&a.outcomes)
                    .bind(a.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "activity"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn activities(&self, agreement: AgreementId) -> Result<Vec<Activity>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ACTIVITY_COLUMNS} FROM coop_activities WHERE agreement_id = $1 ORDER BY starts_on, id"
                )))
                .bind(agreement.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(activity_from_row).collect()
            }

            async fn activity(&self, id: ActivityId) -> Result<Option<Activity>> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ACTIVITY_COLUMNS} FROM coop_activities WHERE id = $1"
                )))
                .bind(id.as_uuid())
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(activity_from_row)
                .transpose()
            }

            async fn add_follow_up(&self, action: &FollowUp, audit: &Audit) -> Result<()> {
                let (f, audit, entropy) = (action.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO coop_actions (id, activity_id, description, owner, due_on, done_on, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(f.id.as_uuid())
                    .bind(f.activity_id.as_uuid())
                    .bind(&f.description)
                    .bind(&f.owner)
                    .bind(iso_day(f.due_on))
                    .bind(day_text(f.done_on))
                    .bind(f.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "follow-up action"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn complete_follow_up(&self, id: ActionId, on: Date, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE coop_actions SET done_on = $1 WHERE id = $2 AND done_on IS NULL")
                        .bind(iso_day(on))
                        .bind(id.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT 1 FROM coop_actions WHERE id = $1")
                            .bind(id.as_uuid())
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        return Err(match exists {
                            Some(_) => StoreError::Stale(format!("follow-up action {id} (done already)")),
                            None => StoreError::NotFound(format!("follow-up action {id}")),
                        });
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn follow_up(&self, id: ActionId) -> Result<Option<FollowUp>> {
                sqlx::query(
                    "SELECT id, activity_id, description, owner, due_on, done_on, created_at FROM coop_actions WHERE id = $1",
                )
                .bind(id.as_uuid())
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?
                .as_ref()
                .map(follow_up_from_row)
                .transpose()
            }

            async fn follow_ups(&self, agreement: AgreementId) -> Result<Vec<FollowUp>> {
                let rows = sqlx::query(
                    "SELECT f.id, f.activity_id, f.description, f.owner, f.due_on, f.done_on, f.created_at \
                     FROM coop_actions f JOIN coop_activities a ON a.id = f.activity_id \
                     WHERE a.agreement_id = $1 ORDER BY f.due_on, f.id",
                )
                .bind(agreement.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(follow_up_from_row).collect()
            }

            async fn link_document(&self, document: &LinkedDocument, audit: &Audit) -> Result<()> {
                let (d, audit, entropy) = (document.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query("INSERT INTO coop_documents (agreement_id, record_id, added_at) VALUES ($1, $2, $3)")
                        .bind(d.agreement_id.as_uuid())
                        .bind(d.record_id)
                        .bind(d.added_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, &format!("record {} on this agreement", d.record_id)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn documents(&self, agreement: AgreementId) -> Result<Vec<LinkedDocument>> {
                let rows = sqlx::query(
                    "SELECT agreement_id, record_id, added_at FROM coop_documents WHERE agreement_id = $1 ORDER BY added_at, record_id",
                )
                .bind(agreement.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(LinkedDocument {
                            agreement_id: AgreementId(r.try_get("agreement_id").map_err(map_err)?),
                            record_id: r.try_get("record_id").map_err(map_err)?,
                            added_at: r.try_get("added_at").map_err(map_err)?,
                        })
                    })
                    .collect()
            }
        }
    };
}

mod on_sqlite {
    use guichet_store_sql::sqlite::prelude::*;
    cooperation_sql!(guichet_store_sql::SqliteStore);
}

mod on_postgres {
    use guichet_store_sql::postgres::prelude::*;
    cooperation_sql!(guichet_store_sql::PostgresStore);
}
