//! Applying seed documents to the store and reading the whole state back as one.
//!
//! One file per vendor ([`luminate`], [`smarteru`], [`yourmembership`]) writes that vendor's
//! section into its tables and reads it back; the vendor's API queries stay in
//! `store/<vendor>.rs`. The enums of the seed document that the store keeps are stored as
//! their seed spelling, through one `ToSql`/`FromSql` pair each (below).

pub(crate) mod bulk;
pub mod dump;
pub mod luminate;
pub mod smarteru;
pub mod yourmembership;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::seed::{
    ActiveStatus, GroupMemberStatus, JsonContentType, MemberStatus, OtherConsLookup, Piece,
    RedirectDigest, SeedDoc, SeedError, SeedInfo, Sink, SmarterUGroup, SmarterURole,
    SupervisorAccess, YmGroup,
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

/// Apply validated documents in order, inside the caller's transaction (all or nothing):
/// `POST /_mock/seed`. Foreign keys are checked at commit, so a tenant's people may come in
/// several batches that name each other.
pub fn apply(
    tx: &Transaction<'_>,
    docs: Vec<SeedDoc>,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    tx.pragma_update(None, "defer_foreign_keys", "ON")?;
    let mut loader = Loader::new(tx, now);
    for doc in docs {
        doc.feed(&mut loader, None)?;
    }
    Ok(())
}

/// The one writer of seed data: applies [`Piece`]s in order, for `POST /_mock/seed` (inside
/// its transaction) and for the bulk load at start-up.
pub(crate) struct Loader<'c> {
    conn: &'c Connection,
    /// Dates a SmarterU record does not give: the app clock when the seed is applied.
    now: String,
    open: Open,
}

/// The tenant whose people are coming, and what placing them needs.
enum Open {
    Nothing,
    Site(String),
    Account {
        id: i64,
        /// group_id by group name.
        groups: HashMap<String, String>,
    },
    Client {
        client_id: i64,
        /// Group id by code, in lower case.
        groups: HashMap<String, i64>,
    },
}

fn su_groups(groups: &[SmarterUGroup]) -> HashMap<String, String> {
    groups
        .iter()
        .map(|g| (g.name.clone(), g.group_id.clone()))
        .collect()
}

fn ym_groups(groups: &[YmGroup]) -> HashMap<String, i64> {
    groups
        .iter()
        .map(|g| (g.code.to_lowercase(), g.id))
        .collect()
}

impl<'c> Loader<'c> {
    pub(crate) fn new(conn: &'c Connection, now: DateTime<Utc>) -> Loader<'c> {
        Loader {
            conn,
            now: crate::store::smarteru::store_date(now),
            open: Open::Nothing,
        }
    }

    fn out_of_order(piece: &str) -> ApplyError {
        ApplyError::Seed(SeedError {
            path: String::new(),
            message: format!("{piece} without its tenant (a bug in the seed reader)"),
        })
    }
}

impl Sink for Loader<'_> {
    type Error = ApplyError;

    fn put(&mut self, piece: Piece) -> Result<(), ApplyError> {
        self.apply(&piece)
    }
}

impl Loader<'_> {
    pub(crate) fn apply(&mut self, piece: &Piece) -> Result<(), ApplyError> {
        let conn = self.conn;
        match piece {
            Piece::SiteOpen { org } => {
                luminate::delete_site(conn, org)?;
                self.open = Open::Site(org.clone());
            }
            Piece::SiteHead(site) => luminate::insert_site(conn, site)?,
            Piece::Constituents(people) => match &self.open {
                Open::Site(org) => luminate::insert_constituents(conn, org, people)?,
                _ => return Err(Self::out_of_order("constituents")),
            },
            Piece::AccountOpen { key, groups } => {
                let id = smarteru::open_account(conn, key)?;
                self.open = Open::Account {
                    id,
                    groups: su_groups(groups),
                };
            }
            Piece::AccountHead { index, account } => match &mut self.open {
                Open::Account { id, groups } => {
                    *groups = su_groups(&account.groups);
                    smarteru::insert_account(conn, *index, *id, account, &self.now)?;
                }
                _ => return Err(Self::out_of_order("an account")),
            },
            Piece::Users(people) => match &self.open {
                Open::Account { id, groups } => {
                    smarteru::insert_users(conn, *id, groups, people, &self.now)?
                }
                _ => return Err(Self::out_of_order("users")),
            },
            Piece::ClientOpen { client_id, groups } => {
                yourmembership::delete_client(conn, *client_id)?;
                self.open = Open::Client {
                    client_id: *client_id,
                    groups: ym_groups(groups),
                };
            }
            Piece::ClientHead(client) => match &mut self.open {
                Open::Client { groups, .. } => {
                    *groups = ym_groups(&client.groups);
                    yourmembership::insert_client(conn, client)?;
                }
                _ => return Err(Self::out_of_order("a client")),
            },
            Piece::Members(people) => match &self.open {
                Open::Client { client_id, groups } => {
                    yourmembership::insert_members(conn, *client_id, groups, people)?
                }
                _ => return Err(Self::out_of_order("members")),
            },
        }
        Ok(())
    }
}

/// Rows per statement in [`insert_rows`].
const ROWS_PER_STATEMENT: usize = 128;

/// Insert rows [`ROWS_PER_STATEMENT`] at a time, one `VALUES` list per statement: SQLite
/// keeps its place in a b-tree between the rows of one statement, so rows in key order append
/// instead of each searching from the root (half the cost of a statement per row). `head` is
/// `INSERT INTO table (tenant, columns...)`; `tenant` is bound once as `?1`, each row's
/// `columns` values after it by `bind(statement, first index, row)`.
pub(crate) fn insert_rows<T>(
    conn: &Connection,
    head: &str,
    tenant: &dyn ToSql,
    columns: usize,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let values = |n: usize| {
        let mut sql = String::with_capacity(head.len() + n * (columns * 6 + 8));
        sql.push_str(head);
        sql.push_str(" VALUES ");
        for row in 0..n {
            if row > 0 {
                sql.push(',');
            }
            sql.push_str("(?1");
            for column in 0..columns {
                sql.push_str(&format!(",?{}", 2 + row * columns + column));
            }
            sql.push(')');
        }
        sql
    };
    let run = |stmt: &mut rusqlite::Statement<'_>, chunk: &[T]| -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(1, tenant)?;
        for (i, row) in chunk.iter().enumerate() {
            bind(stmt, 2 + i * columns, row)?;
        }
        stmt.raw_execute()?;
        Ok(())
    };
    let mut whole = rows.chunks_exact(ROWS_PER_STATEMENT);
    if whole.len() > 0 {
        let mut stmt = conn.prepare_cached(&values(ROWS_PER_STATEMENT))?;
        for chunk in whole.by_ref() {
            run(&mut stmt, chunk)?;
        }
    }
    // The rest one by one through one cached statement: preparing a statement for each length
    // of a remainder (and compiling the table's triggers into it) cost more than inserting a
    // small seed's rows.
    let rest = whole.remainder();
    if !rest.is_empty() {
        let mut stmt = conn.prepare_cached(&values(1))?;
        for row in rest {
            run(&mut stmt, std::slice::from_ref(row))?;
        }
    }
    Ok(())
}

/// One step of a merge join between `people`, sorted by `key_of`, and rows arriving in the
/// same order: moves the cursor `at` up to `key` and answers the person with that key, if any.
pub(crate) fn person_at<'p, T>(
    people: &'p mut [T],
    at: &mut usize,
    key: i64,
    key_of: impl Fn(&T) -> i64,
) -> Option<&'p mut T> {
    while *at < people.len() && key_of(&people[*at]) < key {
        *at += 1;
    }
    people.get_mut(*at).filter(|p| key_of(p) == key)
}

/// What the state was made from (see [`SeedInfo`]), kept with it.
pub(crate) fn write_info(conn: &Connection, info: &SeedInfo) -> rusqlite::Result<()> {
    let json = serde_json::to_string(info).unwrap_or_else(|_| "{}".into());
    conn.prepare_cached("INSERT OR REPLACE INTO mm_meta (key, value) VALUES ('seed', ?1)")?
        .execute([json])?;
    Ok(())
}

/// What [`write_info`] kept, if anything.
pub fn read_info(conn: &Connection) -> rusqlite::Result<Option<SeedInfo>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT value FROM mm_meta WHERE key = 'seed'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// Drop every session and token of every vendor.
pub fn clear_sessions(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("DELETE FROM lum_session; DELETE FROM ym_session;")
}

/// Record counts per vendor for the health endpoint: kept by triggers
/// (`migrations/0002_bookkeeping.sql`), so one read of a dozen rows whatever the number of people.
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
