//! The SQL of identity (offices, accounts, sessions, OpenID links, second factors, office
//! calendars), written once and expanded for each backend with that backend's prelude.

macro_rules! identity_sql {
    ($Store:ty) => {
        use guichet_core::authz::{Clearance, Grant, Role, Secrecy};
        use guichet_core::{Country, OfficeId, SessionId, UserId};
        use guichet_ledger::Hash;
        use guichet_store::{Audit, Office, OutboxRecord, Session, User};
        use sqlx::Row as _;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use crate::store::{AccountLink, ApiClient, ApiToken, CalendarOverride, IdentityLink, IdentityStore, PendingLogin, SecondFactor, TakenLogin};

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

        fn link_from_row(row: &DbRow) -> Result<IdentityLink> {
            let text: String = row.try_get("attributes").map_err(map_err)?;
            let attributes = match serde_json::from_str(&text) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err(StoreError::Database("stored identity attributes are not a JSON object".into())),
            };
            Ok(IdentityLink {
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
                sqlx::query("INSERT INTO user_roles (id, user_id, role, office_id, object_id) VALUES ($1, $2, $3, $4, $5)")
                    .bind(entry_id(at, entropy))
                    .bind(user.id.as_uuid())
                    .bind(grant.role.code())
                    .bind(grant.office.map(|o| o.as_uuid()))
                    .bind(grant.object)
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

        fn account_link_from_row(row: &DbRow) -> Result<AccountLink> {
            Ok(AccountLink {
                id: row.try_get("id").map_err(map_err)?,
                user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                purpose: row.try_get("purpose").map_err(map_err)?,
                token_hash: to_hash(row.try_get("token_hash").map_err(map_err)?, "link token hash")?,
                created_at: row.try_get("created_at").map_err(map_err)?,
                expires_at: row.try_get("expires_at").map_err(map_err)?,
                used_at: row.try_get("used_at").map_err(map_err)?,
            })
        }

        async fn insert_link(conn: &mut Conn, l: &AccountLink) -> Result<()> {
            sqlx::query(
                "INSERT INTO account_links (id, user_id, purpose, token_hash, created_at, expires_at, used_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(l.id)
            .bind(l.user_id.as_uuid())
            .bind(&l.purpose)
            .bind(&l.token_hash[..])
            .bind(l.created_at)
            .bind(l.expires_at)
            .bind(l.used_at)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        fn api_token_from_row(row: &DbRow) -> Result<ApiToken> {
            let scopes: String = row.try_get("scopes").map_err(map_err)?;
            Ok(ApiToken {
                id: row.try_get("id").map_err(map_err)?,
                user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                client: row.try_get("client_id").map_err(map_err)?,
                name: row.try_get("name").map_err(map_err)?,
                token_hash: to_hash(row.try_get("token_hash").map_err(map_err)?, "api token hash")?,
                scopes: scopes.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                created_at: row.try_get("created_at").map_err(map_err)?,
                expires_at: row.try_get("expires_at").map_err(map_err)?,
                revoked_at: row.try_get("revoked_at").map_err(map_err)?,
            })
        }

        fn api_client_from_row(row: &DbRow) -> Result<ApiClient> {
            let scopes: String = row.try_get("scopes").map_err(map_err)?;
            Ok(ApiClient {
                id: row.try_get("id").map_err(map_err)?,
                client_id: row.try_get("client_id").map_err(map_err)?,
                secret_hash: to_hash(row.try_get("secret_hash").map_err(map_err)?, "client secret hash")?,
                user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                name: row.try_get("name").map_err(map_err)?,
                scopes: scopes.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                created_at: row.try_get("created_at").map_err(map_err)?,
                revoked_at: row.try_get("revoked_at").map_err(map_err)?,
            })
        }

        macro_rules! user_sql {
            ($rest:literal) => {
                concat!("SELECT id, username, display_name, email, password_hash, disabled, created_at FROM users ", $rest)
            };
        }

        async fn users_where(store: &$Store, sql: &'static str, bind: Option<Uuid>, text: Option<&str>) -> Result<Vec<User>> {
            let mut q = sqlx::query(sql);
            if let Some(u) = bind {
                q = q.bind(u);
            }
            if let Some(t) = text {
                q = q.bind(t.to_owned());
            }
            let rows = q.fetch_all(store.reader()).await.map_err(map_err)?;
            let ids: Vec<Uuid> = rows.iter().map(|r| r.try_get::<Uuid, _>("id").map_err(map_err)).collect::<Result<_>>()?;
            // One grants query per 500 users, not one per user.
            let mut grants: std::collections::HashMap<Uuid, Vec<Grant>> = std::collections::HashMap::new();
            for chunk in ids.chunks(500) {
                let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT user_id, role, office_id, object_id FROM user_roles WHERE user_id IN ({}) ORDER BY role, office_id, object_id",
                    params.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                for g in q.fetch_all(store.reader()).await.map_err(map_err)? {
                    let role: String = g.try_get("role").map_err(map_err)?;
                    let office: Option<Uuid> = g.try_get("office_id").map_err(map_err)?;
                    let object: Option<Uuid> = g.try_get("object_id").map_err(map_err)?;
                    let role = role.parse::<Role>().map_err(|e| StoreError::Database(e.to_string()))?;
                    grants.entry(g.try_get("user_id").map_err(map_err)?).or_default().push(Grant { role, office: office.map(OfficeId), object });
                }
            }
            let mut clearances: std::collections::HashMap<Uuid, Vec<Clearance>> = std::collections::HashMap::new();
            for chunk in ids.chunks(500) {
                let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT user_id, office_id, level FROM user_clearances WHERE user_id IN ({}) ORDER BY office_id",
                    params.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                for c in q.fetch_all(store.reader()).await.map_err(map_err)? {
                    let level: String = c.try_get("level").map_err(map_err)?;
                    let level = level.parse::<Secrecy>().map_err(|e| StoreError::Database(e.to_string()))?;
                    clearances
                        .entry(c.try_get("user_id").map_err(map_err)?)
                        .or_default()
                        .push(Clearance { office: OfficeId(c.try_get("office_id").map_err(map_err)?), level });
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
                    clearances: clearances.remove(&id).unwrap_or_default(),
                });
            }
            Ok(users)
        }

        #[async_trait::async_trait]
        impl IdentityStore for $Store {
            async fn create_office(&self, office: &Office, audit: &Audit) -> Result<()> {
                let (office, audit, entropy) = (office.clone(), audit.clone(), self.entropy());
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

            async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
                let row = sqlx::query("SELECT id, code, name, country, created_at FROM offices WHERE id = $1")
                    .bind(id.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(office_from_row).transpose()
            }

            async fn office_by_code(&self, code: &str) -> Result<Option<Office>> {
                let row = sqlx::query("SELECT id, code, name, country, created_at FROM offices WHERE code = $1")
                    .bind(code.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(office_from_row).transpose()
            }

            async fn create_user(&self, user: &User, audit: &Audit) -> Result<()> {
                let (user, audit, entropy) = (user.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    insert_user(&mut *conn, &*entropy, &user, audit.at).await?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn user(&self, id: UserId) -> Result<Option<User>> {
                const SQL: &str = user_sql!("WHERE id = $1");
                Ok(users_where(self, SQL, Some(id.as_uuid()), None).await?.pop())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                const SQL: &str = user_sql!("WHERE username = $1");
                Ok(users_where(self, SQL, None, Some(username)).await?.pop())
            }

            async fn list_users(&self, office: Option<OfficeId>) -> Result<Vec<User>> {
                match office {
                    None => {
                        const SQL: &str = user_sql!("ORDER BY username");
                        users_where(self, SQL, None, None).await
                    }
                    Some(o) => {
                        const SQL: &str =
                            user_sql!("WHERE id IN (SELECT user_id FROM user_roles WHERE office_id = $1) ORDER BY username");
                        users_where(self, SQL, Some(o.as_uuid()), None).await
                    }
                }
            }

            async fn create_session(&self, session: &Session, audit: &Audit) -> Result<()> {
                let (session, audit, entropy) = (session.clone(), audit.clone(), self.entropy());
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
                let (audit, entropy) = (audit.clone(), self.entropy());
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
                let (audit, entropy) = (audit.clone(), self.entropy());
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
                let (audit, entropy, hash) = (audit.clone(), self.entropy(), password_hash.to_owned());
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

            async fn add_grant(&self, user: UserId, grant: &Grant, audit: &Audit) -> Result<()> {
                let (audit, entropy, grant) = (audit.clone(), self.entropy(), grant.clone());
                write_tx!(self, conn, {
                    let found = sqlx::query("SELECT 1 FROM users WHERE id = $1")
                        .bind(user.as_uuid())
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if found.is_none() {
                        return Err(StoreError::NotFound(format!("user {user}")));
                    }
                    sqlx::query("INSERT INTO user_roles (id, user_id, role, office_id, object_id) VALUES ($1, $2, $3, $4, $5)")
                        .bind(entry_id(audit.at, &*entropy))
                        .bind(user.as_uuid())
                        .bind(grant.role.code())
                        .bind(grant.office.map(|o| o.as_uuid()))
                        .bind(grant.object)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| conflict(e, "role grant"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn set_clearance(&self, user: UserId, office: OfficeId, level: Secrecy, granted_by: &str, audit: &Audit) -> Result<()> {
                let (audit, entropy, granted_by) = (audit.clone(), self.entropy(), granted_by.to_owned());
                write_tx!(self, conn, {
                    for (table, id, what) in [("users", user.as_uuid(), "user"), ("offices", office.as_uuid(), "office")] {
                        let found = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT 1 FROM {table} WHERE id = $1")))
                            .bind(id)
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        if found.is_none() {
                            return Err(StoreError::NotFound(format!("{what} {id}")));
                        }
                    }
                    sqlx::query("DELETE FROM user_clearances WHERE user_id = $1 AND office_id = $2")
                        .bind(user.as_uuid())
                        .bind(office.as_uuid())
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if level != Secrecy::Normal {
                        sqlx::query("INSERT INTO user_clearances (id, user_id, office_id, level, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(entry_id(audit.at, &*entropy))
                            .bind(user.as_uuid())
                            .bind(office.as_uuid())
                            .bind(level.code())
                            .bind(&granted_by)
                            .bind(audit.at)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn remove_grant(&self, user: UserId, grant: &Grant, audit: &Audit) -> Result<()> {
                let (audit, entropy, grant) = (audit.clone(), self.entropy(), grant.clone());
                write_tx!(self, conn, {
                    // `IS NOT DISTINCT FROM`-free: the office and object are compared as given,
                    // NULL included, so the SQL stays the same on both backends.
                    let done = sqlx::query(
                        "DELETE FROM user_roles WHERE user_id = $1 AND role = $2 \
                         AND ((office_id IS NULL AND $3 IS NULL) OR office_id = $3) \
                         AND ((object_id IS NULL AND $4 IS NULL) OR object_id = $4)",
                    )
                    .bind(user.as_uuid())
                    .bind(grant.role.code())
                    .bind(grant.office.map(|o| o.as_uuid()))
                    .bind(grant.object)
                    .execute(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("grant {} of user {user}", grant.role.code())));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn set_disabled(&self, user: UserId, disabled: bool, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                        .bind(user.as_uuid())
                        .bind(disabled)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("user {user}")));
                    }
                    if disabled {
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user.as_uuid())
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
                const SQL: &str = user_sql!("WHERE lower(email) = lower($1) ORDER BY id LIMIT 1");
                Ok(users_where(self, SQL, None, Some(email.trim())).await?.pop())
            }

            async fn create_user_with_link(&self, user: &User, link: &AccountLink, mail: Option<&OutboxRecord>, audit: &Audit) -> Result<()> {
                let (user, link, mail, audit, entropy) = (user.clone(), link.clone(), mail.cloned(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    insert_user(&mut *conn, &*entropy, &user, audit.at).await?;
                    insert_link(&mut *conn, &link).await?;
                    if let Some(m) = &mail {
                        insert_outbox(&mut *conn, m).await?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn put_account_link(&self, link: &AccountLink, mail: Option<&OutboxRecord>, audit: &Audit) -> Result<()> {
                let (link, mail, audit, entropy) = (link.clone(), mail.cloned(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    insert_link(&mut *conn, &link).await?;
                    if let Some(m) = &mail {
                        insert_outbox(&mut *conn, m).await?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn account_link(&self, token_hash: &Hash) -> Result<Option<AccountLink>> {
                let row = sqlx::query(
                    "SELECT id, user_id, purpose, token_hash, created_at, expires_at, used_at FROM account_links WHERE token_hash = $1",
                )
                .bind(&token_hash[..])
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?;
                row.as_ref().map(account_link_from_row).transpose()
            }

            async fn redeem_account_link(&self, link: Uuid, now: OffsetDateTime, password_hash: Option<&str>, enable: bool, audit: &Audit) -> Result<bool> {
                let (audit, entropy, hash) = (audit.clone(), self.entropy(), password_hash.map(str::to_owned));
                write_tx!(self, conn, {
                    let row = sqlx::query(
                        "SELECT id, user_id, purpose, token_hash, created_at, expires_at, used_at FROM account_links WHERE id = $1",
                    )
                    .bind(link)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
                    let Some(found) = row.as_ref().map(account_link_from_row).transpose()? else {
                        return Ok(false);
                    };
                    // Compared here, not in SQL: SQLite keeps timestamps as text.
                    if found.used_at.is_some() || found.expires_at <= now {
                        return Ok(false);
                    }
                    let spent = sqlx::query("UPDATE account_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                        .bind(link)
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if spent.rows_affected() == 0 {
                        return Ok(false);
                    }
                    let user = found.user_id.as_uuid();
                    if let Some(hash) = &hash {
                        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                            .bind(user)
                            .bind(hash)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    if enable {
                        sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                            .bind(user)
                            .bind(false)
                            .execute(&mut *conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(true)
                })
            }

            async fn put_api_token(&self, token: &ApiToken, audit: &Audit) -> Result<()> {
                let (t, audit, entropy) = (token.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO api_tokens (id, user_id, client_id, name, token_hash, scopes, created_at, expires_at, revoked_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(t.id)
                    .bind(t.user_id.as_uuid())
                    .bind(t.client)
                    .bind(&t.name)
                    .bind(&t.token_hash[..])
                    .bind(t.scopes.join(" "))
                    .bind(t.created_at)
                    .bind(t.expires_at)
                    .bind(t.revoked_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "api token"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn api_token(&self, token_hash: &Hash) -> Result<Option<ApiToken>> {
                let row = sqlx::query(
                    "SELECT id, user_id, client_id, name, token_hash, scopes, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1",
                )
                .bind(&token_hash[..])
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?;
                row.as_ref().map(api_token_from_row).transpose()
            }

            async fn api_tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
                let rows = sqlx::query(
                    "SELECT id, user_id, client_id, name, token_hash, scopes, created_at, expires_at, revoked_at FROM api_tokens \
                     WHERE user_id = $1 AND client_id IS NULL ORDER BY id DESC",
                )
                .bind(user.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(api_token_from_row).collect()
            }

            async fn revoke_api_token(&self, user: UserId, id: Uuid, at: OffsetDateTime, audit: &Audit) -> Result<bool> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                        .bind(id)
                        .bind(user.as_uuid())
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

            async fn put_api_client(&self, client: &ApiClient, audit: &Audit) -> Result<()> {
                let (c, audit, entropy) = (client.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO api_clients (id, client_id, secret_hash, user_id, name, scopes, created_at, revoked_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(c.id)
                    .bind(&c.client_id)
                    .bind(&c.secret_hash[..])
                    .bind(c.user_id.as_uuid())
                    .bind(&c.name)
                    .bind(c.scopes.join(" "))
                    .bind(c.created_at)
                    .bind(c.revoked_at)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| conflict(e, "api client"))?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn api_client(&self, client_id: &str) -> Result<Option<ApiClient>> {
                let row = sqlx::query(
                    "SELECT id, client_id, secret_hash, user_id, name, scopes, created_at, revoked_at FROM api_clients WHERE client_id = $1",
                )
                .bind(client_id.to_owned())
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?;
                row.as_ref().map(api_client_from_row).transpose()
            }

            async fn api_clients_of(&self, user: UserId) -> Result<Vec<ApiClient>> {
                let rows = sqlx::query(
                    "SELECT id, client_id, secret_hash, user_id, name, scopes, created_at, revoked_at FROM api_clients WHERE user_id = $1 ORDER BY id DESC",
                )
                .bind(user.as_uuid())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(api_client_from_row).collect()
            }

            async fn revoke_api_client(&self, user: UserId, id: Uuid, at: OffsetDateTime, audit: &Audit) -> Result<bool> {
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("UPDATE api_clients SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL")
                        .bind(id)
                        .bind(user.as_uuid())
                        .bind(at)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL")
                        .bind(id)
                        .bind(at)
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(true)
                })
            }

            async fn set_office_second_factor(&self, office: OfficeId, required: bool, at: OffsetDateTime, audit: &Audit) -> Result<()> {
                let (audit, entropy) = (audit.clone(), self.entropy());
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

            async fn save_pending_login(&self, login: &PendingLogin) -> Result<()> {
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

            async fn take_pending_login(&self, state_hash: &Hash, now: OffsetDateTime) -> Result<TakenLogin> {
                use TakenLogin;
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
                    Ok(TakenLogin::Taken(Box::new(PendingLogin {
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

            async fn identity_link(&self, provider: &str, subject: &str) -> Result<Option<IdentityLink>> {
                let row = sqlx::query(concat!("SELECT ", link_columns!(), " FROM identity_links WHERE provider = $1 AND subject = $2"))
                    .bind(provider.to_owned())
                    .bind(subject.to_owned())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.as_ref().map(link_from_row).transpose()
            }

            async fn identity_links_of(&self, user: UserId) -> Result<Vec<IdentityLink>> {
                let rows = sqlx::query(concat!("SELECT ", link_columns!(), " FROM identity_links WHERE user_id = $1 ORDER BY linked_at, id"))
                    .bind(user.as_uuid())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(link_from_row).collect()
            }

            async fn put_identity_link(&self, link: &IdentityLink, new_user: Option<&User>, audit: &Audit) -> Result<()> {
                let (link, new_user, audit, entropy) = (link.clone(), new_user.cloned(), audit.clone(), self.entropy());
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
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("DELETE FROM identity_links WHERE id = $1").bind(id).execute(&mut *conn).await.map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("identity link {id}")));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn second_factor(&self, user: UserId) -> Result<Option<SecondFactor>> {
                let row = sqlx::query("SELECT user_id, secret, confirmed_at, last_step, created_at FROM second_factors WHERE user_id = $1")
                    .bind(user.as_uuid())
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(SecondFactor {
                    user_id: UserId(row.try_get("user_id").map_err(map_err)?),
                    secret: row.try_get("secret").map_err(map_err)?,
                    confirmed_at: row.try_get("confirmed_at").map_err(map_err)?,
                    last_step: row.try_get("last_step").map_err(map_err)?,
                    created_at: row.try_get("created_at").map_err(map_err)?,
                }))
            }

            async fn put_second_factor(&self, factor: &SecondFactor, recovery_codes: &[Hash], audit: &Audit) -> Result<()> {
                let (factor, codes, audit, entropy) = (factor.clone(), recovery_codes.to_vec(), audit.clone(), self.entropy());
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
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.as_uuid()).execute(&mut *conn).await.map_err(map_err)?;
                    sqlx::query("DELETE FROM second_factors WHERE user_id = $1").bind(user.as_uuid()).execute(&mut *conn).await.map_err(map_err)?;
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn accept_totp_step(&self, user: UserId, step: i64, audit: &Audit) -> Result<bool> {
                let (audit, entropy) = (audit.clone(), self.entropy());
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
                let (audit, entropy, code_hash) = (audit.clone(), self.entropy(), *code_hash);
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

            async fn set_calendar_override(&self, o: &CalendarOverride, audit: &Audit) -> Result<()> {
                let (o, audit, entropy) = (o.clone(), audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    sqlx::query(
                        "INSERT INTO calendar_overrides (id, office_id, day, kind, name, legal_reference, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (office_id, day) DO UPDATE SET \
                         kind = excluded.kind, name = excluded.name, legal_reference = excluded.legal_reference, \
                         created_at = excluded.created_at",
                    )
                    .bind(o.id)
                    .bind(o.office_id.as_uuid())
                    .bind(iso_day(o.day))
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
                let (audit, entropy) = (audit.clone(), self.entropy());
                write_tx!(self, conn, {
                    let done = sqlx::query("DELETE FROM calendar_overrides WHERE office_id = $1 AND day = $2")
                        .bind(office.as_uuid())
                        .bind(iso_day(day))
                        .execute(&mut *conn)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("calendar override on {}", iso_day(day))));
                    }
                    append_events(&mut *conn, &*entropy, &audit).await?;
                    Ok(())
                })
            }

            async fn calendar_overrides(&self, office: OfficeId) -> Result<Vec<CalendarOverride>> {
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
                        Ok(CalendarOverride {
                            id: r.try_get("id").map_err(map_err)?,
                            office_id: OfficeId(r.try_get("office_id").map_err(map_err)?),
                            day: parse_day(&day)?,
                            working_day: kind == "working_day",
                            name: r.try_get("name").map_err(map_err)?,
                            legal_reference: r.try_get("legal_reference").map_err(map_err)?,
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
    identity_sql!(guichet_store_sql::SqliteStore);
}

mod on_postgres {
    use guichet_store_sql::postgres::prelude::*;
    identity_sql!(guichet_store_sql::PostgresStore);
}
