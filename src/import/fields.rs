//! Parsing of the fields every text format shares, from bytes and without allocating:
//! integers, exact decimals, sizes, epoch and text timestamps.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::price::{Price, SCALE_DIGITS};
use crate::text::sanitize;
use crate::time::{UnixNanos, local_to_nanos, parse_rfc3339};

/// A value as shown in a problem: lossy UTF-8, no control characters, cut at 40 characters.
pub fn shown(b: &[u8]) -> String {
    let s = sanitize(&String::from_utf8_lossy(b));
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// A signed decimal integer (shared with the replay loader).
pub use crate::price::parse_int as parse_i64;

/// An unsigned decimal integer (up to `u64::MAX`, e.g. DBN's undefined timestamp).
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.len() <= 19 {
        return crate::price::parse_digits(b);
    }
    if b.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in b {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}

/// An exact decimal price such as `118.42` (see [`Price::parse`]).
pub fn parse_price(b: &[u8]) -> Result<Price, String> {
    let s = std::str::from_utf8(b).map_err(|_| "not UTF-8 text".to_string())?;
    Price::parse(s).map_err(|e| format!("{:?} is not a price ({e})", shown(b)))
}

/// A decimal price rounded to `decimals` digits (half away from zero), exactly on the text.
/// Floats printed in full (`124.80000305175781`, as pandas writes them) need this.
pub fn parse_price_rounded(b: &[u8], decimals: u32) -> Result<Price, String> {
    let decimals = decimals.min(SCALE_DIGITS);
    let Some(dot) = b.iter().position(|&c| c == b'.') else {
        return parse_price(b);
    };
    let end = (dot + 1 + decimals as usize).min(b.len());
    let rest = &b[end..];
    if !rest.iter().all(u8::is_ascii_digit) {
        return Err(format!("{:?} is not a price", shown(b)));
    }
    let p = parse_price(if decimals == 0 { &b[..dot] } else { &b[..end] })?;
    if rest.first().is_some_and(|&d| d >= b'5') {
        let unit = 10i64.pow(SCALE_DIGITS - decimals);
        let neg = b.first() == Some(&b'-');
        return Ok(Price(if neg { p.0 - unit } else { p.0 + unit }));
    }
    Ok(p)
}

/// A size: a whole number, also written as `100.0`. Zero, negative and fractional sizes
/// are errors; so is a size beyond `u32::MAX` (the replay's limit).
pub fn parse_size(b: &[u8]) -> Result<u32, String> {
    let bad = |why: &str| format!("{:?} {why}", shown(b));
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    if b.is_empty() {
        return Err("missing".into());
    }
    if !frac.iter().all(u8::is_ascii_digit) {
        return Err(bad("is not a number"));
    }
    let v = parse_i64(int).ok_or_else(|| bad("is not a number"))?;
    if frac.iter().any(|&d| d != b'0') {
        return Err(bad("is fractional"));
    }
    match v {
        v if v <= 0 => Err(bad("is not positive")),
        v if v > i64::from(u32::MAX) => Err(bad("is too large")),
        v => Ok(v as u32),
    }
}

/// A volume (bars): a whole number ≥ 0, also written as `100.0`.
pub fn parse_volume(b: &[u8]) -> Result<u64, String> {
    let bad = |why: &str| format!("{:?} {why}", shown(b));
    let int = match b.iter().position(|&c| c == b'.') {
        Some(i) if b[i + 1..].iter().all(|&d| d == b'0') => &b[..i],
        Some(_) => return Err(bad("is fractional")),
        None => b,
    };
    parse_u64(int).ok_or_else(|| bad("is not a whole number ≥ 0"))
}

/// Units of an epoch timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochUnit {
    S,
    Ms,
    Us,
    Ns,
}

impl EpochUnit {
    fn nanos(self) -> i64 {
        match self {
            EpochUnit::S => 1_000_000_000,
            EpochUnit::Ms => 1_000_000,
            EpochUnit::Us => 1_000,
            EpochUnit::Ns => 1,
        }
    }

    /// Guesses the unit of a present-day epoch number from its digits: seconds have 10,
    /// milliseconds 13, microseconds 16, nanoseconds 19.
    pub fn guess(int_digits: usize) -> EpochUnit {
        match int_digits {
            0..=11 => EpochUnit::S,
            12..=14 => EpochUnit::Ms,
            15..=17 => EpochUnit::Us,
            _ => EpochUnit::Ns,
        }
    }
}

/// An epoch number, possibly with a fraction (`1737988200.5` seconds), in `unit` (or guessed).
pub fn parse_epoch(b: &[u8], unit: Option<EpochUnit>) -> Option<UnixNanos> {
    // Integer nanoseconds, the usual case of vendor files, without the general path.
    if unit == Some(EpochUnit::Ns)
        && b.first().is_some_and(u8::is_ascii_digit)
        && let Some(v) = parse_u64(b)
    {
        return i64::try_from(v).ok();
    }
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    let digits = int.strip_prefix(b"-").unwrap_or(int).len();
    let unit = unit.unwrap_or_else(|| EpochUnit::guess(digits));
    let whole = parse_i64(int)?.checked_mul(unit.nanos())?;
    if !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // The fraction, in nanoseconds of `unit`; digits finer than 1 ns are dropped.
    let mut f: i64 = 0;
    let mut scale = unit.nanos();
    for &d in frac {
        scale /= 10;
        if scale == 0 {
            break;
        }
        f += i64::from(d - b'0') * scale;
    }
    if int.first() == Some(&b'-') {
        whole.checked_sub(f)
    } else {
        whole.checked_add(f)
    }
}

/// A Databento timestamp: integer nanoseconds or ISO 8601 (`2025-01-27T14:30:00.000000000Z`).
pub fn parse_dbn_ts(b: &[u8]) -> Option<UnixNanos> {
    if b.first().is_some_and(u8::is_ascii_digit) && b.iter().all(u8::is_ascii_digit) {
        return parse_u64(b).and_then(|v| i64::try_from(v).ok());
    }
    parse_rfc3339(std::str::from_utf8(b).ok()?)
}

/// A Databento price: integer units of 1e-9 (`124800000000`) or a pretty decimal
/// (`124.800000000`). `None` when empty (undefined).
pub fn parse_dbn_price(b: &[u8]) -> Option<Result<Price, String>> {
    if b.is_empty() {
        return None;
    }
    Some(if b.contains(&b'.') {
        parse_price(b)
    } else {
        match parse_i64(b) {
            Some(dbn::UNDEF_PRICE) => Err("undefined price".into()),
            Some(v) => Ok(Price(v)),
            None => Err(format!("{:?} is not a price", shown(b))),
        }
    })
}

/// How text timestamps are read: a chrono format (`--ts-format`) or the usual ISO forms, in
/// `tz` when the text carries no offset.
#[derive(Debug, Clone)]
pub struct TextTime {
    pub format: Option<String>,
    pub tz: Tz,
}

impl TextTime {
    pub fn parse(&self, s: &str) -> Option<UnixNanos> {
        let s = s.trim();
        if let Some(f) = &self.format {
            if let Ok(dt) = DateTime::parse_from_str(s, f) {
                return dt.timestamp_nanos_opt();
            }
            if let Ok(naive) = NaiveDateTime::parse_from_str(s, f) {
                return local_to_nanos(self.tz, naive).ok();
            }
            let day = NaiveDate::parse_from_str(s, f).ok()?;
            return local_to_nanos(self.tz, day.and_hms_opt(0, 0, 0)?).ok();
        }
        if let Some(ns) = parse_rfc3339(s) {
            return Some(ns);
        }
        // An offset without the `T` separator, as yfinance writes: `2025-01-27 09:30:00-05:00`.
        if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
            return dt.timestamp_nanos_opt();
        }
        for f in [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(s, f) {
                return local_to_nanos(self.tz, naive).ok();
            }
        }
        let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        local_to_nanos(self.tz, day.and_hms_opt(0, 0, 0)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounded_prices() {
        let p = |s: &str| Price::parse(s).unwrap();
        assert_eq!(
            parse_price_rounded(b"124.80000305175781", 4),
            Ok(p("124.8"))
        );
        assert_eq!(
            parse_price_rounded(b"124.79999923706055", 4),
            Ok(p("124.8"))
        );
        assert_eq!(parse_price_rounded(b"124.805", 2), Ok(p("124.81")));
        assert_eq!(parse_price_rounded(b"124.5", 0), Ok(p("125")));
        assert_eq!(parse_price_rounded(b"124", 2), Ok(p("124")));
        assert!(parse_price_rounded(b"12.3x4", 1).is_err());
        assert!(parse_price_rounded(b"NaN", 2).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size(b"100"), Ok(100));
        assert_eq!(parse_size(b"100.0"), Ok(100));
        assert!(parse_size(b"0").unwrap_err().contains("not positive"));
        assert!(parse_size(b"-5").unwrap_err().contains("not positive"));
        assert!(parse_size(b"2.5").unwrap_err().contains("fractional"));
        assert!(parse_size(b"abc").unwrap_err().contains("not a number"));
        assert!(parse_size(b"").is_err());
        assert!(
            parse_size(b"99999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn epochs_in_every_unit() {
        let ns = 1_737_988_200_000_000_000;
        assert_eq!(parse_epoch(b"1737988200", None), Some(ns));
        assert_eq!(parse_epoch(b"1737988200000", None), Some(ns));
        assert_eq!(parse_epoch(b"1737988200000000", None), Some(ns));
        assert_eq!(parse_epoch(b"1737988200000000000", None), Some(ns));
        assert_eq!(parse_epoch(b"1737988200.25", None), Some(ns + 250_000_000));
        assert_eq!(
            parse_epoch(b"1737988200", Some(EpochUnit::Ms)),
            Some(1_737_988_200_000_000)
        );
        assert_eq!(parse_epoch(b"17379x", None), None);
    }

    #[test]
    fn databento_fields() {
        let ns = 1_737_988_200_000_000_100;
        assert_eq!(parse_dbn_ts(b"1737988200000000100"), Some(ns));
        assert_eq!(parse_dbn_ts(b"2025-01-27T14:30:00.000000100Z"), Some(ns));
        assert_eq!(
            parse_dbn_price(b"124800000000"),
            Some(Ok(Price::parse("124.8").unwrap()))
        );
        assert_eq!(
            parse_dbn_price(b"124.800000000"),
            Some(Ok(Price::parse("124.8").unwrap()))
        );
        assert_eq!(parse_dbn_price(b""), None);
        assert!(parse_dbn_price(b"9223372036854775807").unwrap().is_err());
    }

    #[test]
    fn text_times() {
        let ny = chrono_tz::America::New_York;
        let open = 1_737_988_200_000_000_000;
        let t = TextTime {
            format: None,
            tz: ny,
        };
        assert_eq!(t.parse("2025-01-27 09:30:00"), Some(open));
        assert_eq!(t.parse("2025-01-27T09:30:00"), Some(open));
        assert_eq!(t.parse("2025-01-27 09:30:00-05:00"), Some(open));
        assert_eq!(t.parse("2025-01-27T14:30:00Z"), Some(open));
        let kibot = TextTime {
            format: Some("%m/%d/%Y %H:%M".into()),
            tz: ny,
        };
        assert_eq!(kibot.parse("01/27/2025 09:30"), Some(open));
        assert_eq!(kibot.parse("27/01/2025 09:30"), None);
    }
}
