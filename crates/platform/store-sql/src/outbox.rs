//! The SQL of the outbox (e-mails and webhooks to send), written once for both backends;
//! expanded by `platform_sql!`.

/// The outbox rows' decoder and writer, which other domains' SQL uses to queue messages in
/// their own transactions; expanded by `platform_sql!`.
macro_rules! outbox_helpers {
    ($Db:ty) => {
        use guichet_store::OutboxRecord;

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


        pub async fn insert_outbox(conn: &mut Conn, o: &OutboxRecord) -> Result<()> {
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

    };
}
pub(crate) use outbox_helpers;

macro_rules! outbox_sql {
    ($Store:ty, $Db:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl guichet_store::OutboxStore for $Store {
            async fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxRecord>> {
                let rows = sqlx::query(
                    "SELECT id, topic, payload, created_at, attempts, next_attempt_at, done_at, last_error FROM outbox \
                     WHERE done_at IS NULL ORDER BY id LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(outbox_from_row).collect()
            }

            async fn claim_outbox(&self, id: Uuid, attempts: i64, lease_until: OffsetDateTime) -> Result<bool> {
                write_tx!(self, conn, {
                    let claimed = sqlx::query(
                        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3 WHERE id = $1 AND attempts = $2 AND done_at IS NULL",
                    )
                    .bind(id)
                    .bind(attempts)
                    .bind(lease_until)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    Ok(claimed == 1)
                })
            }

            async fn finish_outbox(&self, id: Uuid, done_at: Option<OffsetDateTime>, error: Option<String>, retry_at: OffsetDateTime) -> Result<()> {
                write_tx!(self, conn, {
                    sqlx::query("UPDATE outbox SET done_at = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1")
                        .bind(id)
                        .bind(done_at)
                        .bind(&error)
                        .bind(retry_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    Ok(())
                })
            }
        }
    };
}
pub(crate) use outbox_sql;
