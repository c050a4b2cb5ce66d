//! The one clock the whole app reads: token and session expiry, journal times, record dates.
//! `POST /_mock/clock` moves it, so tests can expire a session without waiting.
//!
//! **\[choice\]** The app clock stays within [`MIN`] ..= [`MAX`] (1970 to the end of year 9999):
//! every date it produces has the four-digit year RFC 3339 and the vendors' formats need, and
//! no arithmetic on it can overflow. A move that would leave the range is refused; a real
//! clock pushed close to the end saturates at [`MAX`] as wall time goes on.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

/// The earliest time the app clock shows: the Unix epoch.
pub const MIN: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// The latest time the app clock shows: the last second of year 9999.
pub const MAX: DateTime<Utc> = match DateTime::from_timestamp(253_402_300_799, 0) {
    Some(t) => t,
    None => panic!("9999-12-31T23:59:59Z is representable"),
};

/// A move that would take the clock out of [`MIN`] ..= [`MAX`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange;

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the clock must stay between {} and {}",
            MIN.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            MAX.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

impl std::error::Error for OutOfRange {}

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

fn in_range(at: DateTime<Utc>) -> Result<DateTime<Utc>, OutOfRange> {
    if (MIN..=MAX).contains(&at) {
        Ok(at)
    } else {
        Err(OutOfRange)
    }
}

/// Wall time plus `offset`, saturated to the range.
fn offset_now(offset: Duration) -> DateTime<Utc> {
    match Utc::now().checked_add_signed(offset) {
        Some(at) => at.clamp(MIN, MAX),
        None if offset < Duration::zero() => MIN,
        None => MAX,
    }
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match *self.mode.read().unwrap_or_else(|e| e.into_inner()) {
            Mode::Offset(offset) => offset_now(offset),
            Mode::Fixed(at) => at,
        }
    }

    /// Move the clock forward (or back, with a negative duration). A frozen clock stays frozen.
    /// Refused, leaving the clock as it was, when the result would be out of range.
    pub fn try_advance(&self, by: Duration) -> Result<DateTime<Utc>, OutOfRange> {
        let mut mode = self.mode.write().unwrap_or_else(|e| e.into_inner());
        let (next, at) = match *mode {
            Mode::Offset(offset) => {
                let offset = offset.checked_add(&by).ok_or(OutOfRange)?;
                let at = Utc::now().checked_add_signed(offset).ok_or(OutOfRange)?;
                (Mode::Offset(offset), at)
            }
            Mode::Fixed(at) => {
                let at = at.checked_add_signed(by).ok_or(OutOfRange)?;
                (Mode::Fixed(at), at)
            }
        };
        let at = in_range(at)?;
        *mode = next;
        Ok(at)
    }

    /// Freeze the clock at `at`; it stays there until advanced, set again or made real.
    /// Refused when `at` is out of range.
    pub fn try_set(&self, at: DateTime<Utc>) -> Result<(), OutOfRange> {
        let at = in_range(at)?;
        *self.mode.write().unwrap_or_else(|e| e.into_inner()) = Mode::Fixed(at);
        Ok(())
    }

    /// [`Clock::try_advance`], stopping at the end of the range instead of refusing.
    pub fn advance(&self, by: Duration) {
        if self.try_advance(by).is_err() {
            let _ = self.try_set(if by < Duration::zero() { MIN } else { MAX });
        }
    }

    /// [`Clock::try_set`], with a time out of range moved to the nearer end.
    pub fn set(&self, at: DateTime<Utc>) {
        let _ = self.try_set(at.clamp(MIN, MAX));
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

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn advancing_a_frozen_clock_moves_it_exactly() {
        let clock = Clock::default();
        let at = at("2025-01-15T08:00:00Z");
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

    #[test]
    fn a_move_out_of_range_is_refused_and_changes_nothing() {
        let clock = Clock::default();
        assert_eq!(clock.try_advance(Duration::MAX), Err(OutOfRange));
        assert_eq!(clock.try_advance(Duration::MIN), Err(OutOfRange));
        assert_eq!(
            clock.try_advance(Duration::seconds(9_000_000_000_000)),
            Err(OutOfRange)
        );
        assert!(clock.is_real());
        clock.try_set(at("9999-12-31T23:59:00Z")).unwrap();
        assert_eq!(clock.try_advance(Duration::seconds(59)), Ok(MAX));
        assert_eq!(clock.try_advance(Duration::seconds(1)), Err(OutOfRange));
        assert_eq!(clock.now(), MAX);
        assert_eq!(clock.try_set(at("1969-12-31T23:59:59Z")), Err(OutOfRange));
        assert_eq!(clock.now(), MAX);
    }

    #[test]
    fn the_infallible_moves_stop_at_the_ends() {
        let clock = Clock::default();
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), MAX);
        clock.advance(Duration::MIN);
        assert_eq!(clock.now(), MIN);
        clock.set(DateTime::<Utc>::MAX_UTC);
        assert_eq!(clock.now(), MAX);
    }

    #[test]
    fn an_offset_that_wall_time_carries_past_the_end_saturates() {
        assert_eq!(offset_now(Duration::MAX), MAX);
        assert_eq!(offset_now(Duration::MIN), MIN);
        let to_end = MAX - Utc::now();
        assert_eq!(offset_now(to_end + Duration::days(1)), MAX);
    }
}
