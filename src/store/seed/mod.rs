//! Applying seed documents to the store and reading the whole state back as one.
//!
//! One file per vendor ([`luminate`], [`smarteru`], [`yourmembership`]) writes that vendor's
//! section into its tables and reads it back; the vendor's API queries stay in
//! `store/<vendor>.rs`. The enums of the seed document that the store keeps are stored as
//! their seed spelling, through one `ToSql`/`FromSql` pair each (below).

pub mod luminate;
pub mod smarteru;
pub mod yourmembership;

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Transaction};

use crate::seed::{
    ActiveStatus, GroupMemberStatus, JsonContentType, MemberStatus, OtherConsLookup,
    RedirectDigest, SeedDoc, SeedError, SmarterURole, SupervisorAccess,
};

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
            luminate::apply_seed(tx, lum)?;
        }
        if let Some(su) = &doc.smarteru {
            smarteru::apply_seed(tx, su, now)?;
        }
        if let Some(ym) = &doc.yourmembership {
            yourmembership::apply_seed(tx, ym)?;
        }
    }
    Ok(())
}

/// The whole stored state as a seed document (sessions are not part of it).
pub fn dump(conn: &Connection) -> rusqlite::Result<SeedDoc> {
    Ok(SeedDoc {
        luminate: Some(luminate::dump_seed(conn)?),
        smarteru: Some(smarteru::dump_seed(conn)?),
        yourmembership: Some(yourmembership::dump_seed(conn)?),
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

/// Record counts per vendor for the health endpoint: kept by triggers (`bookkeeping.sql`), so
/// one read of a dozen rows whatever the number of people.
pub fn counts(conn: &Connection) -> rusqlite::Result<serde_json::Value> {
    let mut stmt = conn.prepare_cached("SELECT name, n FROM mm_count")?;
    let mut rows = stmt.query([])?;
    let mut counts = std::collections::HashMap::new();
    while let Some(row) = rows.next()? {
        counts.insert(row.get::<_, String>(0)?, row.get::<_, i64>(1)?);
    }
    let count = |table: &str| counts.get(table).copied().unwrap_or(0);
    Ok(serde_json::json!({
        "luminate": {
            "sites": count("lum_site"),
            "groups": count("lum_group"),
            "constituents": count("lum_cons"),
            "sessions": count("lum_session"),
        },
        "smarteru": {
            "accounts": count("su_account"),
            "groups": count("su_group"),
            "users": count("su_user"),
        },
        "yourmembership": {
            "clients": count("ym_client"),
            "groups": count("ym_group"),
            "members": count("ym_member"),
            "sessions": count("ym_session"),
        },
    }))
}

/// One `ToSql`/`FromSql` pair for an enum stored as text: each variant and its spelling, the
/// same as in the seed document. A spelling the store does not know is an error, not a default.
macro_rules! stored_as_text {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(match self {
                    $($ty::$variant => $text,)+
                }))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                match value.as_str()? {
                    $($text => Ok($ty::$variant),)+
                    other => Err(FromSqlError::Other(
                        format!(concat!("not a stored ", stringify!($ty), ": `{}`"), other).into(),
                    )),
                }
            }
        }
    };
}

stored_as_text!(OtherConsLookup { Refuse => "refuse", Ignore => "ignore" });
stored_as_text!(JsonContentType {
    ApplicationJson => "application/json",
    TextPlain => "text/plain",
});
stored_as_text!(RedirectDigest { Md5 => "md5", Sha1 => "sha1" });
stored_as_text!(SupervisorAccess { None => "none", View => "view", Edit => "edit" });
stored_as_text!(ActiveStatus { Active => "Active", Inactive => "Inactive" });
stored_as_text!(SmarterURole {
    Owner => "owner",
    Administrator => "administrator",
    User => "user",
});
stored_as_text!(MemberStatus {
    Active => "Active",
    Locked => "Locked",
    Suspended => "Suspended",
});
stored_as_text!(GroupMemberStatus { Joined => "Joined", Pending => "Pending" });

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored spelling is the seed document's spelling, and reads back as the variant.
    fn round_trips<T>(values: &[T])
    where
        T: ToSql + FromSql + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        let conn = Connection::open_in_memory().unwrap();
        for v in values {
            let stored: String = conn.query_row("SELECT ?1", [v], |r| r.get(0)).unwrap();
            assert_eq!(serde_json::to_value(v).unwrap(), stored.as_str(), "{v:?}");
            let back: T = conn
                .query_row("SELECT ?1", [&stored], |r| r.get(0))
                .unwrap();
            assert_eq!(&back, v);
        }
    }

    #[test]
    fn stored_enums_use_their_seed_spelling_both_ways() {
        round_trips(&[OtherConsLookup::Refuse, OtherConsLookup::Ignore]);
        round_trips(&[JsonContentType::ApplicationJson, JsonContentType::TextPlain]);
        round_trips(&[RedirectDigest::Md5, RedirectDigest::Sha1]);
        round_trips(&[
            SupervisorAccess::None,
            SupervisorAccess::View,
            SupervisorAccess::Edit,
        ]);
        round_trips(&[ActiveStatus::Active, ActiveStatus::Inactive]);
        round_trips(&[
            SmarterURole::Owner,
            SmarterURole::Administrator,
            SmarterURole::User,
        ]);
        round_trips(&[
            MemberStatus::Active,
            MemberStatus::Locked,
            MemberStatus::Suspended,
        ]);
        round_trips(&[GroupMemberStatus::Joined, GroupMemberStatus::Pending]);
    }

    #[test]
    fn an_unknown_stored_spelling_is_an_error() {
        let conn = Connection::open_in_memory().unwrap();
        let r: rusqlite::Result<MemberStatus> = conn.query_row("SELECT 'Banned'", [], |r| r.get(0));
        assert!(r.is_err());
    }
}
