//! Applying seed documents to the store and reading the whole state back as one.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};

use crate::seed::{SeedDoc, SeedError};

/// Why applying a seed failed: a conflict with stored data (named by JSON path) or SQLite.
#[derive(Debug)]
pub enum ApplyError {
    Seed(SeedError),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> Self {
        ApplyError::Sqlite(e)
    }
}

impl From<SeedError> for ApplyError {
    fn from(e: SeedError) -> Self {
        ApplyError::Seed(e)
    }
}

/// Apply validated documents in order, inside the caller's transaction (all or nothing).
pub fn apply(tx: &Transaction<'_>, docs: &[SeedDoc], now: DateTime<Utc>) -> Result<(), ApplyError> {
    for doc in docs {
        if let Some(lum) = &doc.luminate {
            super::luminate::apply_seed(tx, lum)?;
        }
        if let Some(su) = &doc.smarteru {
            super::smarteru::apply_seed(tx, su, now)?;
        }
        if let Some(ym) = &doc.yourmembership {
            super::yourmembership::apply_seed(tx, ym)?;
        }
    }
    Ok(())
}

/// The whole stored state as a seed document (sessions are not part of it).
pub fn dump(conn: &Connection) -> rusqlite::Result<SeedDoc> {
    Ok(SeedDoc {
        luminate: Some(super::luminate::dump_seed(conn)?),
        smarteru: Some(super::smarteru::dump_seed(conn)?),
        yourmembership: Some(super::yourmembership::dump_seed(conn)?),
    })
}

/// Drop every tenant of every vendor (used by `--reset` on an existing file).
pub fn clear(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch("DELETE FROM lum_site; DELETE FROM su_account; DELETE FROM ym_client;")
}

/// Drop every session and token of every vendor.
pub fn clear_sessions(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("DELETE FROM lum_session; DELETE FROM ym_session;")
}

/// Record counts per vendor for the health endpoint.
pub fn counts(conn: &Connection) -> rusqlite::Result<serde_json::Value> {
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.prepare_cached(&format!("SELECT count(*) FROM {table}"))?
            .query_row([], |r| r.get(0))
    };
    Ok(serde_json::json!({
        "luminate": {
            "sites": count("lum_site")?,
            "groups": count("lum_group")?,
            "constituents": count("lum_cons")?,
            "sessions": count("lum_session")?,
        },
        "smarteru": {
            "accounts": count("su_account")?,
            "groups": count("su_group")?,
            "users": count("su_user")?,
        },
        "yourmembership": {
            "clients": count("ym_client")?,
            "groups": count("ym_group")?,
            "members": count("ym_member")?,
            "sessions": count("ym_session")?,
        },
    }))
}
