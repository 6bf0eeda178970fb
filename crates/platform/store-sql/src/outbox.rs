//! The SQL of the outbox (e-mails and webhooks to send), written once for both backends;
//! expanded by `sql_store!`.

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
