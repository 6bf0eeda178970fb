//! The SQL both backends share. The SQL text is identical on SQLite and PostgreSQL (`$N`
//! parameters, `ON CONFLICT`, `RETURNING`); only the sqlx driver types differ, so the
//! implementation is written once as a macro and expanded per backend. A backend module
//! provides `reader()`, `read_ledger()`, `map_err()`, the dialect constants and a
//! `write_tx!(self, conn, { body })` macro that runs `body` (using `conn: &mut Connection`)
//! in a write transaction, then calls `sql_store!`. Bodies capture only owned values so a
//! backend may run them on another task.

use guichet_ledger::Hash;
use guichet_store::StoreError;

pub(crate) fn to_hash(bytes: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    let len = bytes.len();
    bytes.try_into().map_err(|_| {
        StoreError::Ledger(format!(
            "{what} holds {len} bytes instead of 32 (row damaged)"
        ))
    })
}

/// A date as stored: `YYYY-MM-DD` text on both backends (sorts by date).
pub(crate) fn iso_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(crate) fn parse_day(s: &str) -> Result<time::Date, StoreError> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| StoreError::Database(format!("stored date {s:?} is not YYYY-MM-DD")))
}

pub(crate) fn entry_id(
    at: time::OffsetDateTime,
    entropy: &dyn guichet_core::Entropy,
) -> uuid::Uuid {
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

macro_rules! sql_store {
    ($Store:ty, $Db:ty, $backend:expr) => {
        use futures_util::TryStreamExt as _;
        use guichet_core::authz::{Grant, Role};
        use guichet_core::{OfficeId, SessionId, UserId};
        use guichet_ledger::{Checkpoint, Entry, GENESIS, Hash};
        use guichet_store::{Audit, Backend, ColType, Country, Office, Result, Session, Store, StoreError, StreamHead, TableSpec, User};
        use sqlx::Row as _;
        use time::OffsetDateTime;
        use uuid::Uuid;
        use $crate::shared::{entry_id, to_hash};

        type Conn = <$Db as sqlx::Database>::Connection;
        type DbRow = <$Db as sqlx::Database>::Row;
        $crate::one_stop::one_stop_helpers!($Db);
        $crate::records::records_helpers!($Db);
        $crate::hr::hr_helpers!($Db);

        async fn append_events(conn: &mut Conn, entropy: &dyn guichet_core::Entropy, audit: &Audit) -> Result<Vec<Entry>> {
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

        fn entry_from_row(row: &DbRow) -> Result<Entry> {
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
            /// Dossiers with answers through sqlx's generic row decoding; the SQLite backend
            /// has a lean reader (exports read millions of rows) tested against it.
            pub async fn dossiers_page_generic(
                &self,
                office: OfficeId,
                procedure: Option<guichet_core::ProcedureId>,
                after: Option<DossierId>,
                limit: u32,
            ) -> Result<Vec<DossierRecord>> {
                let mut q = sqlx::QueryBuilder::<$Db>::new(concat!("SELECT ", $crate::one_stop::dossier_columns!(), " FROM dossiers WHERE office_id = "));
                q.push_bind(office.as_uuid());
                if let Some(p) = procedure {
                    q.push(" AND procedure_id = ").push_bind(p.as_uuid());
                }
                if let Some(a) = after {
                    q.push(" AND id > ").push_bind(a.as_uuid());
                }
                q.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit.clamp(1, 10_000)));
                let rows = q.build().fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter().map(dossier_from_row).collect()
            }

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

        macro_rules! session_columns {
            () => {
                "id, token_hash, user_id, created_at, expires_at, stage, method, provider, assurance, id_token, client, user_agent"
            };
        }

        fn session_from_row(row: &DbRow) -> Result<Session> {
            let stage: String = row.try_get("stage").map_err(map_err)?;
            Ok(Session {
                id: SessionId(row.try_get("id").map_err(map_err)?),
                token_hash: to_hash(row.try_get("token_hash").map_err(map_err)?, "session token hash")?,
                user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                created_at: row.try_get("created_at").map_err(map_err)?,
                expires_at: row.try_get("expires_at").map_err(map_err)?,
                stage: guichet_store::SessionStage::parse(&stage)
                    .ok_or_else(|| StoreError::Database(format!("unknown session stage {stage:?}")))?,
                method: row.try_get("method").map_err(map_err)?,
                provider: row.try_get("provider").map_err(map_err)?,
                assurance: row.try_get("assurance").map_err(map_err)?,
                id_token: row.try_get("id_token").map_err(map_err)?,
                client: row.try_get("client").map_err(map_err)?,
                user_agent: row.try_get("user_agent").map_err(map_err)?,
            })
        }

        macro_rules! link_columns {
            () => {
                "id, user_id, provider, subject, attributes, assurance, linked_at, updated_at"
            };
        }

        fn link_from_row(row: &DbRow) -> Result<guichet_store::IdentityLink> {
            let text: String = row.try_get("attributes").map_err(map_err)?;
            let attributes = match serde_json::from_str(&text) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(StoreError::Database("stored identity attributes are not a JSON object".into())),
            };
            Ok(guichet_store::IdentityLink {
                id: row.try_get("id").map_err(map_err)?,
                user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                provider: row.try_get("provider").map_err(map_err)?,
                subject: row.try_get("subject").map_err(map_err)?,
                attributes,
                assurance: row.try_get("assurance").map_err(map_err)?,
                linked_at: row.try_get("linked_at").map_err(map_err)?,
                updated_at: row.try_get("updated_at").map_err(map_err)?,
            })
        }

        async fn insert_user(conn: &mut Conn, entropy: &dyn guichet_core::Entropy, user: &User, at: OffsetDateTime) -> Result<()> {
            sqlx::query(
                "INSERT INTO users (id, username, display_name, email, password_hash, disabled, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(user.id.as_uuid())
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.disabled)
            .bind(user.created_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict(e, &format!("user {}", user.username)))?;
            for grant in &user.grants {
                sqlx::query("INSERT INTO user_roles (id, user_id, role, office_id) VALUES ($1, $2, $3, $4)")
                    .bind(entry_id(at, entropy))
                    .bind(user.id.as_uuid())
                    .bind(grant.role.code())
                    .bind(grant.office.map(|o| o.as_uuid()))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "role grant"))?;
            }
            Ok(())
        }

        fn office_from_row(row: &DbRow) -> Result<Office> {
            let country: String = row.try_get("country").map_err(map_err)?;
            Ok(Office {
                id: OfficeId(row.try_get("id").map_err(map_err)?),
                code: row.try_get("code").map_err(map_err)?,
                name: row.try_get("name").map_err(map_err)?,
                country: Country::parse(&country).ok_or_else(|| StoreError::Database(format!("unknown country {country:?}")))?,
                created_at: row.try_get("created_at").map_err(map_err)?,
            })
        }

        macro_rules! user_sql {
            ($rest:literal) => {
                concat!("SELECT id, username, display_name, email, password_hash, disabled, created_at FROM users ", $rest)
            };
        }

        impl $Store {
            async fn users_where(&self, sql: &'static str, bind: Option<Uuid>, text: Option<&str>) -> Result<Vec<User>> {
                let mut q = sqlx::query(sql);
                if let Some(u) = bind {
                    q = q.bind(u);
                }
                if let Some(t) = text {
                    q = q.bind(t.to_owned());
                }
                let rows = q.fetch_all(self.reader()).await.map_err(map_err)?;
                let ids: Vec<Uuid> = rows.iter().map(|r| r.try_get::<Uuid, _>("id").map_err(map_err)).collect::<Result<_>>()?;
                // One grants query per 500 users, not one per user.
                let mut grants: std::collections::HashMap<Uuid, Vec<Grant>> = std::collections::HashMap::new();
                for chunk in ids.chunks(500) {
                    let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT user_id, role, office_id FROM user_roles WHERE user_id IN ({}) ORDER BY role, office_id",
                        params.join(", ")
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    for g in q.fetch_all(self.reader()).await.map_err(map_err)? {
                        let role: String = g.try_get("role").map_err(map_err)?;
                        let office: Option<Uuid> = g.try_get("office_id").map_err(map_err)?;
                        let role = role.parse::<Role>().map_err(|e| StoreError::Database(e.to_string()))?;
                        grants.entry(g.try_get("user_id").map_err(map_err)?).or_default().push(Grant { role, office: office.map(OfficeId) });
                    }
                }
                let mut users = Vec::with_capacity(rows.len());
                for (row, id) in rows.iter().zip(ids) {
                    users.push(User {
                        id: UserId(id),
                        username: row.try_get("username").map_err(map_err)?,
                        display_name: row.try_get("display_name").map_err(map_err)?,
                        email: row.try_get("email").map_err(map_err)?,
                        password_hash: row.try_get("password_hash").map_err(map_err)?,
                        disabled: row.try_get("disabled").map_err(map_err)?,
                        created_at: row.try_get("created_at").map_err(map_err)?,
                        grants: grants.remove(&id).unwrap_or_default(),
                    });
                }
                Ok(users)
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
        impl Store for $Store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                MIGRATOR.run(self.reader()).await.map_err(|e| StoreError::Migration(e.to_string()))
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

            async fn record(&self, audit: &Audit) -> Result<Vec<Entry>> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, { append_events(&mut *conn, &*entropy, &audit).await })
            }

            async fn create_office(&self, office: &Office, audit: &Audit) -> Result<()> {
                let (office, audit, entropy) = (office.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query("INSERT INTO offices (id, code, name, country, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(office.id.as_uuid())
                        .bind(&office.code)
                        .bind(&office.name)
                        .bind(office.country.code())
                        .bind(office.created_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, &format!("office {}", office.code)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn list_offices(&self) -> Result<Vec<Office>> {
                let rows = sqlx::query("SELECT id, code, name, country, created_at FROM offices ORDER BY code")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(office_from_row).collect()
            }

            async fn office_by_code(&self, code: &str) -> Result<Option<Office>> {
                let row = sqlx::query("SELECT id, code, name, country, created_at FROM offices WHERE code = $1")
                    .bind(code.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(office_from_row).transpose()
            }

            async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
                let row = sqlx::query("SELECT id, code, name, country, created_at FROM offices WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(office_from_row).transpose()
            }

            async fn create_user(&self, user: &User, audit: &Audit) -> Result<()> {
                let (user, audit, entropy) = (user.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    insert_user(&mut *conn, &*entropy, &user, audit.at).await?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn user(&self, id: UserId) -> Result<Option<User>> {
                const SQL: &str = user_sql!("WHERE id = $1");
                Ok(self.users_where(SQL, Some(id.as_uuid()), None).await?.pop())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                const SQL: &str = user_sql!("WHERE username = $1");
                Ok(self.users_where(SQL, None, Some(username)).await?.pop())
            }

            async fn list_users(&self, office: Option<OfficeId>) -> Result<Vec<User>> {
                match office {
                    None => {
                        const SQL: &str = user_sql!("ORDER BY username");
                        self.users_where(SQL, None, None).await
                    }
                    Some(o) => {
                        const SQL: &str =
                            user_sql!("WHERE id IN (SELECT user_id FROM user_roles WHERE office_id = $1) ORDER BY username");
                        self.users_where(SQL, Some(o.as_uuid()), None).await
                    }
                }
            }

            async fn create_session(&self, session: &Session, audit: &Audit) -> Result<()> {
                let (session, audit, entropy) = (session.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(concat!("INSERT INTO sessions (", session_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
                        .bind(session.id.as_uuid())
                        .bind(&session.token_hash[..])
                        .bind(session.user_id.as_uuid())
                        .bind(session.created_at)
                        .bind(session.expires_at)
                        .bind(session.stage.code())
                        .bind(&session.method)
                        .bind(&session.provider)
                        .bind(&session.assurance)
                        .bind(&session.id_token)
                        .bind(&session.client)
                        .bind(&session.user_agent)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, "session"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn session_by_token(&self, token_hash: &Hash, now: OffsetDateTime) -> Result<Option<Session>> {
                let row = sqlx::query(concat!("SELECT ", session_columns!(), " FROM sessions WHERE token_hash = $1"))
                    .bind(&token_hash[..])
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                let Some(row) = row else { return Ok(None) };
                let session = session_from_row(&row)?;
                // Compared here, not in SQL: SQLite keeps timestamps as text that does not sort by time.
                Ok((session.expires_at > now).then_some(session))
            }

            async fn delete_session(&self, id: SessionId, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.as_uuid()).execute(&mut *conn).await.map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn sessions_of(&self, user: UserId, now: OffsetDateTime) -> Result<Vec<Session>> {
                let rows = sqlx::query(concat!("SELECT ", session_columns!(), " FROM sessions WHERE user_id = $1"))
                    .bind(user.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let mut out = rows.iter().map(session_from_row).collect::<Result<Vec<_>>>()?;
                out.retain(|s| s.expires_at > now);
                out.sort_by(|a, b| b.created_at.cmp(&a.created_at));
                Ok(out)
            }

            async fn set_session_stage(&self, id: SessionId, stage: guichet_store::SessionStage, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE sessions SET stage = $2 WHERE id = $1")
                        .bind(id.as_uuid())
                        .bind(stage.code())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("session {id}")));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn set_password_hash(&self, user: UserId, password_hash: &str, keep: Option<SessionId>, audit: &Audit) -> Result<()> {
                let (audit, entropy, hash) = (audit.clone(), self.entropy.clone(), password_hash.to_owned());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                        .bind(user.as_uuid())
                        .bind(&hash)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("user {user}")));
                    }
                    if let Some(keep) = keep {
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                            .bind(user.as_uuid())
                            .bind(keep.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn offices_requiring_second_factor(&self) -> Result<Vec<OfficeId>> {
                let rows = sqlx::query("SELECT office_id FROM office_policies WHERE require_second_factor ORDER BY office_id")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(|r| Ok(OfficeId(r.try_get("office_id").map_err(map_err)?))).collect()
            }

            async fn set_office_second_factor(&self, office: OfficeId, required: bool, at: OffsetDateTime, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO office_policies (office_id, require_second_factor, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (office_id) DO UPDATE SET require_second_factor = excluded.require_second_factor, updated_at = excluded.updated_at",
                    )
                    .bind(office.as_uuid())
                    .bind(required)
                    .bind(at)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn save_pending_login(&self, login: &guichet_store::PendingLogin) -> Result<()> {
                let login = login.clone();
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO oidc_logins (state_hash, provider, nonce, pkce_verifier, assurance, link_user_id, return_to, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&login.state_hash[..])
                    .bind(&login.provider)
                    .bind(&login.nonce)
                    .bind(&login.pkce_verifier)
                    .bind(&login.assurance)
                    .bind(login.link_user_id.map(|u| u.as_uuid()))
                    .bind(&login.return_to)
                    .bind(login.created_at)
                    .bind(login.expires_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "pending login"))?;
                    Ok(())
                })
            }

            async fn take_pending_login(&self, state_hash: &Hash, now: OffsetDateTime) -> Result<guichet_store::TakenLogin> {
                use guichet_store::TakenLogin;
                let state_hash = *state_hash;
                write_tx!(self, conn, {
                    let taken = sqlx::query("UPDATE oidc_logins SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL")
                        .bind(&state_hash[..])
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    let row = sqlx::query(
                        "SELECT state_hash, provider, nonce, pkce_verifier, assurance, link_user_id, return_to, created_at, expires_at \
                         FROM oidc_logins WHERE state_hash = $1",
                    )
                    .bind(&state_hash[..])
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    let Some(row) = row else { return Ok(TakenLogin::Unknown) };
                    if taken == 0 {
                        return Ok(TakenLogin::AlreadyUsed);
                    }
                    Ok(TakenLogin::Taken(Box::new(guichet_store::PendingLogin {
                        state_hash: to_hash(row.try_get("state_hash").map_err(map_err)?, "state hash")?,
                        provider: row.try_get("provider").map_err(map_err)?,
                        nonce: row.try_get("nonce").map_err(map_err)?,
                        pkce_verifier: row.try_get("pkce_verifier").map_err(map_err)?,
                        assurance: row.try_get("assurance").map_err(map_err)?,
                        link_user_id: opt_id(&row, "link_user_id")?.map(UserId),
                        return_to: row.try_get("return_to").map_err(map_err)?,
                        created_at: row.try_get("created_at").map_err(map_err)?,
                        expires_at: row.try_get("expires_at").map_err(map_err)?,
                    })))
                })
            }

            async fn identity_link(&self, provider: &str, subject: &str) -> Result<Option<guichet_store::IdentityLink>> {
                let row = sqlx::query(concat!("SELECT ", link_columns!(), " FROM identity_links WHERE provider = $1 AND subject = $2"))
                    .bind(provider.to_owned())
                    .bind(subject.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(link_from_row).transpose()
            }

            async fn identity_links_of(&self, user: UserId) -> Result<Vec<guichet_store::IdentityLink>> {
                let rows = sqlx::query(concat!("SELECT ", link_columns!(), " FROM identity_links WHERE user_id = $1 ORDER BY linked_at, id"))
                    .bind(user.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(link_from_row).collect()
            }

            async fn put_identity_link(&self, link: &guichet_store::IdentityLink, new_user: Option<&User>, audit: &Audit) -> Result<()> {
                let (link, new_user, audit, entropy) = (link.clone(), new_user.cloned(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    if let Some(user) = &new_user {
                        insert_user(&mut *conn, &*entropy, user, audit.at).await?;
                    }
                    let attributes = serde_json::Value::Object(link.attributes.clone()).to_string();
                    let updated = sqlx::query("UPDATE identity_links SET attributes = $2, assurance = $3, updated_at = $4 WHERE id = $1 AND user_id = $5")
                        .bind(link.id)
                        .bind(&attributes)
                        .bind(&link.assurance)
                        .bind(link.updated_at)
                        .bind(link.user_id.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if updated == 0 {
                        sqlx::query(concat!("INSERT INTO identity_links (", link_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
                            .bind(link.id)
                            .bind(link.user_id.as_uuid())
                            .bind(&link.provider)
                            .bind(&link.subject)
                            .bind(&attributes)
                            .bind(&link.assurance)
                            .bind(link.linked_at)
                            .bind(link.updated_at)
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| conflict(e, &format!("identity {} of {}", link.subject, link.provider)))?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn delete_identity_link(&self, id: Uuid, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let done = sqlx::query("DELETE FROM identity_links WHERE id = $1").bind(id).execute(&mut *conn).await.map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("identity link {id}")));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn second_factor(&self, user: UserId) -> Result<Option<guichet_store::SecondFactor>> {
                let row = sqlx::query("SELECT user_id, secret, confirmed_at, last_step, created_at FROM second_factors WHERE user_id = $1")
                    .bind(user.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(guichet_store::SecondFactor {
                    user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                    secret: row.try_get("secret").map_err(map_err)?,
                    confirmed_at: row.try_get("confirmed_at").map_err(map_err)?,
                    last_step: row.try_get("last_step").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                }))
            }

            async fn put_second_factor(&self, factor: &guichet_store::SecondFactor, recovery_codes: &[Hash], audit: &Audit) -> Result<()> {
                let (factor, codes, audit, entropy) = (factor.clone(), recovery_codes.to_vec(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO second_factors (user_id, secret, confirmed_at, last_step, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = excluded.confirmed_at, \
                         last_step = excluded.last_step, created_at = excluded.created_at",
                    )
                    .bind(factor.user_id.as_uuid())
                    .bind(&factor.secret)
                    .bind(factor.confirmed_at)
                    .bind(factor.last_step)
                    .bind(factor.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    if !codes.is_empty() {
                        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                            .bind(factor.user_id.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        for code in &codes {
                            sqlx::query("INSERT INTO recovery_codes (id, user_id, code_hash, used_at) VALUES ($1, $2, $3, NULL)")
                                .bind(entry_id(audit.at, &*entropy))
                                .bind(factor.user_id.as_uuid())
                                .bind(&code[..])
                                .execute(&mut *conn)
                                .await
                                .map_err(map_err)?;
                        }
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn delete_second_factor(&self, user: UserId, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.as_uuid()).execute(&mut *conn).await.map_err(map_err)?;
                    sqlx::query("DELETE FROM second_factors WHERE user_id = $1").bind(user.as_uuid()).execute(&mut *conn).await.map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn accept_totp_step(&self, user: UserId, step: i64, audit: &Audit) -> Result<bool> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE second_factors SET last_step = $2 WHERE user_id = $1 AND last_step < $2")
                        .bind(user.as_uuid())
                        .bind(step)
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

            async fn use_recovery_code(&self, user: UserId, code_hash: &Hash, at: OffsetDateTime, audit: &Audit) -> Result<bool> {
                let (audit, entropy, code_hash) = (audit.clone(), self.entropy.clone(), *code_hash);
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
                        .bind(user.as_uuid())
                        .bind(&code_hash[..])
                        .bind(at)
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

            async fn recovery_codes_left(&self, user: UserId) -> Result<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
                    .bind(user.as_uuid())
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                row.try_get("n").map_err(map_err)
            }

            async fn unit_datasets(&self) -> Result<Vec<guichet_store::UnitDataset>> {
                let rows = sqlx::query("SELECT country, version, source, loaded_at, units, links FROM admin_unit_datasets ORDER BY country")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let country: String = r.try_get("country").map_err(map_err)?;
                        Ok(guichet_store::UnitDataset {
                            country: Country::parse(&country)
                                .ok_or_else(|| StoreError::Database(format!("unknown country {country:?}")))?,
                            version: r.try_get("version").map_err(map_err)?,
                            source: r.try_get("source").map_err(map_err)?,
                            loaded_at: r.try_get("loaded_at").map_err(map_err)?,
                            units: r.try_get("units").map_err(map_err)?,
                            links: r.try_get("links").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn replace_units(
                &self,
                dataset: &guichet_store::UnitDataset,
                units: Vec<guichet_store::UnitRow>,
                links: Vec<guichet_store::LinkRow>,
                audit: &Audit,
            ) -> Result<()> {
                let (dataset, audit, entropy) = (dataset.clone(), audit.clone(), self.entropy.clone());
                let prefix = format!("{}-%", dataset.country.code().to_ascii_uppercase());
                write_tx!(self, conn, {
                    sqlx::query("DELETE FROM admin_unit_links WHERE from_id LIKE $1")
                        .bind(&prefix)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    sqlx::query("DELETE FROM admin_units WHERE country = $1")
                        .bind(dataset.country.code())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    // Multi-row inserts: 400 rows × 11 values stays under every parameter limit.
                    for chunk in units.chunks(400) {
                        let mut q = sqlx::QueryBuilder::<$Db>::new(
                            "INSERT INTO admin_units (id, unit_ref, country, level, kind, name, parent_ref, \
                             valid_from, valid_to, start_ref, end_ref) ",
                        );
                        q.push_values(chunk, |mut b, u| {
                            let from = $crate::shared::iso_day(u.valid_from);
                            b.push_bind(format!("{}@{from}", u.unit_ref))
                                .push_bind(u.unit_ref.clone())
                                .push_bind(dataset.country.code())
                                .push_bind(u.level.clone())
                                .push_bind(u.kind.clone())
                                .push_bind(u.name.clone())
                                .push_bind(u.parent_ref.clone())
                                .push_bind(from)
                                .push_bind(u.valid_to.map($crate::shared::iso_day))
                                .push_bind(u.start_ref.clone())
                                .push_bind(u.end_ref.clone());
                        });
                        q.build().execute(&mut *conn).await.map_err(map_err)?;
                    }
                    for chunk in links.chunks(400) {
                        let mut q = sqlx::QueryBuilder::<$Db>::new(
                            "INSERT INTO admin_unit_links (from_id, to_id, kind, effective, partial, legal_ref) ",
                        );
                        q.push_values(chunk, |mut b, l| {
                            b.push_bind(l.from_id.clone())
                                .push_bind(l.to_id.clone())
                                .push_bind(l.kind.clone())
                                .push_bind($crate::shared::iso_day(l.effective))
                                .push_bind(l.partial)
                                .push_bind(l.legal_ref.clone());
                        });
                        q.build().execute(&mut *conn).await.map_err(map_err)?;
                    }
                    sqlx::query(
                        "INSERT INTO admin_unit_datasets (country, version, source, loaded_at, units, links) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (country) DO UPDATE SET \
                         version = excluded.version, source = excluded.source, loaded_at = excluded.loaded_at, \
                         units = excluded.units, links = excluded.links",
                    )
                    .bind(dataset.country.code())
                    .bind(&dataset.version)
                    .bind(&dataset.source)
                    .bind(dataset.loaded_at)
                    .bind(units.len() as i64)
                    .bind(links.len() as i64)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn load_units(&self) -> Result<(Vec<guichet_store::UnitRow>, Vec<guichet_store::LinkRow>)> {
                let rows = sqlx::query(
                    "SELECT unit_ref, level, kind, name, parent_ref, valid_from, valid_to, start_ref, end_ref \
                     FROM admin_units ORDER BY id",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let units = rows
                    .iter()
                    .map(|r| {
                        let from: String = r.try_get("valid_from").map_err(map_err)?;
                        let to: Option<String> = r.try_get("valid_to").map_err(map_err)?;
                        Ok(guichet_store::UnitRow {
                            unit_ref: r.try_get("unit_ref").map_err(map_err)?,
                            level: r.try_get("level").map_err(map_err)?,
                            kind: r.try_get("kind").map_err(map_err)?,
                            name: r.try_get("name").map_err(map_err)?,
                            parent_ref: r.try_get("parent_ref").map_err(map_err)?,
                            valid_from: $crate::shared::parse_day(&from)?,
                            valid_to: to.as_deref().map($crate::shared::parse_day).transpose()?,
                            start_ref: r.try_get("start_ref").map_err(map_err)?,
                            end_ref: r.try_get("end_ref").map_err(map_err)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let rows = sqlx::query(
                    "SELECT from_id, to_id, kind, effective, partial, legal_ref FROM admin_unit_links ORDER BY from_id, to_id",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let links = rows
                    .iter()
                    .map(|r| {
                        let effective: String = r.try_get("effective").map_err(map_err)?;
                        Ok(guichet_store::LinkRow {
                            from_id: r.try_get("from_id").map_err(map_err)?,
                            to_id: r.try_get("to_id").map_err(map_err)?,
                            kind: r.try_get("kind").map_err(map_err)?,
                            effective: $crate::shared::parse_day(&effective)?,
                            partial: r.try_get("partial").map_err(map_err)?,
                            legal_ref: r.try_get("legal_ref").map_err(map_err)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((units, links))
            }

            async fn set_calendar_override(&self, o: &guichet_store::CalendarOverride, audit: &Audit) -> Result<()> {
                let (o, audit, entropy) = (o.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO calendar_overrides (id, office_id, day, kind, name, legal_reference, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (office_id, day) DO UPDATE SET \
                         kind = excluded.kind, name = excluded.name, legal_reference = excluded.legal_reference, \
                         created_at = excluded.created_at",
                    )
                    .bind(o.id)
                    .bind(o.office_id.as_uuid())
                    .bind($crate::shared::iso_day(o.day))
                    .bind(if o.working_day { "working_day" } else { "day_off" })
                    .bind(&o.name)
                    .bind(&o.legal_reference)
                    .bind(o.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn delete_calendar_override(&self, office: OfficeId, day: time::Date, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let done = sqlx::query("DELETE FROM calendar_overrides WHERE office_id = $1 AND day = $2")
                        .bind(office.as_uuid())
                        .bind($crate::shared::iso_day(day))
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("calendar override on {}", $crate::shared::iso_day(day))));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn calendar_overrides(&self, office: OfficeId) -> Result<Vec<guichet_store::CalendarOverride>> {
                let rows = sqlx::query(
                    "SELECT id, office_id, day, kind, name, legal_reference, created_at FROM calendar_overrides \
                     WHERE office_id = $1 ORDER BY day",
                )
                .bind(office.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let day: String = r.try_get("day").map_err(map_err)?;
                        let kind: String = r.try_get("kind").map_err(map_err)?;
                        Ok(guichet_store::CalendarOverride {
                            id: r.try_get("id").map_err(map_err)?,
                            office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                            day: $crate::shared::parse_day(&day)?,
                            working_day: kind == "working_day",
                            name: r.try_get("name").map_err(map_err)?,
                            legal_reference: r.try_get("legal_reference").map_err(map_err)?,
                            created_at: r.try_get("created_at").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            // ---- one-stop services (procedures, dossiers, files, webhooks, outbox) ----
            async fn create_procedure(&self, procedure: &ProcedureRecord, first: &ProcedureVersionRecord, audit: &Audit) -> Result<()> {
                let (p, v, audit, entropy) = (procedure.clone(), first.clone(), audit.clone(), self.entropy.clone());
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
                let (v, audit, entropy) = (version.clone(), audit.clone(), self.entropy.clone());
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
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
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
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
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
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
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
                        .bind($crate::shared::iso_day(req.day))
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
                                "INSERT INTO dossiers (", $crate::one_stop::dossier_columns!(), ") VALUES \
                                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
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
                            .execute(&mut *conn)
                            .await
                            .map_err(|e| conflict(e, "dossier"))?;
                        }
                        Some(rev) => {
                            let changed = sqlx::query(
                                "UPDATE dossiers SET code = $3, applicant_name = $4, applicant_email = $5, state = $6, \
                                 answers = $7, secret_hash = $8, rev = $9, updated_at = $10, submitted_at = $11, \
                                 received_at = $12, due_date = $13, paused_on = $14, decided_on = $15, assigned_to = $16, \
                                 procedure_version = $17 WHERE id = $1 AND rev = $2",
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
                let row = sqlx::query(concat!("SELECT ", $crate::one_stop::dossier_columns!(), " FROM dossiers WHERE id = $1"))
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(dossier_from_row).transpose()
            }

            async fn dossier_by_code(&self, code: &str) -> Result<Option<DossierRecord>> {
                let row = sqlx::query(concat!("SELECT ", $crate::one_stop::dossier_columns!(), " FROM dossiers WHERE code = $1"))
                    .bind(code.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(dossier_from_row).transpose()
            }

            async fn dossier_by_idempotency_key(&self, key: &str) -> Result<Option<DossierRecord>> {
                let row = sqlx::query(concat!("SELECT ", $crate::one_stop::dossier_columns!(), " FROM dossiers WHERE idempotency_key = $1"))
                    .bind(key.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(dossier_from_row).transpose()
            }

            async fn list_dossiers(&self, query: &DossierQuery) -> Result<Vec<DossierRecord>> {
                let mut q = sqlx::QueryBuilder::<$Db>::new(concat!("SELECT ", $crate::one_stop::dossier_list_columns!(), " FROM dossiers"));
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
                let mut q = sqlx::QueryBuilder::<$Db>::new("SELECT COUNT(*) FROM (SELECT 1 FROM dossiers");
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
                let (f, audit, entropy) = (file.clone(), audit.clone(), self.entropy.clone());
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
                self.read_dossiers_page(office, procedure, after, limit).await
            }

            async fn document(&self, id: guichet_core::DocumentId) -> Result<Option<guichet_store::DocumentRecord>> {
                let row = sqlx::query("SELECT * FROM documents WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(document_from_row).transpose()
            }

            async fn dossier_documents(&self, dossier: DossierId) -> Result<Vec<guichet_store::DocumentRecord>> {
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
                let (audit, entropy, reason) = (audit.clone(), self.entropy.clone(), reason.to_owned());
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

            async fn document_template(&self, office: OfficeId, kind: &str) -> Result<Option<guichet_store::TemplateRecord>> {
                let row = sqlx::query("SELECT office_id, kind, source, updated_at, updated_by FROM document_templates WHERE office_id = $1 AND kind = $2")
                    .bind(office.as_uuid())
                    .bind(kind.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> Result<_> {
                    Ok(guichet_store::TemplateRecord {
                        office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                        kind: r.try_get("kind").map_err(map_err)?,
                        source: r.try_get("source").map_err(map_err)?,
                        updated_at: r.try_get("updated_at").map_err(map_err)?,
                        updated_by: r.try_get::<Option<Uuid>, _>("updated_by").map_err(map_err)?.map(UserId),
                    })
                })
                .transpose()
            }

            async fn put_document_template(&self, t: &guichet_store::TemplateRecord, audit: &Audit) -> Result<()> {
                let (t, audit, entropy) = (t.clone(), audit.clone(), self.entropy.clone());
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
                let (kind, audit, entropy) = (kind.to_owned(), audit.clone(), self.entropy.clone());
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

            async fn add_rating(&self, r: &guichet_store::RatingRecord, audit: &Audit) -> Result<()> {
                let (r, audit, entropy) = (r.clone(), audit.clone(), self.entropy.clone());
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

            async fn rating(&self, dossier: DossierId) -> Result<Option<guichet_store::RatingRecord>> {
                let row = sqlx::query("SELECT dossier_id, office_id, procedure_id, score, comment, at FROM ratings WHERE dossier_id = $1")
                    .bind(dossier.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> Result<_> {
                    Ok(guichet_store::RatingRecord {
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

            async fn stat_rows(&self, office: Option<OfficeId>, from: time::Date, to: time::Date) -> Result<Vec<guichet_store::StatRow>> {
                let mut q = sqlx::QueryBuilder::<$Db>::new(
                    "SELECT d.office_id, d.procedure_id, d.state, d.received_at, d.due_date, d.decided_on, \
                     (SELECT COUNT(*) FROM dossier_events e WHERE e.dossier_id = d.id AND e.action = 'request_correction') AS corrections, \
                     r.score FROM dossiers d LEFT JOIN ratings r ON r.dossier_id = d.id \
                     WHERE d.received_at IS NOT NULL AND d.received_at < ",
                );
                // Office-local days run up to 14 hours off UTC; a day of margin each side, the
                // caller keeps what falls in its window.
                let end = to.next_day().unwrap_or(to).midnight().assume_utc();
                q.push_bind(end);
                q.push(" AND (d.decided_on IS NULL OR d.decided_on >= ").push_bind($crate::shared::iso_day(from)).push(")");
                if let Some(o) = office {
                    q.push(" AND d.office_id = ").push_bind(o.as_uuid());
                }
                let rows = q.build().fetch_all(self.reader()).await.map_err(map_err)?;
                rows.iter()
                    .map(|r| -> Result<_> {
                        Ok(guichet_store::StatRow {
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

            async fn create_export_job(&self, j: &guichet_store::ExportJobRecord, audit: &Audit) -> Result<()> {
                let (j, audit, entropy) = (j.clone(), audit.clone(), self.entropy.clone());
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

            async fn update_export_job(&self, j: &guichet_store::ExportJobRecord) -> Result<()> {
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

            async fn export_job(&self, id: guichet_core::ExportId) -> Result<Option<guichet_store::ExportJobRecord>> {
                let row = sqlx::query("SELECT * FROM export_jobs WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(export_job_from_row).transpose()
            }

            async fn export_jobs(&self, office: OfficeId, limit: u32) -> Result<Vec<guichet_store::ExportJobRecord>> {
                let rows = sqlx::query("SELECT * FROM export_jobs WHERE office_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(office.as_uuid())
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(export_job_from_row).collect()
            }

            async fn put_record_class(&self, c: &guichet_store::ClassRecord, audit: &Audit) -> Result<()> {
                let (c, audit, entropy) = (c.clone(), audit.clone(), self.entropy.clone());
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

            async fn record_classes(&self, office: OfficeId) -> Result<Vec<guichet_store::ClassRecord>> {
                let rows = sqlx::query("SELECT * FROM record_classes WHERE office_id = $1 ORDER BY code")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(class_from_row).collect()
            }

            async fn open_archive_file(
                &self,
                f: &guichet_store::ArchiveFileRecord,
                number: &guichet_store::NumberRequest,
                audit: &Audit,
            ) -> Result<guichet_store::ArchiveFileRecord> {
                let (f, number, audit, entropy) = (f.clone(), number.clone(), audit.clone(), self.entropy.clone());
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
                    .bind($crate::shared::iso_day(f.opened_on))
                    .bind(f.closed_on.map($crate::shared::iso_day))
                    .bind(f.due_on.map($crate::shared::iso_day))
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
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let due = due_on.map($crate::shared::iso_day);
                    let changed = sqlx::query("UPDATE archive_files SET closed_on = $1, due_on = $2 WHERE id = $3 AND closed_on IS NULL")
                        .bind($crate::shared::iso_day(closed_on))
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

            async fn archive_file(&self, id: guichet_core::ArchiveFileId) -> Result<Option<guichet_store::ArchiveFileRecord>> {
                let row = sqlx::query("SELECT * FROM archive_files WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(archive_file_from_row).transpose()
            }

            async fn archive_file_for_dossier(&self, dossier: DossierId) -> Result<Option<guichet_store::ArchiveFileRecord>> {
                let row = sqlx::query("SELECT * FROM archive_files WHERE dossier_id = $1")
                    .bind(dossier.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(archive_file_from_row).transpose()
            }

            async fn open_files_of_dossiers_in(&self, states: &[&str], limit: u32) -> Result<Vec<(guichet_store::ArchiveFileRecord, OffsetDateTime)>> {
                if states.is_empty() {
                    return Ok(Vec::new());
                }
                let mut b = sqlx::QueryBuilder::<$Db>::new(
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

            async fn archive_files(&self, office: OfficeId, limit: u32) -> Result<Vec<guichet_store::ArchiveFileRecord>> {
                let rows = sqlx::query("SELECT * FROM archive_files WHERE office_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(office.as_uuid())
                    .bind(i64::from(limit.clamp(1, 10_000)))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(archive_file_from_row).collect()
            }

            async fn add_records(&self, writes: Vec<guichet_store::RecordWrite>, audit: &Audit) -> Result<Vec<guichet_store::RecordRow>> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
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

            async fn record_row(&self, id: guichet_core::RecordId) -> Result<Option<guichet_store::RecordRow>> {
                let row = sqlx::query("SELECT * FROM records WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(record_from_row).transpose()
            }

            async fn records(&self, q: &guichet_store::RecordQuery) -> Result<Vec<guichet_store::RecordRow>> {
                let mut b = sqlx::QueryBuilder::<$Db>::new("SELECT * FROM records WHERE 1 = 1");
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
                    b.push(" AND due_on IS NOT NULL AND due_on <= ").push_bind($crate::shared::iso_day(d));
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
                let mut b = sqlx::QueryBuilder::<$Db>::new("SELECT COUNT(*) AS n FROM records");
                if let Some(o) = office {
                    b.push(" WHERE office_id = ").push_bind(o.as_uuid());
                }
                let row = b.build().fetch_one(self.reader()).await.map_err(map_err)?;
                row.try_get("n").map_err(map_err)
            }

            async fn uncaptured(&self, limit: u32) -> Result<Vec<guichet_store::CaptureSource>> {
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
                let (ids, audit, entropy) = (ids.to_vec(), audit.clone(), self.entropy.clone());
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

            async fn put_hold(&self, h: &guichet_store::HoldRecord, audit: &Audit) -> Result<()> {
                let (h, audit, entropy) = (h.clone(), audit.clone(), self.entropy.clone());
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
                let (reason, audit, entropy) = (reason.to_owned(), audit.clone(), self.entropy.clone());
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

            async fn holds(&self, office: OfficeId) -> Result<Vec<guichet_store::HoldRecord>> {
                let rows = sqlx::query("SELECT * FROM record_holds WHERE office_id = $1 ORDER BY id DESC")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(hold_from_row).collect()
            }

            async fn put_disposition(&self, d: &guichet_store::DispositionRecord, expected_state: Option<&str>, audit: &Audit) -> Result<()> {
                let (d, expected, audit, entropy) = (d.clone(), expected_state.map(str::to_owned), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    match &expected {
                        None => {
                            sqlx::query(
                                "INSERT INTO dispositions (id, office_id, as_of, state, created_at, created_by, decided_at, decided_by, executed_at, items, note, certificate_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                            )
                            .bind(d.id.as_uuid())
                            .bind(d.office_id.as_uuid())
                            .bind($crate::shared::iso_day(d.as_of))
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

            async fn disposition(&self, id: guichet_core::DispositionId) -> Result<Option<guichet_store::DispositionRecord>> {
                let row = sqlx::query("SELECT * FROM dispositions WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(disposition_from_row).transpose()
            }

            async fn dispositions(&self, office: OfficeId) -> Result<Vec<guichet_store::DispositionRecord>> {
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
            ) -> Result<guichet_store::Destruction> {
                let (ids, audit, entropy) = (ids.to_vec(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let mut out = guichet_store::Destruction::default();
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

            async fn add_fixity_run(&self, run: &guichet_store::FixityRunRecord, audit: &Audit) -> Result<()> {
                let (run, audit, entropy) = (run.clone(), audit.clone(), self.entropy.clone());
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

            async fn fixity_runs(&self, limit: u32) -> Result<Vec<guichet_store::FixityRunRecord>> {
                let rows = sqlx::query("SELECT * FROM fixity_runs ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit.clamp(1, 1000)))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(fixity_from_row).collect()
            }

            async fn put_org_unit(&self, u: &guichet_store::OrgUnitRow, audit: &Audit) -> Result<()> {
                let (u, audit, entropy) = (u.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO org_units (id, office_id, code, name, parent_code, admin_unit_code, valid_from, valid_to, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (id) DO UPDATE SET name = $4, parent_code = $5, admin_unit_code = $6, valid_from = $7, valid_to = $8",
                    )
                    .bind(u.id.as_uuid())
                    .bind(u.office_id.as_uuid())
                    .bind(&u.code)
                    .bind(&u.name)
                    .bind(&u.parent_code)
                    .bind(&u.admin_unit_code)
                    .bind($crate::shared::iso_day(u.valid_from))
                    .bind(u.valid_to.map($crate::shared::iso_day))
                    .bind(u.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("unit {} from {}", u.code, u.valid_from)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn org_units(&self, office: OfficeId) -> Result<Vec<guichet_store::OrgUnitRow>> {
                let rows = sqlx::query("SELECT * FROM org_units WHERE office_id = $1 ORDER BY code, valid_from")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(org_unit_from_row).collect()
            }

            async fn put_position(&self, p: &guichet_store::PositionRow, audit: &Audit) -> Result<()> {
                let (p, audit, entropy) = (p.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO job_positions (id, office_id, code, title, category, unit_code, planned_posts, competencies, training, position_pay, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                         ON CONFLICT (id) DO UPDATE SET title = $4, category = $5, unit_code = $6, planned_posts = $7, competencies = $8, training = $9, position_pay = $10",
                    )
                    .bind(p.id.as_uuid())
                    .bind(p.office_id.as_uuid())
                    .bind(&p.code)
                    .bind(&p.title)
                    .bind(&p.category)
                    .bind(&p.unit_code)
                    .bind(p.planned_posts)
                    .bind(&p.competencies)
                    .bind(&p.training)
                    .bind(p.position_pay)
                    .bind(p.created_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("job position {}", p.code)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn positions(&self, office: OfficeId) -> Result<Vec<guichet_store::PositionRow>> {
                let rows = sqlx::query("SELECT * FROM job_positions WHERE office_id = $1 ORDER BY code")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(position_from_row).collect()
            }

            async fn add_staff(&self, writes: Vec<guichet_store::StaffWrite>, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let mut people = Vec::with_capacity(writes.len());
                    for w in &writes {
                        let s = &w.staff;
                        sqlx::query(
                            "INSERT INTO staff (id, office_id, user_id, number, family_name, given_name, birth_date, gender, id_kind, id_number, email, phone, education, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                        )
                        .bind(s.id.as_uuid())
                        .bind(s.office_id.as_uuid())
                        .bind(s.user_id.map(|u| u.as_uuid()))
                        .bind(&s.number)
                        .bind(&s.family_name)
                        .bind(&s.given_name)
                        .bind($crate::shared::iso_day(s.birth_date))
                        .bind(&s.gender)
                        .bind(&s.id_kind)
                        .bind(&s.id_number)
                        .bind(&s.email)
                        .bind(&s.phone)
                        .bind(&s.education)
                        .bind(s.created_at)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, &format!("staff number {}", s.number)))?;
                        for t in &w.terms {
                            insert_term(&mut *conn, t).await?;
                        }
                        people.push(s.id);
                    }
                    check_no_overlap(&mut *conn, &people).await?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn staff_list(&self, office: OfficeId) -> Result<Vec<guichet_store::StaffRow>> {
                let rows = sqlx::query("SELECT * FROM staff WHERE office_id = $1 ORDER BY family_name, given_name, number")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(staff_from_row).collect()
            }

            async fn staff_member(&self, id: guichet_core::StaffId) -> Result<Option<guichet_store::StaffRow>> {
                let row = sqlx::query("SELECT * FROM staff WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(staff_from_row).transpose()
            }

            async fn staff_of_user(&self, user: UserId) -> Result<Vec<guichet_store::StaffRow>> {
                let rows = sqlx::query("SELECT * FROM staff WHERE user_id = $1 ORDER BY id")
                    .bind(user.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(staff_from_row).collect()
            }

            async fn put_terms(&self, terms: Vec<guichet_store::TermRow>, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let mut people: Vec<StaffId> = Vec::new();
                    for t in &terms {
                        insert_term(&mut *conn, t).await?;
                        if !people.contains(&t.staff_id) {
                            people.push(t.staff_id);
                        }
                    }
                    check_no_overlap(&mut *conn, &people).await?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn staff_terms(&self, staff: guichet_core::StaffId) -> Result<Vec<guichet_store::TermRow>> {
                let rows = sqlx::query("SELECT * FROM staff_terms WHERE staff_id = $1 ORDER BY kind, valid_from, id")
                    .bind(staff.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(term_from_row).collect()
            }

            async fn terms_on(&self, office: OfficeId, kind: &str, day: time::Date) -> Result<Vec<guichet_store::TermRow>> {
                let day = $crate::shared::iso_day(day);
                let rows = sqlx::query(
                    "SELECT * FROM staff_terms WHERE office_id = $1 AND kind = $2 AND valid_from <= $3 \
                     AND (valid_to IS NULL OR valid_to > $3) ORDER BY staff_id, valid_from",
                )
                .bind(office.as_uuid())
                .bind(kind)
                .bind(&day)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(term_from_row).collect()
            }

            async fn add_pay_parameter(&self, p: &guichet_store::PayParamRow, audit: &Audit) -> Result<()> {
                let (p, audit, entropy) = (p.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO pay_parameters (id, name, valid_from, value, source, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(p.id)
                    .bind(&p.name)
                    .bind($crate::shared::iso_day(p.valid_from))
                    .bind(p.value)
                    .bind(&p.source)
                    .bind(p.created_at)
                    .bind(p.created_by.map(|u| u.as_uuid()))
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, &format!("a value of {} from {}", p.name, p.valid_from)))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn pay_parameters(&self) -> Result<Vec<guichet_store::PayParamRow>> {
                let rows = sqlx::query("SELECT * FROM pay_parameters ORDER BY name, valid_from")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(pay_param_from_row).collect()
            }

            async fn save_payroll(&self, run: &guichet_store::PayrollRunRow, slips: Vec<guichet_store::PayslipRow>, audit: &Audit) -> Result<guichet_store::PayrollRunRow> {
                let (run, audit, entropy) = (run.clone(), audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let existing = sqlx::query("SELECT id, state FROM payroll_runs WHERE office_id = $1 AND month = $2")
                        .bind(run.office_id.as_uuid())
                        .bind(&run.month)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    let mut run = run.clone();
                    if let Some(row) = existing {
                        let state: String = row.try_get("state").map_err(map_err)?;
                        if state != "computed" {
                            return Err(StoreError::Stale(format!("the payroll of {} (locked)", run.month)));
                        }
                        run.id = PayrollId(row.try_get("id").map_err(map_err)?);
                        sqlx::query("DELETE FROM payslips WHERE run_id = $1")
                            .bind(run.id.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        sqlx::query(
                            "UPDATE payroll_runs SET currency = $1, staff_count = $2, gross = $3, net = $4, created_at = $5, created_by = $6, sources = $8 WHERE id = $7",
                        )
                        .bind(&run.currency)
                        .bind(run.staff_count)
                        .bind(run.gross)
                        .bind(run.net)
                        .bind(run.created_at)
                        .bind(run.created_by.map(|u| u.as_uuid()))
                        .bind(run.id.as_uuid())
                        .bind(&run.sources)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    } else {
                        sqlx::query(
                            "INSERT INTO payroll_runs (id, office_id, month, state, currency, staff_count, gross, net, created_at, created_by, locked_at, locked_by, sources) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        )
                        .bind(run.id.as_uuid())
                        .bind(run.office_id.as_uuid())
                        .bind(&run.month)
                        .bind(&run.state)
                        .bind(&run.currency)
                        .bind(run.staff_count)
                        .bind(run.gross)
                        .bind(run.net)
                        .bind(run.created_at)
                        .bind(run.created_by.map(|u| u.as_uuid()))
                        .bind(run.locked_at)
                        .bind(run.locked_by.map(|u| u.as_uuid()))
                        .bind(&run.sources)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, &format!("the payroll of {}", run.month)))?;
                    }
                    // Many rows per statement: a payroll of 100,000 people is 200 statements,
                    // not 100,000 round trips.
                    for chunk in slips.chunks(500) {
                        let values: Vec<String> = (0..chunk.len())
                            .map(|i| format!("(${}, ${}, ${}, ${}, ${})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5))
                            .collect();
                        let sql = format!("INSERT INTO payslips (run_id, staff_id, gross, net, breakdown) VALUES {}", values.join(", "));
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for s in chunk {
                            q = q
                                .bind(run.id.as_uuid())
                                .bind(s.staff_id.as_uuid())
                                .bind(s.gross)
                                .bind(s.net)
                                .bind(&s.breakdown);
                        }
                        q.execute(&mut *conn).await.map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(run)
                })
            }

            async fn lock_payroll(&self, id: guichet_core::PayrollId, at: OffsetDateTime, by: Option<UserId>, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy.clone());
                write_tx!(self, conn, {
                    let changed = sqlx::query("UPDATE payroll_runs SET state = 'locked', locked_at = $1, locked_by = $2 WHERE id = $3 AND state = 'computed'")
                        .bind(at)
                        .bind(by.map(|u| u.as_uuid()))
                        .bind(id.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?
                        .rows_affected();
                    if changed == 0 {
                        return Err(StoreError::Stale(format!("payroll run {id}")));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn payroll_runs(&self, office: OfficeId) -> Result<Vec<guichet_store::PayrollRunRow>> {
                let rows = sqlx::query("SELECT * FROM payroll_runs WHERE office_id = $1 ORDER BY month DESC")
                    .bind(office.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(payroll_from_row).collect()
            }

            async fn payroll_run(&self, id: guichet_core::PayrollId) -> Result<Option<guichet_store::PayrollRunRow>> {
                let row = sqlx::query("SELECT * FROM payroll_runs WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(payroll_from_row).transpose()
            }

            async fn payslips_of(&self, staff: guichet_core::StaffId) -> Result<Vec<(guichet_store::PayrollRunRow, guichet_store::PayslipRow)>> {
                let slips = sqlx::query("SELECT * FROM payslips WHERE staff_id = $1")
                    .bind(staff.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let mut out = Vec::with_capacity(slips.len());
                for row in &slips {
                    let slip = payslip_from_row(row)?;
                    let run = sqlx::query("SELECT * FROM payroll_runs WHERE id = $1")
                        .bind(slip.run_id.as_uuid())
                        .fetch_one(self.reader())
                        .await
                        .map_err(map_err)?;
                    out.push((payroll_from_row(&run)?, slip));
                }
                out.sort_by(|a, b| b.0.month.cmp(&a.0.month));
                Ok(out)
            }

            async fn payslips(&self, run: guichet_core::PayrollId) -> Result<Vec<guichet_store::PayslipRow>> {
                let rows = sqlx::query("SELECT * FROM payslips WHERE run_id = $1 ORDER BY staff_id")
                    .bind(run.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(payslip_from_row).collect()
            }


            async fn create_webhook(&self, hook: &WebhookRecord, audit: &Audit) -> Result<()> {
                let (h, audit, entropy) = (hook.clone(), audit.clone(), self.entropy.clone());
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
                    let known = guichet_store::TABLES
                        .iter()
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

        /// A unique-constraint violation becomes a `Conflict` naming `what`.
        fn conflict(e: sqlx::Error, what: &str) -> StoreError {
            if let sqlx::Error::Database(db) = &e {
                if db.is_unique_violation() {
                    return StoreError::Conflict(what.to_owned());
                }
            }
            map_err(e)
        }
    };
}

pub(crate) use sql_store;
