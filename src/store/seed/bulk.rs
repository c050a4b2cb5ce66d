//! The start-up load: a whole seed into an empty database, as fast as SQLite goes.
//!
//! A producer thread reads and checks the seed ([`SeedPlan::feed`](crate::seed::SeedPlan::feed)) and hands [`Piece`]s over
//! a short channel to the store thread, so parsing and inserting run on two cores at once. On
//! the store thread, for the length of the load: no journal (the database is new; a failed
//! load throws the file away), foreign keys off (the seed's own checks guarantee every
//! reference: the same checks `POST /_mock/seed` runs), and, once a seed proves big (more
//! than 4096 people), no secondary indexes or bookkeeping triggers: they are built once at the
//! end from sorted data, and the counts computed once, instead of maintained row by row. One transaction; rows go in with
//! multi-row statements ([`super::insert_rows`]).

use std::sync::mpsc::{Receiver, Sender, SyncSender};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::seed::{Piece, SeedError, SeedInfo, Sink};
use crate::store::{StoreError, StoreThread};

use super::{write_info, ApplyError, Loader};

/// What the producer sends: pieces, then what the state is made from once all went well.
/// A channel closed without [`Msg::Done`] means the producer failed (it says why).
pub(crate) enum Msg {
    Piece(Piece),
    Done(SeedInfo),
}

/// Pieces [`Msg`]s may wait in the channel: enough to keep both threads busy, few enough to
/// keep memory flat.
pub(crate) const CHANNEL: usize = 4;

/// The producer's end of the channel. Applied pieces come back to be dropped here: freeing a
/// million people's strings is work the producer has time for and the store thread has not.
pub(crate) struct ChannelSink {
    pub(crate) pieces: SyncSender<Msg>,
    pub(crate) applied: Receiver<Piece>,
}

/// The store thread hung up: it failed, and says why.
#[derive(Debug)]
pub(crate) enum ChannelError {
    Seed(SeedError),
    Closed,
}

impl From<SeedError> for ChannelError {
    fn from(e: SeedError) -> Self {
        ChannelError::Seed(e)
    }
}

impl Sink for ChannelSink {
    type Error = ChannelError;
    fn put(&mut self, piece: Piece) -> Result<(), ChannelError> {
        while let Ok(applied) = self.applied.try_recv() {
            drop(applied);
        }
        self.pieces
            .send(Msg::Piece(piece))
            .map_err(|_| ChannelError::Closed)
    }
}

/// People (of all tenants) a load inserts with the indexes and triggers in place; past them, it
/// drops both and builds them once at the end from sorted data (and counts the rows once).
const DEFER_INDEXES_AFTER: usize = 4096;

/// On the store thread: empty the database, apply everything `pieces` brings, build the
/// indexes, commit. A seed or SQLite failure leaves the database as it was before (empty, or
/// the data `--reset` set aside) and is the inner error.
pub(crate) fn load(
    thread: &mut StoreThread,
    pieces: Receiver<Msg>,
    applied: Sender<Piece>,
    now: DateTime<Utc>,
) -> Result<Result<SeedInfo, ApplyError>, StoreError> {
    let aside = thread.make_empty()?;
    let outcome = run(thread.conn(), pieces, applied, now);
    match (outcome, aside) {
        (Ok(info), Some(aside)) => {
            thread.drop_set_aside(&aside)?;
            Ok(Ok(info))
        }
        (Ok(info), None) => Ok(Ok(info)),
        (Err(e), Some(aside)) => {
            thread.put_back(&aside)?;
            Ok(Err(e))
        }
        (Err(e), None) => {
            thread.recreate()?;
            Ok(Err(e))
        }
    }
}

fn run(
    conn: &Connection,
    pieces: Receiver<Msg>,
    applied: Sender<Piece>,
    now: DateTime<Utc>,
) -> Result<SeedInfo, ApplyError> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.pragma_update(None, "journal_mode", "OFF")?;
    // Secondary indexes and triggers, in creation order, to drop now and build at the end.
    let later: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_master \
             WHERE type IN ('index', 'trigger') AND sql IS NOT NULL \
             ORDER BY type = 'trigger', rowid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute_batch("BEGIN")?;
    // Dropped only once the seed proves big: for a small one (the demo seed), dropping and
    // rebuilding them costs more than maintaining them (each DDL statement makes SQLite parse
    // the schema again), and a start on the demo seed must take milliseconds.
    let mut dropped = false;
    let mut people = 0usize;
    let t0 = std::time::Instant::now();
    let info = {
        let mut loader = Loader::new(conn, now);
        loop {
            match pieces.recv() {
                Ok(Msg::Piece(piece)) => {
                    people += piece.people();
                    if !dropped && people > DEFER_INDEXES_AFTER {
                        for (kind, name, _) in &later {
                            conn.execute_batch(&format!(
                                "DROP {} \"{}\"",
                                kind.to_uppercase(),
                                name
                            ))?;
                        }
                        dropped = true;
                    }
                    loader.apply(&piece)?;
                    let _ = applied.send(piece);
                }
                Ok(Msg::Done(info)) => break info,
                Err(_) => {
                    return Err(ApplyError::Seed(SeedError {
                        path: String::new(),
                        message: "the seed reader stopped".into(),
                    }))
                }
            }
        }
    };
    drop(pieces);
    let inserted = t0.elapsed();
    if dropped {
        // Sorting for an index may use a second thread.
        conn.pragma_update(None, "threads", 2)?;
        for (_, _, sql) in &later {
            conn.execute_batch(sql)?;
        }
        conn.pragma_update(None, "threads", 0)?;
        recount(conn)?;
    }
    let indexed = t0.elapsed();
    write_info(conn, &info)?;
    conn.execute_batch("COMMIT")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Leaving a rollback mode for WAL under exclusive locking leaves a read transaction open
    // until the next statement ends one; a checkpoint would meet it ("table is locked").
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    tracing::debug!(
        insert_ms = inserted.as_millis() as u64,
        index_ms = (indexed - inserted).as_millis() as u64,
        total_ms = t0.elapsed().as_millis() as u64,
        "seed loaded"
    );
    Ok(info)
}

/// The bookkeeping counts, from the tables themselves (when their triggers were off).
fn recount(conn: &Connection) -> rusqlite::Result<()> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM mm_count WHERE name <> 'generation'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        // The name comes from the store's own table of counted tables.
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?;
        conn.execute(
            "UPDATE mm_count SET n = ?1 WHERE name = ?2",
            rusqlite::params![n, table],
        )?;
    }
    Ok(())
}
