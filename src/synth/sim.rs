//! One instrument's prints: arrival times segment by segment, the prints that carry the pinned
//! figures (open, close, high, low, levels), the price path through them, and sizes.

use super::SynthError;
use super::anchors::ExtremeKind;
use super::arrivals::{self, Burst};
use super::path::{self, Factor};
use super::plan::{Bar, InstrumentPlan, LIVE_NS, LevelMode, LevelPin, Plan, Span};
use super::rng::Rng;
use super::sizes;
use crate::price::Price;
use crate::replay::manifest::InstrumentKind;
use crate::replay::trades::TradeRow;
use crate::time::{NANOS_PER_SEC, UnixNanos};

/// Idiosyncratic volatility as a share of a bar's log range per square-root of its duration
/// (a Brownian motion's expected range is about 1.6 of that).
const IDIO_SHARE: f64 = 0.5;
/// Floor so that even a bar with no range keeps a little texture in its free stretches.
const MIN_SIGMA: f64 = 2e-6;
/// Noise of free stretches relative to the typical bar's.
const FREE_SIGMA_SHARE: f64 = 0.4;
/// Prints per unit of intraday shape grow as (volume per unit of shape) to this power.
const VOLUME_ELASTICITY: f64 = 0.6;
/// Mean size of an unpinned print relative to the typical pinned one (extended hours are thin).
const FREE_SIZE_SHARE: f64 = 0.3;
/// Longest wait from a bar's start to its opening print.
const OPEN_DELAY: i64 = NANOS_PER_SEC / 2;
/// Points of the coarse path used to decide when a bar makes its high and low.
const TARGET_POINTS: i64 = 240;
/// How strongly that decision favours the likeliest moments (1 = the plain bridge density).
const TARGET_SHARPNESS: f64 = 2.0;

/// Generates the prints of instrument `idx`, sorted by time.
pub(crate) fn simulate(
    plan: &Plan,
    idx: usize,
    seed: u64,
    factor: &Factor,
) -> Result<Vec<TradeRow>, SynthError> {
    let inst = &plan.instruments[idx];
    let fail = |field: &str, problem: String| SynthError::Anchor {
        symbol: inst.symbol.clone(),
        field: field.to_string(),
        problem,
    };
    let mut rng = Rng::stream(seed, &format!("instrument/{}", inst.symbol));
    let factor = &Factor {
        beta: capped_beta(inst, factor),
        ..*factor
    };
    let shape = |t| arrivals::intensity(plan, inst, t);
    let expected = expected_counts(inst, shape);
    let sigmas = segment_sigmas(inst);

    let mut burst = Burst::new(&mut rng);
    let mut times: Vec<UnixNanos> = Vec::with_capacity(expected.iter().sum::<f64>() as usize + 64);
    let mut pins: Vec<(UnixNanos, Price)> = Vec::new();
    let mut ranges = Vec::with_capacity(inst.segments.len());
    let (mut local, mut weights) = (Vec::new(), Vec::new());
    for (si, seg) in inst.segments.iter().enumerate() {
        let levels: Vec<&LevelPin> = inst
            .levels
            .iter()
            .filter(|l| l.segment == si && l.mode == LevelMode::Inside)
            .collect();
        local.clear();
        // A bar opens with a print a moment after its start (before any level inside it), so
        // that a level timed at the start still sees the previous bar's close.
        let floor = match &seg.bar {
            Some(_) => {
                let by = levels.first().map_or(seg.span.end, |l| l.at) - seg.span.start - 1;
                let delay = OPEN_DELAY.min(by).max(1);
                let open = seg.span.start + 1 + rng.below(delay as u64) as i64;
                local.push(open);
                open
            }
            None => seg.span.start - 1,
        };
        arrivals::arrivals(
            seg.span,
            expected[si],
            shape,
            &mut burst,
            &mut rng,
            &mut weights,
            &mut local,
        );
        let mut placer = Placer {
            times: &mut local,
            claims: Vec::new(),
            protected: Vec::new(),
            span: seg.span,
            floor,
        };
        match &seg.bar {
            Some(bar) => {
                let close_level = inst
                    .levels
                    .iter()
                    .any(|l| l.segment == si && l.mode == LevelMode::Close);
                place_bar(bar, &levels, close_level, factor, &mut rng, &mut placer)
                    .map_err(|e| fail(&bar.label, e))?;
            }
            None => {
                for l in &levels {
                    placer
                        .level(l.at, l.price, &mut rng)
                        .map_err(|e| fail(&l.label, e))?;
                }
            }
        }
        pins.append(&mut placer.claims);
        let first = times.len();
        times.extend_from_slice(&local);
        ranges.push((first, times.len()));
    }

    pins.sort_by_key(|p| p.0);
    let pin_idx: Vec<(usize, f64)> = pins
        .iter()
        .map(|&(t, p)| (times.partition_point(|&x| x < t), p.to_f64().ln()))
        .collect();
    let mut sig = vec![0.0; times.len()];
    for (&(a, b), &s) in ranges.iter().zip(&sigmas) {
        sig[a..b].fill(s);
    }
    let mut x = vec![0.0; times.len()];
    let log_bounds: Vec<Option<(f64, f64)>> = inst
        .segments
        .iter()
        .map(|s| {
            s.bar
                .as_ref()
                .map(|b| (b.low.to_f64().ln(), b.high.to_f64().ln()))
        })
        .collect();
    let bounds = |k: usize| log_bounds[ranges.partition_point(|r| r.1 <= k)];
    path::fill_log_path(
        &times,
        &pin_idx,
        |k| sig[k],
        bounds,
        factor,
        &mut rng,
        &mut x,
    );

    let mut prices = Vec::with_capacity(times.len());
    let mut next_pin = pins.iter().peekable();
    for (seg, &(a, b)) in inst.segments.iter().zip(&ranges) {
        let bounds = seg
            .bar
            .as_ref()
            .map(|bar| path::interior(bar.low, bar.high, inst.tick));
        for k in a..b {
            if let Some(&(_, p)) = next_pin.next_if(|pin| pin.0 == times[k]) {
                prices.push(p);
                continue;
            }
            prices.push(free_price(x[k].exp(), bounds, inst.tick));
        }
    }

    let mut sizes = vec![0u32; times.len()];
    let lot = if matches!(inst.kind, InstrumentKind::Stock | InstrumentKind::Etf) {
        100
    } else {
        1
    };
    let mut scratch = Vec::new();
    let mut bar_means = Vec::new();
    for (seg, &(a, b)) in inst.segments.iter().zip(&ranges) {
        if let Some(bar) = &seg.bar {
            sizes::exact(&mut sizes[a..b], bar.volume, lot, &mut rng, &mut scratch)
                .map_err(|e| fail(&bar.label, e))?;
            bar_means.push(bar.volume as f64 / (b - a) as f64);
        }
    }
    let free_mean = FREE_SIZE_SHARE * median(&mut bar_means).unwrap_or(1.0);
    for (seg, &(a, b)) in inst.segments.iter().zip(&ranges) {
        if seg.bar.is_none() {
            sizes::free(&mut sizes[a..b], free_mean, lot, &mut rng).map_err(|e| fail("size", e))?;
        }
    }

    let instrument = idx as u16;
    let rows: Vec<TradeRow> = times
        .iter()
        .zip(&prices)
        .zip(&sizes)
        .map(|((&ts, &price), &size)| TradeRow {
            ts,
            instrument,
            price,
            size,
        })
        .collect();
    super::check::verify(inst, &rows)?;
    Ok(rows)
}

/// A free print's price: folded into the bar's interior (if any) and put on the tick.
fn free_price(p: f64, bounds: Option<(Price, Price)>, tick: Price) -> Price {
    match bounds {
        Some((lo, hi)) => {
            let p = path::reflect(p, lo.to_f64(), hi.to_f64());
            Price::from_f64(p).map_or(lo, |p| p.round_to(tick).clamp(lo, hi))
        }
        None => Price::from_f64(p).map_or(tick, |p| p.round_to(tick).max(tick)),
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Expected prints per segment: the target spread by the intraday shape, and for bars by
/// (volume per unit of shape)^elasticity relative to the instrument's median bar.
fn expected_counts(inst: &InstrumentPlan, shape: impl Fn(UnixNanos) -> f64 + Copy) -> Vec<f64> {
    let integrals: Vec<f64> = inst
        .segments
        .iter()
        .map(|s| arrivals::shape_integral(s.span, shape))
        .collect();
    let density: Vec<Option<f64>> = inst
        .segments
        .iter()
        .zip(&integrals)
        .map(|(s, &i)| {
            s.bar
                .as_ref()
                .map(|b| (b.volume as f64 / i.max(1e-9)).powf(VOLUME_ELASTICITY))
        })
        .collect();
    let mut known: Vec<f64> = density.iter().flatten().copied().collect();
    let typical = median(&mut known).unwrap_or(1.0);
    let weights: Vec<f64> = integrals
        .iter()
        .zip(&density)
        .map(|(&i, d)| i * d.unwrap_or(typical) / typical)
        .collect();
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| inst.target_prints * w / total.max(1e-12))
        .collect()
}

/// The market's weight in this instrument's moves, capped so that within a typical bar the
/// market alone would not carry it further than its own range (ES moves about half as far as
/// NQ within an hour: a larger weight would only bounce it off the walls of its bars).
fn capped_beta(inst: &InstrumentPlan, factor: &Factor) -> f64 {
    let Some(market) = factor.market else {
        return factor.beta;
    };
    let mut ratios: Vec<f64> = inst
        .segments
        .iter()
        .filter_map(|s| {
            let bar = s.bar.as_ref()?;
            let moved = market.range(s.span.start, s.span.end);
            (moved > 0.0).then(|| (bar.high.to_f64() / bar.low.to_f64()).ln() / moved)
        })
        .collect();
    median(&mut ratios).map_or(factor.beta, |r| factor.beta.clamp(-r, r))
}

/// Idiosyncratic volatility per square-root second of each segment; free stretches (extended
/// hours, which nothing pins) wander less than the typical bar, so that hours of unpinned walk
/// stay plausible.
fn segment_sigmas(inst: &InstrumentPlan) -> Vec<f64> {
    let own: Vec<Option<f64>> = inst
        .segments
        .iter()
        .map(|s| {
            s.bar.as_ref().map(|b| {
                let secs = (s.span.end - s.span.start) as f64 / NANOS_PER_SEC as f64;
                // On a trending bar much of the range is the trend itself, which the pins
                // already carry; the noise scales with what is left.
                let range = (b.high.to_f64() / b.low.to_f64()).ln();
                let trend = (b.close.to_f64() / b.open.to_f64()).ln().abs();
                let noise = (range - trend).max(range / 2.0);
                (IDIO_SHARE * noise / secs.sqrt()).max(MIN_SIGMA)
            })
        })
        .collect();
    let mut known: Vec<f64> = own.iter().flatten().copied().collect();
    let free = FREE_SIGMA_SHARE * median(&mut known).unwrap_or(MIN_SIGMA);
    own.iter().map(|s| s.unwrap_or(free)).collect()
}

/// Whether a bar's high (or low) needs a print of its own rather than the open or close.
fn own_print(bar: &Bar, which: ExtremeKind) -> bool {
    let v = bar.extreme(which);
    bar.window(which).is_some() || (v != bar.open && v != bar.close)
}

/// Picks the prints of a bar that carry its open, levels, high, low and close.
fn place_bar(
    bar: &Bar,
    levels: &[&LevelPin],
    close_level: bool,
    factor: &Factor,
    rng: &mut Rng,
    placer: &mut Placer,
) -> Result<(), String> {
    let span = placer.span;
    let own = [ExtremeKind::High, ExtremeKind::Low].map(|w| own_print(bar, w));
    let flat = bar.open == bar.close && own == [false, false] && levels.is_empty() && !close_level;
    let need = if flat {
        1
    } else {
        2 + own.iter().filter(|&&o| o).count() + levels.len() + usize::from(close_level)
    };
    if (need as u64) > bar.volume {
        return Err(format!(
            "volume {} is too small for the {need} prints that carry the bar's figures",
            bar.volume
        ));
    }
    // Keep the count within the volume: every print carries at least one unit.
    thin(placer.times, (bar.volume - need as u64) as usize);
    placer.claim(placer.floor, bar.open);

    let targets = extreme_targets(bar, span, levels, factor, rng);
    for l in levels {
        placer.level(l.at, l.price, rng)?;
    }
    for (which, target) in [ExtremeKind::High, ExtremeKind::Low]
        .into_iter()
        .zip(targets)
    {
        if let Some(t) = target {
            let window = bar.window(which).unwrap_or(span);
            placer.extreme(window, t, bar.extreme(which))?;
        }
    }
    let live_from = close_level.then_some(span.end - LIVE_NS);
    placer.close(bar.close, live_from, rng)
}

/// Keeps `keep` of the times after the first, evenly spread.
fn thin(times: &mut Vec<UnixNanos>, keep: usize) {
    let m = times.len().saturating_sub(1);
    if m <= keep {
        return;
    }
    for i in 0..keep {
        // Source index 1 + i*m/keep never falls behind the write index 1 + i.
        times[1 + i] = times[1 + i * m / keep];
    }
    times.truncate(1 + keep);
}

/// When the bar should make its high and its low (for those that need a print of their own),
/// drawn in proportion to how likely the path is to reach each at each moment: straight between
/// the pins (open, levels, close, and the extreme placed first) plus the common factor, with a
/// Brownian bridge's spread around that. A stock's extremes thus tend to fall where the market
/// makes its own, are not rushed right next to a distant pin, and are not always the same.
fn extreme_targets(
    bar: &Bar,
    span: Span,
    levels: &[&LevelPin],
    factor: &Factor,
    rng: &mut Rng,
) -> [Option<UnixNanos>; 2] {
    let (s, e) = (span.start, span.end);
    let secs = |dt: i64| (dt as f64 / NANOS_PER_SEC as f64).max(1.0);
    // The spread around the expected path: the bar's whole range as noise, wider than the
    // path's own noise because the common factor is not known to the stock that exactly.
    let range = (bar.high.to_f64() / bar.low.to_f64()).ln();
    let sigma = (IDIO_SHARE * range / secs(e - s).sqrt()).max(MIN_SIGMA);
    let step = ((e - s) / (TARGET_POINTS + 1)).max(1);
    let mut pts: Vec<(UnixNanos, Option<f64>)> = Vec::with_capacity(TARGET_POINTS as usize + 8);
    pts.push((s, Some(bar.open.to_f64().ln())));
    for l in levels {
        pts.push((l.at.max(s + 1).min(e - 1), Some(l.price.to_f64().ln())));
    }
    pts.extend((1..=TARGET_POINTS).map(|g| (s + g * step, None)));
    pts.push((e - 1, Some(bar.close.to_f64().ln())));
    pts.sort_by_key(|p| p.0);

    // The more constrained extreme goes first; the other then bridges around it.
    let order = if bar.low_window.is_some() && bar.high_window.is_none() {
        [ExtremeKind::Low, ExtremeKind::High]
    } else {
        [ExtremeKind::High, ExtremeKind::Low]
    };
    let (mut xs, mut weights) = (Vec::new(), Vec::new());
    let mut targets = [None, None];
    for which in order.into_iter().filter(|&w| own_print(bar, w)) {
        let times: Vec<UnixNanos> = pts.iter().map(|p| p.0).collect();
        let pins: Vec<(usize, f64)> = pts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.1.map(|x| (i, x)))
            .collect();
        xs.clear();
        xs.resize(pts.len(), 0.0);
        let range = (bar.low.to_f64().ln(), bar.high.to_f64().ln());
        path::fill_log_path(
            &times,
            &pins,
            |_| 0.0,
            |_| Some(range),
            factor,
            rng,
            &mut xs,
        );
        let window = bar.window(which).unwrap_or(span);
        let x = bar.extreme(which).to_f64().ln();
        weights.clear();
        for (i, p) in pts.iter().enumerate() {
            if p.1.is_some() || !window.contains(p.0) {
                continue;
            }
            let a = pins
                .iter()
                .rev()
                .find(|q| q.0 < i)
                .map_or(s, |q| times[q.0]);
            let b = pins.iter().find(|q| q.0 > i).map_or(e, |q| times[q.0]);
            let var = sigma * sigma * secs(p.0 - a) * secs(b - p.0) / secs(b - a);
            // Log of the density of reaching x here, sharpened so that the likeliest moments win
            // clearly without being certain.
            weights.push((
                i,
                -TARGET_SHARPNESS * (x - xs[i]).powi(2) / (2.0 * var) - 0.5 * var.ln(),
            ));
        }
        let top = weights
            .iter()
            .map(|w| w.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = weights.iter().map(|w| (w.1 - top).exp()).sum();
        let mut u = rng.uniform() * total;
        let chosen = weights
            .iter()
            .find(|w| {
                u -= (w.1 - top).exp();
                u <= 0.0
            })
            .or(weights.last());
        let (t, slot) = match chosen {
            Some(&(i, _)) => {
                let jitter = (rng.uniform() - 0.5) * step as f64;
                (
                    (times[i] + jitter as i64).clamp(window.start, window.end - 1),
                    Some(i),
                )
            }
            None => (window.start + (window.end - window.start) / 2, None),
        };
        targets[usize::from(which == ExtremeKind::Low)] = Some(t);
        if let Some(i) = slot {
            pts[i].1 = Some(x);
        } else {
            let at = pts.partition_point(|p| p.0 <= t);
            pts.insert(at, (t, Some(x)));
        }
    }
    targets
}

/// Chooses, within one segment, the prints that carry pinned prices, inserting a print where
/// none is suitable.
struct Placer<'a> {
    /// The segment's print times, strictly increasing.
    times: &'a mut Vec<UnixNanos>,
    claims: Vec<(UnixNanos, Price)>,
    /// (print time, level time) of placed levels: a print inserted in between would take over
    /// as the last print at or before the level's time.
    protected: Vec<(UnixNanos, UnixNanos)>,
    span: Span,
    /// New prints go strictly after this: a bar's opening print, or just before a free
    /// segment's start.
    floor: UnixNanos,
}

impl Placer<'_> {
    fn claimed(&self, t: UnixNanos) -> Option<Price> {
        self.claims.iter().find(|c| c.0 == t).map(|c| c.1)
    }

    fn claim(&mut self, t: UnixNanos, p: Price) {
        if self.claimed(t).is_none() {
            self.claims.push((t, p));
        }
    }

    fn insert(&mut self, t: UnixNanos) {
        let at = self.times.partition_point(|&x| x < t);
        self.times.insert(at, t);
    }

    fn insertable(&self, t: UnixNanos) -> bool {
        self.times.binary_search(&t).is_err()
            && !self.protected.iter().any(|&(a, b)| a < t && t <= b)
    }

    /// Makes the last print at or before `at` carry `price`, within [`LIVE_NS`] before `at`.
    fn level(&mut self, at: UnixNanos, price: Price, rng: &mut Rng) -> Result<(), String> {
        let hi = at.min(self.span.end - 1);
        let live = at - LIVE_NS;
        let j = self.times.partition_point(|&t| t <= hi);
        if j > 0 {
            let t = self.times[j - 1];
            if t >= live && self.claimed(t).is_none_or(|p| p == price) {
                self.claim(t, price);
                self.protected.push((t, at));
                return Ok(());
            }
        }
        let mut floor = (live - 1).max(self.floor);
        if j > 0 {
            floor = floor.max(self.times[j - 1]);
        }
        for &(_, b) in &self.protected {
            if b < at {
                floor = floor.max(b);
            }
        }
        if hi <= floor {
            return Err("no room for a print carrying the level in the minute before it".into());
        }
        let room = (hi - floor).min(30 * NANOS_PER_SEC);
        // In (hi - room, hi], which lies inside (floor, hi].
        let t = hi - (rng.uniform() * room as f64) as i64;
        self.insert(t);
        self.claims.push((t, price));
        self.protected.push((t, at));
        Ok(())
    }

    /// Puts `price` on the unclaimed print nearest `target` inside `window`, or on a new one.
    fn extreme(&mut self, window: Span, target: UnixNanos, price: Price) -> Result<(), String> {
        let k = self.times.partition_point(|&t| t < target);
        let usable = |t: UnixNanos| window.contains(t) && self.claimed(t).is_none();
        let left = self.times[..k]
            .iter()
            .rev()
            .take_while(|&&t| t >= window.start)
            .copied()
            .find(|&t| usable(t));
        let right = self.times[k..]
            .iter()
            .take_while(|&&t| t < window.end)
            .copied()
            .find(|&t| usable(t));
        let chosen = match (left, right) {
            (Some(l), Some(r)) => Some(if target - l <= r - target { l } else { r }),
            (l, r) => l.or(r),
        };
        if let Some(t) = chosen {
            self.claims.push((t, price));
            return Ok(());
        }
        let no_room = || "no room for a print at the extreme inside its window".to_string();
        let lo = window.start.max(self.floor + 1);
        if lo >= window.end {
            return Err(no_room());
        }
        let mut t = target.max(lo).min(window.end - 1);
        while !self.insertable(t) {
            t = match self.protected.iter().find(|&&(a, b)| a < t && t <= b) {
                Some(&(_, b)) => b + 1,
                None => t + 1,
            };
            if t >= window.end {
                return Err(no_room());
            }
        }
        self.insert(t);
        self.claims.push((t, price));
        Ok(())
    }

    /// Makes the segment's last print carry `close` (not earlier than `live_from`, if given).
    fn close(
        &mut self,
        close: Price,
        live_from: Option<UnixNanos>,
        rng: &mut Rng,
    ) -> Result<(), String> {
        let last = *self.times.last().ok_or("a bar without prints")?;
        let taken = self.claimed(last).is_some_and(|p| p != close);
        if !taken && live_from.is_none_or(|l| last >= l) {
            self.claim(last, close);
            return Ok(());
        }
        let mut floor = last;
        if let Some(l) = live_from {
            floor = floor.max(l - 1);
        }
        for &(_, b) in &self.protected {
            floor = floor.max(b);
        }
        let room = (self.span.end - 1 - floor).min(10 * NANOS_PER_SEC);
        if room < 1 {
            return Err("no room for the closing print after the bar's other pinned prints".into());
        }
        let t = floor + 1 + rng.below(room as u64) as i64;
        self.insert(t);
        self.claims.push((t, close));
        Ok(())
    }
}
