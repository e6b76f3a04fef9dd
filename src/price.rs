//! Fixed-point prices: an `i64` count of 1e-9 units, the same scale as Databento's DBN
//! (`FIXED_PRICE_SCALE`). Nothing shown to a user ever goes through binary floating point
//! on the way from a file to the screen, so 118.42 always prints as 118.42.

use std::fmt;

/// Units per 1.0 of price.
pub const SCALE: i64 = 1_000_000_000;
/// Decimal digits carried by [`SCALE`].
pub const SCALE_DIGITS: u32 = 9;

/// A price in 1e-9 units.
#[repr(transparent)]
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
pub struct Price(pub i64);

impl Price {
    pub const ZERO: Price = Price(0);

    pub fn raw(self) -> i64 {
        self.0
    }

    /// Parses a plain decimal such as `118.42`, `-3`, `0.0001` exactly (no float).
    pub fn parse(text: &str) -> Result<Price, PriceError> {
        parse_decimal(text.trim())
    }

    /// Converts a float taken from JSON, rounding to the nearest 1e-9. JSON numbers with up to
    /// nine decimals and magnitudes below 1e6 round-trip exactly.
    pub fn from_f64(value: f64) -> Result<Price, PriceError> {
        if !value.is_finite() {
            return Err(PriceError::NotFinite);
        }
        let scaled = (value * SCALE as f64).round();
        if scaled.abs() >= i64::MAX as f64 {
            return Err(PriceError::OutOfRange);
        }
        Ok(Price(scaled as i64))
    }

    /// The nearest `f64`: exact decimals print back as the same decimal because the
    /// division is correctly rounded and serde_json prints the shortest round-trip form.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// Rounds to the nearest multiple of `step` (half away from zero).
    pub fn round_to(self, step: Price) -> Price {
        if step.0 <= 0 {
            return self;
        }
        let q = self.0.div_euclid(step.0);
        let r = self.0.rem_euclid(step.0);
        let q = if r * 2 >= step.0 { q + 1 } else { q };
        Price(q * step.0)
    }

    pub fn is_multiple_of(self, step: Price) -> bool {
        step.0 <= 0 || self.0.rem_euclid(step.0) == 0
    }

    /// Formats with at least `min_decimals` digits, and more only where the value needs them
    /// (a sub-penny print such as 142.3176 keeps its digits).
    pub fn display(self, min_decimals: u32) -> PriceDisplay {
        PriceDisplay {
            price: self,
            min_decimals,
        }
    }
}

/// Number of decimals a step such as 0.25 or 0.01 needs to be written exactly.
pub fn decimals_of(step: Price) -> u32 {
    let mut d = 0;
    let mut unit = SCALE;
    while d < SCALE_DIGITS && step.0 % unit != 0 {
        d += 1;
        unit /= 10;
    }
    d
}

/// Rounds a ratio of fixed-point sums (such as a VWAP) to `decimals` digits.
pub fn round_decimals(value: Price, decimals: u32) -> Price {
    let step = 10i64.pow(SCALE_DIGITS - decimals.min(SCALE_DIGITS));
    value.round_to(Price(step))
}

pub struct PriceDisplay {
    price: Price,
    min_decimals: u32,
}

impl fmt::Display for PriceDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.price.0;
        let neg = raw < 0;
        let abs = raw.unsigned_abs();
        let int = abs / SCALE as u64;
        let mut frac = abs % SCALE as u64;
        let mut digits = SCALE_DIGITS;
        while digits > self.min_decimals && frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        // Build into a small stack buffer so `{:>10}` padding works without allocating.
        let mut buf = [0u8; 48];
        let mut len = 0;
        if neg {
            buf[0] = b'-';
            len = 1;
        }
        len += write_u64(&mut buf[len..], int);
        if digits > 0 {
            buf[len] = b'.';
            len += 1;
            let mut tmp = [b'0'; 9];
            let mut v = frac;
            for i in (0..digits as usize).rev() {
                tmp[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            buf[len..len + digits as usize].copy_from_slice(&tmp[..digits as usize]);
            len += digits as usize;
        }
        // The buffer holds ASCII digits only.
        f.pad(std::str::from_utf8(&buf[..len]).unwrap_or("?"))
    }
}

fn write_u64(out: &mut [u8], mut v: u64) -> usize {
    let mut tmp = [0u8; 20];
    let mut n = 0;
    loop {
        tmp[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for i in 0..n {
        out[i] = tmp[n - 1 - i];
    }
    n
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.display(0), f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("empty price")]
    Empty,
    #[error("not a decimal number")]
    Syntax,
    #[error("more than 9 decimal places")]
    TooPrecise,
    #[error("out of range")]
    OutOfRange,
    #[error("not a finite number")]
    NotFinite,
}

/// A signed decimal integer from raw bytes (a CSV field), without allocating or going through
/// UTF-8 validation.
pub fn parse_int(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let v = i64::try_from(parse_digits(digits)?).ok()?;
    Some(if neg { -v } else { v })
}

/// ASCII digits (1 to 19 of them, so no overflow is possible) as a number; `None` if any byte is
/// not a digit. Eight digits at a time (SWAR): timestamps of 19 digits are in every row of the
/// files tapedeck reads.
pub fn parse_digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let head = b.len() % 8;
    let mut v: u64 = 0;
    for &d in &b[..head] {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(d - b'0');
    }
    for chunk in b[head..].chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        // Every byte in '0'..='9': high nibble 3, and adding 6 does not carry past 9.
        let digits = word.wrapping_sub(0x3030_3030_3030_3030);
        let carry = word.wrapping_add(0x0606_0606_0606_0606);
        if (word & 0xF0F0_F0F0_F0F0_F0F0) != 0x3030_3030_3030_3030
            || (carry & 0xF0F0_F0F0_F0F0_F0F0) != 0x3030_3030_3030_3030
        {
            return None;
        }
        // Pairs, then quads, then the eight digits (first digit in the lowest byte).
        let pairs = (digits.wrapping_mul(10) + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
        let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
        let eight = (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF;
        v = v * 100_000_000 + eight;
    }
    Some(v)
}

fn parse_decimal(s: &str) -> Result<Price, PriceError> {
    if s.is_empty() {
        return Err(PriceError::Empty);
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int_part, frac_part) = match body.as_bytes().iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty()) || !digits(int_part) || !digits(frac_part) {
        // Only text that is not a number can be NaN or infinity (no allocation on the way).
        let inf = s
            .as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"inf"));
        if s.eq_ignore_ascii_case("nan") || inf {
            return Err(PriceError::NotFinite);
        }
        return Err(PriceError::Syntax);
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > SCALE_DIGITS as usize {
        return Err(PriceError::TooPrecise);
    }
    let int = match int_part.len() {
        0 => 0,
        1..=18 => parse_digits(int_part.as_bytes()).ok_or(PriceError::Syntax)? as i64,
        _ => return Err(PriceError::OutOfRange),
    };
    let mut frac: i64 = 0;
    for i in 0..SCALE_DIGITS as usize {
        let d = frac_trimmed
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        frac = frac * 10 + d;
    }
    let raw = int
        .checked_mul(SCALE)
        .and_then(|v| v.checked_add(frac))
        .ok_or(PriceError::OutOfRange)?;
    Ok(Price(if neg { -raw } else { raw }))
}

impl serde::Serialize for Price {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl<'de> serde::Deserialize<'de> for Price {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Price;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a price as a number or a decimal string")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Price, E> {
                Price::from_f64(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Price, E> {
                v.checked_mul(SCALE)
                    .map(Price)
                    .ok_or_else(|| E::custom("price out of range"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Price, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(SCALE))
                    .map(Price)
                    .ok_or_else(|| E::custom("price out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Price, E> {
                Price::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_parse_as_the_standard_library_does() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 19) as usize + 1;
            let text = format!("{:019}", x % 10_000_000_000_000_000_000);
            let t = &text[19 - len..];
            assert_eq!(parse_digits(t.as_bytes()), t.parse::<u64>().ok(), "{t}");
        }
        for bad in [
            "",
            "12345678x",
            "1234567/",
            "1234567:",
            "12 45678",
            "-1",
            "12345678901234567890",
        ] {
            assert_eq!(parse_digits(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(
            parse_digits(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_digits(b"0000000000000000001"), Some(1));
        // Bytes just outside '0'..='9' in every position of an eight-digit chunk.
        for pos in 0..8 {
            for b in [b'/', b':', b'0' + 0x80, b'0' - 0x10, 0xFF] {
                let mut t = *b"12345678";
                t[pos] = b;
                assert_eq!(parse_digits(&t), None, "{t:?}");
            }
        }
    }

    #[test]
    fn parses_and_prints_exactly() {
        for (text, min, shown) in [
            ("118.42", 2, "118.42"),
            ("118.4", 2, "118.40"),
            ("142.3176", 2, "142.3176"),
            ("21908", 2, "21908.00"),
            ("0.25", 2, "0.25"),
            ("-24.20", 2, "-24.20"),
            ("0.000000001", 0, "0.000000001"),
        ] {
            let p = Price::parse(text).unwrap();
            assert_eq!(p.display(min).to_string(), shown, "{text}");
        }
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(Price::parse("NaN"), Err(PriceError::NotFinite));
        assert_eq!(Price::parse("inf"), Err(PriceError::NotFinite));
        assert_eq!(Price::parse(""), Err(PriceError::Empty));
        assert_eq!(Price::parse("1.2.3"), Err(PriceError::Syntax));
        assert_eq!(Price::parse("1e5"), Err(PriceError::Syntax));
        assert_eq!(Price::parse("0.0000000001"), Err(PriceError::TooPrecise));
    }

    #[test]
    fn float_round_trip_is_exact_for_prices() {
        for text in ["118.42", "21304.5", "142.3176", "187.665", "0.01"] {
            let p = Price::parse(text).unwrap();
            assert_eq!(Price::from_f64(p.to_f64()).unwrap(), p);
            assert_eq!(serde_json::to_string(&p).unwrap(), text);
        }
    }

    #[test]
    fn rounding_to_ticks() {
        let tick = Price::parse("0.25").unwrap();
        assert_eq!(
            Price::parse("21241.12").unwrap().round_to(tick),
            Price::parse("21241").unwrap()
        );
        assert_eq!(
            Price::parse("21241.13").unwrap().round_to(tick),
            Price::parse("21241.25").unwrap()
        );
        assert_eq!(decimals_of(tick), 2);
        assert_eq!(decimals_of(Price::parse("0.0001").unwrap()), 4);
        assert_eq!(decimals_of(Price::parse("1").unwrap()), 0);
        assert_eq!(
            format!("{:>8}", Price::parse("1.5").unwrap().display(2)),
            "    1.50"
        );
    }
}
