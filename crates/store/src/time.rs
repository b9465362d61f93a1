//! RFC 3339 UTC timestamps, formatted by hand (no date crate): `2025-03-31T14:05:09Z`.
//!
//! The store compares timestamps as text (session expiry, login failure windows): strings
//! in this exact format sort like the times they name, so callers should build theirs
//! with [`format`] or [`now_plus`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The current time.
pub fn now() -> String {
    format(SystemTime::now())
}

/// The current time plus `d` (e.g. a session's expiry).
pub fn now_plus(d: Duration) -> String {
    format(SystemTime::now() + d)
}

/// The current time minus `d` (e.g. the start of a rate-limiting window).
pub fn now_minus(d: Duration) -> String {
    format(SystemTime::now().checked_sub(d).unwrap_or(UNIX_EPOCH))
}

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`, truncated to the second.
pub fn format(t: SystemTime) -> String {
    let secs: i64 = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let before = e.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            // Floor towards the past for instants before the epoch.
            -whole - i64::from(before.subsec_nanos() > 0)
        }
    };
    format_unix(secs)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
    fn every_day_follows_the_previous_one() {
        // 1900-01-01 to 2200-01-01: the date increments by exactly one day each step.
        let mut prev = civil_from_days(-25_567);
        assert_eq!(prev, (1900, 1, 1));
        for days in -25_566..84_000 {
            let next = civil_from_days(days);
            let (y, m, d) = prev;
            let expected = if next.2 == 1 {
                if m == 12 {
                    (y + 1, 1, 1)
                } else {
                    (y, m + 1, 1)
                }
            } else {
                (y, m, d + 1)
            };
            assert_eq!(next, expected, "day {days}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len =
                [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
            if next.2 == 1 {
                assert_eq!(d, len, "{y}-{m} ends on day {d}");
            }
            prev = next;
        }
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
