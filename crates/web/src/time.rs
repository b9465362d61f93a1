//! Times as the store keeps them (RFC 3339 UTC, `2026-03-01T08:30:00Z`) and as French
//! users read them (Paris time, from jiff's bundled time zone database, so the same on
//! every machine).

use std::sync::LazyLock;

use bilan_domain::Date;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// Europe/Paris from the database compiled into the binary (`tzdb-bundle-always`), which
/// a test checks; were it missing, winter time all year (an hour late in summer) rather
/// than a panic.
static PARIS: LazyLock<TimeZone> =
    LazyLock::new(|| TimeZone::get("Europe/Paris").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(1))));

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    Timestamp::now().as_second()
}

/// RFC 3339 UTC with second precision, as the store writes times.
pub fn rfc3339(unix: i64) -> String {
    bilan_store::time::format_unix(unix)
}

/// Reads the RFC 3339 strings the store writes (fractions and offsets tolerated; a time
/// without an offset, as SQLite's `CURRENT_TIMESTAMP` writes it, is UTC).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t = text.trim();
    let ts = match t.parse::<Timestamp>() {
        Ok(ts) => ts,
        Err(_) => t.parse::<DateTime>().ok()?.to_zoned_datetime(TimeZone::UTC).ok()?.timestamp(),
    };
    Some(ts.as_second())
}

/// A Unix time in Paris.
fn in_paris(unix: i64) -> Option<ZonedDateTime> {
    Some(Timestamp::from_second(unix).ok()?.to_zoned_datetime(PARIS.clone()))
}

fn date_of(z: &ZonedDateTime) -> Option<Date> {
    Date::new(i32::from(z.year()), z.month() as u8, z.day() as u8)
}

/// "28 novembre 2026 à 22 h 12" in Paris time; the raw text when unreadable.
pub fn french_datetime(text: &str) -> String {
    let Some(z) = parse_rfc3339(text).and_then(in_paris) else { return text.to_string() };
    let date = date_of(&z).map(|d| d.to_french()).unwrap_or_default();
    format!("{date} à {} h {:02}", z.hour(), z.minute())
}

/// Today in Paris.
pub fn today() -> Option<Date> {
    paris_date(unix_now())
}

/// The date in Paris of a Unix time.
pub fn paris_date(unix: i64) -> Option<Date> {
    date_of(&in_paris(unix)?)
}

/// The current year in Paris.
pub fn current_year() -> i32 {
    today().map_or(1970, |d| d.year())
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    let civil = |d: Date| jiff::civil::Date::new(d.year() as i16, d.month() as i8, d.day() as i8).ok();
    match (civil(from), civil(to)) {
        (Some(a), Some(b)) => a.until(b).map_or(0, |span| i64::from(span.get_days())),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_between_counts_calendar_days() {
        let d = |y, m, j| Date::new(y, m, j).unwrap();
        assert_eq!(days_between(d(2026, 12, 2), d(2027, 3, 31)), 119);
        assert_eq!(days_between(d(2027, 4, 2), d(2027, 3, 31)), -2);
        assert_eq!(days_between(d(2024, 2, 28), d(2024, 3, 1)), 2, "2024 is a leap year");
    }

    #[test]
    fn round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20.123456Z"), Some(1_700_000_000));
        assert_eq!(parse_rfc3339("2023-11-14T23:13:20+01:00"), Some(1_700_000_000));
        for t in [951_782_400_i64, 1_582_934_400, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
    }

    #[test]
    fn paris_time() {
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(french_datetime("2026-01-15T10:05:00Z"), "15 janvier 2026 à 11 h 05");
        assert_eq!(french_datetime("2026-07-01T10:05:00Z"), "1er juillet 2026 à 12 h 05");
        assert_eq!(french_datetime("n'importe quoi"), "n'importe quoi");
        assert_eq!(french_datetime("2026-01-15 10:05:00"), "15 janvier 2026 à 11 h 05");
    }

    #[test]
    fn paris_time_across_summer_time_switches() {
        // Last Sunday of March 2026 (29th): 02:00 CET becomes 03:00 CEST at 01:00 UTC.
        assert_eq!(french_datetime("2026-03-29T00:59:59Z"), "29 mars 2026 à 1 h 59");
        assert_eq!(french_datetime("2026-03-29T01:00:00Z"), "29 mars 2026 à 3 h 00");
        // The Saturday before is still winter time, the Monday after summer time.
        assert_eq!(french_datetime("2026-03-28T12:00:00Z"), "28 mars 2026 à 13 h 00");
        assert_eq!(french_datetime("2026-03-30T12:00:00Z"), "30 mars 2026 à 14 h 00");
        // Last Sunday of October 2026 (25th): 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        assert_eq!(french_datetime("2026-10-25T00:59:59Z"), "25 octobre 2026 à 2 h 59");
        assert_eq!(french_datetime("2026-10-25T01:00:00Z"), "25 octobre 2026 à 2 h 00");
        assert_eq!(french_datetime("2026-10-26T12:00:00Z"), "26 octobre 2026 à 13 h 00");
        // Another year, other Sundays: 2025-03-30 and 2025-10-26.
        assert_eq!(french_datetime("2025-03-30T01:00:00Z"), "30 mars 2025 à 3 h 00");
        assert_eq!(french_datetime("2025-10-26T00:30:00Z"), "26 octobre 2025 à 2 h 30");
        assert_eq!(french_datetime("2025-10-26T01:30:00Z"), "26 octobre 2025 à 2 h 30");
    }

    #[test]
    fn paris_date_around_utc_midnight() {
        let at = |t: &str| paris_date(parse_rfc3339(t).unwrap()).unwrap();
        // Late evening UTC is already the next day in Paris (and the next year).
        assert_eq!(at("2025-12-31T23:30:00Z"), Date::new(2026, 1, 1).unwrap());
        assert_eq!(at("2026-06-30T22:00:00Z"), Date::new(2026, 7, 1).unwrap());
        assert_eq!(at("2026-06-30T21:59:59Z"), Date::new(2026, 6, 30).unwrap());
        // UTC midnight is the same day in Paris, an hour or two later.
        assert_eq!(at("2026-01-01T00:00:00Z"), Date::new(2026, 1, 1).unwrap());
        assert_eq!(french_datetime("2026-01-01T00:00:00Z"), "1er janvier 2026 à 1 h 00");
        // A local time with its own offset: 23:30 in Paris on the 14th is the 14th.
        assert_eq!(at("2026-01-14T23:30:00+01:00"), Date::new(2026, 1, 14).unwrap());
        assert!(today().is_some());
        assert_eq!(PARIS.iana_name(), Some("Europe/Paris"), "the bundled database lacks Paris");
        assert!(current_year() >= 2026);
    }
}
