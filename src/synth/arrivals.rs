//! When prints happen: an inhomogeneous Poisson process whose intensity follows the usual
//! intraday shape (thin overnight and premarket, a U through the cash session, futures waking up
//! when Europe opens), modulated minute by minute by a persistent burst factor so that activity
//! clusters the way real tapes do.

use chrono::Timelike;
use chrono_tz::Tz;

use super::plan::{InstrumentPlan, Plan, Span};
use super::rng::Rng;
use crate::replay::manifest::InstrumentKind;
use crate::time::{self, NANOS_PER_MIN, UnixNanos};

fn minutes(ns: i64) -> f64 {
    ns as f64 / NANOS_PER_MIN as f64
}

/// Relative print intensity of an instrument at `t` (arbitrary units per minute).
pub(crate) fn intensity(plan: &Plan, inst: &InstrumentPlan, t: UnixNanos) -> f64 {
    if inst.kind == InstrumentKind::Future {
        futures_shape(plan.tz, plan.cash, t)
    } else {
        equity_shape(inst.day, t)
    }
}

/// The U of a cash session: a rush at the open, a quieter midday, a second rush into the close.
fn cash_shape(day: Span, t: UnixNanos) -> f64 {
    1.0 + 3.0 * (-minutes(t - day.start) / 12.0).exp() + 2.0 * (-minutes(day.end - t) / 20.0).exp()
}

fn equity_shape(day: Span, t: UnixNanos) -> f64 {
    if t < day.start {
        // Premarket: thin, building towards the open.
        0.04 + 0.4 * (-minutes(day.start - t) / 90.0).exp()
    } else if t < day.end {
        cash_shape(day, t)
    } else {
        // After hours: a burst of late reaction, then near silence.
        0.04 + 0.5 * (-minutes(t - day.end) / 25.0).exp()
    }
}

fn futures_shape(tz: Tz, cash: Option<Span>, t: UnixNanos) -> f64 {
    if let Some(c) = cash.filter(|c| c.contains(t)) {
        return 1.5 * cash_shape(c, t);
    }
    let local = time::to_utc(t).with_timezone(&tz);
    let m = f64::from(local.hour() * 60 + local.minute());
    let mut u = 0.3;
    if (18.0 * 60.0..18.5 * 60.0).contains(&m) {
        u += 0.5; // the Globex reopen
    }
    if (3.0 * 60.0..9.5 * 60.0).contains(&m) {
        u += 0.3 + 0.6 * (-(m - 180.0) / 45.0).exp(); // Europe opens
    }
    if (8.5 * 60.0..9.5 * 60.0).contains(&m) {
        u += 0.8 * (-(m - 510.0) / 10.0).exp(); // 08:30 US economic data
    }
    u
}

/// Whole-minute buckets covering `span` (the first and last may be partial).
fn buckets(span: Span) -> impl Iterator<Item = Span> {
    let mut t = span.start;
    std::iter::from_fn(move || {
        if t >= span.end {
            return None;
        }
        let next = (t.div_euclid(NANOS_PER_MIN) + 1) * NANOS_PER_MIN;
        let b = Span {
            start: t,
            end: next.min(span.end),
        };
        t = b.end;
        Some(b)
    })
}

fn mid(b: Span) -> UnixNanos {
    b.start + (b.end - b.start) / 2
}

/// Integral of `shape` over `span`, in shape × minutes.
pub(crate) fn shape_integral(span: Span, shape: impl Fn(UnixNanos) -> f64) -> f64 {
    buckets(span)
        .map(|b| shape(mid(b)) * minutes(b.end - b.start))
        .sum()
}

/// A persistent per-minute activity multiplier with mean 1 (an AR(1) process in logs).
pub(crate) struct Burst {
    z: f64,
}

impl Burst {
    pub(crate) fn new(rng: &mut Rng) -> Burst {
        Burst { z: rng.normal() }
    }

    fn next(&mut self, rng: &mut Rng) -> f64 {
        // sqrt(1 - 0.85²) keeps z standard normal; exp(0.45 z - 0.45²/2) then has mean 1.
        self.z = 0.85 * self.z + 0.5268 * rng.normal();
        (0.45 * self.z - 0.10125).exp()
    }
}

/// Appends Poisson arrival times strictly after `span.start` and before `span.end`, `expected`
/// of them on average, spread by `shape` and the burst factor. Times stay strictly increasing
/// after whatever `out` already ends with.
pub(crate) fn arrivals(
    span: Span,
    expected: f64,
    shape: impl Fn(UnixNanos) -> f64,
    burst: &mut Burst,
    rng: &mut Rng,
    weights: &mut Vec<(Span, f64)>,
    out: &mut Vec<UnixNanos>,
) {
    weights.clear();
    for b in buckets(span) {
        let w = shape(mid(b)) * burst.next(rng) * minutes(b.end - b.start);
        weights.push((b, w));
    }
    let total: f64 = weights.iter().map(|w| w.1).sum();
    if total <= 0.0 || expected <= 0.0 {
        return;
    }
    for &(b, w) in weights.iter() {
        let len = (b.end - b.start) as f64;
        // Mean gap in ns for this bucket's share of the expected count.
        let gap = len * total / (expected * w);
        let mut off = 0.0;
        loop {
            off += rng.exp() * gap;
            if off >= len {
                break;
            }
            let floor = out.last().map_or(span.start, |&t| t.max(span.start)) + 1;
            let t = (b.start + off as i64).max(floor);
            if t >= span.end {
                break;
            }
            out.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_follow_the_shape_and_stay_inside() {
        let span = Span {
            start: 0,
            end: 390 * NANOS_PER_MIN,
        };
        let mut rng = Rng::stream(3, "arrivals");
        let mut burst = Burst::new(&mut rng);
        let (mut w, mut out) = (Vec::new(), Vec::new());
        arrivals(
            span,
            20_000.0,
            |t| cash_shape(span, t),
            &mut burst,
            &mut rng,
            &mut w,
            &mut out,
        );
        assert!(out.windows(2).all(|p| p[0] < p[1]));
        assert!(out.iter().all(|&t| t > span.start && t < span.end));
        let n = out.len() as f64;
        assert!((n - 20_000.0).abs() < 3_000.0, "{n}");
        let first_half_hour = out.iter().filter(|&&t| t < 30 * NANOS_PER_MIN).count() as f64;
        let midday = out
            .iter()
            .filter(|&&t| (180 * NANOS_PER_MIN..210 * NANOS_PER_MIN).contains(&t))
            .count() as f64;
        assert!(
            first_half_hour > 1.5 * midday,
            "{first_half_hour} vs {midday}"
        );
    }
}
