//! How numbers are written for people: percents, money, volumes, prices and the VWAP. One
//! place for the CLI, the terminal app and lessons, so that a figure reads the same in all of
//! them. Pure functions of their arguments; nothing here knows a replay.

use crate::price::{Price, round_decimals};

/// The fewest decimals a VWAP is written with. A VWAP is an average, not a price on the tick
/// grid: 224.7328 rounded to a stock's cent would claim a precision it does not have.
pub const VWAP_MIN_DECIMALS: u32 = 4;

/// Percent rounded to two decimals, as published.
pub fn round_pct(p: f64) -> f64 {
    (p * 100.0).round() / 100.0
}

/// A percent as published: two decimals with a sign, `-16.97%`, `+0.40%`; `0.00%` without a
/// sign when it rounds to zero (never `-0.00%`).
pub fn pct(p: f64) -> String {
    match round_pct(p) {
        0.0 => "0.00%".into(),
        p => format!("{p:+.2}%"),
    }
}

/// Dollars in short form with the sign first: `-592.3B`, `+14.1M`, `+2.10T`, `-950`.
pub fn money(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "+" };
    if a >= 1e12 {
        format!("{sign}{:.2}T", a / 1e12)
    } else if a >= 1e9 {
        format!("{sign}{:.1}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}{:.1}M", a / 1e6)
    } else {
        format!("{sign}{a:.0}")
    }
}

/// [`money`] with a dollar sign after the sign: `-$592.3B`, `+$42.0B`.
pub fn dollars(v: f64) -> String {
    let s = money(v);
    let (sign, rest) = s.split_at(1);
    format!("{sign}${rest}")
}

/// Profit or loss kept in 1e-9 dollars, to the cent with thousands separators and the sign
/// first: `+$1,234.56`, `-$40.00`, `$0.00`. Rounded half away from zero, exactly (no float).
pub fn pnl(nano_dollars: i128) -> String {
    let cents = (nano_dollars.abs() + 5_000_000) / 10_000_000;
    let sign = match (nano_dollars.signum(), cents) {
        (_, 0) | (0, _) => "",
        (1, _) => "+",
        _ => "-",
    };
    let whole = (cents / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (k, c) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// Volume in a few characters: `950`, `41.2k`, `820.9M`, `1.23B`.
pub fn volume(v: u64) -> String {
    match v {
        0..=9_999 => v.to_string(),
        10_000..=999_999 => format!("{:.1}k", v as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1}M", v as f64 / 1e6),
        _ => format!("{:.2}B", v as f64 / 1e9),
    }
}

/// A price with at least `decimals` digits (more where the value has them: `142.3176`), or
/// `none` when there is no price.
pub fn price_or(p: Option<Price>, decimals: u32, none: &str) -> String {
    p.map_or_else(|| none.into(), |p| p.display(decimals).to_string())
}

/// Decimals a VWAP is written with for an instrument whose tick needs `decimals`: the tick's
/// digits, and never fewer than [`VWAP_MIN_DECIMALS`].
pub fn vwap_decimals(decimals: u32) -> u32 {
    decimals.max(VWAP_MIN_DECIMALS)
}

/// A VWAP (as the engine gives it, to 1e-9) rounded to [`vwap_decimals`], half up: the value
/// the CLI's JSON carries.
pub fn vwap(v: Price, decimals: u32) -> Price {
    round_decimals(v, vwap_decimals(decimals))
}

/// A VWAP as text with exactly [`vwap_decimals`] digits: `224.7328`, `21304.5000`.
pub fn vwap_text(v: Price, decimals: u32) -> String {
    let d = vwap_decimals(decimals);
    vwap(v, decimals).display(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnl_is_to_the_cent_with_separators_and_no_negative_zero() {
        const D: i128 = 1_000_000_000;
        assert_eq!(pnl(1_234 * D + 560_000_000), "+$1,234.56");
        assert_eq!(pnl(-40 * D), "-$40.00");
        assert_eq!(pnl(0), "$0.00");
        assert_eq!(pnl(-4_999_999), "$0.00");
        assert_eq!(pnl(5_000_000), "+$0.01");
        assert_eq!(pnl(-1_000_000 * D), "-$1,000,000.00");
        assert_eq!(pnl(999 * D), "+$999.00");
    }

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn percents_and_money() {
        assert_eq!(round_pct(-16.9712), -16.97);
        assert_eq!(pct(-16.9712), "-16.97%");
        assert_eq!(pct(0.4), "+0.40%");
        assert_eq!(pct(-0.001), "0.00%");
        assert_eq!(money(-592.31e9), "-592.3B");
        assert_eq!(money(14.1e6), "+14.1M");
        assert_eq!(money(2.1e12), "+2.10T");
        assert_eq!(money(-950.0), "-950");
        assert_eq!(dollars(-592.31e9), "-$592.3B");
        assert_eq!(dollars(42e9), "+$42.0B");
        assert_eq!(volume(950), "950");
        assert_eq!(volume(41_200), "41.2k");
        assert_eq!(volume(820_900_000), "820.9M");
        assert_eq!(volume(1_234_000_000), "1.23B");
        assert_eq!(price_or(Some(p("118.4")), 2, "-"), "118.40");
        assert_eq!(price_or(Some(p("142.3176")), 2, "-"), "142.3176");
        assert_eq!(price_or(None, 2, "n/a"), "n/a");
    }

    #[test]
    fn a_vwap_keeps_four_decimals_or_the_ticks_if_more() {
        assert_eq!(vwap(p("224.732812345"), 2), p("224.7328"));
        assert_eq!(vwap(p("224.73285"), 2), p("224.7329"));
        assert_eq!(vwap_text(p("224.73"), 2), "224.7300");
        assert_eq!(vwap_text(p("21304.5"), 2), "21304.5000");
        assert_eq!(vwap_text(p("1.2345678"), 6), "1.234568");
        assert_eq!(
            serde_json::to_string(&vwap(p("224.732812345"), 2)).unwrap(),
            "224.7328"
        );
    }
}
