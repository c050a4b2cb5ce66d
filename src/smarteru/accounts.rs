//! Accounts as every call checks them (the account API key, its name, its supervisor access),
//! kept in memory: written only by the seed and `reset`, which drop the copy.

use std::collections::HashMap;
use std::sync::Arc;

use crate::cache::Cached;
use crate::store::smarteru::{self as q, AccountRow};
use crate::store::{Store, StoreError};
use crate::wire::secret_eq;

/// The in-memory copy of every account, by account API key. Cheap to clone.
#[derive(Clone, Default)]
pub struct Accounts(Cached<HashMap<String, Arc<AccountRow>>>);

impl Accounts {
    /// Drop the copy: the store's accounts changed (seed, reset).
    pub fn invalidate(&self) {
        self.0.invalidate();
    }

    /// The account whose API key is `key`.
    pub async fn get(
        &self,
        store: &Store,
        key: &str,
    ) -> Result<Option<Arc<AccountRow>>, StoreError> {
        let by_key = self
            .0
            .get(|| async {
                let rows = store.call(q::accounts).await?;
                Ok(rows
                    .into_iter()
                    .map(|a| (a.account_api_key.clone(), Arc::new(a)))
                    .collect())
            })
            .await?;
        Ok(by_key
            .get(key)
            .filter(|a| secret_eq(key, &a.account_api_key))
            .cloned())
    }
}
