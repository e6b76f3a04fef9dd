//! Value-axis labels at round steps: 1, 2, 2.5 or 5 × 10ⁿ, and for prices a whole number of
//! ticks, so the chart and its export label 21700.00 and 21800.00, never 21650.54.

use crate::price::Price;

/// Step mantissas, in tenths (1, 2, 2.5, 5).
const MANTISSAS: [i64; 4] = [10, 20, 25, 50];

/// Multiples of `step` in `[lo, hi]`.
fn count(lo: i64, hi: i64, step: i64) -> i64 {
    hi.div_euclid(step) - (lo + step - 1).div_euclid(step) + 1
}

/// The smallest round step that is a whole number of `tick`s and leaves at most `max` labels
/// in `[lo, hi]` (raw price units).
fn round_step(lo: i64, hi: i64, tick: i64, max: usize) -> Option<i64> {
    let mut pow: i64 = 1;
    for _ in 0..18 {
        for m in MANTISSAS {
            let Some(step) = pow.checked_mul(m).map(|s| s / 10).filter(|&s| s > 0) else {
                continue;
            };
            if tick > 0 && step % tick != 0 {
                continue;
            }
            if count(lo, hi, step) <= max as i64 {
                return Some(step);
            }
        }
        pow = pow.checked_mul(10)?;
    }
    None
}

/// Price labels for `[lo, hi]`: every multiple of a round step (on the tick grid) inside it,
/// at most `max`, highest first. Falls back to the two ends where no step fits.
pub fn price_labels(lo: Price, hi: Price, tick: Price, max: usize) -> Vec<Price> {
    let (lo, hi) = (lo.0.min(hi.0), lo.0.max(hi.0));
    let labels: Vec<Price> = match round_step(lo, hi, tick.0, max.max(1)) {
        Some(step) => {
            let first = (lo + step - 1).div_euclid(step);
            let last = hi.div_euclid(step);
            (first..=last).rev().map(|k| Price(k * step)).collect()
        }
        None => Vec::new(),
    };
    if labels.is_empty() {
        let mut ends = vec![Price(hi), Price(lo)];
        ends.dedup();
        return ends;
    }
    labels
}

/// Percent labels for `[lo, hi]` at a round step (0.1% at the finest), at most `max`,
/// highest first.
pub fn pct_labels(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    // In thousandths of a percent, so the steps are exact integers.
    let (a, b) = ((lo * 1000.0).ceil() as i64, (hi * 1000.0).floor() as i64);
    if a > b {
        return Vec::new();
    }
    let Some(step) = round_step(a, b, 100, max.max(1)) else {
        return Vec::new();
    };
    let first = (a + step - 1).div_euclid(step);
    let last = b.div_euclid(step);
    (first..=last)
        .rev()
        .map(|k| (k * step) as f64 / 1000.0)
        .collect()
}

/// The labels of a value axis over `[lo, hi]`, with the value each stands at: percents when
/// `normalised` (two series compared), else prices on the instrument's tick grid.
pub fn labels(
    normalised: bool,
    (lo, hi): (f64, f64),
    tick: Price,
    decimals: u32,
    max: usize,
) -> Vec<(f64, String)> {
    if normalised {
        return pct_labels(lo, hi, max)
            .into_iter()
            .map(|p| (p, format!("{p:+.1}%")))
            .collect();
    }
    let price = |x: f64| Price((x * crate::price::SCALE as f64).round() as i64);
    price_labels(price(lo), price(hi), tick, max)
        .into_iter()
        .filter(|p| (lo..=hi).contains(&p.to_f64()))
        .map(|p| (p.to_f64(), p.display(decimals).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    /// The steps between labels are one round step, a whole number of ticks.
    fn step_of(labels: &[Price]) -> i64 {
        let steps: Vec<i64> = labels.windows(2).map(|w| w[0].0 - w[1].0).collect();
        assert!(steps.windows(2).all(|w| w[0] == w[1]), "{labels:?}");
        steps[0]
    }

    fn is_round(step: i64) -> bool {
        let mut s = step * 10;
        while s % 10 == 0 && s >= 100 {
            s /= 10;
        }
        MANTISSAS.contains(&s)
    }

    #[test]
    fn price_labels_fall_on_round_steps_of_the_tick_grid() {
        // The exported chart's old labels were 21965.21 and 21650.54.
        let l = price_labels(p("21650.54"), p("21965.21"), p("0.25"), 6);
        assert_eq!(
            l.iter()
                .map(|x| x.display(2).to_string())
                .collect::<Vec<_>>(),
            [
                "21950.00", "21900.00", "21850.00", "21800.00", "21750.00", "21700.00"
            ]
        );
        for (lo, hi, tick, max) in [
            ("118.42", "147.79", "0.01", 5),
            ("0.0131", "0.0177", "0.0001", 4),
            ("21000", "21001.75", "0.25", 3),
            ("5.05", "5.55", "0.05", 8),
            ("590.1", "590.9", "0.01", 3),
        ] {
            let (lo, hi, tick) = (p(lo), p(hi), p(tick));
            let l = price_labels(lo, hi, tick, max);
            assert!(l.len() >= 2 && l.len() <= max, "{l:?}");
            assert!(
                l.iter()
                    .all(|x| *x >= lo && *x <= hi && x.is_multiple_of(tick))
            );
            let step = step_of(&l);
            assert!(is_round(step), "{step}");
            assert!(Price(step).is_multiple_of(tick));
        }
        // A tick of 0.25 rules out 0.1 and 0.2 steps: the step is a whole number of ticks.
        let l = price_labels(p("21000"), p("21001.9"), p("0.25"), 10);
        assert_eq!(step_of(&l), p("0.25").0);
    }

    #[test]
    fn a_range_too_narrow_for_any_step_shows_its_ends() {
        let l = price_labels(p("100.01"), p("100.01"), p("0.01"), 3);
        assert_eq!(l, [p("100.01")]);
    }

    #[test]
    fn percent_labels_are_round() {
        assert_eq!(pct_labels(-17.3, 1.2, 5), [0.0, -5.0, -10.0, -15.0]);
        assert_eq!(pct_labels(-0.26, 0.31, 4), [0.2, 0.0, -0.2]);
        assert!(pct_labels(0.01, 0.02, 3).is_empty());
    }
}
