//! Tenants, people and memberships as the dashboard shows and changes them. It lists people
//! with its own queries (`store::dashboard`), but asks **each vendor's own store query** which
//! groups a person belongs to, and changes a membership with **the vendor's own store
//! function** — so the page shows what the API answers, and the next API call answers what the
//! page changed.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::store::dashboard::{self as db, Page, PersonRow, TenantRow};
use crate::store::{luminate, smarteru, unix_ms, yourmembership};
use crate::vendor::Api;

/// Every tenant of every vendor, as `GET /_mock/ui/tenants` lists them.
pub fn all(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Value>> {
    let now_ms = unix_ms(now);
    let lists = [
        (Api::Luminate, db::luminate_sites(conn, now_ms)?),
        (Api::SmarterU, db::smarteru_accounts(conn)?),
        (Api::YourMembership, db::ym_clients(conn, now_ms)?),
    ];
    Ok(lists
        .into_iter()
        .flat_map(|(api, rows)| rows.into_iter().map(move |row| tenant_json(api, row)))
        .collect())
}

fn tenant_json(api: Api, row: TenantRow) -> Value {
    json!({
        "api": api,
        "tenant": row.tenant,
        "people": row.people,
        "groups": row.groups,
        "sessions": { "live": row.live_sessions, "expired": row.expired_sessions },
        "settings": row.settings,
    })
}

/// A group as a vendor's store query lists it for one person: its id, name, and what the
/// vendor says about the relationship (`home`, permissions, `Pending`, `admin`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupOf {
    pub id: String,
    pub name: String,
    pub notes: Vec<String>,
    /// Whether the person is a member (what `POST /_mock/ui/membership` adds and removes): a
    /// YM relationship may hold only an admin or representative role.
    pub member: bool,
}

/// A group of the tenant's catalogue (what a membership can be added to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueGroup {
    pub id: String,
    pub name: String,
    /// YM's group type, Luminate's group type when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A tenant as the vendor's queries key it.
enum Tenant {
    Luminate(String),
    SmarterU(i64),
    YourMembership(i64),
}

fn tenant(conn: &Connection, api: Api, name: &str) -> rusqlite::Result<Option<Tenant>> {
    Ok(match api {
        Api::Luminate => luminate::site(conn, name)?.map(|s| Tenant::Luminate(s.org)),
        Api::SmarterU => db::smarteru_account_id(conn, name)?.map(Tenant::SmarterU),
        Api::YourMembership => match name.parse::<i64>() {
            Ok(id) if yourmembership::client(conn, id)?.is_some() => {
                Some(Tenant::YourMembership(id))
            }
            _ => None,
        },
    })
}

/// One page of a tenant's people with their groups, and the tenant's catalogue; `None` when
/// there is no such tenant.
pub fn people(
    conn: &Connection,
    api: Api,
    name: &str,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Option<Value>> {
    let Some(tenant) = tenant(conn, api, name)? else {
        return Ok(None);
    };
    let page: Page<PersonRow> = match &tenant {
        Tenant::Luminate(org) => db::luminate_people(conn, org, q, limit, offset)?,
        Tenant::SmarterU(account) => db::smarteru_people(conn, *account, q, limit, offset)?,
        Tenant::YourMembership(client) => db::ym_people(conn, *client, q, limit, offset)?,
    };
    let mut people = Vec::with_capacity(page.rows.len());
    for person in page.rows {
        let groups = groups_of(conn, &tenant, &person.id)?;
        people.push(json!({
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "login": person.login,
            "tags": person.tags,
            "groups": groups,
        }));
    }
    Ok(Some(json!({
        "api": api,
        "tenant": name,
        "offset": offset,
        "people": people,
        "more": page.more,
        "catalogue": catalogue(conn, &tenant)?,
    })))
}

/// A person's groups, by the vendor's own query (what `getUserGroups` / `Member/{id}/Groups`
/// reads).
fn groups_of(conn: &Connection, tenant: &Tenant, person: &str) -> rusqlite::Result<Vec<GroupOf>> {
    Ok(match tenant {
        Tenant::Luminate(org) => {
            let Ok(cons_id) = person.parse::<i64>() else {
                return Ok(Vec::new());
            };
            luminate::cons_groups(conn, org, cons_id)?
                .into_iter()
                .map(|g| GroupOf {
                    id: g.id.to_string(),
                    name: g.label,
                    notes: Vec::new(),
                    member: true,
                })
                .collect()
        }
        Tenant::SmarterU(account) => smarteru::memberships(conn, *account, person)?
            .into_iter()
            .map(|m| {
                let mut notes: Vec<String> = Vec::new();
                if m.is_home {
                    notes.push("home".into());
                }
                notes.extend(m.permissions().map(str::to_string));
                GroupOf {
                    id: m.group_id,
                    name: m.name,
                    notes,
                    member: true,
                }
            })
            .collect(),
        Tenant::YourMembership(client) => {
            let Ok(member_id) = person.parse::<i64>() else {
                return Ok(Vec::new());
            };
            yourmembership::member_groups(conn, *client, member_id)?
                .into_iter()
                .map(|g| {
                    let mut notes =
                        vec![crate::yourmembership::methods::group_status(&g).to_string()];
                    if g.is_primary {
                        notes.push("primary".into());
                    }
                    if g.is_admin {
                        notes.push("admin".into());
                    }
                    if let Some(title) = &g.rep_title {
                        notes.push(format!("representative: {title}"));
                    }
                    GroupOf {
                        id: g.group_id.to_string(),
                        name: g.name,
                        notes,
                        member: g.is_member,
                    }
                })
                .collect()
        }
    })
}

/// A SmarterU account's owner: the caller who sees and manages every group.
fn owner(account: i64) -> smarteru::Caller {
    smarteru::Caller {
        account_id: account,
        user_id: String::new(),
        admin: true,
        supervisors_see: false,
    }
}

/// **\[choice\]** Groups of a catalogue the page offers, at most (a select, not a browser).
const MAX_CATALOGUE: usize = 1000;

/// The tenant's groups, by the vendor's own listing query: the first [`MAX_CATALOGUE`].
fn catalogue(conn: &Connection, tenant: &Tenant) -> rusqlite::Result<Vec<CatalogueGroup>> {
    let mut groups: Vec<CatalogueGroup> = match tenant {
        Tenant::Luminate(org) => {
            luminate::list_groups(conn, org, true, 0, None, MAX_CATALOGUE as i64, 0)?
                .into_iter()
                .map(|g| CatalogueGroup {
                    id: g.id.to_string(),
                    name: g.name,
                    kind: g.group_type.map(|(_, name)| name),
                })
                .collect()
        }
        Tenant::SmarterU(account) => {
            smarteru::list_groups(conn, &owner(*account), &smarteru::GroupFilter::default())?
                .into_iter()
                .map(|(name, id)| CatalogueGroup {
                    id,
                    name,
                    kind: None,
                })
                .collect()
        }
        Tenant::YourMembership(client) => yourmembership::catalogue(conn, *client)?
            .into_iter()
            .filter_map(|row| {
                let (id, name, _) = row.group?;
                Some(CatalogueGroup {
                    id: id.to_string(),
                    name,
                    kind: Some(row.type_name),
                })
            })
            .collect(),
    };
    groups.truncate(MAX_CATALOGUE);
    Ok(groups)
}

/// `POST /_mock/ui/membership`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipChange {
    pub api: Api,
    pub tenant: String,
    /// cons_id, SmarterU user id, YM member id.
    pub person: String,
    /// Luminate group id, SmarterU group id, YM group id.
    pub group: String,
    /// `true` adds the membership, `false` removes it.
    pub member: bool,
}

#[derive(Debug)]
pub enum ChangeError {
    /// A name that matches nothing: the field and why.
    Unknown {
        path: &'static str,
        message: String,
    },
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for ChangeError {
    fn from(e: rusqlite::Error) -> Self {
        ChangeError::Sqlite(e)
    }
}

fn unknown(path: &'static str, message: String) -> ChangeError {
    ChangeError::Unknown { path, message }
}

/// Add or remove one membership with the vendor's own store functions, as the vendor's
/// membership call would (a SmarterU user's modified date moves; a YM relationship becomes or
/// stops being a membership, keeping its admin or representative role); the person's groups
/// after.
pub fn change_membership(
    tx: &Transaction<'_>,
    change: &MembershipChange,
    now: DateTime<Utc>,
) -> Result<Vec<GroupOf>, ChangeError> {
    let api = change.api.name();
    let Some(tenant) = tenant(tx, change.api, &change.tenant)? else {
        return Err(unknown(
            "tenant",
            format!("no {api} tenant `{}`", change.tenant),
        ));
    };
    let no_person = || unknown("person", format!("no such person in {}", change.tenant));
    let no_group = || unknown("group", format!("no such group in {}", change.tenant));
    match &tenant {
        Tenant::Luminate(org) => {
            let cons_id: i64 = change.person.parse().map_err(|_| no_person())?;
            let group_id: i64 = change.group.parse().map_err(|_| no_group())?;
            if !luminate::cons_exists(tx, org, cons_id)? {
                return Err(no_person());
            }
            if !luminate::group_exists(tx, org, group_id)? {
                return Err(no_group());
            }
            if change.member {
                luminate::add_membership(tx, org, cons_id, group_id)?;
            } else {
                luminate::remove_membership(tx, org, cons_id, group_id)?;
            }
        }
        Tenant::SmarterU(account) => {
            let (user, group) = (&change.person, &change.group);
            if !db::smarteru_user_exists(tx, *account, user)? {
                return Err(no_person());
            }
            let by_id = smarteru::GroupRef::GroupId(group.clone());
            if smarteru::find_managed_group(tx, &owner(*account), &by_id)?.is_none() {
                return Err(no_group());
            }
            let current = smarteru::membership(tx, *account, user, group)?;
            match (change.member, current) {
                (true, None) => smarteru::put_membership(tx, *account, user, group, &[])?,
                (false, Some(_)) => smarteru::remove_membership(tx, *account, user, group)?,
                // Already so: nothing changes, not even the modified date.
                _ => return Ok(groups_of(tx, &tenant, user)?),
            }
            smarteru::touch_user(tx, *account, user, now)?;
        }
        Tenant::YourMembership(client) => {
            let member_id: i64 = change.person.parse().map_err(|_| no_person())?;
            let group_id: i64 = change.group.parse().map_err(|_| no_group())?;
            if !yourmembership::member_exists(tx, *client, member_id)? {
                return Err(no_person());
            }
            if yourmembership::find_group(tx, *client, None, Some(group_id))?.is_none() {
                return Err(no_group());
            }
            let relationship = yourmembership::RelationshipChange {
                add_member: change.member,
                remove_member: !change.member,
                ..Default::default()
            };
            yourmembership::change_relationship(tx, *client, member_id, group_id, &relationship)?;
        }
    }
    Ok(groups_of(tx, &tenant, &change.person)?)
}
