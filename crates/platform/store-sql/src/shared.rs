//! The SQL both backends share. The SQL text is identical on SQLite and PostgreSQL (`$N`
//! parameters, `ON CONFLICT`, `RETURNING`); only the sqlx driver types differ, so the
//! implementation is written once as a macro and expanded per backend. A backend module
//! provides `reader()`, `read_ledger()`, `map_err()`, the dialect constants and a
//! `write_tx!(self, conn, { body })` macro that runs `body` (using `conn: &mut Connection`)
//! in a write transaction, then calls `platform_sql!`. Bodies capture only owned values so a
//! backend may run them on another task.

use guichet_ledger::Hash;
use guichet_store::StoreError;

pub fn to_hash(bytes: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    let len = bytes.len();
    bytes.try_into().map_err(|_| {
        StoreError::Ledger(format!(
            "{what} holds {len} bytes instead of 32 (row damaged)"
        ))
    })
}

/// A date as stored: `YYYY-MM-DD` text on both backends (sorts by date).
pub fn iso_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn parse_day(s: &str) -> Result<time::Date, StoreError> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| StoreError::Database(format!("stored date {s:?} is not YYYY-MM-DD")))
}

pub fn entry_id(at: time::OffsetDateTime, entropy: &dyn guichet_core::Entropy) -> uuid::Uuid {
    let mut random = [0u8; 10];
    entropy.fill(&mut random);
    let millis = (at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// The columns of a ledger entry, in the order every statement and reader uses.
macro_rules! ledger_columns {
    () => {
        "stream, seq, id, at, actor, action, object_type, object_id, payload, payload_hash, prev_hash, entry_hash"
    };
}
pub(crate) use ledger_columns;

macro_rules! platform_sql {
    ($Store:ty, $Db:ty, $backend:expr) => {
        use futures_util::TryStreamExt as _;
        use guichet_ledger::{Checkpoint, Entry, GENESIS};
        use guichet_store::{Audit, Backend, ColType, Result, StoreError, StreamHead, TableSpec};
        #[allow(unused_imports)]
        use guichet_store::{OutboxStore, PlatformStore};
        use sqlx::Row as _;
        use time::OffsetDateTime;
        use uuid::Uuid;
        use $crate::shared::{entry_id, to_hash};

        pub type Conn = <$Db as sqlx::Database>::Connection;
        pub type DbRow = <$Db as sqlx::Database>::Row;
        $crate::outbox::outbox_helpers!($Db);

        // ---- column helpers every domain's SQL uses
        pub fn json_text(row: &DbRow, col: &str) -> Result<serde_json::Value> {
            let text: Option<String> = row.try_get(col).map_err(map_err)?;
            match text {
                None => Ok(serde_json::Value::Null),
                Some(t) => serde_json::from_str(&t)
                    .map_err(|e| StoreError::Database(format!("stored {col} is not JSON: {e}"))),
            }
        }

        pub fn opt_day(row: &DbRow, col: &str) -> Result<Option<time::Date>> {
            let text: Option<String> = row.try_get(col).map_err(map_err)?;
            text.as_deref().map($crate::shared::parse_day).transpose()
        }

        pub fn day_text(d: Option<time::Date>) -> Option<String> {
            d.map($crate::shared::iso_day)
        }

        pub fn day_of(row: &DbRow, col: &str) -> Result<time::Date> {
            let text: String = row.try_get(col).map_err(map_err)?;
            $crate::shared::parse_day(&text)
        }

        pub fn opt_id(row: &DbRow, col: &str) -> Result<Option<Uuid>> {
            row.try_get::<Option<Uuid>, _>(col).map_err(map_err)
        }

        pub async fn append_events(conn: &mut Conn, entropy: &dyn guichet_core::Entropy, audit: &Audit) -> Result<Vec<Entry>> {
            let mut out = Vec::with_capacity(audit.events.len());
            for event in &audit.events {
                // One upsert both creates the head and takes its row lock, so concurrent writers
                // to a stream queue up here and sequence numbers stay gap-free.
                let row = sqlx::query(
                    "INSERT INTO ledger_heads (stream, seq, head_hash) VALUES ($1, 1, $2) \
                     ON CONFLICT (stream) DO UPDATE SET seq = ledger_heads.seq + 1 \
                     RETURNING seq, head_hash",
                )
                .bind(&event.stream)
                .bind(&GENESIS[..])
                .fetch_one(&mut *conn)
                .await
                .map_err(map_err)?;
                let seq: i64 = row.try_get("seq").map_err(map_err)?;
                let prev = to_hash(row.try_get("head_hash").map_err(map_err)?, "ledger head hash")?;
                let entry = guichet_ledger::seal(event, entry_id(audit.at, entropy), audit.at, seq - 1, prev)
                    .map_err(|e| StoreError::Ledger(e.to_string()))?;
                sqlx::query("UPDATE ledger_heads SET head_hash = $2 WHERE stream = $1")
                    .bind(&entry.stream)
                    .bind(&entry.entry_hash[..])
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                sqlx::query(
                    concat!(
                        "INSERT INTO ledger_entries (",
                        $crate::shared::ledger_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    ),
                )
                .bind(&entry.stream)
                .bind(entry.seq)
                .bind(entry.id)
                .bind(entry.at)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.object_type)
                .bind(&entry.object_id)
                .bind(&entry.payload)
                .bind(&entry.payload_hash[..])
                .bind(&entry.prev_hash[..])
                .bind(&entry.entry_hash[..])
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
                out.push(entry);
            }
            Ok(out)
        }

        pub fn entry_from_row(row: &DbRow) -> Result<Entry> {
            Ok(Entry {
                stream: row.try_get("stream").map_err(map_err)?,
                seq: row.try_get("seq").map_err(map_err)?,
                id: row.try_get("id").map_err(map_err)?,
                at: row.try_get("at").map_err(map_err)?,
                actor: row.try_get("actor").map_err(map_err)?,
                action: row.try_get("action").map_err(map_err)?,
                object_type: row.try_get("object_type").map_err(map_err)?,
                object_id: row.try_get("object_id").map_err(map_err)?,
                payload: row.try_get("payload").map_err(map_err)?,
                payload_hash: to_hash(row.try_get("payload_hash").map_err(map_err)?, "payload hash")?,
                prev_hash: to_hash(row.try_get("prev_hash").map_err(map_err)?, "previous hash")?,
                entry_hash: to_hash(row.try_get("entry_hash").map_err(map_err)?, "entry hash")?,
            })
        }

        impl $Store {
            /// The ledger read through sqlx's generic row decoding; the lean per-backend readers
            /// are tested against it.
            pub async fn read_ledger_generic(&self, stream: &str, after_seq: i64, limit: u32) -> Result<Vec<Entry>> {
                let rows = sqlx::query(
                    concat!("SELECT ", $crate::shared::ledger_columns!(), " FROM ledger_entries WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3"),
                )
                .bind(stream.to_owned())
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(entry_from_row).collect()
            }
        }

        fn json_value(row: &DbRow, i: usize, ty: ColType) -> Result<serde_json::Value> {
            use serde_json::Value;
            let fmt = |t: OffsetDateTime| {
                t.format(&time::format_description::well_known::Rfc3339).map_err(|e| StoreError::Database(e.to_string()))
            };
            Ok(match ty {
                ColType::Uuid => Value::from(row.try_get::<Uuid, _>(i).map_err(map_err)?.to_string()),
                ColType::OptUuid => row.try_get::<Option<Uuid>, _>(i).map_err(map_err)?.map_or(Value::Null, |u| Value::from(u.to_string())),
                ColType::Text => Value::from(row.try_get::<String, _>(i).map_err(map_err)?),
                ColType::OptText => row.try_get::<Option<String>, _>(i).map_err(map_err)?.map_or(Value::Null, Value::from),
                ColType::Int => Value::from(row.try_get::<i64, _>(i).map_err(map_err)?),
                ColType::OptInt => row.try_get::<Option<i64>, _>(i).map_err(map_err)?.map_or(Value::Null, Value::from),
                ColType::Bool => Value::from(row.try_get::<bool, _>(i).map_err(map_err)?),
                ColType::Timestamp => Value::from(fmt(row.try_get::<OffsetDateTime, _>(i).map_err(map_err)?)?),
                ColType::OptTimestamp => match row.try_get::<Option<OffsetDateTime>, _>(i).map_err(map_err)? {
                    Some(t) => Value::from(fmt(t)?),
                    None => Value::Null,
                },
                ColType::Bytes => Value::from(hex::encode(row.try_get::<Vec<u8>, _>(i).map_err(map_err)?)),
            })
        }

        fn bind_json<'q>(
            q: sqlx::query::Query<'q, $Db, <$Db as sqlx::Database>::Arguments>,
            table: &str,
            column: &str,
            ty: ColType,
            value: Option<&serde_json::Value>,
        ) -> Result<sqlx::query::Query<'q, $Db, <$Db as sqlx::Database>::Arguments>> {
            let bad = || StoreError::Backup(format!("table {table}, column {column}: value {value:?} is not a valid {ty:?}"));
            let value = value.unwrap_or(&serde_json::Value::Null);
            let text = value.as_str();
            let uuid = |s: Option<&str>| s.and_then(|s| Uuid::parse_str(s).ok());
            let ts = |s: Option<&str>| s.and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok());
            Ok(match ty {
                ColType::Uuid => q.bind(uuid(text).ok_or_else(bad)?),
                ColType::OptUuid if value.is_null() => q.bind(None::<Uuid>),
                ColType::OptUuid => q.bind(Some(uuid(text).ok_or_else(bad)?)),
                ColType::Text => q.bind(text.ok_or_else(bad)?.to_owned()),
                ColType::OptText if value.is_null() => q.bind(None::<String>),
                ColType::OptText => q.bind(Some(text.ok_or_else(bad)?.to_owned())),
                ColType::Int => q.bind(value.as_i64().ok_or_else(bad)?),
                ColType::OptInt if value.is_null() => q.bind(None::<i64>),
                ColType::OptInt => q.bind(Some(value.as_i64().ok_or_else(bad)?)),
                ColType::Bool => q.bind(value.as_bool().ok_or_else(bad)?),
                ColType::Timestamp => q.bind(ts(text).ok_or_else(bad)?),
                ColType::OptTimestamp if value.is_null() => q.bind(None::<OffsetDateTime>),
                ColType::OptTimestamp => q.bind(Some(ts(text).ok_or_else(bad)?)),
                ColType::Bytes => q.bind(text.and_then(|t| hex::decode(t).ok()).ok_or_else(bad)?),
            })
        }

        #[async_trait::async_trait]
        impl guichet_store::PlatformStore for $Store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                $crate::migrations::collect(self.migration_sets(), $backend)?.run(self.reader()).await.map_err(|e| StoreError::Migration(e.to_string()))
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await.map_err(map_err).map(|_| ())
            }

            async fn data_tables(&self) -> Result<Vec<String>> {
                let rows = sqlx::query(DATA_TABLES_SQL).fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter().map(|r| r.try_get::<String, _>(0).map_err(map_err)).collect()
            }

            async fn schema_version(&self) -> Result<i64> {
                let row = sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                Ok(row.try_get::<Option<i64>, _>(0).map_err(map_err)?.unwrap_or(0))
            }

            fn tables(&self) -> Vec<&'static TableSpec> {
                $crate::migrations::tables_of(self.migration_sets())
            }

            fn as_any(&self) -> &dyn std::any::Any {
                self
            }

            fn into_any(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn std::any::Any + Send + Sync> {
                self
            }

            async fn record(&self, audit: &Audit) -> Result<Vec<Entry>> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, { append_events(&mut *conn, &*entropy, &audit).await })
            }

            async fn stream_heads(&self) -> Result<Vec<StreamHead>> {
                let rows = sqlx::query("SELECT stream, seq, head_hash FROM ledger_heads ORDER BY stream")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(StreamHead {
                            stream: r.try_get("stream").map_err(map_err)?,
                            seq: r.try_get("seq").map_err(map_err)?,
                            hash: to_hash(r.try_get("head_hash").map_err(map_err)?, "ledger head hash")?,
                        })
                    })
                    .collect()
            }

            async fn stream_names(&self) -> Result<Vec<String>> {
                let rows = sqlx::query(
                    "SELECT stream FROM ledger_heads UNION SELECT DISTINCT stream FROM ledger_entries \
                     UNION SELECT DISTINCT stream FROM ledger_checkpoints ORDER BY 1",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(|r| r.try_get::<String, _>(0).map_err(map_err)).collect()
            }

            async fn ledger_entries(&self, stream: &str, after_seq: i64, limit: u32) -> Result<Vec<Entry>> {
                // Each backend has a lean reader for this hot path (verification reads every entry).
                self.read_ledger(stream, after_seq, limit).await
            }

            async fn recent_entries(&self, limit: u32, offset: u32) -> Result<Vec<Entry>> {
                // UUIDv7 ids sort by creation time on both backends.
                let rows = sqlx::query(
                    concat!("SELECT ", $crate::shared::ledger_columns!(), " FROM ledger_entries ORDER BY id DESC LIMIT $1 OFFSET $2"),
                )
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(entry_from_row).collect()
            }

            async fn checkpoints(&self, stream: &str) -> Result<Vec<Checkpoint>> {
                let rows = sqlx::query(
                    "SELECT stream, seq, entry_hash, at, key_id, signature FROM ledger_checkpoints WHERE stream = $1 ORDER BY seq, key_id",
                )
                .bind(stream.to_owned())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(Checkpoint {
                            stream: r.try_get("stream").map_err(map_err)?,
                            seq: r.try_get("seq").map_err(map_err)?,
                            entry_hash: to_hash(r.try_get("entry_hash").map_err(map_err)?, "checkpoint hash")?,
                            at: r.try_get("at").map_err(map_err)?,
                            key_id: r.try_get("key_id").map_err(map_err)?,
                            signature: r.try_get("signature").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn add_checkpoint(&self, cp: &Checkpoint) -> Result<()> {
                let cp = cp.clone();
                write_tx!(self, conn, {
                sqlx::query(
                    "INSERT INTO ledger_checkpoints (stream, seq, entry_hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (stream, seq, key_id) DO NOTHING",
                )
                .bind(&cp.stream)
                .bind(cp.seq)
                .bind(&cp.entry_hash[..])
                .bind(cp.at)
                .bind(&cp.key_id)
                .bind(&cp.signature)
                .execute(&mut *conn)
                .await
                .map_err(map_err)
                .map(|_| ())
                })
            }

            async fn export_table(&self, table: &TableSpec, out: &mut (dyn std::io::Write + Send)) -> Result<u64> {
                let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
                let sql = format!("SELECT {} FROM {} ORDER BY {}", columns.join(", "), table.name, table.order_by);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(self.reader());
                let mut count = 0u64;
                let io = |e: std::io::Error| StoreError::Backup(format!("cannot write: {e}"));
                while let Some(row) = rows.try_next().await.map_err(map_err)? {
                    let mut object = serde_json::Map::new();
                    for (i, (name, ty)) in table.columns.iter().enumerate() {
                        object.insert((*name).to_owned(), json_value(&row, i, *ty)?);
                    }
                    serde_json::to_writer(&mut *out, &object).map_err(|e| StoreError::Backup(e.to_string()))?;
                    out.write_all(b"\n").map_err(io)?;
                    count += 1;
                }
                Ok(count)
            }

            async fn import_tables(&self, tables: &[(&TableSpec, &[u8])]) -> Result<u64> {
                // Owned copies: the write may run on the writer task.
                let mut owned: Vec<(&'static TableSpec, Vec<u8>)> = Vec::new();
                for (spec, data) in tables {
                    let known = self.tables()
                        .into_iter()
                        .find(|t| t.name == spec.name)
                        .ok_or_else(|| StoreError::Backup(format!("unknown table {}", spec.name)))?;
                    owned.push((known, data.to_vec()));
                }
                write_tx!(self, conn, {
                    for (spec, _) in &owned {
                        let sql = format!("SELECT COUNT(*) FROM {}", spec.name);
                        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await.map_err(map_err)?;
                        if row.try_get::<i64, _>(0).map_err(map_err)? > 0 {
                            return Err(StoreError::NotEmpty(format!("table {} has rows", spec.name)));
                        }
                    }
                    let mut written = 0u64;
                    for (spec, data) in &owned {
                        let columns: Vec<&str> = spec.columns.iter().map(|(c, _)| *c).collect();
                        let params: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
                        let sql = format!("INSERT INTO {} ({}) VALUES ({})", spec.name, columns.join(", "), params.join(", "));
                        for (n, line) in data.split(|b| *b == b'\n').filter(|l| !l.is_empty()).enumerate() {
                            let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)
                                .map_err(|e| StoreError::Backup(format!("table {}, row {}: {e}", spec.name, n + 1)))?;
                            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                            for (name, ty) in spec.columns {
                                q = bind_json(q, spec.name, name, *ty, object.get(*name))?;
                            }
                            q.execute(&mut *conn).await.map_err(|e| conflict(e, &format!("table {}, row {}", spec.name, n + 1)))?;
                            written += 1;
                        }
                    }
                    Ok(written)
                })
            }

            async fn execute_raw(&self, sql: &str) -> Result<u64> {
                self.raw(sql).await
            }
        }

        $crate::outbox::outbox_sql!($Store, $Db, $backend);

        /// A unique-constraint violation becomes a `Conflict` naming `what`.
        pub fn conflict(e: sqlx::Error, what: &str) -> StoreError {
            if let sqlx::Error::Database(db) = &e {
                if db.is_unique_violation() {
                    return StoreError::Conflict(what.to_owned());
                }
            }
            map_err(e)
        }
    };
}

pub(crate) use platform_sql;
