//! The embedded SQLite backend: one file, WAL journal, synchronous=FULL (a commit is on disk
//! when it returns), foreign keys on, busy timeout. Reads use a pool.
//!
//! Writes use group commit: one writer task owns the only write connection, takes every
//! queued write job, runs each in its own SAVEPOINT inside one `BEGIN IMMEDIATE … COMMIT`,
//! and answers each caller only after that COMMIT is on disk. One fsync serves many writers,
//! a failing job is rolled back to its savepoint without touching the others, and a job runs
//! to its end even if its caller went away (jobs own their data), so nothing is half-written.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection as _;
pub use sqlx::sqlite::SqliteConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{mpsc, oneshot};

type JobOutput = guichet_store::Result<Box<dyn std::any::Any + Send>>;
type JobFuture = futures_util::future::BoxFuture<'static, (SqliteConnection, JobOutput)>;

/// A write: takes the connection, gives it back with its result.
struct Job {
    run: Box<dyn FnOnce(SqliteConnection) -> JobFuture + Send>,
    reply: oneshot::Sender<JobOutput>,
}

/// Most jobs committed together.
const MAX_BATCH: usize = 256;

pub struct SqliteStore {
    path: std::path::PathBuf,
    jobs: mpsc::Sender<Job>,
    read: SqlitePool,
    entropy: Arc<dyn guichet_core::Entropy>,
    /// The migration sets `migrate` applies: the built-in ones and the composed slices'.
    sets: Vec<&'static crate::migrations::MigrationSet>,
}

const DATA_TABLES_SQL: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name";

/// Runs `$body` with `$conn: &mut SqliteConnection` as one job of the next group commit
/// (`$self` is a `SqliteStore`); the body captures only owned values, since it runs on the
/// writer task. Domains use it as `write_tx!` from [`prelude`].
#[macro_export]
macro_rules! sqlite_write_tx {
    ($self:ident, $conn:ident, $body:block) => {{
        $self
            .submit(move |mut owned: $crate::sqlite::SqliteConnection| {
                ::std::boxed::Box::pin(async move {
                    let result: $crate::sqlite::prelude::Result<_> = {
                        let $conn: &mut $crate::sqlite::SqliteConnection = &mut owned;
                        async { $body }.await
                    };
                    (owned, result)
                })
            })
            .await
    }};
}
use crate::sqlite_write_tx as write_tx;

/// What a domain's SQL, written once for both backends, needs of this backend: expand the
/// domain's macro with `use guichet_store_sql::sqlite::prelude::*;` in scope (see
/// `tests/outside_domain.rs`), and the same for `postgres`.
pub mod prelude {
    pub use super::{
        Conn, DbRow, SqliteStore, append_events, conflict, day_of, day_text, entry_from_row,
        insert_outbox, json_text, map_err, opt_day, opt_id,
    };
    /// The backend's sqlx database type (for `QueryBuilder::<Db>`).
    pub type Db = sqlx::Sqlite;
    pub use crate::shared::{entry_id, iso_day, parse_day, to_hash};
    pub use crate::sqlite_write_tx as write_tx;
    pub use guichet_store::{Result, StoreError};
}

impl SqliteStore {
    pub async fn open(
        path: &Path,
        entropy: Arc<dyn guichet_core::Entropy>,
    ) -> guichet_store::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                guichet_store::StoreError::Connect(format!(
                    "cannot create directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(map_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let connect =
            |e: sqlx::Error| guichet_store::StoreError::Connect(format!("{}: {e}", path.display()));
        let writer = SqliteConnection::connect_with(&options)
            .await
            .map_err(connect)?;
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer_loop(writer, queue));
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(connect)?;
        Ok(Self {
            path: path.to_owned(),
            jobs,
            read,
            entropy,
            sets: crate::migrations::SETS.to_vec(),
        })
    }

    /// The same store, also migrating (and backing up) the tables of `slices`.
    pub fn with_slices(mut self, slices: &[&'static crate::migrations::MigrationSet]) -> Self {
        self.sets.extend_from_slice(slices);
        self
    }

    /// The migration sets this store applies.
    pub fn migration_sets(&self) -> &[&'static crate::migrations::MigrationSet] {
        &self.sets
    }

    /// Queues a write job and waits until it is committed (or failed). Called through
    /// `write_tx!`.
    #[doc(hidden)]
    pub async fn submit<T: Send + 'static>(
        &self,
        run: impl FnOnce(
            SqliteConnection,
        ) -> futures_util::future::BoxFuture<
            'static,
            (SqliteConnection, guichet_store::Result<T>),
        > + Send
        + 'static,
    ) -> guichet_store::Result<T> {
        use guichet_store::StoreError;
        let (reply, answer) = oneshot::channel();
        let run = Box::new(move |conn: SqliteConnection| -> JobFuture {
            Box::pin(async move {
                let (conn, result) = run(conn).await;
                (
                    conn,
                    result.map(|v| Box::new(v) as Box<dyn std::any::Any + Send>),
                )
            })
        });
        let stopped = || StoreError::Database("the SQLite writer has stopped".into());
        self.jobs
            .send(Job { run, reply })
            .await
            .map_err(|_| stopped())?;
        let value = answer.await.map_err(|_| stopped())??;
        value
            .downcast::<T>()
            .map(|b| *b)
            .map_err(|_| StoreError::Database("write job returned another type".into()))
    }

    /// The pool of read connections.
    pub fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// The randomness ledger entry ids are drawn from.
    pub fn entropy(&self) -> Arc<dyn guichet_core::Entropy> {
        self.entropy.clone()
    }

    /// The database file, for a slice's lean read-only readers (plain rusqlite connections).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One statement, as a write job.
    async fn raw(&self, sql: &str) -> guichet_store::Result<u64> {
        let sql = sql.to_owned();
        write_tx!(self, conn, {
            let done = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected())
        })
    }

    /// Ledger entries through a plain read-only SQLite connection on a blocking thread: about
    /// five times faster than sqlx's row decoding, which matters to `guichet verify`.
    async fn read_ledger(
        &self,
        stream: &str,
        after_seq: i64,
        limit: u32,
    ) -> guichet_store::Result<Vec<guichet_ledger::Entry>> {
        let path = self.path.clone();
        let stream = stream.to_owned();
        tokio::task::spawn_blocking(move || read_ledger_blocking(&path, &stream, after_seq, limit))
            .await
            .map_err(|e| {
                guichet_store::StoreError::Database(format!("ledger reader stopped: {e}"))
            })?
    }
}

fn read_ledger_blocking(
    path: &Path,
    stream: &str,
    after_seq: i64,
    limit: u32,
) -> guichet_store::Result<Vec<guichet_ledger::Entry>> {
    use guichet_store::StoreError;
    use rusqlite::OpenFlags;
    let db = |e: rusqlite::Error| StoreError::Database(e.to_string());
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
    let mut statement = conn
        .prepare(concat!(
            "SELECT ",
            crate::shared::ledger_columns!(),
            " FROM ledger_entries WHERE stream = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
        ))
        .map_err(db)?;
    let mut rows = statement
        .query(rusqlite::params![stream, after_seq, i64::from(limit)])
        .map_err(db)?;
    let mut out = Vec::with_capacity(limit.min(100_000) as usize);
    while let Some(row) = rows.next().map_err(db)? {
        let seq: i64 = row.get(1).map_err(db)?;
        let damaged = |what: &str| {
            StoreError::Ledger(format!("ledger row {stream}/{seq} is damaged: {what}"))
        };
        // Borrowed views: no allocation for the id, the time and the three hashes.
        let blob = |i: usize, what: &str| {
            row.get_ref(i)
                .ok()
                .and_then(|v| v.as_blob().ok())
                .ok_or_else(|| damaged(what))
        };
        let id = blob(2, "id is not a UUID")?;
        let at = row
            .get_ref(3)
            .ok()
            .and_then(|v| v.as_str().ok())
            .ok_or_else(|| damaged("time is not text"))?;
        let hash = |i: usize, what: &str| -> guichet_store::Result<[u8; 32]> {
            blob(i, what)?.try_into().map_err(|_| damaged(what))
        };
        out.push(guichet_ledger::Entry {
            stream: row.get(0).map_err(db)?,
            seq,
            id: uuid::Uuid::from_slice(id).map_err(|_| damaged("id is not a UUID"))?,
            at: time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                .map_err(|_| damaged("time is not RFC 3339"))?,
            actor: row.get(4).map_err(db)?,
            action: row.get(5).map_err(db)?,
            object_type: row.get(6).map_err(db)?,
            object_id: row.get(7).map_err(db)?,
            payload: row.get(8).map_err(db)?,
            payload_hash: hash(9, "payload hash")?,
            prev_hash: hash(10, "previous hash")?,
            entry_hash: hash(11, "entry hash")?,
        });
    }
    Ok(out)
}

async fn writer_loop(mut conn: SqliteConnection, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        conn = run_batch(conn, batch).await;
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> guichet_store::Result<()> {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

/// One transaction for the whole batch, one savepoint per job; replies after COMMIT.
async fn run_batch(mut conn: SqliteConnection, batch: Vec<Job>) -> SqliteConnection {
    if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE").await {
        let message = e.to_string();
        for job in batch {
            let _ = job
                .reply
                .send(Err(guichet_store::StoreError::Busy(message.clone())));
        }
        return conn;
    }
    let mut done = Vec::with_capacity(batch.len());
    for job in batch {
        if let Err(e) = exec(&mut conn, "SAVEPOINT job").await {
            done.push((job.reply, Err(e)));
            continue;
        }
        let (back, result) = (job.run)(conn).await;
        conn = back;
        let closed = if result.is_ok() {
            exec(&mut conn, "RELEASE SAVEPOINT job").await
        } else {
            match exec(&mut conn, "ROLLBACK TO SAVEPOINT job").await {
                Ok(()) => exec(&mut conn, "RELEASE SAVEPOINT job").await,
                Err(e) => Err(e),
            }
        };
        match closed {
            Ok(()) => done.push((job.reply, result)),
            Err(e) => done.push((job.reply, Err(e))),
        }
    }
    match exec(&mut conn, "COMMIT").await {
        Ok(()) => {
            for (reply, result) in done {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "group commit failed; rolling back the batch");
            let _ = exec(&mut conn, "ROLLBACK").await;
            let message = format!("the transaction could not be committed: {e}");
            for (reply, _) in done {
                let _ = reply.send(Err(guichet_store::StoreError::Database(message.clone())));
            }
        }
    }
    conn
}

/// A database error as the store reports it (unique violation: `Conflict`; busy: `Busy`).
pub fn map_err(e: sqlx::Error) -> guichet_store::StoreError {
    use guichet_store::StoreError;
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.message().to_owned())
        }
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included.
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|c| matches!(c.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6))) =>
        {
            StoreError::Busy(db.message().to_owned())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

crate::shared::platform_sql!(SqliteStore, sqlx::Sqlite, Backend::Sqlite);
