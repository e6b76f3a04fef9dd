//! `tapedeck synth --from-bars`: a simulated tape inside the recorded bars of a replay.
//!
//! Every recorded bar of a bar-only instrument is pinned exactly: its first print is the bar's
//! open, its last the close, the high and the low are each reached, the sizes add up to the
//! volume, and every print lies inside the bar, `[start, start + interval)` (cut short where the
//! next bar starts earlier), on the tick grid. What lies between is simulated: bursty arrival
//! times, a Brownian bridge through the pinned prices (the anchor-file generator's own bridge),
//! heavy-tailed sizes in round lots. Nothing is invented outside a bar: a minute without a bar
//! gets no prints, nor does a bar with zero volume (a print needs a size). Instruments with
//! recorded prints are copied through unchanged.
//!
//! The anchor-file generator ([`super::generate`]) is not used for this: its bars are whole
//! minutes (vendor bars run from 1 s to a day), it fills the stretches between bars (extended
//! hours, minutes nobody traded) with invented prints, it rejects zero-volume bars, and its
//! print count is one daily target per instrument rather than one per recorded bar.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::path::{self, Factor};
use super::rng::Rng;
use super::sizes;
use crate::price::{Price, SCALE_DIGITS, decimals_of, parse_int};
use crate::replay::Replay;
use crate::replay::bars::{self, BarRow};
use crate::replay::columns;
use crate::replay::manifest::{
    AnchorRecord, Files, Generator, InstrumentKind, Manifest, Provenance, ProvenanceKind, Source,
};
use crate::replay::trades::{self, TradeRow};
use crate::replay::write;
use crate::time::{NANOS_PER_SEC, UnixNanos, rfc3339_in};

pub const GENERATOR_NAME: &str = "tapedeck synth --from-bars";
pub const GENERATOR_VERSION: &str = "1";
/// Seed used when none is given, so that a rerun reproduces the same replay.
pub const DEFAULT_SEED: u64 = 1;

/// Binary: a day of 1-second bars becomes millions of prints, which text would make slow to
/// write and to open.
pub const TRADES_FILE: &str = "trades.tdcol";
pub const BARS_FILE: &str = "bars.csv.gz";
pub const HEADLINES_FILE: &str = "headlines.json";

/// Prints per minute of bar time, spread over the bars by volume: about what the bundled
/// reconstruction has (some 8,500 prints in a stock's regular session, 35,000 in a future's
/// Globex day), so a day of bars stays a replay that loads in well under a second.
const PRINTS_PER_MIN_EQUITY: f64 = 22.0;
const PRINTS_PER_MIN_FUTURE: f64 = 25.0;
/// Prints per bar grow with its volume per unit of time to this power (as in the anchor-file
/// generator): a busy minute has more prints, and larger ones.
const VOLUME_ELASTICITY: f64 = 0.6;
/// Upper bound on prints in one bar, whatever its length.
const MAX_PRINTS_PER_BAR: u64 = 50_000;
/// Bridge noise as a share of the bar's non-trend log range per square-root of its length, and
/// its floor (the anchor-file generator's values).
const IDIO_SHARE: f64 = 0.5;
const MIN_SIGMA: f64 = 2e-6;
/// Arrival clustering: gaps are scaled by exp(BURST_SIGMA × z), z an AR(1) with this
/// persistence, so that prints come in runs the way real tapes do.
const BURST_PERSIST: f64 = 0.8;
const BURST_SIGMA: f64 = 0.8;

#[derive(Debug, thiserror::Error)]
pub enum FromBarsError {
    #[error(
        "{replay}: no bar-only instruments, so there is nothing to reconstruct (every instrument already has recorded prints)"
    )]
    NoBars { replay: String },
    #[error("{replay}: no bar-only instrument can carry prints: {reasons}")]
    NoneFillable { replay: String, reasons: String },
    #[error("{}:{line}: {problem}", path.display())]
    BarsFile {
        path: PathBuf,
        line: u64,
        problem: String,
    },
    /// The generator's own check failed: a bug, reported rather than written.
    #[error("{symbol}: bar at {at}: the simulated prints miss it: {problem}")]
    Missed {
        symbol: String,
        at: String,
        problem: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the written replay does not pass its own check:\n{0}")]
    Invalid(String),
}

/// What became of one instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Had recorded prints: copied unchanged.
    Copied { prints: usize },
    /// Bar-only: now simulated prints inside its bars. `silent` bars had zero volume and no
    /// prints.
    Filled {
        bars: usize,
        prints: usize,
        silent: usize,
    },
    /// Bar-only and left so, for the reason given.
    Kept { reason: String },
    /// Neither prints nor bars.
    Empty,
}

/// A reconstructed replay ready to write.
pub struct FromBars {
    pub manifest: Manifest,
    /// Sorted by (time, instrument); recorded prints keep their order.
    pub trades: Vec<TradeRow>,
    /// Bars of instruments that stay bar-only, sorted by start.
    pub bars: Vec<BarRow>,
    /// One per instrument, in manifest order.
    pub outcomes: Vec<Outcome>,
    /// The source's headlines file, copied verbatim.
    headlines: PathBuf,
}

impl FromBars {
    pub fn simulated_prints(&self) -> usize {
        self.outcomes
            .iter()
            .map(|o| match o {
                Outcome::Filled { prints, .. } => *prints,
                _ => 0,
            })
            .sum()
    }

    pub fn pinned_bars(&self) -> usize {
        self.outcomes
            .iter()
            .map(|o| match o {
                Outcome::Filled { bars, silent, .. } => bars - silent,
                _ => 0,
            })
            .sum()
    }
}

/// Reconstructs `source`: simulated prints inside the bars of its bar-only instruments, its
/// recorded prints unchanged. `label` names the source replay in the provenance.
pub fn from_bars(source: &Replay, label: &str, seed: u64) -> Result<FromBars, FromBarsError> {
    let m = &source.manifest;
    let per = read_bars(source)?;
    if per.iter().all(Vec::is_empty) {
        return Err(FromBarsError::NoBars {
            replay: label.to_string(),
        });
    }
    let mut trades: Vec<TradeRow> = Vec::new();
    let mut kept_bars: Vec<BarRow> = Vec::new();
    let mut outcomes = Vec::with_capacity(per.len());
    let mut scratch = Scratch::default();
    for (i, (inst, bars)) in m.instruments.iter().zip(&per).enumerate() {
        let series = source.store.series(i);
        if bars.is_empty() {
            // Recorded prints: exactly as loaded, in their order.
            for k in 0..series.len() {
                trades.push(TradeRow {
                    ts: series.ts[k],
                    instrument: i as u16,
                    price: Price(series.price[k]),
                    size: series.size[k],
                });
            }
            outcomes.push(if series.is_empty() {
                Outcome::Empty
            } else {
                Outcome::Copied {
                    prints: series.len(),
                }
            });
            continue;
        }
        let spec = Spec {
            symbol: &inst.symbol,
            tick: inst.tick_size,
            step: inst.print_step(),
            kind: inst.kind,
            tz: source.tz,
        };
        match plan(&spec, bars) {
            Err(reason) => {
                kept_bars.extend_from_slice(bars);
                outcomes.push(Outcome::Kept { reason });
            }
            Ok(plan) => {
                let mut rng = Rng::stream(seed, &format!("from-bars/{}", inst.symbol));
                let before = trades.len();
                for (bar, p) in bars.iter().zip(&plan) {
                    fill_bar(&spec, bar, p, &mut rng, &mut scratch, &mut trades)?;
                }
                outcomes.push(Outcome::Filled {
                    bars: bars.len(),
                    prints: trades.len() - before,
                    silent: plan.iter().filter(|p| p.count == 0).count(),
                });
            }
        }
    }
    if !outcomes.iter().any(|o| matches!(o, Outcome::Filled { .. })) {
        let reasons: Vec<String> = m
            .instruments
            .iter()
            .zip(&outcomes)
            .filter_map(|(inst, o)| match o {
                Outcome::Kept { reason } => Some(format!("{}: {reason}", inst.symbol)),
                _ => None,
            })
            .collect();
        return Err(FromBarsError::NoneFillable {
            replay: label.to_string(),
            reasons: reasons.join("; "),
        });
    }
    // Stable: prints of one instrument at the same time keep their recorded order.
    trades.sort_by_key(|r| (r.ts, r.instrument));
    kept_bars.sort_by_key(|b| b.ts);
    let manifest = manifest(source, &per, &outcomes, label, seed);
    Ok(FromBars {
        manifest,
        trades,
        bars: kept_bars,
        outcomes,
        headlines: source.dir.join(&m.files.headlines),
    })
}

/// Writes the replay into `out` through [`write::atomically`], checking it before it is moved
/// into place: a failed run leaves nothing behind and an existing `out` as it was.
pub fn write_replay(r: &FromBars, out: &Path) -> Result<(), FromBarsError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FromBarsError::Io { path, source }
    };
    write::atomically(
        out,
        |dir| {
            write::write_manifest(dir, &r.manifest).map_err(io(dir))?;
            fs::copy(&r.headlines, dir.join(&r.manifest.files.headlines))
                .map_err(io(&r.headlines))?;
            let (symbols, decimals): (Vec<String>, Vec<u32>) = r
                .manifest
                .instruments
                .iter()
                .map(|i| (i.symbol.clone(), decimals_of(i.tick_size).min(SCALE_DIGITS)))
                .unzip();
            let tp = dir.join(&r.manifest.files.trades);
            columns::write_rows(&tp, &r.trades, &symbols).map_err(io(&tp))?;
            if let Some(name) = &r.manifest.files.bars {
                let bp = dir.join(name);
                bars::write(&bp, &r.bars, &symbols, &decimals).map_err(io(&bp))?;
            }
            let problems = crate::replay::check(dir);
            if problems.is_empty() {
                Ok(())
            } else {
                let text: Vec<String> = problems
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                Err(FromBarsError::Invalid(text.join("\n")))
            }
        },
        |source| FromBarsError::Io {
            path: out.to_path_buf(),
            source,
        },
    )
}

/// The source's bars per instrument, read from its bars file (not the store, which keeps a
/// volume of at most `u32::MAX` per bar: the volume to split must be the recorded one).
fn read_bars(r: &Replay) -> Result<Vec<Vec<BarRow>>, FromBarsError> {
    let n = r.manifest.instruments.len();
    let mut per: Vec<Vec<BarRow>> = vec![Vec::new(); n];
    let Some(name) = &r.manifest.files.bars else {
        return Ok(per);
    };
    let path = r.dir.join(name);
    let bad = |line: u64, problem: String| FromBarsError::BarsFile {
        path: path.clone(),
        line,
        problem,
    };
    let reader = trades::open(&path).map_err(|source| FromBarsError::Io {
        path: path.clone(),
        source,
    })?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let header = csv.byte_headers().map_err(|e| bad(1, e.to_string()))?;
    if !header.iter().eq(bars::HEADER.iter().map(|s| s.as_bytes())) {
        return Err(bad(1, format!("expected {}", bars::HEADER.join(","))));
    }
    let symbols: HashMap<String, u16> = r
        .manifest
        .instruments
        .iter()
        .enumerate()
        .map(|(i, ins)| (ins.symbol.to_ascii_uppercase(), i as u16))
        .collect();
    let mut rec = csv::ByteRecord::new();
    let mut line = 1u64;
    loop {
        match csv.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => line = rec.position().map_or(line + 1, csv::Position::line),
            Err(e) => return Err(bad(line + 1, e.to_string())),
        }
        let text = |k: usize| String::from_utf8_lossy(&rec[k]).to_string();
        let int = |k: usize| {
            parse_int(&rec[k])
                .ok_or_else(|| bad(line, format!("{:?} is not a whole number", text(k))))
        };
        let price = |k: usize| Price::parse(&text(k)).map_err(|e| bad(line, e.to_string()));
        let ts = int(0)?;
        let instrument = *symbols
            .get(&text(1).to_ascii_uppercase())
            .ok_or_else(|| bad(line, format!("unknown symbol {:?}", text(1))))?;
        let volume = u64::try_from(int(6)?).map_err(|e| bad(line, e.to_string()))?;
        let interval_s = u32::try_from(int(7)?)
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| bad(line, format!("interval {:?}", text(7))))?;
        let row = BarRow::from_ohlc(
            ts,
            instrument,
            [price(2)?, price(3)?, price(4)?, price(5)?],
            volume,
            interval_s,
        );
        per[instrument as usize].push(row);
    }
    Ok(per)
}

/// What the bar filler needs to know about an instrument.
struct Spec<'a> {
    symbol: &'a str,
    /// Simulated prices lie on this grid.
    tick: Price,
    /// Every print (the recorded open, high, low and close included) lies on this one.
    step: Price,
    kind: InstrumentKind,
    tz: chrono_tz::Tz,
}

impl Spec<'_> {
    /// Shares per round lot: stock prints come mostly in hundreds, futures in contracts.
    fn lot(&self) -> u64 {
        match self.kind {
            InstrumentKind::Stock | InstrumentKind::Etf => 100,
            InstrumentKind::Future | InstrumentKind::Index => 1,
        }
    }

    fn density(&self) -> f64 {
        match self.kind {
            InstrumentKind::Future => PRINTS_PER_MIN_FUTURE,
            _ => PRINTS_PER_MIN_EQUITY,
        }
    }
}

/// One bar's share of the work: the window its prints go in and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BarPlan {
    start: UnixNanos,
    end: UnixNanos,
    count: u64,
}

/// Prints a bar needs at the least: one if it never moved, else the open and the close plus
/// the high and the low where they are neither; none without volume.
fn needed(b: &BarRow) -> u64 {
    if b.volume == 0 {
        0
    } else if b.open == b.close && b.high == b.open && b.low == b.open {
        1
    } else {
        let own = |x: Price| u64::from(x != b.open && x != b.close);
        2 + own(b.high) + own(b.low)
    }
}

/// Windows and print counts for an instrument's bars (sorted by start), or why its bars cannot
/// carry prints (it then stays bar-only).
fn plan(spec: &Spec, bars: &[BarRow]) -> Result<Vec<BarPlan>, String> {
    let at = |t: UnixNanos| rfc3339_in(t, spec.tz);
    if bars.iter().all(|b| b.volume == 0) {
        return Err("every bar has zero volume, and a print needs a size".into());
    }
    let mut plans = Vec::with_capacity(bars.len());
    for (j, b) in bars.iter().enumerate() {
        let mut end = b.visible_at();
        // A bar that runs into the next one leaves it the rest: each print has one bar.
        if let Some(next) = bars.get(j + 1) {
            end = end.min(next.ts);
        }
        if end <= b.ts {
            return Err(format!("two bars start at {}", at(b.ts)));
        }
        let need = needed(b);
        if b.volume < need {
            return Err(format!(
                "the bar at {} has volume {}, too little for the {need} prints its open, high, low and close need",
                at(b.ts),
                b.volume
            ));
        }
        let room = u64::try_from(end - b.ts).unwrap_or(0);
        if room < need {
            return Err(format!(
                "the bar at {} leaves no room for its {need} prints",
                at(b.ts)
            ));
        }
        for (name, p) in [
            ("open", b.open),
            ("high", b.high),
            ("low", b.low),
            ("close", b.close),
        ] {
            if !p.is_multiple_of(spec.step) || p.raw() <= 0 {
                return Err(format!(
                    "the bar at {} has {name} {p}, not a positive multiple of {}",
                    at(b.ts),
                    spec.step
                ));
            }
        }
        if b.low > b.open.min(b.close) || b.high < b.open.max(b.close) {
            return Err(format!(
                "the bar at {} has a range that does not hold its open and close",
                at(b.ts)
            ));
        }
        plans.push(BarPlan {
            start: b.ts,
            end,
            count: need,
        });
    }
    // The budget beyond the pinned prints, spread by duration^(1-e) × volume^e.
    let minutes = |p: &BarPlan| (p.end - p.start) as f64 / (60 * NANOS_PER_SEC) as f64;
    let live = || plans.iter().zip(bars).filter(|(_, b)| b.volume > 0);
    let budget = spec.density() * live().map(|(p, _)| minutes(p)).sum::<f64>()
        - live().map(|(p, _)| p.count as f64).sum::<f64>();
    let weight = |p: &BarPlan, b: &BarRow| {
        minutes(p).powf(1.0 - VOLUME_ELASTICITY) * (b.volume as f64).powf(VOLUME_ELASTICITY)
    };
    let total: f64 = live().map(|(p, b)| weight(p, b)).sum();
    let lot = spec.lot();
    for (p, b) in plans.iter_mut().zip(bars) {
        if b.volume == 0 {
            continue;
        }
        let extra = if budget > 0.0 && total > 0.0 {
            (budget * weight(p, b) / total).round() as u64
        } else {
            0
        };
        // No more prints than whole lots (a stock bar of 300 shares is a print or three, not
        // thirty), than units of volume, or than nanoseconds in the window.
        let room = u64::try_from(p.end - p.start).unwrap_or(u64::MAX);
        let cap = (b.volume / lot)
            .min(MAX_PRINTS_PER_BAR)
            .min(room)
            .max(p.count);
        // Enough prints that none has to carry more than a size field holds.
        let floor = b.volume.div_ceil(u64::from(u32::MAX)).max(p.count);
        if floor > room {
            return Err(format!(
                "the bar at {} has a volume too large to split over its window",
                at(b.ts)
            ));
        }
        p.count = (p.count + extra).min(cap).max(floor);
    }
    Ok(plans)
}

/// Buffers reused from bar to bar.
#[derive(Default)]
struct Scratch {
    times: Vec<UnixNanos>,
    cum: Vec<f64>,
    x: Vec<f64>,
    pins: Vec<(usize, f64)>,
    prices: Vec<Price>,
    sizes: Vec<u32>,
    units: Vec<f64>,
}

/// Appends the prints of one bar to `out`, then checks them against the bar.
fn fill_bar(
    spec: &Spec,
    bar: &BarRow,
    plan: &BarPlan,
    rng: &mut Rng,
    s: &mut Scratch,
    out: &mut Vec<TradeRow>,
) -> Result<(), FromBarsError> {
    let k = plan.count as usize;
    if k == 0 {
        return Ok(());
    }
    arrival_times(plan.start, plan.end, k, rng, &mut s.cum, &mut s.times);
    bar_prices(spec, bar, plan, rng, s);
    s.sizes.clear();
    s.sizes.resize(k, 0);
    if sizes::exact(&mut s.sizes, bar.volume, spec.lot(), rng, &mut s.units).is_err() {
        // Only when a heavy-tailed draw would overflow a size field: split evenly instead.
        even_sizes(&mut s.sizes, bar.volume);
    }
    let first = out.len();
    let instrument = bar.instrument;
    out.extend(
        s.times
            .iter()
            .zip(&s.prices)
            .zip(&s.sizes)
            .map(|((&ts, &price), &size)| TradeRow {
                ts,
                instrument,
                price,
                size,
            }),
    );
    verify(spec, bar, plan, &out[first..])
}

/// `k` strictly increasing times in `[start, end)`; needs `k <= end - start`. Gaps are
/// exponential, scaled by a persistent burst factor, so prints cluster.
fn arrival_times(
    start: UnixNanos,
    end: UnixNanos,
    k: usize,
    rng: &mut Rng,
    cum: &mut Vec<f64>,
    out: &mut Vec<UnixNanos>,
) {
    cum.clear();
    out.clear();
    let keep = (1.0 - BURST_PERSIST * BURST_PERSIST).sqrt();
    let mut z = rng.normal();
    let mut total = 0.0;
    // k + 1 gaps: before the first print, between prints, and after the last.
    for _ in 0..=k {
        z = BURST_PERSIST * z + keep * rng.normal();
        total += rng.exp() * (BURST_SIGMA * z).exp();
        cum.push(total);
    }
    let span = (end - start) as f64;
    for &c in &cum[..k] {
        let t = start + (c / total * span) as i64;
        out.push(t.clamp(start, end - 1));
    }
    // Times that met on the same nanosecond move apart, forwards then back inside the window.
    for j in 1..k {
        out[j] = out[j].max(out[j - 1] + 1);
    }
    let mut hi = end - 1;
    for t in out.iter_mut().rev() {
        *t = (*t).min(hi);
        hi = *t - 1;
    }
}

/// Prices for `s.times`: open first, close last, the high and the low each on a print of
/// their own (when they are neither open nor close), a Brownian bridge between them.
fn bar_prices(spec: &Spec, bar: &BarRow, plan: &BarPlan, rng: &mut Rng, s: &mut Scratch) {
    let k = s.times.len();
    s.prices.clear();
    if needed(bar) == 1 {
        s.prices.resize(k, bar.open);
        return;
    }
    let mut pinned: Vec<(usize, Price)> = vec![(0, bar.open), (k - 1, bar.close)];
    let own_high = bar.high != bar.open && bar.high != bar.close;
    let own_low = bar.low != bar.open && bar.low != bar.close;
    // Interior prints 1..=k-2; `needed` made sure there are enough.
    let slots = (k - 2) as u64;
    match (own_high, own_low) {
        (true, true) => {
            let a = 1 + rng.below(slots) as usize;
            let mut b = 1 + rng.below(slots - 1) as usize;
            if b >= a {
                b += 1;
            }
            let (first, second) = (a.min(b), a.max(b));
            // A bar that closed up more often made its low first, one that closed down its high.
            let range = (bar.high.raw() - bar.low.raw()) as f64;
            let up = (bar.close.raw() - bar.open.raw()) as f64 / range;
            let low_first = rng.uniform() < 0.5 + 0.35 * up;
            let (lo, hi) = if low_first {
                (first, second)
            } else {
                (second, first)
            };
            pinned.push((lo, bar.low));
            pinned.push((hi, bar.high));
        }
        (true, false) => pinned.push((1 + rng.below(slots) as usize, bar.high)),
        (false, true) => pinned.push((1 + rng.below(slots) as usize, bar.low)),
        (false, false) => {}
    }
    pinned.sort_by_key(|p| p.0);
    s.pins.clear();
    s.pins
        .extend(pinned.iter().map(|&(j, p)| (j, p.to_f64().ln())));
    let secs = ((plan.end - plan.start) as f64 / NANOS_PER_SEC as f64).max(1.0);
    let range = (bar.high.to_f64() / bar.low.to_f64()).ln();
    let trend = (bar.close.to_f64() / bar.open.to_f64()).ln().abs();
    // On a trending bar much of the range is the trend, which the pins already carry.
    let noise = (range - trend).max(range / 2.0);
    let sigma = (IDIO_SHARE * noise / secs.sqrt()).max(MIN_SIGMA);
    s.x.clear();
    s.x.resize(k, 0.0);
    let alone = Factor {
        beta: 0.0,
        market: None,
        sector: None,
    };
    path::fill_log_path(
        &s.times,
        &s.pins,
        |_| sigma,
        |_| None,
        &alone,
        rng,
        &mut s.x,
    );
    let (lo, hi) = path::interior(bar.low, bar.high, spec.tick);
    let mut next = pinned.iter().peekable();
    for j in 0..k {
        if let Some(&(_, p)) = next.next_if(|p| p.0 == j) {
            s.prices.push(p);
            continue;
        }
        let p = path::reflect(s.x[j].exp(), lo.to_f64(), hi.to_f64());
        // Rounded to the tick and clamped: never outside the bar's range.
        let p = Price::from_f64(p).map_or(lo, |p| p.round_to(spec.tick).clamp(lo, hi));
        s.prices.push(p);
    }
}

/// `total` over the prints as evenly as whole units allow.
fn even_sizes(out: &mut [u32], total: u64) {
    let k = out.len() as u64;
    let (q, r) = (total / k, total % k);
    for (j, o) in out.iter_mut().enumerate() {
        let v = q + u64::from((j as u64) < r);
        *o = u32::try_from(v).unwrap_or(u32::MAX);
    }
}

/// The generator's promise, checked on every bar: a bar it cannot honour is an error, never a
/// replay that quietly misses a recorded figure.
fn verify(
    spec: &Spec,
    bar: &BarRow,
    plan: &BarPlan,
    prints: &[TradeRow],
) -> Result<(), FromBarsError> {
    let miss = |problem: String| FromBarsError::Missed {
        symbol: spec.symbol.to_string(),
        at: rfc3339_in(bar.ts, spec.tz),
        problem,
    };
    let want = [bar.open, bar.high, bar.low, bar.close];
    if let Some((what, problem)) = super::check::ohlcv_mismatch(prints, want, bar.volume) {
        return Err(miss(format!("{what} {problem}")));
    }
    let (Some(first), Some(last)) = (prints.first(), prints.last()) else {
        return Err(miss("no prints".into()));
    };
    if prints.iter().any(|r| r.size == 0) {
        return Err(miss("a print of size 0".into()));
    }
    if !prints.windows(2).all(|w| w[0].ts < w[1].ts) || first.ts < plan.start || last.ts >= plan.end
    {
        return Err(miss("prints out of order or outside the bar".into()));
    }
    if let Some(r) = prints.iter().find(|r| !r.price.is_multiple_of(spec.step)) {
        return Err(miss(format!("{} is off the price grid", r.price)));
    }
    Ok(())
}

/// How many bars went without prints, for notes and messages.
pub fn zero_volume_note(silent: usize) -> String {
    if silent == 1 {
        "1 bar with zero volume has no prints".into()
    } else {
        format!("{silent} bars with zero volume have no prints")
    }
}

/// `1-minute`, `5-second`, `1-hour`, `1-day`: how a bar length reads in a note.
fn interval_label(secs: u32) -> String {
    let (n, unit) = if secs.is_multiple_of(86_400) {
        (secs / 86_400, "day")
    } else if secs.is_multiple_of(3_600) {
        (secs / 3_600, "hour")
    } else if secs.is_multiple_of(60) {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n}-{unit}")
}

/// Symbols as a short list: the first few and how many more.
pub fn symbol_list(symbols: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut list = symbols
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if symbols.len() > SHOWN {
        list.push_str(&format!(" and {} more", symbols.len() - SHOWN));
    }
    list
}

/// The source's note without the importer's "replayed bar by bar", which no longer holds.
fn other_notes(note: Option<&str>) -> impl Iterator<Item = &str> {
    note.into_iter()
        .flat_map(|n| n.split("; "))
        .filter(|part| !part.contains("bars only") && !part.trim().is_empty())
}

fn manifest(
    source: &Replay,
    per: &[Vec<BarRow>],
    outcomes: &[Outcome],
    label: &str,
    seed: u64,
) -> Manifest {
    let m = &source.manifest;
    let bars_file = m.files.bars.as_deref().unwrap_or(BARS_FILE);
    let bars_label = format!("{label}/{bars_file}");
    let mut instruments = m.instruments.clone();
    let mut records = Vec::new();
    let (mut filled, mut copied, mut kept) = (Vec::new(), Vec::new(), Vec::new());
    for ((inst, bars), outcome) in instruments.iter_mut().zip(per).zip(outcomes) {
        let sym = inst.symbol.as_str();
        match outcome {
            Outcome::Filled { silent, .. } => {
                filled.push(sym.to_string());
                let pinned: Vec<&BarRow> = bars.iter().filter(|b| b.volume > 0).collect();
                let interval = interval_label(bars[0].interval_s);
                let mut parts = vec![format!(
                    "SIMULATED prints inside {} recorded {interval} bars: each bar's open, high, low, close and volume are recorded, the prints between them are not",
                    pinned.len()
                )];
                if *silent > 0 {
                    parts.push(zero_volume_note(*silent));
                }
                parts.extend(other_notes(inst.note.as_deref()).map(str::to_string));
                inst.note = Some(parts.join("; "));
                records.extend(day_records(sym, &pinned, &interval, &bars_label, source.tz));
            }
            Outcome::Kept { reason } => {
                kept.push(sym.to_string());
                let mut parts: Vec<String> = inst
                    .note
                    .as_deref()
                    .map(|n| vec![n.to_string()])
                    .unwrap_or_default();
                parts.push(format!("no prints simulated: {reason}"));
                inst.note = Some(parts.join("; "));
            }
            Outcome::Copied { .. } => copied.push(sym.to_string()),
            Outcome::Empty => {}
        }
    }
    let names = |v: &[String]| symbol_list(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let mut summary = format!(
        "The prints of {} are SIMULATED inside the recorded bars of replay {} by {GENERATOR_NAME} (seed {seed}); every bar's open, high, low, close and volume is recorded, the prints' times, prices and sizes are not.",
        names(&filled),
        m.name
    );
    if !copied.is_empty() {
        summary.push_str(&format!(
            " Recorded prints, copied unchanged: {}.",
            names(&copied)
        ));
    }
    if !kept.is_empty() {
        summary.push_str(&format!(
            " Not reconstructed, still bar by bar: {}.",
            names(&kept)
        ));
    }
    summary.push_str(&format!(" Source: {}", m.provenance.summary));
    let mut sources = m.provenance.sources.clone();
    sources.push(Source {
        key: "bars".into(),
        what: format!(
            "the recorded bars of replay {} that every simulated print is pinned to",
            m.name
        ),
        r#where: Some(bars_label.clone()),
    });
    let title = m.title.strip_suffix(" (recorded)").unwrap_or(&m.title);
    Manifest {
        name: format!("{}-synth", m.name),
        title: format!("{title} (reconstructed from bars)"),
        instruments,
        provenance: Provenance {
            kind: ProvenanceKind::Reconstructed,
            summary,
            sources,
            generator: Some(Generator {
                name: GENERATOR_NAME.into(),
                version: GENERATOR_VERSION.into(),
                seed,
                anchor_file: bars_label,
                anchors: records,
            }),
        },
        files: Files {
            headlines: HEADLINES_FILE.into(),
            trades: TRADES_FILE.into(),
            bars: outcomes
                .iter()
                .any(|o| matches!(o, Outcome::Kept { .. }))
                .then(|| BARS_FILE.into()),
        },
        ..m.clone()
    }
}

/// What the prints of an instrument reproduce, over its day: the first open, the highest high,
/// the lowest low, the last close, the volume, and the number of bars each pinned the same way.
/// (Every bar's own figures are in the source's bars file; listing them all here would make
/// the manifest of a day of 1-second bars larger than its prints.)
fn day_records(
    symbol: &str,
    pinned: &[&BarRow],
    interval: &str,
    source: &str,
    tz: chrono_tz::Tz,
) -> Vec<AnchorRecord> {
    let (Some(first), Some(last)) = (pinned.first(), pinned.last()) else {
        return Vec::new();
    };
    let span = format!(
        "{}/{}",
        rfc3339_in(first.ts, tz),
        rfc3339_in(last.visible_at(), tz)
    );
    let high = pinned.iter().map(|b| b.high).max().unwrap_or(first.high);
    let low = pinned.iter().map(|b| b.low).min().unwrap_or(first.low);
    let volume: u64 = pinned.iter().map(|b| b.volume).sum();
    let figures = [
        ("open of the first bar".to_string(), first.open.to_f64()),
        ("highest high".to_string(), high.to_f64()),
        ("lowest low".to_string(), low.to_f64()),
        ("close of the last bar".to_string(), last.close.to_f64()),
        ("volume".to_string(), volume as f64),
        (
            format!("{interval} bars, each one's open, high, low, close and volume"),
            pinned.len() as f64,
        ),
    ];
    figures
        .into_iter()
        .map(|(what, value)| AnchorRecord {
            symbol: symbol.to_string(),
            what,
            at: Some(span.clone()),
            value,
            source: source.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    fn spec() -> Spec<'static> {
        Spec {
            symbol: "T",
            tick: p("0.01"),
            step: p("0.01"),
            kind: InstrumentKind::Stock,
            tz: chrono_tz::America::New_York,
        }
    }

    fn bar(ohlc: [&str; 4], volume: u64, interval_s: u32) -> BarRow {
        BarRow::from_ohlc(
            1_737_988_200 * NANOS_PER_SEC,
            0,
            ohlc.map(p),
            volume,
            interval_s,
        )
    }

    /// Fills `b` with `count` prints (or the planned count) and returns them.
    fn fill(spec: &Spec, b: &BarRow, count: Option<u64>, seed: u64) -> Vec<TradeRow> {
        let mut plans = plan(spec, std::slice::from_ref(b)).unwrap();
        if let Some(c) = count {
            plans[0].count = c;
        }
        let mut out = Vec::new();
        let mut rng = Rng::stream(seed, "t");
        fill_bar(
            spec,
            b,
            &plans[0],
            &mut rng,
            &mut Scratch::default(),
            &mut out,
        )
        .unwrap();
        out
    }

    /// The bar's figures folded straight from the prints.
    fn assert_reproduces(b: &BarRow, rows: &[TradeRow]) {
        let prices: Vec<Price> = rows.iter().map(|r| r.price).collect();
        assert_eq!(prices.first(), Some(&b.open), "{b:?}");
        assert_eq!(prices.last(), Some(&b.close), "{b:?}");
        assert_eq!(prices.iter().max(), Some(&b.high), "{b:?}");
        assert_eq!(prices.iter().min(), Some(&b.low), "{b:?}");
        let volume: u64 = rows.iter().map(|r| u64::from(r.size)).sum();
        assert_eq!(volume, b.volume);
        assert!(rows.iter().all(|r| r.size > 0));
        assert!(rows.windows(2).all(|w| w[0].ts < w[1].ts));
        assert!(rows[0].ts >= b.ts && rows[rows.len() - 1].ts < b.visible_at());
    }

    #[test]
    fn synth_arrival_times_fill_even_a_window_exactly_their_number_long() {
        let mut rng = Rng::stream(1, "times");
        let (mut cum, mut out) = (Vec::new(), Vec::new());
        for (start, end, k) in [(0, 10, 10), (5, 6, 1), (0, 60 * NANOS_PER_SEC, 5_000)] {
            arrival_times(start, end, k, &mut rng, &mut cum, &mut out);
            assert_eq!(out.len(), k);
            assert!(out.windows(2).all(|w| w[0] < w[1]));
            assert!(out[0] >= start && out[k - 1] < end);
        }
    }

    #[test]
    fn synth_bars_at_the_edges_are_reproduced() {
        let s = spec();
        for (b, count) in [
            // Exactly as many prints as figures, and as many as the volume allows.
            (bar(["10.00", "10.05", "9.95", "10.02"], 4, 60), None),
            // A bar that never moved.
            (bar(["10.00", "10.00", "10.00", "10.00"], 700, 1), None),
            // Open at the high, close at the low: two prints suffice.
            (bar(["10.05", "10.05", "9.95", "9.95"], 2, 60), None),
            // A range narrower than two ticks.
            (
                bar(["10.00", "10.01", "10.00", "10.01"], 5_000, 60),
                Some(40),
            ),
            // A day bar with more volume than one size field holds.
            (
                bar(
                    ["10.00", "11.00", "9.00", "10.50"],
                    3 * u64::from(u32::MAX),
                    86_400,
                ),
                None,
            ),
        ] {
            let rows = fill(&s, &b, count, 3);
            assert_reproduces(&b, &rows);
        }
    }

    #[test]
    fn synth_sub_tick_bars_keep_their_recorded_prices() {
        // Recorded at sub-penny steps: the pinned figures are kept as recorded, the prints
        // between stay inside the range (here: on its recorded ends, the only prices there).
        let s = Spec {
            step: p("0.0001"),
            ..spec()
        };
        let b = bar(["10.0012", "10.0019", "10.0011", "10.0015"], 10_000, 60);
        let rows = fill(&s, &b, Some(30), 5);
        assert_reproduces(&b, &rows);
        assert!(rows.iter().all(|r| r.price == b.low
            || r.price == b.high
            || r.price == b.open
            || r.price == b.close));
    }

    #[test]
    fn synth_bars_that_cannot_carry_prints_say_why() {
        let s = spec();
        let thin = bar(["10.00", "10.05", "9.95", "10.02"], 3, 60);
        assert!(plan(&s, &[thin]).unwrap_err().contains("volume 3"));
        let silent = bar(["10.00", "10.00", "10.00", "10.00"], 0, 60);
        assert!(plan(&s, &[silent]).unwrap_err().contains("zero volume"));
        let twin = bar(["10.00", "10.00", "10.00", "10.00"], 100, 60);
        assert!(plan(&s, &[twin, twin]).unwrap_err().contains("two bars"));
    }

    #[test]
    fn synth_overlapping_bars_leave_each_other_their_windows() {
        let s = spec();
        let a = bar(["10.00", "10.05", "9.95", "10.02"], 10_000, 60);
        let mut b = a;
        b.ts += 30 * NANOS_PER_SEC;
        let plans = plan(&s, &[a, b]).unwrap();
        assert_eq!(plans[0].end, b.ts);
        assert_eq!(plans[1].end, b.visible_at());
    }

    #[test]
    fn synth_print_counts_follow_volume_within_lots() {
        let s = spec();
        let quiet = bar(["10.00", "10.05", "9.95", "10.02"], 500, 60);
        let mut busy = bar(["10.00", "10.05", "9.95", "10.02"], 2_000_000, 60);
        busy.ts += 60 * NANOS_PER_SEC;
        let plans = plan(&s, &[quiet, busy]).unwrap();
        // Two minutes are worth some 44 prints. 500 shares are at most five round lots, so
        // the quiet bar keeps little more than its four figures and the busy one gets the rest.
        assert!(plans[0].count <= 5, "{plans:?}");
        assert!(plans[1].count >= 35, "{plans:?}");
    }

    #[test]
    fn synth_interval_labels() {
        assert_eq!(interval_label(1), "1-second");
        assert_eq!(interval_label(90), "90-second");
        assert_eq!(interval_label(300), "5-minute");
        assert_eq!(interval_label(3_600), "1-hour");
        assert_eq!(interval_label(86_400), "1-day");
    }
}
