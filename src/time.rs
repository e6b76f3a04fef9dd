//! Timestamps are UTC nanoseconds since the Unix epoch everywhere inside tapedeck (as in DBN).
//! chrono and chrono-tz appear only here, at the edges: parsing what a person types and
//! showing a time in the replay's zone (America/New_York by default, DST-correct).

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub type UnixNanos = i64;

pub const NANOS_PER_SEC: i64 = 1_000_000_000;
pub const NANOS_PER_MIN: i64 = 60 * NANOS_PER_SEC;
pub const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MIN;

pub fn to_utc(ns: UnixNanos) -> DateTime<Utc> {
    DateTime::from_timestamp(
        ns.div_euclid(NANOS_PER_SEC),
        ns.rem_euclid(NANOS_PER_SEC) as u32,
    )
    .unwrap_or_default()
}

pub fn from_datetime<T: TimeZone>(dt: &DateTime<T>) -> Option<UnixNanos> {
    dt.timestamp_nanos_opt()
}

/// RFC 3339 in the given zone with the shortest exact fraction, e.g. `2025-01-27T16:30:00-05:00`.
pub fn rfc3339_in(ns: UnixNanos, tz: Tz) -> String {
    to_utc(ns)
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Parses RFC 3339 with an offset (`2025-01-27T09:30:00-05:00`, `...Z`).
pub fn parse_rfc3339(text: &str) -> Option<UnixNanos> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .and_then(|dt| dt.timestamp_nanos_opt())
}

/// Local wall time to UTC nanos; an ambiguous time (the DST fall-back hour) takes the earlier
/// instant, a non-existent one (spring-forward gap) is an error.
pub fn local_to_nanos(tz: Tz, local: NaiveDateTime) -> Result<UnixNanos, String> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => dt
            .timestamp_nanos_opt()
            .ok_or_else(|| "out of range".into()),
        LocalResult::Ambiguous(a, _) => {
            a.timestamp_nanos_opt().ok_or_else(|| "out of range".into())
        }
        LocalResult::None => Err(format!(
            "{local} does not exist in {tz} (daylight-saving gap)"
        )),
    }
}

/// Parses a time a person types: `HH:MM[:SS[.fff]]` on `date` in `tz`,
/// `YYYY-MM-DD HH:MM[:SS]` (or with `T`) in `tz`, or RFC 3339 with an offset.
pub fn parse_user_time(text: &str, date: NaiveDate, tz: Tz) -> Result<UnixNanos, String> {
    let t = text.trim();
    if let Some(ns) = parse_rfc3339(t) {
        return Ok(ns);
    }
    if let Some(time) = parse_clock(t) {
        return local_to_nanos(tz, date.and_time(time));
    }
    let (d, rest) = t.split_once([' ', 'T']).ok_or_else(|| {
        format!("cannot read time {t:?}: use HH:MM[:SS], YYYY-MM-DD HH:MM[:SS] or RFC 3339")
    })?;
    let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
        format!("cannot read time {t:?}: use HH:MM[:SS], YYYY-MM-DD HH:MM[:SS] or RFC 3339")
    })?;
    let time = parse_clock(rest.trim())
        .ok_or_else(|| format!("cannot read time of day {rest:?} in {t:?}: use HH:MM[:SS]"))?;
    local_to_nanos(tz, day.and_time(time))
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`.
pub fn parse_clock(t: &str) -> Option<NaiveTime> {
    ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
}

/// Wall-clock text in a zone, e.g. `09:35:12.345` for the tape.
pub fn clock_millis(ns: UnixNanos, tz: Tz) -> impl std::fmt::Display {
    to_utc(ns).with_timezone(&tz).format("%H:%M:%S%.3f")
}

pub fn clock_seconds(ns: UnixNanos, tz: Tz) -> impl std::fmt::Display {
    to_utc(ns).with_timezone(&tz).format("%H:%M:%S")
}

/// Short human form of a duration in nanoseconds: `45s`, `12m`, `3h05m`.
pub fn human_duration(ns: i64) -> String {
    let s = ns.abs() / NANOS_PER_SEC;
    let sign = if ns < 0 { "-" } else { "" };
    if s < 60 {
        format!("{sign}{s}s")
    } else if s < 3600 {
        format!("{sign}{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{sign}{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Tz {
        chrono_tz::America::New_York
    }
    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 27).unwrap()
    }

    #[test]
    fn three_ways_to_say_the_open() {
        let a = parse_user_time("09:30", day(), ny()).unwrap();
        let b = parse_user_time("2025-01-27 09:30:00", day(), ny()).unwrap();
        let c = parse_user_time("2025-01-27T14:30:00Z", day(), ny()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(rfc3339_in(a, ny()), "2025-01-27T09:30:00-05:00");
    }

    #[test]
    fn dst_is_respected() {
        // In July New York is UTC-4.
        let jul = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        let t = parse_user_time("09:30", jul, ny()).unwrap();
        assert_eq!(rfc3339_in(t, chrono_tz::UTC), "2025-07-01T13:30:00Z");
        let gap = parse_user_time("2025-03-09 02:30", jul, ny());
        assert!(gap.unwrap_err().contains("daylight-saving"));
    }

    #[test]
    fn rejects_nonsense_with_a_hint() {
        let e = parse_user_time("half past nine", day(), ny()).unwrap_err();
        assert!(e.contains("HH:MM"), "{e}");
        assert!(parse_user_time("25:00", day(), ny()).is_err());
    }

    #[test]
    fn millis_on_the_tape() {
        let t = parse_user_time("09:35:12.345", day(), ny()).unwrap();
        assert_eq!(clock_millis(t, ny()).to_string(), "09:35:12.345");
    }
}
