//! The whole state as a seed document, streamed (`GET /_mock/state`).
//!
//! The document is read in slices: the tenant lists, then each tenant's own fields, then its
//! people [`SLICE`] at a time in key order. Each slice is one short job on the store thread,
//! so vendor calls go between them; each is turned into JSON off the store thread and sent
//! on at once, so memory stays flat whatever the number of people, and a slow reader only
//! slows itself.
//!
//! **\[choice\]** A document read this way must still be one state: every slice checks that
//! the data has not changed since the first one (the store's generation number, kept by
//! triggers and blind to sessions; and no `reset` since). If it has, the answer is cut off
//! (the client sees an incomplete body, never a mix of two states); reading again gives the
//! new state.
//!
//! The bytes are serde's: each record and each tenant's head are serialised with the seed
//! types' own derive, and the people list is the last field of every tenant type, so the
//! head is written up to its people list, which the slices then fill. A test holds the
//! stream to `serde_json::to_vec` of the document it parses to.

use std::collections::VecDeque;

use axum::body::Bytes;
use futures_util::Stream;
use rusqlite::Connection;
use serde::Serialize;

use crate::store::{Store, StoreError, StoreThread};

use super::{luminate, smarteru, yourmembership};

/// People per slice.
pub(crate) const SLICE: usize = 1000;

/// What the data was when the reading began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    epoch: u64,
    generation: i64,
}

fn mark(thread: &StoreThread) -> Result<Mark, StoreError> {
    let generation = generation(thread.conn_ref())?;
    Ok(Mark {
        epoch: thread.epoch(),
        generation,
    })
}

fn generation(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT n FROM mm_count WHERE name = 'generation'")?
        .query_row([], |r| r.get(0))
}

/// One step of the reading.
enum Step {
    /// Text between the tenants: `]},"smarteru":{"accounts":[`.
    Text(&'static str),
    Site(String),
    Constituents {
        org: String,
        after: i64,
    },
    Account(i64),
    Users {
        account_id: i64,
        after: i64,
    },
    Client(i64),
    Members {
        client_id: i64,
        after: i64,
    },
}

struct Reader {
    store: Store,
    mark: Option<Mark>,
    steps: VecDeque<Step>,
    /// Whether the next tenant, or the next person, is the first of its list (no comma).
    first_tenant: bool,
    first_person: bool,
}

/// The state document, as a stream of JSON chunks.
pub fn stream(store: Store) -> impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static {
    let reader = Reader {
        store,
        mark: None,
        steps: VecDeque::new(),
        first_tenant: true,
        first_person: true,
    };
    futures_util::stream::try_unfold(reader, |mut reader| async move {
        Ok(reader.next().await?.map(|bytes| (bytes, reader)))
    })
}

/// A tenant's head, serialised, ending just inside its (empty, last) people list.
fn head_json<T: Serialize>(head: &T, out: &mut Vec<u8>) -> Result<(), StoreError> {
    let start = out.len();
    serde_json::to_writer(&mut *out, head).map_err(|e| StoreError::Io(e.into()))?;
    debug_assert!(out[start..].ends_with(b"[]}"), "the people list comes last");
    out.truncate(out.len() - 2);
    Ok(())
}

impl Reader {
    /// Run `f` on the store thread, after checking the data is still what it was.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let want = self.mark;
        self.store
            .run(move |thread| {
                if want.is_some_and(|want| mark(thread).ok() != Some(want)) {
                    return Err(StoreError::Changed);
                }
                Ok(f(thread.conn_ref())?)
            })
            .await
    }

    async fn next(&mut self) -> Result<Option<Bytes>, StoreError> {
        let mut out = Vec::new();
        if self.mark.is_none() {
            let (mark, orgs, accounts, clients) = self
                .store
                .run(|thread| {
                    let conn = thread.conn_ref();
                    Ok((
                        mark(thread)?,
                        luminate::orgs(conn)?,
                        smarteru::account_ids(conn)?,
                        yourmembership::client_ids(conn)?,
                    ))
                })
                .await?;
            self.mark = Some(mark);
            self.steps.extend(orgs.into_iter().map(Step::Site));
            self.steps
                .push_back(Step::Text(r#"]},"smarteru":{"accounts":["#));
            self.steps.extend(accounts.into_iter().map(Step::Account));
            self.steps
                .push_back(Step::Text(r#"]},"yourmembership":{"clients":["#));
            self.steps.extend(clients.into_iter().map(Step::Client));
            self.steps.push_back(Step::Text("]}}"));
            out.extend_from_slice(br#"{"luminate":{"sites":["#);
            return Ok(Some(out.into()));
        }
        let Some(step) = self.steps.pop_front() else {
            return Ok(None);
        };
        match step {
            Step::Text(text) => {
                out.extend_from_slice(text.as_bytes());
                self.first_tenant = true;
            }
            Step::Site(org) => {
                let key = org.clone();
                let site = self
                    .read(move |conn| luminate::site(conn, &key))
                    .await?
                    .ok_or(StoreError::Changed)?;
                self.open_tenant(&mut out);
                head_json(&site, &mut out)?;
                self.steps.push_front(Step::Constituents {
                    org,
                    after: i64::MIN,
                });
            }
            Step::Constituents { org, after } => {
                let key = org.clone();
                let people = self
                    .read(move |conn| luminate::constituents_after(conn, &key, after, SLICE))
                    .await?;
                self.people(&people, &mut out)?;
                if let Some(last) = people.last().filter(|_| people.len() == SLICE) {
                    self.steps.push_front(Step::Constituents {
                        org,
                        after: last.cons_id,
                    });
                } else {
                    out.extend_from_slice(b"]}");
                }
            }
            Step::Account(id) => {
                let account = self
                    .read(move |conn| smarteru::account(conn, id))
                    .await?
                    .ok_or(StoreError::Changed)?;
                self.open_tenant(&mut out);
                head_json(&account, &mut out)?;
                self.steps.push_front(Step::Users {
                    account_id: id,
                    after: i64::MIN,
                });
            }
            Step::Users { account_id, after } => {
                let users = self
                    .read(move |conn| smarteru::users_after(conn, account_id, after, SLICE))
                    .await?;
                let last = users.last().map(|(rowid, _)| *rowid);
                let full = users.len() == SLICE;
                let users: Vec<_> = users.into_iter().map(|(_, u)| u).collect();
                self.people(&users, &mut out)?;
                match last.filter(|_| full) {
                    Some(after) => self.steps.push_front(Step::Users { account_id, after }),
                    None => out.extend_from_slice(b"]}"),
                }
            }
            Step::Client(client_id) => {
                let client = self
                    .read(move |conn| yourmembership::client(conn, client_id))
                    .await?
                    .ok_or(StoreError::Changed)?;
                self.open_tenant(&mut out);
                head_json(&client, &mut out)?;
                self.steps.push_front(Step::Members {
                    client_id,
                    after: i64::MIN,
                });
            }
            Step::Members { client_id, after } => {
                let members = self
                    .read(move |conn| yourmembership::members_after(conn, client_id, after, SLICE))
                    .await?;
                self.people(&members, &mut out)?;
                if let Some(last) = members.last().filter(|_| members.len() == SLICE) {
                    self.steps.push_front(Step::Members {
                        client_id,
                        after: last.member_id,
                    });
                } else {
                    out.extend_from_slice(b"]}");
                }
            }
        }
        Ok(Some(out.into()))
    }

    fn open_tenant(&mut self, out: &mut Vec<u8>) {
        if !std::mem::replace(&mut self.first_tenant, false) {
            out.push(b',');
        }
        self.first_person = true;
    }

    fn people<T: Serialize>(&mut self, people: &[T], out: &mut Vec<u8>) -> Result<(), StoreError> {
        for person in people {
            if !std::mem::replace(&mut self.first_person, false) {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, person).map_err(|e| StoreError::Io(e.into()))?;
        }
        Ok(())
    }
}
