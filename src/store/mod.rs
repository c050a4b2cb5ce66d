//! The one `Store`: a SQLite database file owned by a dedicated thread.
//!
//! Handlers never touch rusqlite on an async worker: [`Store::call`] sends a closure to the
//! store thread and awaits its answer. One writer thread serialises every statement, so a
//! success is answered only after its transaction committed.
//!
//! SQL lives here, grouped per vendor: the API's queries in `luminate.rs`, `smarteru.rs`,
//! `yourmembership.rs`; the seed's apply and dump halves in `seed/<vendor>.rs`, with the one
//! writer of seed data (`seed::Loader`), the start-up bulk load (`seed/bulk.rs`) and the
//! streamed state document (`seed/dump.rs`) beside them. Parameters are always bound. The
//! schema is built by the numbered, append-only migrations in `migrations/` (`MIGRATIONS`),
//! all those a database lacks applied in one exclusive transaction keyed on
//! `PRAGMA user_version` (`migrate`); `0002_bookkeeping.sql` keeps row counts by trigger, so
//! `/_mock/health` costs the same at a million people as at ten.
//!
//! ## The startup state, and `reset`
//!
//! **[choice: copy-on-write reset]** The database is always a file: `--db PATH`, or a
//! temporary file (deleted when the store closes) standing in for "in memory". It runs in WAL
//! mode with automatic checkpoints off. At start-up the state (seeded, or the existing file
//! with whatever a crash left in its WAL) is checkpointed into the main file
//! ([`Store::checkpoint_startup_state`]); from then on every write lands in the WAL only, so
//! the main file *is* the startup state. `reset` ([`Store::restore_startup_state`]) closes the
//! connection without checkpointing, deletes the WAL and reopens: a few milliseconds whatever
//! the size of the data, and no second copy of it in memory. With `--db`, acknowledged writes
//! are in the WAL (synchronous=NORMAL), which SQLite replays at the next open after a crash;
//! a clean stop checkpoints them into the file ([`Store::flush`]). Writes between resets grow
//! the WAL file; `reset` (or a clean stop) gives the space back.
//!
//! **\[choice\]** The connection holds the file exclusively (`locking_mode=EXCLUSIVE`): no lock
//! system calls per transaction, the WAL index in this process's memory, and no other process
//! can write into the startup state behind the mock's back (inspect a `--db` file after stopping
//! the mock, or through `GET /_mock/state`). Reads go through a memory map of the file, so the
//! data sits in the OS page cache, not in the process's private memory.
//!
//! ## Checks at start
//!
//! [`Store::open`] refuses to run wrong, before anything is written and before `ready`
//! ([`StoreError::Refused`], a message naming the file and what to do):
//! - **another process holds the file** ([`Refusal::Locked`]): the lock is taken by the first
//!   read and kept until the store closes, so a second membermock on the same `--db`, or a start
//!   while another program is in a transaction on it, is refused after `LOCK_WAIT`. Within
//!   one process, opening a file again waits for the previous store to let go (`Hold`). Only
//!   `reset`, which closes and reopens the file, leaves it unlocked for a few milliseconds.
//! - **a file it cannot write** ([`Refusal::ReadOnly`]): SQLite quietly opens a file it may not
//!   write read-only (permissions, a read-only mount), and cannot create the `-wal` file in a
//!   read-only folder; both are refused at open, and the exclusive transaction the migrations
//!   run in, always begun, asks for write access once more. Root passes permission checks: a
//!   file made read-only with `chmod` is still written when membermock runs as root.
//! - **a schema version it does not know** ([`Refusal::Newer`], [`Refusal::Foreign`]): a
//!   `user_version` past the last migration (a newer membermock's file), or negative. The check
//!   and the migrations share one exclusive transaction (`migrate`), which is also the first
//!   write the store attempts.

pub mod dashboard;
pub mod luminate;
pub mod seed;
pub mod smarteru;
pub mod yourmembership;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use crate::seed::{FeedError, SeedInfo, SeedPlan};

/// One step of the schema: a file under `src/store/migrations/`, `NNNN_what.sql`, whose number
/// is the `user_version` a database has once it is applied.
pub(crate) struct Migration {
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

macro_rules! migrations {
    ($($file:literal),+ $(,)?) => {
        &[$(Migration {
            name: $file,
            sql: include_str!(concat!("migrations/", $file)),
        }),+]
    };
}

/// **Append-only**, in order: never edit or renumber a migration that has shipped (a `--db` file
/// made with it would keep the old one); add the next number at the end. `user_version` is how
/// many of them a database has (1: `0001_schema.sql`, the three vendors' first tables).
pub(crate) const MIGRATIONS: &[Migration] = migrations![
    "0001_schema.sql",
    "0002_bookkeeping.sql",
    "0003_luminate_2.sql",
    "0004_yourmembership_groups.sql",
];

/// The schema every migration above makes, in one piece, given whole to a new database (no
/// `user_version` yet) instead of replaying the migrations: each `ALTER TABLE` of a later one
/// makes SQLite parse the whole schema again, and replaying them took 80% of a start
/// (~90M of 112M instructions). Generated from a migrated database, never edited by hand:
/// `the_whole_schema_and_the_empty_database_are_what_the_migrations_make` fails when it is
/// behind, and
/// `UPDATE_SCHEMA=1 cargo test --lib store::tests::the_whole_schema` writes it again.
const WHOLE_SCHEMA: &str = include_str!("schema.sql");

/// A new database file as [`WHOLE_SCHEMA`] makes it (`user_version` set), written as it is
/// instead of running the schema's ~100 statements: SQLite then only reads the schema (2.3M
/// instructions against 14M to build it; half of a start on the demo seed). Generated with
/// `schema.sql` by the same test, which checks it holds exactly what the migrations make.
const EMPTY_DATABASE: &[u8] = include_bytes!("empty.db");

/// Delete each file that exists.
fn remove_files(paths: &[PathBuf]) -> Result<(), StoreError> {
    for path in paths {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Where `--reset` keeps a database's data while the new seed loads: `PATH.before-reset`.
fn set_aside_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".before-reset");
    PathBuf::from(name)
}

/// Lay out a new database file at `file` from [`EMPTY_DATABASE`]. `false` when the file exists
/// (it is opened as it is) or cannot be written here: SQLite then opens or creates it itself
/// and says what is wrong in its own words, which the start turns into advice.
fn lay_out_new(file: &Path) -> bool {
    use std::io::Write;
    let Ok(mut f) = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
    else {
        return false;
    };
    if f.write_all(EMPTY_DATABASE).is_ok() {
        return true;
    }
    drop(f);
    let _ = std::fs::remove_file(file);
    false
}

/// How long a start waits for another process to let go of the database file before refusing
/// it: time for one that is stopping to finish.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// How long a statement waits for the file's lock after the store has it (only while `reset`
/// reopens the file).
const BUSY_WAIT: Duration = Duration::from_secs(5);

/// How long opening a file waits for an earlier store of this process to let go of it.
const HOLD_WAIT: Duration = Duration::from_secs(30);

/// How much of the database file reads may map into memory.
const MMAP_BYTES: i64 = 1 << 30;

#[derive(Debug)]
pub enum StoreError {
    Sqlite(rusqlite::Error),
    /// The database file or its temporary folder.
    Io(std::io::Error),
    /// The store thread is gone (only after a panic it could not survive, or at exit).
    Closed,
    /// A reading in several steps found the data changed between them (see
    /// `seed::dump`).
    Changed,
    /// A migration failed; the database is as it was (all pending ones run in one transaction).
    Migration {
        name: &'static str,
        error: rusqlite::Error,
    },
    /// The database file cannot be used as it is: refused at start, before anything is written.
    Refused {
        path: PathBuf,
        why: Refusal,
    },
}

/// Why a database file is refused at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Its `user_version` is past the last migration this build knows.
    Newer { found: i64, known: usize },
    /// Its `user_version` is one no membermock sets (negative).
    Foreign { found: i64 },
    /// Another process holds its lock: another membermock, or another program using it.
    Locked,
    /// This process cannot write it: the file (`folder: false`: its permissions, a read-only
    /// mount), or its folder, where SQLite must create the `-wal` file.
    ReadOnly { folder: bool },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Io(e) => write!(f, "{e}"),
            StoreError::Closed => write!(f, "the store is closed"),
            StoreError::Changed => write!(f, "the state changed while it was being read"),
            StoreError::Migration { name, error } => write!(
                f,
                "migration {name} failed ({error}); the database is unchanged"
            ),
            StoreError::Refused { path, why } => {
                let path = path.display();
                match why {
                    Refusal::Newer { found, known } => write!(
                        f,
                        "{path} was made by a newer membermock (schema version {found}, this \
                         build knows up to {known}): use a newer membermock or another --db file"
                    ),
                    Refusal::Foreign { found } => write!(
                        f,
                        "{path} has schema version {found}, which no membermock sets: it is not \
                         a membermock database; use another --db file"
                    ),
                    Refusal::ReadOnly { folder: false } => write!(
                        f,
                        "{path} is read-only to this process (its permissions, or a read-only \
                         mount), and membermock writes its state there: make it writable, or use \
                         another --db file"
                    ),
                    Refusal::ReadOnly { folder: true } => write!(
                        f,
                        "cannot write beside {path}: its folder is read-only to this process, and \
                         SQLite keeps the database's write-ahead log ({path}-wal) there: make the \
                         folder writable, or use another --db file"
                    ),
                    Refusal::Locked => write!(
                        f,
                        "{path} is locked by another process: another membermock runs on the \
                         same --db file, or another program is using the database. Stop it, or \
                         start this one with another --db file"
                    ),
                }
            }
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

type Job = Box<dyn FnOnce(&mut StoreThread) + Send>;

/// Where the database file lives.
#[derive(Debug)]
enum Place {
    /// `--db PATH`: kept.
    File(PathBuf),
    /// No `--db`: a file in a folder of its own, removed when the store closes.
    Temp { dir: PathBuf, file: PathBuf },
}

impl Place {
    fn temp() -> std::io::Result<Place> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        sweep_stale_temp_dirs(&base);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = base.join(format!(
            "{TEMP_PREFIX}{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot create the temporary database in {} ({e}): set TMPDIR to a \
                     writable folder, or use --db",
                    base.display()
                ),
            )
        })?;
        let file = dir.join("state.db");
        Ok(Place::Temp { dir, file })
    }

    fn file(&self) -> &Path {
        match self {
            Place::File(path) => path,
            Place::Temp { file, .. } => file,
        }
    }

    fn is_temp(&self) -> bool {
        matches!(self, Place::Temp { .. })
    }

    /// The file's `-wal` and `-shm` companions.
    fn companions(&self) -> [PathBuf; 2] {
        let file = self.file().as_os_str();
        ["-wal", "-shm"].map(|suffix| {
            let mut name = file.to_os_string();
            name.push(suffix);
            PathBuf::from(name)
        })
    }
}

const TEMP_PREFIX: &str = "membermock-";

/// Remove temporary databases left by membermock processes that no longer run (killed before
/// they could clean up). Linux only: it asks `/proc` whether the owner lives.
fn sweep_stale_temp_dirs(base: &Path) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let Ok(entries) = std::fs::read_dir(base) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
                continue;
            };
            // Exactly `membermock-<pid>-<n>-<nanos>`, as `Place::temp` names them.
            let parts: Vec<&str> = rest.split('-').collect();
            if parts.len() != 3 || !parts.iter().all(|p| p.parse::<u64>().is_ok()) {
                continue;
            }
            let pid = parts[0];
            let path = entry.path();
            if pid != std::process::id().to_string()
                && !Path::new(&format!("/proc/{pid}")).exists()
                && path.is_dir()
            {
                let _ = std::fs::remove_dir_all(path);
            }
        }
    });
}

/// The `--db` files this process's stores hold. A store lets go of its file on its own thread
/// after its last handle is dropped: opening the same file again in this process waits for that,
/// while a file another process holds is refused (see [`Store::open`]).
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static LET_GO: Condvar = Condvar::new();

/// This process's claim on a `--db` file; dropped after the connection.
struct Hold(PathBuf);

impl Hold {
    /// Wait (at most [`HOLD_WAIT`]) for an earlier store of this process to let go of `path`.
    fn claim(path: &Path) -> Hold {
        let held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut held, _) = LET_GO
            .wait_timeout_while(held, HOLD_WAIT, |held| held.iter().any(|p| p == path))
            .unwrap_or_else(PoisonError::into_inner);
        held.push(path.to_path_buf());
        Hold(path.to_path_buf())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = held.iter().position(|p| *p == self.0) {
            held.swap_remove(i);
        }
        LET_GO.notify_all();
    }
}

/// What the store thread owns.
pub struct StoreThread {
    conn: Connection,
    place: Place,
    /// Moves when the connection is replaced (`reset`), so a reader taking several steps can
    /// tell the state it began on is gone.
    epoch: u64,
    /// The WAL size that next earns a warning, and jobs until the next look at it.
    wal_warning: WalWarning,
    /// Last, so that it goes after the connection.
    _hold: Option<Hold>,
}

/// **\[choice\]** The WAL keeps every write since the startup state (see the module doc), so it
/// only grows until `reset` or a clean stop; a warning at 256 MiB, then at every doubling,
/// says so. Looked at every 1024 jobs: a file size, no SQLite work.
struct WalWarning {
    next: u64,
    countdown: u32,
}

impl WalWarning {
    const FIRST: u64 = 256 << 20;

    fn new() -> WalWarning {
        WalWarning {
            next: Self::FIRST,
            countdown: 1024,
        }
    }
}

impl StoreThread {
    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn conn_ref(&self) -> &Connection {
        &self.conn
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Close the connection without checkpointing (what the WAL holds is not moved into the
    /// main file): a new epoch, whose connection the caller opens.
    fn close_without_checkpoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        let old = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        old.close().map_err(|(_, e)| e)?;
        self.epoch += 1;
        self.wal_warning = WalWarning::new();
        Ok(())
    }

    /// Close the connection without checkpointing, delete the WAL, reopen: the main file's
    /// content, the startup state, is the state again.
    fn discard_wal(&mut self) -> Result<(), StoreError> {
        self.close_without_checkpoint()?;
        remove_files(&self.place.companions())?;
        self.conn = connect(&self.place, BUSY_WAIT)?;
        Ok(())
    }

    /// Start again from a new, empty database file (migrated): for a bulk load, or after one
    /// failed.
    pub(crate) fn recreate(&mut self) -> Result<(), StoreError> {
        self.close_without_checkpoint()?;
        remove_files(&[self.place.file().to_path_buf()])?;
        self.lay_out_again()
    }

    /// The companions gone, a new file laid out and migrated, and connected.
    fn lay_out_again(&mut self) -> Result<(), StoreError> {
        remove_files(&self.place.companions())?;
        lay_out_new(self.place.file());
        self.conn = connect(&self.place, BUSY_WAIT)?;
        migrate(&self.conn, self.place.file())?;
        Ok(())
    }

    /// An empty database for a bulk load: this one if it holds nothing, else a new one. The
    /// data of a file that held some (`--reset`) is set aside whole (checkpointed, then moved
    /// to `PATH.before-reset`): the load ends with [`StoreThread::drop_set_aside`] or, when it
    /// failed, [`StoreThread::put_back`].
    pub(crate) fn make_empty(&mut self) -> Result<Option<PathBuf>, StoreError> {
        let holds_data: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM mm_count WHERE name <> 'generation' AND n <> 0)",
            [],
            |r| r.get(0),
        )?;
        if !holds_data {
            return Ok(None);
        }
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.close_without_checkpoint()?;
        let aside = set_aside_path(self.place.file());
        std::fs::rename(self.place.file(), &aside)?;
        self.lay_out_again()?;
        Ok(Some(aside))
    }

    /// After a failed load: the data set aside by [`StoreThread::make_empty`] is the database
    /// again.
    pub(crate) fn put_back(&mut self, aside: &Path) -> Result<(), StoreError> {
        self.close_without_checkpoint()?;
        remove_files(&self.place.companions())?;
        std::fs::rename(aside, self.place.file())?;
        self.conn = connect(&self.place, BUSY_WAIT)?;
        Ok(())
    }

    /// After a load that succeeded: the data set aside is not needed.
    pub(crate) fn drop_set_aside(&mut self, aside: &Path) -> Result<(), StoreError> {
        remove_files(&[aside.to_path_buf()])
    }

    /// After a job: now and then, whether the WAL has grown past the next warning.
    fn watch_wal(&mut self) {
        self.wal_warning.countdown -= 1;
        if self.wal_warning.countdown > 0 {
            return;
        }
        self.wal_warning.countdown = 1024;
        let [wal, _] = self.place.companions();
        let size = std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
        if size >= self.wal_warning.next {
            tracing::warn!(
                wal_mib = size >> 20,
                "the writes since start take this much disk in the WAL; POST /_mock/reset \
                 (or, with --db, a restart) gives it back"
            );
            while self.wal_warning.next <= size {
                self.wal_warning.next *= 2;
            }
        }
    }

    /// At exit: a `--db` file gets everything checkpointed into it; a temporary one goes.
    fn close(self) {
        match self.place {
            Place::File(_) => {
                let _ = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
                drop(self.conn);
            }
            Place::Temp { dir, .. } => {
                let _ = self
                    .conn
                    .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
                drop(self.conn);
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
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

/// `path` as SQLite must be given it to open that very file. A name starting with `file:` is a
/// URI to SQLite (the bundled build reads URIs on every connection, whatever the open flags):
/// `--db file:state.db` would open `state.db`, beside the `file:state.db` the store laid out and
/// locks. `./` keeps such a (necessarily relative) name a plain path, as `--db PATH` promises.
fn plain_path(path: &Path) -> std::borrow::Cow<'_, Path> {
    if path.as_os_str().as_encoded_bytes().starts_with(b"file:") {
        std::borrow::Cow::Owned(Path::new(".").join(path))
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// Open the database file with the settings every connection of the store has. Its first read
/// (`journal_mode`) takes the file's lock, waiting at most `lock_wait` for another holder, and
/// the connection keeps it until it closes.
fn connect(place: &Place, lock_wait: Duration) -> rusqlite::Result<Connection> {
    let conn = Connection::open(plain_path(place.file()))?;
    // SQLite opens a file it may not write read-only, without a word; every write would fail.
    if conn.is_readonly(rusqlite::DatabaseName::Main)? {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some("the database file is read-only".into()),
        ));
    }
    conn.busy_timeout(lock_wait)?;
    // Before the first read, so the WAL index lives in this process's memory, and the lock is
    // never let go.
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    // A temporary file need not survive a crash: set before the switch to WAL, which writes
    // the new file's first page (no fsync for a temporary one).
    let synchronous = if place.is_temp() { "OFF" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.busy_timeout(BUSY_WAIT)?;
    // The main file is the startup state: only explicit checkpoints move it.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

impl Store {
    /// Open (or create) the database: a temporary file without a path. Takes the file's lock
    /// for as long as the store lives, then runs migrations. A file another process holds, one
    /// this process cannot write, or one a newer membermock made, is refused
    /// ([`StoreError::Refused`]).
    pub fn open(path: Option<&Path>) -> Result<(Store, Opened), StoreError> {
        let place = match path {
            Some(p) => Place::File(p.to_path_buf()),
            None => Place::temp()?,
        };
        let hold = path.map(Hold::claim);
        let laid_out = lay_out_new(place.file());
        let refused = |e: rusqlite::Error| {
            let why = match e.sqlite_error() {
                Some(e) if e.code == rusqlite::ErrorCode::DatabaseBusy => Refusal::Locked,
                Some(e) if e.code == rusqlite::ErrorCode::ReadOnly => Refusal::ReadOnly {
                    folder: e.extended_code == rusqlite::ffi::SQLITE_READONLY_DIRECTORY,
                },
                _ => return StoreError::from(e),
            };
            StoreError::Refused {
                path: place.file().to_path_buf(),
                why,
            }
        };
        let conn = match connect(&place, LOCK_WAIT)
            .map_err(refused)
            .and_then(|conn| match migrate(&conn, place.file()) {
                Ok(version) => Ok((conn, version)),
                Err(StoreError::Sqlite(e)) => Err(refused(e)),
                Err(e) => Err(e),
            }) {
            Ok(opened) => opened,
            Err(e) => {
                if let Place::Temp { dir, .. } = &place {
                    let _ = std::fs::remove_dir_all(dir);
                }
                return Err(e);
            }
        };
        let (conn, version) = conn;
        let opened = if version == 0 || laid_out {
            Opened::New
        } else {
            Opened::Existing
        };

        let (tx, rx) = mpsc::channel::<Job>();
        let mut thread = StoreThread {
            conn,
            place,
            epoch: 0,
            wal_warning: WalWarning::new(),
            _hold: hold,
        };
        std::thread::Builder::new()
            .name("membermock-store".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    // A panicking job must not take the store down with it.
                    let _ =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut thread)));
                    thread.watch_wal();
                }
                thread.close();
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

    /// Run `f` on the store thread with everything it owns.
    pub(crate) async fn run<T: Send + 'static>(
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

    /// Replace the whole content with `plan`'s seed, read and parsed on another thread while
    /// this one inserts (see `seed::bulk`). The inner error is the seed's (a bad document, a
    /// conflict) or SQLite's; the database is then empty.
    pub async fn load(
        &self,
        plan: SeedPlan,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Result<SeedInfo, seed::ApplyError>, StoreError> {
        use seed::bulk::{ChannelError, ChannelSink, Msg, CHANNEL};
        let (tx, rx) = mpsc::sync_channel::<Msg>(CHANNEL);
        let (applied_tx, applied_rx) = mpsc::channel();
        let producer = tokio::task::spawn_blocking(move || {
            let mut sink = ChannelSink {
                pieces: tx,
                applied: applied_rx,
            };
            let fed = plan.feed(&mut sink);
            if let Ok(info) = &fed {
                // The store thread may have hung up meanwhile: it then reports why.
                let _ = sink.pieces.send(Msg::Done(info.clone()));
            }
            fed
        });
        let stored = self
            .run(move |thread| seed::bulk::load(thread, rx, applied_tx, now))
            .await;
        let produced = producer.await.map_err(|_| StoreError::Closed)?;
        match (stored?, produced) {
            (Ok(info), _) => Ok(Ok(info)),
            (Err(_), Err(FeedError::Seed(e)))
            | (Err(_), Err(FeedError::Sink(ChannelError::Seed(e)))) => {
                Ok(Err(seed::ApplyError::Seed(e)))
            }
            (Err(e), _) => Ok(Err(e)),
        }
    }

    /// Make the current content the state `reset` returns to: checkpoint it into the main
    /// file, which no later write touches (see the module doc).
    pub async fn checkpoint_startup_state(&self) -> Result<(), StoreError> {
        self.run(|thread| {
            checkpoint(&thread.conn)?;
            Ok(())
        })
        .await
    }

    /// Return to the state of [`Store::checkpoint_startup_state`], dropping every write since.
    pub async fn restore_startup_state(&self) -> Result<(), StoreError> {
        self.run(|thread| thread.discard_wal()).await
    }

    /// Write everything to the `--db` file (a checkpoint). Nothing to do for a temporary file.
    pub async fn flush(&self) -> Result<(), StoreError> {
        if self.path.is_none() {
            return Ok(());
        }
        self.run(|thread| {
            checkpoint(&thread.conn)?;
            Ok(())
        })
        .await
    }
}

/// Copy every frame of the WAL into the main file and empty the WAL.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the checkpoint could not complete".into()),
        ));
    }
    Ok(())
}

/// Bring the schema up to date: every migration the database lacks, in order, and the new
/// `user_version`, in one exclusive transaction, so that a failure leaves the database as it was
/// (the model is cargo's `util/sqlite.rs`). A `user_version` past the last migration (a newer
/// membermock's file) is refused untouched. Returns the `user_version` found: 0 for a new
/// database. `path` is for the messages.
fn migrate(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    migrate_with(conn, MIGRATIONS, Some(WHOLE_SCHEMA), path)
}

/// [`migrate`] with `migrations`; a new database gets `whole` (what they all make) if given.
fn migrate_with(
    conn: &Connection,
    migrations: &[Migration],
    whole: Option<&str>,
    path: &Path,
) -> Result<i64, StoreError> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Exclusive)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = migrations.len();
    let applied = match usize::try_from(found) {
        Ok(applied) if applied <= known => Ok(applied),
        Ok(_) => Err(Refusal::Newer { found, known }),
        Err(_) => Err(Refusal::Foreign { found }),
    }
    .map_err(|why| StoreError::Refused {
        path: path.to_path_buf(),
        why,
    })?;
    if let (0, Some(whole)) = (applied, whole) {
        tx.execute_batch(whole)
            .map_err(|error| StoreError::Migration {
                name: "schema.sql",
                error,
            })?;
        tx.pragma_update(None, "user_version", known)?;
    } else if applied < known {
        for migration in &migrations[applied..] {
            tx.execute_batch(migration.sql)
                .map_err(|error| StoreError::Migration {
                    name: migration.name,
                    error,
                })?;
        }
        tx.pragma_update(None, "user_version", known)?;
    }
    tx.commit()?;
    Ok(found)
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

    /// The list is the folder, in order: file `N` is the `N`th entry, and every file under
    /// `migrations/` is in the list.
    #[test]
    fn the_migrations_are_the_numbered_files_of_their_folder_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert!(
                m.name.starts_with(&format!("{:04}_", i + 1)) && m.name.ends_with(".sql"),
                "entry {} of MIGRATIONS is {}: name it {:04}_<what>.sql",
                i + 1,
                m.name,
                i + 1
            );
        }
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations");
        let mut files: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(
            files, listed,
            "every file in migrations/ is in MIGRATIONS, in order"
        );
    }

    /// A shipped migration is never edited: databases made with it would keep the old text. The
    /// SHA-256 of each; a new migration adds its line here.
    #[test]
    fn shipped_migrations_are_never_edited() {
        use sha2::{Digest, Sha256};
        const SHIPPED: &[(&str, &str)] = &[
            (
                "0001_schema.sql",
                "5e6333fd18dfc202666105bf4b5838327be25ae36341d48eff05599fded40695",
            ),
            (
                "0002_bookkeeping.sql",
                "4f588d6fc8e21f6beeafc49ae3acaaff76019b688aed45c03c2e97f66e0c6bca",
            ),
            (
                "0003_luminate_2.sql",
                "1f665f3dee84a682829a65d2b34864cdc18899e6ab79b77be755a48ed967e65d",
            ),
            (
                "0004_yourmembership_groups.sql",
                "38a950cafa426ea4cf6ac54cd82b1d2efa2f4eaa1ab77d2ee1a46679123fc912",
            ),
        ];
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let digest = hex::encode(Sha256::digest(m.sql));
            match SHIPPED.get(i) {
                Some((name, sha)) => assert!(
                    m.name == *name && digest == *sha,
                    "{} changed (SHA-256 {digest}): a shipped migration is never edited or \
                     renamed; put the change in a new migration at the end",
                    m.name
                ),
                None => panic!(
                    "{} is new: add (\"{}\", \"{digest}\") to SHIPPED",
                    m.name, m.name
                ),
            }
        }
        assert_eq!(SHIPPED.len(), MIGRATIONS.len(), "a migration was removed");
    }

    /// A database file as an earlier membermock left it: its first `version` migrations, each
    /// table of the first schema holding a row.
    fn database_at(path: &Path, version: usize) {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        for m in &MIGRATIONS[..version] {
            conn.execute_batch(&format!("BEGIN; {}\nCOMMIT;", m.sql))
                .unwrap();
        }
        conn.pragma_update(None, "user_version", version).unwrap();
        conn.execute_batch(
            "INSERT INTO lum_site (org, api_key) VALUES ('old', 'k');
             INSERT INTO lum_group (org, id, label) VALUES ('old', 7, 'Members');
             INSERT INTO su_account (id, name, account_api_key) VALUES (1, 'old', 'k');
             INSERT INTO ym_client (client_id, api_key, api_password) VALUES (5, 'k', 'p');
             INSERT INTO ym_group_type (client_id, id, name, sort_index) VALUES (5, 1, 'T', 2);",
        )
        .unwrap();
    }

    /// A database's schema and contents as text: every schema entry in creation order, then each
    /// table's rows (what a new database holds before any seed).
    fn schema_and_rows(conn: &Connection) -> String {
        let mut out = String::new();
        let mut tables = Vec::new();
        let mut entries = conn
            .prepare(
                "SELECT type, name, sql FROM sqlite_schema
                 WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            )
            .unwrap();
        let mut rows = entries.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let (kind, name, sql): (String, String, String) =
                (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap());
            out.push_str(&sql);
            out.push_str(";\n");
            if kind == "table" {
                tables.push(name);
            }
        }
        for table in tables {
            let mut select = conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))
                .unwrap();
            let width = select.column_count();
            let mut rows = select.query([]).unwrap();
            let mut values = Vec::new();
            while let Some(r) = rows.next().unwrap() {
                let row: Vec<String> = (0..width)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                        rusqlite::types::ValueRef::Real(x) => format!("{x:?}"),
                        rusqlite::types::ValueRef::Text(t) => {
                            format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''"))
                        }
                        rusqlite::types::ValueRef::Blob(b) => {
                            let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
                            format!("X'{hex}'")
                        }
                    })
                    .collect();
                values.push(format!("({})", row.join(", ")));
            }
            if !values.is_empty() {
                out.push_str(&format!(
                    "INSERT INTO \"{table}\" VALUES\n    {};\n",
                    values.join(",\n    ")
                ));
            }
        }
        out
    }

    #[test]
    fn the_whole_schema_and_the_empty_database_are_what_the_migrations_make() {
        let dir = tempfile::tempdir().unwrap();
        let path = Path::new("test.db");
        let version = |c: &Connection| -> usize {
            c.pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap()
        };
        let migrated = Connection::open_in_memory().unwrap();
        migrate_with(&migrated, MIGRATIONS, None, path).unwrap();
        let expected = schema_and_rows(&migrated);

        let whole = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&whole, path).unwrap(), 0);
        assert_eq!(version(&whole), MIGRATIONS.len());
        let from_schema = schema_and_rows(&whole);

        let copy = dir.path().join("copy.db");
        assert!(lay_out_new(&copy));
        assert!(!lay_out_new(&copy), "an existing file is left as it is");
        let empty = Connection::open(&copy).unwrap();
        let empty_ok = version(&empty) == MIGRATIONS.len() && schema_and_rows(&empty) == expected;
        drop(empty);
        let schema_ok = from_schema == expected;
        if schema_ok && empty_ok {
            return;
        }
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
            let sql = format!(
                "-- The schema every migration in migrations/ makes, given whole to a new \
                 database\n-- (and laid out in empty.db). GENERATED from a migrated database by\n\
                 -- `UPDATE_SCHEMA=1 cargo test --lib store::tests::the_whole_schema`: never edit \
                 it; add a migration.\n\n{expected}"
            );
            std::fs::write(src.join("schema.sql"), &sql).unwrap();
            let made = dir.path().join("empty.db");
            let conn = Connection::open(&made).unwrap();
            conn.execute_batch(&sql).unwrap();
            conn.pragma_update(None, "user_version", MIGRATIONS.len())
                .unwrap();
            drop(conn);
            std::fs::copy(&made, src.join("empty.db")).unwrap();
            eprintln!("wrote src/store/schema.sql and src/store/empty.db: run the test again");
            return;
        }
        panic!(
            "src/store/schema.sql (schema {}) or src/store/empty.db (empty {}) is not what the \
             migrations make: run `UPDATE_SCHEMA=1 cargo test --lib store::tests::the_whole_schema` \
             and review the diff.\n--- what the migrations make:\n{expected}",
            if schema_ok { "ok" } else { "differs" },
            if empty_ok { "ok" } else { "differs" },
        );
    }

    #[tokio::test]
    async fn a_database_made_by_any_earlier_schema_is_upgraded_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        for version in 1..MIGRATIONS.len() {
            let path = dir.path().join(format!("v{version}.db"));
            database_at(&path, version);
            let (store, opened) = Store::open(Some(&path)).unwrap();
            assert_eq!(opened, Opened::Existing, "version {version}");
            let (now, rows, counts) = store
                .call(|c| {
                    let now: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
                    let rows: (String, String, String, String, f64) = c.query_row(
                        "SELECT s.org, g.label, a.name, y.api_password, t.sort_index
                         FROM lum_site s JOIN lum_group g ON g.org = s.org, su_account a,
                              ym_client y JOIN ym_group_type t ON t.client_id = y.client_id",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )?;
                    Ok((now, rows, seed::counts(c)?))
                })
                .await
                .unwrap();
            assert_eq!(now as usize, MIGRATIONS.len(), "from version {version}");
            assert_eq!(
                rows,
                (
                    "old".into(),
                    "Members".into(),
                    "old".into(),
                    "p".into(),
                    2.0
                ),
                "from version {version}"
            );
            // The bookkeeping counts what was there before it (version 1), or since.
            assert_eq!(counts["luminate"]["sites"], 1, "from version {version}");
            assert_eq!(counts["smarteru"]["accounts"], 1, "from version {version}");
            assert_eq!(
                counts["yourmembership"]["clients"], 1,
                "from version {version}"
            );
        }
    }

    #[test]
    fn a_schema_version_this_build_does_not_know_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let known = MIGRATIONS.len();
        for (found, why) in [
            (
                known as i64 + 1,
                Refusal::Newer {
                    found: known as i64 + 1,
                    known,
                },
            ),
            (-1, Refusal::Foreign { found: -1 }),
        ] {
            let path = dir.path().join(format!("v{found}.db"));
            database_at(&path, known);
            Connection::open(&path)
                .unwrap()
                .pragma_update(None, "user_version", found)
                .unwrap();
            let err = Store::open(Some(&path)).unwrap_err();
            match &err {
                StoreError::Refused { path: p, why: w } => {
                    assert_eq!((p, w), (&path, &why));
                }
                other => panic!("{other}"),
            }
            let now: i64 = Connection::open(&path)
                .unwrap()
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(now, found);
        }
    }

    /// Every pending migration goes in one transaction: when the last fails, the ones before it
    /// are undone too, and `user_version` stays.
    #[test]
    fn a_failing_migration_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.db");
        database_at(&path, 1);
        let conn = Connection::open(&path).unwrap();
        let schema = |conn: &Connection| -> String {
            conn.query_row(
                "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name)",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let before = schema(&conn);
        let broken = Migration {
            name: "0005_broken.sql",
            sql: "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);",
        };
        let list: Vec<Migration> = MIGRATIONS
            .iter()
            .map(|m| Migration {
                name: m.name,
                sql: m.sql,
            })
            .chain(std::iter::once(broken))
            .collect();
        let err = migrate_with(&conn, &list, None, &path).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Migration {
                    name: "0005_broken.sql",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("no_such_table"), "{err}");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1);
        assert_eq!(schema(&conn), before, "the schema changed");
        assert!(conn.is_autocommit(), "the transaction is still open");
        // And the real list then applies.
        assert_eq!(migrate(&conn, &path).unwrap(), 1);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
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

    async fn clients(store: &Store) -> i64 {
        store
            .call(|c| c.query_row("SELECT count(*) FROM ym_client", [], |r| r.get(0)))
            .await
            .unwrap()
    }

    async fn add_client(store: &Store, id: i64) {
        store
            .call(move |c| {
                c.execute(
                    "INSERT INTO ym_client (client_id, api_key, api_password) VALUES (?1, 'k', 'p')",
                    [id],
                )
            })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn restoring_the_startup_state_drops_every_write_since_and_only_those() {
        let (store, _) = Store::open(None).unwrap();
        add_client(&store, 1).await;
        store.checkpoint_startup_state().await.unwrap();
        add_client(&store, 2).await;
        add_client(&store, 3).await;
        assert_eq!(clients(&store).await, 3);
        store.restore_startup_state().await.unwrap();
        assert_eq!(clients(&store).await, 1);
        add_client(&store, 4).await;
        store.restore_startup_state().await.unwrap();
        assert_eq!(clients(&store).await, 1);
    }

    #[tokio::test]
    async fn a_database_file_keeps_writes_across_a_restart_and_resets_to_its_own_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        {
            let (store, _) = Store::open(Some(&path)).unwrap();
            store.checkpoint_startup_state().await.unwrap();
            add_client(&store, 1).await;
        }
        // The store thread closes its connection asynchronously; the next open waits for it.
        let (store, opened) = Store::open(Some(&path)).unwrap();
        assert_eq!(opened, Opened::Existing);
        store.checkpoint_startup_state().await.unwrap();
        assert_eq!(clients(&store).await, 1);
        add_client(&store, 2).await;
        store.restore_startup_state().await.unwrap();
        assert_eq!(clients(&store).await, 1);
    }

    #[tokio::test]
    async fn a_temporary_database_is_removed_when_the_store_closes() {
        let (store, _) = Store::open(None).unwrap();
        let dir = store
            .run(|t| match &t.place {
                Place::Temp { dir, .. } => Ok(dir.clone()),
                Place::File(_) => unreachable!(),
            })
            .await
            .unwrap();
        assert!(dir.exists());
        drop(store);
        for _ in 0..500 {
            if !dir.exists() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{} is still there", dir.display());
    }
}
