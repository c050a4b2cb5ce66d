//! Read-mostly copies of stored configuration (Luminate sites, SmarterU accounts): loaded whole
//! from the store on first use, read by every call without a store round trip, dropped when the
//! seed or `reset` changes the store ([`crate::AppState::invalidate_caches`]).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::store::StoreError;

/// One cached value of type `T`. Cheap to clone; clones share the copy.
pub struct Cached<T> {
    slot: Arc<RwLock<Option<Arc<T>>>>,
    generation: Arc<AtomicU64>,
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached {
            slot: self.slot.clone(),
            generation: self.generation.clone(),
        }
    }
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Cached {
            slot: Arc::new(RwLock::new(None)),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl<T: Send + Sync + 'static> Cached<T> {
    /// Drop the copy: the store changed.
    pub fn invalidate(&self) {
        let mut slot = self.slot.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        *slot = None;
    }

    /// The copy, loaded with `load` when there is none.
    pub async fn get<F>(&self, load: impl FnOnce() -> F) -> Result<Arc<T>, StoreError>
    where
        F: Future<Output = Result<T, StoreError>>,
    {
        if let Some(v) = self.slot.read().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(v);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let loaded = Arc::new(load().await?);
        let mut slot = self.slot.write().unwrap_or_else(|e| e.into_inner());
        // Kept only if no invalidation happened while loading: the store may have changed.
        if self.generation.load(Ordering::Acquire) == generation {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_copy_is_loaded_once_and_again_after_invalidation() {
        let cache: Cached<u32> = Cached::default();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async { Ok(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(*cache.get(load).await.unwrap(), 1);
        assert_eq!(*cache.get(load).await.unwrap(), 1);
        cache.invalidate();
        assert_eq!(*cache.get(load).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_load_that_raced_an_invalidation_is_not_kept() {
        let cache: Cached<u32> = Cached::default();
        let racing = cache.clone();
        let v = cache
            .get(|| async move {
                racing.invalidate();
                Ok(7)
            })
            .await
            .unwrap();
        assert_eq!(*v, 7, "the caller still gets what it loaded");
        assert_eq!(*cache.get(|| async { Ok(8) }).await.unwrap(), 8);
    }
}
