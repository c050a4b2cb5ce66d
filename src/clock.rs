//! The one clock the whole app reads: token and session expiry, journal times, record dates.
//! `POST /_mock/clock` moves it, so tests can expire a session without waiting.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Wall time plus an offset (zero when real).
    Offset(Duration),
    /// Frozen at an instant until moved again.
    Fixed(DateTime<Utc>),
}

#[derive(Debug, Clone)]
pub struct Clock {
    mode: Arc<RwLock<Mode>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            mode: Arc::new(RwLock::new(Mode::Offset(Duration::zero()))),
        }
    }
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match *self.mode.read().unwrap_or_else(|e| e.into_inner()) {
            Mode::Offset(offset) => Utc::now() + offset,
            Mode::Fixed(at) => at,
        }
    }

    /// Move the clock forward (or back, with a negative number). A frozen clock stays frozen.
    pub fn advance(&self, by: Duration) {
        let mut mode = self.mode.write().unwrap_or_else(|e| e.into_inner());
        *mode = match *mode {
            Mode::Offset(offset) => Mode::Offset(offset + by),
            Mode::Fixed(at) => Mode::Fixed(at + by),
        };
    }

    /// Freeze the clock at `at`; it stays there until advanced, set again or made real.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.mode.write().unwrap_or_else(|e| e.into_inner()) = Mode::Fixed(at);
    }

    /// Back to wall time.
    pub fn set_real(&self) {
        *self.mode.write().unwrap_or_else(|e| e.into_inner()) = Mode::Offset(Duration::zero());
    }

    /// Whether the clock stands still (set with `{"now":..}` and not made real since).
    pub fn is_frozen(&self) -> bool {
        matches!(
            *self.mode.read().unwrap_or_else(|e| e.into_inner()),
            Mode::Fixed(_)
        )
    }

    pub fn is_real(&self) -> bool {
        *self.mode.read().unwrap_or_else(|e| e.into_inner()) == Mode::Offset(Duration::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_frozen_clock_moves_it_exactly() {
        let clock = Clock::default();
        let at = DateTime::parse_from_rfc3339("2025-01-15T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        clock.set(at);
        clock.advance(Duration::seconds(901));
        assert_eq!(clock.now(), at + Duration::seconds(901));
        assert!(!clock.is_real());
        clock.set_real();
        assert!(clock.is_real());
    }

    #[test]
    fn advancing_a_real_clock_adds_an_offset() {
        let clock = Clock::default();
        clock.advance(Duration::hours(1));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > Duration::minutes(59) && ahead <= Duration::hours(1));
    }
}
