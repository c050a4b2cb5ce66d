//! `AppState`: everything a handler can reach. Cheap to clone; the clock is injected so tests
//! (and `POST /_mock/clock`) control expiry.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Options;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::seed::Seed;
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
    pub seed: Arc<Seed>,
    pub options: Arc<Options>,
    /// PEM of the certificate the HTTPS listener presents, when it runs.
    pub tls_cert_pem: Option<Arc<str>>,
}

impl AppState {
    /// State over an opened store, seeded if the store is new (or `reset` says so). The
    /// startup snapshot for `POST /_mock/reset` is taken here.
    pub async fn new(
        store: Store,
        seed: Seed,
        apply_seed: bool,
        options: Options,
        tls_cert_pem: Option<String>,
    ) -> Result<AppState, crate::Error> {
        let clock = Clock::default();
        if apply_seed {
            let docs = seed.docs.clone();
            let now = clock.now();
            store
                .write(move |tx| {
                    crate::store::seed::clear(tx)?;
                    crate::store::seed::apply(tx, &docs, now)
                })
                .await?
                .map_err(crate::Error::from)?;
        }
        store.checkpoint_startup_state().await?;
        Ok(AppState {
            store,
            clock,
            journal: Journal::bounded(options.journal_limit, options.journal_bytes),
            faults: Faults::default(),
            luminate: Default::default(),
            smarteru: Default::default(),
            seed: Arc::new(seed),
            options: Arc::new(options),
            tls_cert_pem: tls_cert_pem.map(Arc::from),
        })
    }

    /// Drop every in-memory copy of stored configuration: the store's tenants changed.
    pub fn invalidate_caches(&self) {
        self.luminate.invalidate();
        self.smarteru.invalidate();
    }

    /// In-memory state on the demo seed: what tests start from.
    pub async fn demo() -> AppState {
        let (store, _) = Store::open(None).expect("in-memory store opens");
        AppState::new(store, Seed::demo(), true, Options::default(), None)
            .await
            .expect("demo seed applies")
    }
}
