//! Values that cross as the languages' own types: money as a decimal (`java.math.BigDecimal`,
//! `Decimal`, `decimal.Decimal`: see `uniffi.toml`), our own instants as `Instant` / `Date` /
//! `datetime` and lengths of time as `Duration` / `TimeInterval` / `timedelta`.

use rust_decimal::Decimal;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// A decimal crosses as its text, which the foreign side turns into its decimal type: never a
// float on either side.
uniffi::custom_type!(Decimal, String, {
    remote,
    lower: |d| d.to_string(),
    try_lift: |s| Ok(Decimal::from_str(s.trim())?),
});

/// Milliseconds since the epoch (our own clock readings, or a server's) as an instant.
/// Checked: a hostile value far outside the calendar becomes the epoch's side it is on, the
/// furthest instant the platform can hold, never a panic.
pub(crate) fn instant_from_ms(ms: i64) -> SystemTime {
    let magnitude = Duration::from_millis(ms.unsigned_abs());
    let moved = if ms >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    };
    moved.unwrap_or(UNIX_EPOCH)
}

/// Milliseconds as a length of time.
pub(crate) fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A length of time as whole milliseconds, saturating (the core counts in `u64` ms).
pub(crate) fn to_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_instants_never_panic() {
        assert_eq!(instant_from_ms(0), UNIX_EPOCH);
        assert_eq!(
            instant_from_ms(1_700_000_000_000),
            UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        assert!(instant_from_ms(-1_000) < UNIX_EPOCH);
        // Out of any calendar: the epoch, not a panic.
        let _ = instant_from_ms(i64::MAX);
        let _ = instant_from_ms(i64::MIN);
        assert_eq!(to_ms(Duration::MAX), u64::MAX);
    }
}
