//! The one `Store`: a SQLite connection owned by a dedicated thread.
//!
//! Handlers never touch rusqlite on an async worker: [`Store::call`] sends a closure to the
//! store thread and awaits its answer. One writer thread serialises every statement, so a
//! success is answered only after its transaction committed (in WAL mode with
//! `synchronous=NORMAL` for a file: durable across a process crash or restart).
//!
//! SQL lives here, grouped per vendor: the API's queries in `luminate.rs`, `smarteru.rs`,
//! `yourmembership.rs`, the seed's apply and dump halves in `seed/<vendor>.rs`; parameters are
//! always bound. The schema is built by append-only migrations keyed on
//! `PRAGMA user_version`.
//!
//! `reset` restores a snapshot taken right after start-up (the SQLite backup API), which is
//! exactly the start-up state whatever the seed or an existing `--db` file held.

pub mod luminate;
pub mod seed;
pub mod smarteru;
pub mod yourmembership;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::oneshot;

/// Append-only: never edit a migration that has shipped; add a new one at the end.
const MIGRATIONS: &[&str] = &[concat!(
    include_str!("luminate.sql"),
    include_str!("smarteru.sql"),
    include_str!("yourmembership.sql"),
)];

#[derive(Debug)]
pub enum StoreError {
    Sqlite(rusqlite::Error),
    /// The store thread is gone (only after a panic it could not survive, or at exit).
    Closed,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Closed => write!(f, "the store is closed"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

type Job = Box<dyn FnOnce(&mut StoreThread) + Send>;

/// What the store thread owns.
pub struct StoreThread {
    conn: Connection,
    snapshot: Option<Connection>,
}

/// Cheap to clone; every clone talks to the same store thread.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    path: Option<PathBuf>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Whether the database had to be created (and so needs seeding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    New,
    Existing,
}

impl Store {
    /// Open (or create) the database: in memory without a path. Runs migrations.
    pub fn open(path: Option<&Path>) -> Result<(Store, Opened), StoreError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        if path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.set_prepared_statement_cache_capacity(256);
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let opened = if version == 0 {
            Opened::New
        } else {
            Opened::Existing
        };
        migrate(&conn)?;

        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("membermock-store".into())
            .spawn(move || {
                let mut thread = StoreThread {
                    conn,
                    snapshot: None,
                };
                while let Ok(job) = rx.recv() {
                    // A panicking job must not take the store down with it.
                    let _ =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut thread)));
                }
                let _ = thread
                    .conn
                    .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
            })
            .map_err(|_| StoreError::Closed)?;
        Ok((
            Store {
                jobs: tx,
                path: path.map(Path::to_path_buf),
            },
            opened,
        ))
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut StoreThread) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |thread| {
                let _ = tx.send(f(thread));
            }))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Run `f` on the store thread with the connection.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(move |thread| f(&mut thread.conn).map_err(StoreError::from))
            .await
    }

    /// Run `f` on the store thread inside one transaction, committed only if `f` succeeds.
    pub async fn write<T: Send + 'static, E: Send + 'static + From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<Result<T, E>, StoreError> {
        self.run(move |thread| {
            let tx = thread.conn.transaction()?;
            match f(&tx) {
                Ok(v) => {
                    tx.commit()?;
                    Ok(Ok(v))
                }
                Err(e) => Ok(Err(e)),
            }
        })
        .await
    }

    /// Remember the current content as the state `reset` returns to.
    pub async fn take_snapshot(&self) -> Result<(), StoreError> {
        self.run(|thread| {
            let mut snap = Connection::open_in_memory()?;
            copy_database(&thread.conn, &mut snap)?;
            thread.snapshot = Some(snap);
            Ok(())
        })
        .await
    }

    /// Put back the snapshot taken by [`Store::take_snapshot`].
    pub async fn restore_snapshot(&self) -> Result<(), StoreError> {
        self.run(|thread| {
            if let Some(snap) = &thread.snapshot {
                copy_database(snap, &mut thread.conn)?;
            }
            Ok(())
        })
        .await
    }

    /// Write everything to disk (WAL checkpoint). A no-op for an in-memory database.
    pub async fn flush(&self) -> Result<(), StoreError> {
        if self.path.is_none() {
            return Ok(());
        }
        self.call(|conn| conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
            .await
    }
}

fn copy_database(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    let backup = rusqlite::backup::Backup::new(from, to)?;
    // All pages in one step: the copy is atomic for readers of `to`.
    backup.run_to_completion(i32::MAX, Duration::ZERO, None)
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}\nPRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

/// Unix milliseconds, the unit of every stored expiry time.
pub fn unix_ms(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_set_the_user_version_and_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let (store, opened) = Store::open(Some(&path)).unwrap();
        assert_eq!(opened, Opened::New);
        let v: i64 = store
            .call(|c| c.pragma_query_value(None, "user_version", |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        drop(store);
        let (_, opened) = Store::open(Some(&path)).unwrap();
        assert_eq!(opened, Opened::Existing);
    }

    #[tokio::test]
    async fn a_failed_write_rolls_back() {
        let (store, _) = Store::open(None).unwrap();
        let r: Result<(), rusqlite::Error> = store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO ym_client (client_id, api_key, api_password) VALUES (1, 'k', 'p')",
                    [],
                )?;
                Err(rusqlite::Error::InvalidQuery)
            })
            .await
            .unwrap();
        assert!(r.is_err());
        let n: i64 = store
            .call(|c| c.query_row("SELECT count(*) FROM ym_client", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn a_panicking_job_leaves_the_store_usable() {
        let (store, _) = Store::open(None).unwrap();
        let r = store
            .call(|_| -> rusqlite::Result<()> { panic!("boom") })
            .await;
        assert!(matches!(r, Err(StoreError::Closed)));
        let one: i64 = store
            .call(|c| c.query_row("SELECT 1", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(one, 1);
    }
}
