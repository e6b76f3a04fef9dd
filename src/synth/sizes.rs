//! Print sizes: heavy-tailed draws (mostly modest prints, now and then a block), in round lots
//! for stocks with a sprinkling of odd lots, and adjusted so that a pinned volume sums exactly.

use super::rng::Rng;

/// Share of stock prints that are odd lots.
const ODD_LOT_SHARE: f64 = 0.08;
/// Mean of [`raw`], to scale draws to a wanted mean size.
const RAW_MEAN: f64 = 1.95;

/// A size in arbitrary units with mean about [`RAW_MEAN`]: lognormal body, capped Pareto blocks.
fn raw(rng: &mut Rng) -> f64 {
    if rng.uniform() < 0.1 {
        rng.pareto(1.6, 3.0).min(120.0)
    } else {
        (0.8 * rng.normal()).exp()
    }
}

fn to_u32(v: u64) -> Result<u32, String> {
    u32::try_from(v).map_err(|_| format!("a print of {v} does not fit a size field"))
}

/// Sizes for `out.len()` prints (at least one) that sum to exactly `total`; multiples of `lot`
/// except odd lots and one print carrying the remainder. `units` is scratch space.
pub(crate) fn exact(
    out: &mut [u32],
    total: u64,
    lot: u64,
    rng: &mut Rng,
    units: &mut Vec<f64>,
) -> Result<(), String> {
    let k = out.len();
    if k == 0 || (k as u64) > total {
        return Err(format!("cannot split a volume of {total} over {k} prints"));
    }
    // Too little volume for round lots everywhere: count single shares instead.
    let lot = if total >= 2 * lot * k as u64 { lot } else { 1 };
    let odd_share = if lot > 1 { ODD_LOT_SHARE } else { 0.0 };
    units.clear();
    let mut odd_sum = 0;
    for (i, o) in out.iter_mut().enumerate() {
        // The first print always takes round lots, so at least one print does.
        if i > 0 && rng.uniform() < odd_share {
            let s = 1 + rng.below(lot - 1);
            *o = to_u32(s)?;
            odd_sum += s;
            units.push(0.0);
        } else {
            units.push(raw(rng));
        }
    }
    // Whole lots for the rest, in proportion to the draws, at least one lot each.
    let rest = total - odd_sum;
    let (whole, remainder) = (rest / lot, rest % lot);
    let weight: f64 = units.iter().sum();
    let mut assigned = 0u64;
    for u in units.iter_mut().filter(|u| **u > 0.0) {
        *u = (*u / weight * whole as f64).floor().max(1.0);
        assigned += *u as u64;
    }
    // Settle the rounding difference a unit at a time, from a random starting print.
    let start = rng.below(k as u64) as usize;
    let mut i = start;
    while assigned < whole {
        if units[i] > 0.0 {
            units[i] += 1.0;
            assigned += 1;
        }
        i = (i + 1) % k;
    }
    while assigned > whole {
        if units[i] > 1.0 {
            let take = ((units[i] / 2.0).floor().max(1.0) as u64).min(assigned - whole);
            units[i] -= take as f64;
            assigned -= take;
        }
        i = (i + 1) % k;
    }
    let mut carrier = rng.below(k as u64) as usize;
    while units[carrier] == 0.0 {
        carrier = (carrier + 1) % k;
    }
    for (i, (o, u)) in out.iter_mut().zip(units.iter()).enumerate() {
        if *u > 0.0 {
            let extra = if i == carrier { remainder } else { 0 };
            *o = to_u32(*u as u64 * lot + extra)?;
        }
    }
    Ok(())
}

/// Sizes for unpinned prints averaging about `mean`.
pub(crate) fn free(out: &mut [u32], mean: f64, lot: u64, rng: &mut Rng) -> Result<(), String> {
    let lot = if mean >= 2.0 * lot as f64 { lot } else { 1 };
    for o in out.iter_mut() {
        let size = if lot > 1 && rng.uniform() < ODD_LOT_SHARE {
            1 + rng.below(lot - 1)
        } else {
            let lots = (raw(rng) * mean / RAW_MEAN / lot as f64).round().max(1.0);
            lots as u64 * lot
        };
        *o = to_u32(size)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sizes_sum_to_the_volume() {
        let mut rng = Rng::stream(9, "sizes");
        let mut units = Vec::new();
        for (k, total, lot) in [
            (20_000, 820_927_045u64, 100u64),
            (1, 5, 100),
            (7, 7, 1),
            (3_000, 61_632, 1),
            (50, 1_000, 100),
        ] {
            let mut out = vec![0u32; k];
            exact(&mut out, total, lot, &mut rng, &mut units).unwrap();
            assert_eq!(out.iter().map(|&s| u64::from(s)).sum::<u64>(), total);
            assert!(out.iter().all(|&s| s >= 1));
            if k == 20_000 {
                let round = out.iter().filter(|&&s| s % 100 == 0).count();
                assert!(round as f64 > 0.85 * k as f64, "{round}");
            }
        }
        let mut out = vec![0u32; 3];
        assert!(exact(&mut out, 2, 1, &mut rng, &mut units).is_err());
    }

    #[test]
    fn raw_mean_matches_its_constant() {
        let mut rng = Rng::stream(2, "raw");
        let n = 400_000;
        let mean = (0..n).map(|_| raw(&mut rng)).sum::<f64>() / f64::from(n);
        assert!((mean / RAW_MEAN - 1.0).abs() < 0.05, "{mean}");
    }
}
