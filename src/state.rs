//! `AppState`: everything a handler can reach. Cheap to clone; the clock is injected so tests
//! (and `POST /_mock/clock`) control expiry.

use std::sync::Arc;

use serde::Serialize;

use crate::clock::Clock;
use crate::config::Options;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::seed::{Seed, SeedInfo, SeedPlan};
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    /// Luminate sites as every call checks them (dropped on seed and reset).
    pub luminate: crate::luminate::sites::Sites,
    /// SmarterU accounts as every call checks them (dropped on seed and reset).
    pub smarteru: crate::smarteru::accounts::Accounts,
    /// What the state was made from (the seed document itself is gone once applied).
    pub seed: Arc<SeedInfo>,
    /// Whether the startup state came from the seed or from an existing database file.
    pub origin: Origin,
    pub options: Arc<Options>,
    /// PEM of the certificate the HTTPS listener presents, when it runs.
    pub tls_cert_pem: Option<Arc<str>>,
}

/// Where the startup state came from, as `/_mock/health` says it (`"state"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Origin {
    /// The seed was applied at start (a new database, or `--reset`).
    #[serde(rename = "seed")]
    Seed,
    /// An existing `--db` file, as it was: the seed was not read.
    #[serde(rename = "existing-db")]
    ExistingDb,
}

impl AppState {
    /// State over an opened store, seeded if the store is new (or `reset` says so). The
    /// startup state for `POST /_mock/reset` is fixed here.
    pub async fn new(
        store: Store,
        seed: Seed,
        apply_seed: bool,
        options: Options,
        tls_cert_pem: Option<String>,
    ) -> Result<AppState, crate::Error> {
        AppState::start(store, seed.into(), apply_seed, options, tls_cert_pem).await
    }

    /// As [`AppState::new`], from a seed not read yet: it is read, parsed and applied in one
    /// pass only when `apply_seed`, and never kept.
    pub async fn start(
        store: Store,
        plan: SeedPlan,
        apply_seed: bool,
        options: Options,
        tls_cert_pem: Option<String>,
    ) -> Result<AppState, crate::Error> {
        let clock = Clock::default();
        let (seed, origin) = if apply_seed {
            let info = store
                .load(plan, clock.now())
                .await?
                .map_err(crate::Error::from)?;
            (info, Origin::Seed)
        } else {
            let info = store
                .call(|conn| crate::store::seed::read_info(conn))
                .await?
                .unwrap_or_default();
            (info, Origin::ExistingDb)
        };
        store.checkpoint_startup_state().await?;
        Ok(AppState {
            store,
            clock,
            journal: Journal::bounded(options.journal_limit, options.journal_bytes),
            faults: Faults::default(),
            luminate: Default::default(),
            smarteru: Default::default(),
            seed: Arc::new(seed),
            origin,
            options: Arc::new(options),
            tls_cert_pem: tls_cert_pem.map(Arc::from),
        })
    }

    /// Drop every in-memory copy of stored configuration: the store's tenants changed.
    pub fn invalidate_caches(&self) {
        self.luminate.invalidate();
        self.smarteru.invalidate();
    }

    /// A fresh store on the demo seed: what tests start from.
    pub async fn demo() -> AppState {
        let (store, _) = Store::open(None).expect("a temporary store opens");
        AppState::start(store, SeedPlan::demo(), true, Options::default(), None)
            .await
            .expect("demo seed applies")
    }
}
