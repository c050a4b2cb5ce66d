//! Sites as every call checks them (API keys, IP filter, options, API administrators), kept in
//! memory: read on every call, written only by the seed and `reset`, which drop the copy
//! ([`Sites::invalidate`]); the next call loads every site again in one store call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ipnet::IpNet;

use crate::cache::Cached;
use crate::seed::{JsonContentType, OtherConsLookup, RedirectDigest};
use crate::store::{luminate as db, Store, StoreError};
use crate::wire::secret_eq;

use super::auth::Admin;
use super::cors::CorsDomains;

/// **\[choice\]** API administrators remembered per site (their log-ins succeed without a store
/// call); beyond this the oldest is forgotten.
const ADMINS_KEPT: usize = 64;

/// An API administrator's confirmed log-in: user name, password, who they are.
type KnownAdmin = (Box<str>, Box<str>, Admin);

/// One site, as the API sees it.
#[derive(Debug)]
pub struct Site {
    pub org: Arc<str>,
    pub api_key: String,
    pub secondary_api_key: Option<String>,
    pub secret_key: Option<String>,
    pub ip_filter: Vec<IpNet>,
    pub other_cons_lookup: OtherConsLookup,
    pub json_content_type: JsonContentType,
    pub redirect_digest: RedirectDigest,
    /// Domains whose pages may call the client servlets across origins.
    pub cors: CorsDomains,
    /// API administrators whose log-in succeeded.
    admins: Mutex<Vec<KnownAdmin>>,
}

impl Site {
    pub fn from_row(row: db::SiteRow) -> Site {
        Site {
            org: row.org.into(),
            api_key: row.api_key,
            secondary_api_key: row.secondary_api_key,
            secret_key: row.secret_key,
            // Entries were validated when seeded; one that does not parse admits nobody.
            ip_filter: row
                .ip_filter
                .iter()
                .filter_map(|e| crate::seed::parse_ip_filter(e).ok())
                .collect(),
            other_cons_lookup: row.other_cons_lookup,
            json_content_type: row.json_content_type,
            redirect_digest: row.redirect_digest,
            cors: CorsDomains::new(&row.cors_domains),
            admins: Mutex::new(Vec::new()),
        }
    }

    /// An API administrator known from an earlier log-in: `Some(Ok(admin))` when the
    /// password matches, `Some(Err(()))` when it does not, `None` when the name is not known.
    pub fn known_admin(&self, user_name: &str, password: &str) -> Option<Result<Admin, ()>> {
        let admins = self.admins.lock().unwrap_or_else(|e| e.into_inner());
        // User names compare case-insensitively, as the store's `COLLATE NOCASE` does.
        let (_, stored, admin) = admins
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(user_name))?;
        Some(if secret_eq(password, stored) {
            Ok(*admin)
        } else {
            Err(())
        })
    }

    /// Remember an API administrator whose log-in the store confirmed.
    pub fn remember_admin(&self, user_name: &str, password: &str, admin: Admin) {
        let mut admins = self.admins.lock().unwrap_or_else(|e| e.into_inner());
        if admins
            .iter()
            .any(|(n, _, _)| n.eq_ignore_ascii_case(user_name))
        {
            return;
        }
        if admins.len() >= ADMINS_KEPT {
            admins.remove(0);
        }
        admins.push((user_name.into(), password.into(), admin));
    }
}

/// Every site, by org, and the default one.
#[derive(Default)]
pub struct Loaded {
    by_org: HashMap<Arc<str>, Arc<Site>>,
    default: Option<Arc<Site>>,
}

/// The in-memory copy of every site. Cheap to clone.
#[derive(Clone, Default)]
pub struct Sites(Cached<Loaded>);

impl Sites {
    /// Drop the copy: the store's sites changed (seed, reset).
    pub fn invalidate(&self) {
        self.0.invalidate();
    }

    /// The site of `org`, or the default site (`/site/{Servlet}`) when `org` is `None`.
    pub async fn get(
        &self,
        store: &Store,
        org: Option<&str>,
    ) -> Result<Option<Arc<Site>>, StoreError> {
        let loaded = self
            .0
            .get(|| async {
                let (rows, default_org) = store
                    .call(|conn| Ok((db::sites(conn)?, db::default_org(conn)?)))
                    .await?;
                let by_org: HashMap<Arc<str>, Arc<Site>> = rows
                    .into_iter()
                    .map(|row| {
                        let site = Arc::new(Site::from_row(row));
                        (site.org.clone(), site)
                    })
                    .collect();
                let default = default_org.and_then(|o| by_org.get(o.as_str()).cloned());
                Ok(Loaded { by_org, default })
            })
            .await?;
        Ok(match org {
            Some(o) => loaded.by_org.get(o).cloned(),
            None => loaded.default.clone(),
        })
    }
}
