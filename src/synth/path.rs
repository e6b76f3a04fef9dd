//! Prices between the pinned points. Log-price is a piecewise Brownian bridge through the pins
//! plus the bridge residual of a common factor (beta × market path + sector path), so names
//! move together between their pins without ever missing one. Free prints are then folded back
//! into the bar's range and rounded to the tick.

use super::rng::Rng;
use crate::price::Price;
use crate::replay::trades::TradeRow;
use crate::time::{NANOS_PER_SEC, UnixNanos};

/// A path sampled once a second from `start` (log-price units).
pub(crate) struct Grid {
    start: UnixNanos,
    values: Vec<f64>,
}

const GRID_STEP: i64 = NANOS_PER_SEC;

impl Grid {
    fn len_for(start: UnixNanos, end: UnixNanos) -> usize {
        ((end - start) / GRID_STEP + 1).max(1) as usize
    }

    /// A random walk with `sigma` per square-root second.
    pub(crate) fn random_walk(start: UnixNanos, end: UnixNanos, sigma: f64, rng: &mut Rng) -> Grid {
        let mut x = 0.0;
        let values = (0..Self::len_for(start, end))
            .map(|_| {
                x += sigma * rng.normal();
                x
            })
            .collect();
        Grid { start, values }
    }

    /// Log of the last print at or before each second (the first print before any).
    pub(crate) fn from_prints(start: UnixNanos, end: UnixNanos, rows: &[TradeRow]) -> Grid {
        let mut k = 0;
        let first = rows.first().map_or(1.0, |r| r.price.to_f64());
        let mut last = first.ln();
        let values = (0..Self::len_for(start, end))
            .map(|i| {
                let t = start + i as i64 * GRID_STEP;
                while k < rows.len() && rows[k].ts <= t {
                    last = rows[k].price.to_f64().ln();
                    k += 1;
                }
                last
            })
            .collect();
        Grid { start, values }
    }

    fn index(&self, t: UnixNanos) -> usize {
        ((t - self.start) / GRID_STEP).clamp(0, self.values.len() as i64 - 1) as usize
    }

    pub(crate) fn at(&self, t: UnixNanos) -> f64 {
        self.values[self.index(t)]
    }

    /// Highest minus lowest value in [start, end).
    pub(crate) fn range(&self, start: UnixNanos, end: UnixNanos) -> f64 {
        let values = &self.values[self.index(start)..=self.index(end - 1)];
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        hi - lo
    }
}

/// The common part of an instrument's moves: `beta` × market plus its sector's path.
#[derive(Clone, Copy)]
pub(crate) struct Factor<'a> {
    pub beta: f64,
    pub market: Option<&'a Grid>,
    pub sector: Option<&'a Grid>,
}

impl Factor<'_> {
    pub(crate) fn at(&self, t: UnixNanos) -> f64 {
        self.market.map_or(0.0, |m| self.beta * m.at(t)) + self.sector.map_or(0.0, |s| s.at(t))
    }
}

fn secs(dt: i64) -> f64 {
    dt as f64 / NANOS_PER_SEC as f64
}

/// Share of the room between the straight line and a bar's wall that the common factor may use
/// at its furthest excursion; the rest is left for the stock's own noise.
const FACTOR_ROOM: f64 = 0.7;
/// Excursions under this share of the range are not damped.
const SMALL_EXCURSION: f64 = 0.1;

/// Fills `out[k]` with the log-price at `times[k]` (sorted). `pins` (sorted by index, at least
/// one) fix the log-price at their index exactly; between two pins the path is the straight
/// line between them, plus the factor's deviation from its own straight line, plus an
/// idiosyncratic Brownian bridge with `sigma(k)` per square-root second. Where `bounds(k)` gives
/// a (low, high) range of log-prices, the factor's part is damped so that at its furthest it
/// stays inside: a stock that the market would push through its known high instead lags the
/// market there. Before the first pin and after the last the path is a free walk from that pin.
pub(crate) fn fill_log_path(
    times: &[UnixNanos],
    pins: &[(usize, f64)],
    sigma: impl Fn(usize) -> f64,
    bounds: impl Fn(usize) -> Option<(f64, f64)>,
    factor: &Factor,
    rng: &mut Rng,
    out: &mut [f64],
) {
    let (Some(&(first, x_first)), Some(&(last, x_last))) = (pins.first(), pins.last()) else {
        return;
    };
    // Before the first pin: walk backwards in time from it.
    let f_first = factor.at(times[first]);
    let mut w = 0.0;
    for k in (0..first).rev() {
        w += sigma(k) * secs(times[k + 1] - times[k]).sqrt() * rng.normal();
        out[k] = x_first + factor.at(times[k]) - f_first + w;
    }
    for pair in pins.windows(2) {
        let ((a, xa), (b, xb)) = (pair[0], pair[1]);
        out[a] = xa;
        if b <= a {
            continue;
        }
        // Walk from a to b, then subtract the straight line to the walk's end: a bridge.
        let mut w = 0.0;
        for k in a + 1..=b {
            w += sigma(k) * secs(times[k] - times[k - 1]).sqrt() * rng.normal();
            out[k] = w;
        }
        let w_end = out[b];
        let (ta, fa, fb) = (times[a], factor.at(times[a]), factor.at(times[b]));
        let span = (times[b] - ta).max(1) as f64;
        let u = |k: usize| (times[k] - ta) as f64 / span;
        let line = |k: usize| xa + u(k) * (xb - xa);
        let common = |k: usize| factor.at(times[k]) - (fa + u(k) * (fb - fa));
        // The factor's furthest excursions above and below its line, and the damping they need.
        let (mut up, mut down) = ((0.0, a), (0.0, a));
        for k in a + 1..b {
            let c = common(k);
            if c > up.0 {
                up = (c, k);
            } else if c < down.0 {
                down = (c, k);
            }
        }
        // Small excursions are left alone: they are typically right next to a pin, where the
        // line itself touches the wall and any damping would flatten the whole stretch.
        let damp = |(c, k): (f64, usize)| match bounds(k) {
            Some((lo, hi)) if c.abs() >= SMALL_EXCURSION * (hi - lo) => {
                let room = if c > 0.0 { hi - line(k) } else { line(k) - lo };
                (FACTOR_ROOM * room / c.abs()).clamp(0.0, 1.0)
            }
            _ => 1.0,
        };
        let lambda = damp(up).min(damp(down));
        for (k, x) in out.iter_mut().enumerate().take(b).skip(a + 1) {
            *x = line(k) + lambda * common(k) + (*x - u(k) * w_end);
        }
        out[b] = xb;
    }
    out[last] = x_last;
    let f_last = factor.at(times[last]);
    let mut w = 0.0;
    for k in last + 1..times.len() {
        w += sigma(k) * secs(times[k] - times[k - 1]).sqrt() * rng.normal();
        out[k] = x_last + factor.at(times[k]) - f_last + w;
    }
}

/// Folds `p` back into [lo, hi] like a ball bouncing between two walls.
pub(crate) fn reflect(p: f64, lo: f64, hi: f64) -> f64 {
    let width = hi - lo;
    if width <= 0.0 {
        return lo;
    }
    let y = (p - lo).rem_euclid(2.0 * width);
    lo + if y <= width { y } else { 2.0 * width - y }
}

/// The prices on the tick that free prints of a bar may take: strictly inside (low, high) so
/// that only pinned prints reach the extremes; if the range is under two ticks, the on-tick
/// prices within [low, high]; if there are none, [low, high] itself.
pub(crate) fn interior(low: Price, high: Price, tick: Price) -> (Price, Price) {
    let t = tick.raw();
    let strict = (
        Price((low.raw().div_euclid(t) + 1) * t),
        Price((high.raw() - 1).div_euclid(t) * t),
    );
    if strict.0 <= strict.1 {
        return strict;
    }
    let loose = (
        Price((low.raw() + t - 1).div_euclid(t) * t),
        Price(high.raw().div_euclid(t) * t),
    );
    if loose.0 <= loose.1 {
        loose
    } else {
        (low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridges_hit_every_pin() {
        let times: Vec<i64> = (0..1000).map(|i| i * NANOS_PER_SEC).collect();
        let pins = [(10, 1.0), (500, 2.0), (900, 0.5)];
        let mut out = vec![f64::NAN; times.len()];
        let grid = Grid::random_walk(0, 1000 * NANOS_PER_SEC, 0.01, &mut Rng::stream(1, "g"));
        let factor = Factor {
            beta: 2.0,
            market: Some(&grid),
            sector: None,
        };
        let mut rng = Rng::stream(1, "p");
        fill_log_path(
            &times,
            &pins,
            |_| 0.01,
            |_| None,
            &factor,
            &mut rng,
            &mut out,
        );
        for (k, x) in pins {
            assert_eq!(out[k], x);
        }
        assert!(out.iter().all(|x| x.is_finite()));
        // Near a pin the path is close to it.
        assert!((out[501] - 2.0).abs() < 0.1);
    }

    #[test]
    fn the_factor_is_damped_to_stay_inside_a_known_range() {
        // A market that rises and falls back by 1.0 while the instrument's pins stay at 0.
        let hump = Grid {
            start: 0,
            values: (0..=1000)
                .map(|i| (std::f64::consts::PI * f64::from(i) / 1000.0).sin())
                .collect(),
        };
        let factor = Factor {
            beta: 1.0,
            market: Some(&hump),
            sector: None,
        };
        let times: Vec<i64> = (0..1000).map(|i| i * NANOS_PER_SEC).collect();
        let pins = [(0, 0.0), (999, 0.0)];
        let mut out = vec![0.0; times.len()];
        let mut rng = Rng::stream(1, "p");
        fill_log_path(
            &times,
            &pins,
            |_| 0.0,
            |_| None,
            &factor,
            &mut rng,
            &mut out,
        );
        let peak = |out: &[f64]| out.iter().copied().fold(f64::MIN, f64::max);
        assert!((peak(&out) - 1.0).abs() < 0.01);
        let range = |_| Some((-0.5, 0.5));
        fill_log_path(&times, &pins, |_| 0.0, range, &factor, &mut rng, &mut out);
        assert!(
            (peak(&out) - FACTOR_ROOM * 0.5).abs() < 0.01,
            "{}",
            peak(&out)
        );
    }

    #[test]
    fn reflection_and_interior() {
        assert_eq!(reflect(11.0, 0.0, 10.0), 9.0);
        assert_eq!(reflect(-3.0, 0.0, 10.0), 3.0);
        assert_eq!(reflect(25.0, 0.0, 10.0), 5.0);
        let p = |s: &str| Price::parse(s).unwrap();
        let tick = p("0.01");
        assert_eq!(
            interior(p("142.3176"), p("152.27"), tick),
            (p("142.32"), p("152.26"))
        );
        assert_eq!(
            interior(p("10.00"), p("10.01"), tick),
            (p("10.00"), p("10.01"))
        );
        assert_eq!(
            interior(p("30.345"), p("30.345"), tick),
            (p("30.345"), p("30.345"))
        );
    }
}
