//! Times as the store keeps them (RFC 3339 UTC, `2026-03-01T08:30:00Z`) and as French
//! users read them (Paris time). No time crate: civil dates from Unix days by hand.

use std::time::{SystemTime, UNIX_EPOCH};

use bilan_domain::Date;

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// (year, month, day) of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// RFC 3339 UTC with second precision.
#[cfg(test)]
pub fn rfc3339(unix: i64) -> String {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, (s / 60) % 60, s % 60)
}

/// Reads the RFC 3339 strings the store writes (fractions and offsets tolerated).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, rest) = t.split_once(['T', ' '])?;
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let mo: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    let hms: String = rest.chars().take(8).collect();
    let mut tp = hms.split(':');
    let h: i64 = tp.next()?.parse().ok()?;
    let mi: i64 = tp.next()?.parse().ok()?;
    let s: i64 = tp.next().unwrap_or("0").parse().ok()?;
    let mut unix = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    // Offset "+02:00" / "-05:00" after the seconds (and an optional fraction).
    let tail = rest.get(8..).unwrap_or("");
    let tail = tail.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if let Some(sign) = tail.chars().next().filter(|c| *c == '+' || *c == '-') {
        let off = &tail[1..];
        let (oh, om) =
            off.split_once(':').unwrap_or((off.get(..2).unwrap_or("0"), off.get(2..).unwrap_or("0")));
        let secs = oh.parse::<i64>().unwrap_or(0) * 3600 + om.parse::<i64>().unwrap_or(0) * 60;
        unix -= if sign == '+' { secs } else { -secs };
    }
    Some(unix)
}

/// Offset of Paris from UTC at a given instant: CET (+1) or CEST (+2), from the last
/// Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.
fn paris_offset(unix: i64) -> i64 {
    let (y, _, _) = civil_from_days(unix.div_euclid(86_400));
    let last_sunday = |month: u32| {
        let last = days_from_civil(y, month, 31);
        // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
        last - (last + 4).rem_euclid(7)
    };
    let start = last_sunday(3) * 86_400 + 3600;
    let end = last_sunday(10) * 86_400 + 3600;
    if (start..end).contains(&unix) {
        7200
    } else {
        3600
    }
}

/// "28 novembre 2026 à 22 h 12" in Paris time; the raw text when unreadable.
pub fn french_datetime(text: &str) -> String {
    let Some(unix) = parse_rfc3339(text) else { return text.to_string() };
    let local = unix + paris_offset(unix);
    let (y, mo, d) = civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    let date = Date::new(y as i32, mo as u8, d as u8).map(|d| d.to_french()).unwrap_or_default();
    format!("{date} à {} h {:02}", s / 3600, (s / 60) % 60)
}

/// Today in Paris.
pub fn today() -> Option<Date> {
    paris_date(unix_now())
}

/// The date in Paris of a Unix time.
pub fn paris_date(unix: i64) -> Option<Date> {
    let local = unix + paris_offset(unix);
    let (y, mo, d) = civil_from_days(local.div_euclid(86_400));
    Date::new(y as i32, mo as u8, d as u8)
}

/// The current year in Paris.
pub fn current_year() -> i32 {
    today().map_or(1970, |d| d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
