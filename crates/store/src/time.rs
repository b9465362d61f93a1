//! RFC 3339 UTC timestamps: `2025-03-31T14:05:09Z`, computed with `jiff`.
//!
//! The store compares timestamps as text (session expiry, login failure windows): strings
//! in this exact format sort like the times they name, so callers should build theirs
//! with [`format`] or [`now_plus`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;

/// The current time.
pub fn now() -> String {
    format_timestamp(Timestamp::now())
}

/// The current time plus `d` (e.g. a session's expiry).
pub fn now_plus(d: Duration) -> String {
    format(SystemTime::now().checked_add(d).unwrap_or(SystemTime::now()))
}

/// The current time minus `d` (e.g. the start of a rate-limiting window).
pub fn now_minus(d: Duration) -> String {
    format(SystemTime::now().checked_sub(d).unwrap_or(UNIX_EPOCH))
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`, truncated to the second (towards the past).
pub fn format(t: SystemTime) -> String {
    let ts = Timestamp::try_from(t).unwrap_or_else(|_| {
        // Beyond jiff's range (years -9999 to 9999): the nearest end of it.
        if t < UNIX_EPOCH {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        }
    });
    format_timestamp(ts)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_unix(secs: i64) -> String {
    let ts = Timestamp::from_second(secs).unwrap_or(if secs < 0 { Timestamp::MIN } else { Timestamp::MAX });
    format_timestamp(ts)
}

/// The one format: whole seconds (a fraction is dropped, towards the past), `Z`.
fn format_timestamp(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_unix(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(format_unix(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(format_unix(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format(UNIX_EPOCH - Duration::from_millis(1)), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn whole_seconds_and_far_dates() {
        assert_eq!(format(UNIX_EPOCH + Duration::from_millis(1_700_000_000_999)), "2023-11-14T22:13:20Z");
        assert_eq!(format_unix(253_402_200_000), "9999-12-30T20:00:00Z");
        // Out of range: clamped, still in the format.
        assert_eq!(format_unix(i64::MAX).len(), "2025-03-31T14:05:09Z".len());
        let now = now();
        assert_eq!(now.len(), 20);
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }

    #[test]
    fn text_order_is_time_order() {
        let a = format_unix(1_700_000_000);
        let b = format_unix(1_700_000_001);
        let c = format_unix(1_800_000_000);
        assert!(a < b && b < c);
        assert!(now_minus(Duration::from_secs(60)) < now_plus(Duration::from_secs(60)));
    }
}
