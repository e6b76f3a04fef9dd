//! The immutable replay store: every print, column-wise per instrument and sorted by time,
//! plus the small indexes that make "state at t" a binary search and a short scan.
//!
//! Per print it keeps 20 bytes (ts i64, price i64, size u32). Day-session statistics come
//! from prefix summaries every [`BLOCK`] prints, so a snapshot at any t scans at most
//! `BLOCK - 1` prints per instrument whatever t is: seeking backward costs what seeking
//! forward costs, and nothing after t is ever read into a result.

use super::column::Column;
use super::model::{BarRow, InstrumentKind};
use crate::price::{Price, decimals_of, round_decimals};
use crate::time::{NANOS_PER_MIN, UnixNanos};

/// Prints between two prefix summaries.
pub const BLOCK: usize = 256;

/// Everything the engine needs to know about an instrument, resolved from the manifest.
#[derive(Debug, Clone)]
pub struct InstrumentInfo {
    pub symbol: String,
    pub name: String,
    pub kind: InstrumentKind,
    /// Index into [`Store::sectors`].
    pub sector: usize,
    pub tick: Price,
    /// Digits shown (from the tick size; sub-penny prints show more).
    pub decimals: u32,
    pub reference: Price,
    pub shares: Option<u64>,
    pub multiplier: Option<u32>,
    /// The instrument's trading day, `[start, end)`: regular hours for stocks, Globex for futures.
    pub day_start: UnixNanos,
    pub day_end: UnixNanos,
    pub note: Option<String>,
}

impl InstrumentInfo {
    pub fn new_decimals(tick: Price) -> u32 {
        decimals_of(tick)
    }
}

/// A named phase of the session clock (overnight, premarket, regular, after-hours).
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    pub start: UnixNanos,
    pub end: UnixNanos,
}

/// A news event on the replay clock. Text fields are already stripped of control characters.
#[derive(Debug, Clone)]
pub struct Headline {
    pub id: String,
    pub ts: UnixNanos,
    pub source: String,
    pub text: String,
    /// Indexes into [`Store::instruments`].
    pub tickers: Vec<u16>,
    pub tags: Vec<String>,
    pub importance: u8,
    pub confidence: Option<String>,
    pub time_note: Option<String>,
    pub url: Option<String>,
}

/// One print as handed to the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Print {
    pub ts: UnixNanos,
    pub instrument: u16,
    pub price: Price,
    pub size: u32,
    /// The same instrument's previous print price, for uptick/downtick colouring.
    pub prev_price: Option<Price>,
    /// A completed bar of a bar-only instrument (price = its close, size = its volume, ts =
    /// when it completed), never a print.
    pub bar: bool,
}

/// A one-minute bar (or, for a bar-only instrument, one of its own bars).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Bar {
    pub start: UnixNanos,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
    pub trades: u32,
    /// Keeps the layout free of implicit padding so bars can live in the cache file.
    pub _pad: u32,
}

/// Day-session totals over a prefix of an instrument's day prints. `repr(C)` with explicit
/// padding so it can be memory-mapped from the cache file.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Prefix {
    pub notional: i128,
    pub volume: u64,
    pub high: i64,
    pub low: i64,
    pub _pad: u64,
}

impl Prefix {
    pub const EMPTY: Prefix = Prefix {
        notional: 0,
        volume: 0,
        high: i64::MIN,
        low: i64::MAX,
        _pad: 0,
    };

    /// Volume-weighted average price, rounded to `decimals`; `None` before any volume.
    pub fn vwap(&self, decimals: u32) -> Option<Price> {
        (self.volume > 0).then(|| {
            let v = self.notional / i128::from(self.volume);
            round_decimals(Price(v as i64), decimals)
        })
    }

    #[inline]
    pub fn add(&mut self, price: i64, size: u32) {
        self.volume += u64::from(size);
        self.notional += i128::from(price) * i128::from(size);
        self.high = self.high.max(price);
        self.low = self.low.min(price);
    }

    /// A whole bar: its range, its volume, and notional at the typical price (H+L+C)/3, the
    /// usual VWAP estimate when only bars are known.
    #[inline]
    pub fn add_bar(&mut self, high: i64, low: i64, close: i64, volume: u32) {
        self.volume += u64::from(volume);
        self.notional +=
            ((i128::from(high) + i128::from(low) + i128::from(close)) / 3) * i128::from(volume);
        self.high = self.high.max(high);
        self.low = self.low.min(low);
    }
}

/// One instrument's prints, or, for an instrument known only from bars, its bars: then `ts` is
/// when each bar completed, `price` its close, `size` its volume, and `bar_*` hold the rest.
#[derive(Debug, Default)]
pub struct Series {
    pub ts: Column<UnixNanos>,
    pub price: Column<i64>,
    pub size: Column<u32>,
    /// Bar length in ns; 0 for a series of prints.
    pub bar_interval: i64,
    pub bar_open: Column<i64>,
    pub bar_high: Column<i64>,
    pub bar_low: Column<i64>,
    /// Prints `[day_lo, day_hi)` fall in the instrument's trading day.
    pub(crate) day_lo: usize,
    pub(crate) day_hi: usize,
    /// `blocks[j]` sums day prints `[day_lo, day_lo + j * BLOCK)`.
    pub(crate) blocks: Column<Prefix>,
    pub(crate) bars: Column<Bar>,
}

/// A series being built: plain vectors that [`RawSeries::finish`] turns into a [`Series`].
#[derive(Debug, Default)]
pub(crate) struct RawSeries {
    pub ts: Vec<UnixNanos>,
    pub price: Vec<i64>,
    pub size: Vec<u32>,
    pub bar_interval: i64,
    pub bar_open: Vec<i64>,
    pub bar_high: Vec<i64>,
    pub bar_low: Vec<i64>,
}

impl RawSeries {
    fn into_series(self) -> Series {
        Series {
            ts: self.ts.into(),
            price: self.price.into(),
            size: self.size.into(),
            bar_interval: self.bar_interval,
            bar_open: self.bar_open.into(),
            bar_high: self.bar_high.into(),
            bar_low: self.bar_low.into(),
            ..Series::default()
        }
    }
}

/// Computes a series' day range, prefix summaries and chart bars from its columns.
fn derive(mut s: Series, day_start: UnixNanos, day_end: UnixNanos) -> Series {
    // A bar belongs to the day in which it starts.
    let lag = s.bar_interval;
    s.day_lo = s.ts.partition_point(|&x| x - lag < day_start);
    s.day_hi = s.ts.partition_point(|&x| x - lag < day_end);
    let mut acc = Prefix::EMPTY;
    let mut blocks = Vec::with_capacity((s.day_hi - s.day_lo) / BLOCK + 1);
    blocks.push(acc);
    if s.is_bars() {
        for (n, i) in (s.day_lo..s.day_hi).enumerate() {
            s.add_row(&mut acc, i);
            if (n + 1) % BLOCK == 0 {
                blocks.push(acc);
            }
        }
    } else {
        // Whole blocks at a time over plain slices: the hot loop of opening a large replay.
        let price = &s.price[s.day_lo..s.day_hi];
        let size = &s.size[s.day_lo..s.day_hi];
        for (p, q) in price.chunks(BLOCK).zip(size.chunks(BLOCK)) {
            for (&p, &q) in p.iter().zip(q) {
                acc.add(p, q);
            }
            if p.len() == BLOCK {
                blocks.push(acc);
            }
        }
    }
    s.blocks = blocks.into();
    s.bars = if s.is_bars() {
        (0..s.ts.len())
            .map(|i| Bar {
                start: s.ts[i] - lag,
                open: Price(s.bar_open[i]),
                high: Price(s.bar_high[i]),
                low: Price(s.bar_low[i]),
                close: Price(s.price[i]),
                volume: u64::from(s.size[i]),
                ..Bar::default()
            })
            .collect::<Vec<_>>()
            .into()
    } else {
        minute_bars(&s.ts, &s.price, &s.size).into()
    };
    s
}

impl Series {
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    pub fn is_bars(&self) -> bool {
        self.bar_interval > 0
    }

    #[inline]
    fn add_row(&self, acc: &mut Prefix, i: usize) {
        if self.is_bars() {
            acc.add_bar(
                self.bar_high[i],
                self.bar_low[i],
                self.price[i],
                self.size[i],
            );
        } else {
            acc.add(self.price[i], self.size[i]);
        }
    }

    /// The first price of the trading day: the first print, or the first bar's open.
    pub(crate) fn day_open(&self) -> Option<Price> {
        (self.day_hi > self.day_lo).then(|| {
            Price(if self.is_bars() {
                self.bar_open[self.day_lo]
            } else {
                self.price[self.day_lo]
            })
        })
    }

    /// Number of prints at or before `t`.
    #[inline]
    pub fn count_until(&self, t: UnixNanos) -> usize {
        self.ts.partition_point(|&x| x <= t)
    }

    /// Price of the last print at or before `t`.
    pub fn price_at(&self, t: UnixNanos) -> Option<Price> {
        let k = self.count_until(t);
        (k > 0).then(|| Price(self.price[k - 1]))
    }

    /// Day-session totals over day prints before print index `k` (exclusive).
    pub(crate) fn day_prefix(&self, k: usize) -> Prefix {
        let k = k.clamp(self.day_lo, self.day_hi);
        let n = k - self.day_lo;
        let j = n / BLOCK;
        let mut acc = self.blocks[j];
        for i in self.day_lo + j * BLOCK..k {
            self.add_row(&mut acc, i);
        }
        acc
    }

    /// Complete one-minute bars that closed at or before `t`, and the bar still forming at
    /// `t` (built from prints at or before `t` only). A bar-only series gives its own bars that
    /// have completed by `t`, and no forming bar.
    pub fn minute_bars_until(&self, t: UnixNanos) -> (&[Bar], Option<Bar>) {
        if self.is_bars() {
            return (&self.bars[..self.count_until(t)], None);
        }
        let minute = t.div_euclid(NANOS_PER_MIN) * NANOS_PER_MIN;
        let done = self.bars.partition_point(|b| b.start < minute);
        let from = self.ts.partition_point(|&x| x < minute);
        let to = self.count_until(t);
        let mut partial: Option<Bar> = None;
        for i in from..to {
            let p = Price(self.price[i]);
            match partial.as_mut() {
                None => {
                    partial = Some(Bar {
                        start: minute,
                        open: p,
                        high: p,
                        low: p,
                        close: p,
                        volume: u64::from(self.size[i]),
                        trades: 1,
                        _pad: 0,
                    });
                }
                Some(b) => {
                    b.high = b.high.max(p);
                    b.low = b.low.min(p);
                    b.close = p;
                    b.volume += u64::from(self.size[i]);
                    b.trades += 1;
                }
            }
        }
        (&self.bars[..done], partial)
    }
}

fn minute_bars(ts: &[UnixNanos], price: &[i64], size: &[u32]) -> Vec<Bar> {
    let mut bars: Vec<Bar> = Vec::new();
    for i in 0..ts.len() {
        let start = ts[i].div_euclid(NANOS_PER_MIN) * NANOS_PER_MIN;
        let p = Price(price[i]);
        match bars.last_mut() {
            Some(b) if b.start == start => {
                b.high = b.high.max(p);
                b.low = b.low.min(p);
                b.close = p;
                b.volume += u64::from(size[i]);
                b.trades += 1;
            }
            _ => bars.push(Bar {
                start,
                open: p,
                high: p,
                low: p,
                close: p,
                volume: u64::from(size[i]),
                trades: 1,
                _pad: 0,
            }),
        }
    }
    bars.shrink_to_fit();
    bars
}

/// The loaded replay, immutable once built.
#[derive(Debug)]
pub struct Store {
    pub instruments: Vec<InstrumentInfo>,
    pub sectors: Vec<String>,
    pub phases: Vec<Phase>,
    pub headlines: Vec<Headline>,
    pub start: UnixNanos,
    pub end: UnixNanos,
    pub(crate) series: Vec<Series>,
    /// Stretches with no print and no headline, `[from, to)`, that the clock may skip.
    pub gaps: Vec<(UnixNanos, UnixNanos)>,
}

/// Quiet stretches at least this long are offered to the clock as skippable.
pub const MIN_GAP: i64 = 5 * NANOS_PER_MIN;

/// Builds a [`Store`] from prints pushed in time order.
pub struct StoreBuilder {
    store: Store,
    raw: Vec<RawSeries>,
    /// Instruments whose columns were handed over whole ([`StoreBuilder::columns`]).
    given: Vec<Option<Series>>,
}

impl StoreBuilder {
    pub fn new(
        instruments: Vec<InstrumentInfo>,
        sectors: Vec<String>,
        phases: Vec<Phase>,
        start: UnixNanos,
        end: UnixNanos,
    ) -> Self {
        let raw = instruments.iter().map(|_| RawSeries::default()).collect();
        let given = instruments.iter().map(|_| None).collect();
        StoreBuilder {
            given,
            store: Store {
                instruments,
                sectors,
                phases,
                headlines: Vec::new(),
                start,
                end,
                series: Vec::new(),
                gaps: Vec::new(),
            },
            raw,
        }
    }

    pub fn reserve(&mut self, instrument: usize, additional: usize) {
        let s = &mut self.raw[instrument];
        s.ts.reserve(additional);
        s.price.reserve(additional);
        s.size.reserve(additional);
    }

    /// Sets an instrument's prints as whole columns (mapped from a binary prints file); the
    /// caller has checked them (time order, positive sizes, prices on the grid).
    pub fn columns(
        &mut self,
        instrument: usize,
        ts: Column<UnixNanos>,
        price: Column<i64>,
        size: Column<u32>,
    ) {
        self.given[instrument] = Some(Series {
            ts,
            price,
            size,
            ..Series::default()
        });
    }

    /// Appends a print; the caller guarantees time order per instrument.
    #[inline]
    pub fn push(&mut self, instrument: usize, ts: UnixNanos, price: Price, size: u32) {
        let s = &mut self.raw[instrument];
        s.ts.push(ts);
        s.price.push(price.0);
        s.size.push(size);
    }

    /// Appends a completed bar of a bar-only instrument; the caller guarantees time order and
    /// one bar length per instrument, and never mixes prints and bars in one instrument.
    pub fn push_bar(&mut self, instrument: usize, row: &BarRow) {
        let s = &mut self.raw[instrument];
        s.bar_interval = i64::from(row.interval_s) * crate::time::NANOS_PER_SEC;
        s.ts.push(row.visible_at());
        s.price.push(row.close.0);
        s.size.push(row.volume.min(u64::from(u32::MAX)) as u32);
        s.bar_open.push(row.open.0);
        s.bar_high.push(row.high.0);
        s.bar_low.push(row.low.0);
    }

    pub fn headlines(&mut self, mut headlines: Vec<Headline>) {
        headlines.sort_by_key(|h| h.ts);
        self.store.headlines = headlines;
    }

    /// Derives every series' indexes, on up to two threads: opening a large replay for the
    /// first time is dominated by this one pass over every print.
    pub fn build(self) -> Store {
        let days: Vec<(UnixNanos, UnixNanos)> = self
            .store
            .instruments
            .iter()
            .map(|i| (i.day_start, i.day_end))
            .collect();
        let pending: Vec<Series> = self
            .raw
            .into_iter()
            .zip(self.given)
            .map(|(raw, given)| {
                let s = given.unwrap_or_else(|| raw.into_series());
                debug_assert!(s.ts.windows(2).all(|w| w[0] <= w[1]));
                s
            })
            .collect();
        let series = derive_all(pending, &days);
        self.store.with_series(series)
    }

    /// Finishes with series that were read from the cache instead of pushed.
    pub(crate) fn build_with(self, series: Vec<Series>) -> Store {
        self.store.with_series(series)
    }
}

/// Derives every series, the prints split about evenly between two threads.
fn derive_all(pending: Vec<Series>, days: &[(UnixNanos, UnixNanos)]) -> Vec<Series> {
    let jobs: Vec<(usize, Series)> = pending.into_iter().enumerate().collect();
    crate::par::map_balanced(
        jobs,
        |(_, s)| s.len(),
        |(i, s)| derive(s, days[i].0, days[i].1),
    )
}

/// Quiet stretches: minutes with no print of any instrument and no headline, in runs of at
/// least [`MIN_GAP`]. Built from the minute bars, so it costs O(minutes), not O(prints).
fn find_gaps(store: &Store) -> Vec<(UnixNanos, UnixNanos)> {
    let first = store.start.div_euclid(NANOS_PER_MIN);
    let last = store.end.div_euclid(NANOS_PER_MIN);
    if last <= first {
        return Vec::new();
    }
    let n = (last - first + 1) as usize;
    let mut busy = vec![false; n];
    let mut mark = |ts: UnixNanos| {
        let m = ts.div_euclid(NANOS_PER_MIN) - first;
        if (0..n as i64).contains(&m) {
            busy[m as usize] = true;
        }
    };
    for s in &store.series {
        for b in &s.bars {
            mark(b.start);
        }
    }
    for h in &store.headlines {
        mark(h.ts);
    }
    let mut gaps = Vec::new();
    let mut run_start: Option<usize> = None;
    // A busy sentinel at the end closes a trailing quiet run.
    for (m, is_busy) in busy
        .iter()
        .copied()
        .chain(std::iter::once(true))
        .enumerate()
    {
        match (!is_busy, run_start) {
            (true, None) => run_start = Some(m),
            (false, Some(s)) => {
                let from = ((first + s as i64) * NANOS_PER_MIN).max(store.start);
                let to = ((first + m as i64) * NANOS_PER_MIN).min(store.end);
                if to - from >= MIN_GAP {
                    gaps.push((from, to));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    gaps
}

impl Store {
    fn with_series(mut self, series: Vec<Series>) -> Store {
        self.series = series;
        self.gaps = find_gaps(&self);
        self
    }

    pub fn all_series(&self) -> &[Series] {
        &self.series
    }

    pub fn series(&self, instrument: usize) -> &Series {
        &self.series[instrument]
    }

    pub fn print_count(&self) -> usize {
        self.series.iter().map(Series::len).sum()
    }

    pub fn symbol_index(&self, symbol: &str) -> Option<usize> {
        self.instruments
            .iter()
            .position(|i| i.symbol.eq_ignore_ascii_case(symbol))
    }

    /// Bytes held by prints and their indexes (what grows with the number of prints).
    pub fn heap_bytes(&self) -> usize {
        self.series
            .iter()
            .map(|s| {
                s.ts.len() * 8
                    + s.price.len() * 8
                    + s.size.len() * 4
                    + (s.bar_open.len() + s.bar_high.len() + s.bar_low.len()) * 8
                    + s.blocks.len() * std::mem::size_of::<Prefix>()
                    + s.bars.len() * std::mem::size_of::<Bar>()
            })
            .sum()
    }

    /// Name of the clock phase at `t` (`overnight`, `premarket`, `regular`, `after-hours`), or
    /// `closed`.
    pub fn phase_at(&self, t: UnixNanos) -> &str {
        self.phases
            .iter()
            .find(|p| p.start <= t && t < p.end)
            .map_or("closed", |p| p.name.as_str())
    }

    /// Number of headlines at or before `t`.
    pub fn headlines_seen(&self, t: UnixNanos) -> usize {
        self.headlines.partition_point(|h| h.ts <= t)
    }

    /// Time of the first print strictly after `t` (any instrument).
    pub fn next_print_after(&self, t: UnixNanos) -> Option<UnixNanos> {
        self.series
            .iter()
            .filter_map(|s| s.ts.get(s.count_until(t)).copied())
            .min()
    }

    /// Time of the last print strictly before `t`.
    pub fn prev_print_before(&self, t: UnixNanos) -> Option<UnixNanos> {
        self.series
            .iter()
            .filter_map(|s| {
                let k = s.ts.partition_point(|&x| x < t);
                (k > 0).then(|| s.ts[k - 1])
            })
            .max()
    }

    /// The last `n` prints at or before `t`, newest first, of instruments `keep` accepts and at
    /// least `min_size`. Fills `out` (cleared first) without other allocation.
    pub fn tape_before(
        &self,
        t: UnixNanos,
        n: usize,
        min_size: u32,
        keep: &dyn Fn(usize) -> bool,
        cursors: &mut Vec<usize>,
        out: &mut Vec<Print>,
    ) {
        out.clear();
        cursors.clear();
        cursors.extend(
            self.series
                .iter()
                .enumerate()
                .map(|(i, s)| if keep(i) { s.count_until(t) } else { 0 }),
        );
        while out.len() < n {
            // The newest remaining print across instruments; ties go to the higher index
            // because the forward order is (ts, instrument).
            let mut best: Option<(UnixNanos, usize)> = None;
            for (i, &c) in cursors.iter().enumerate() {
                if c > 0 {
                    let ts = self.series[i].ts[c - 1];
                    if best.is_none_or(|(bt, _)| ts >= bt) {
                        best = Some((ts, i));
                    }
                }
            }
            let Some((ts, i)) = best else { break };
            cursors[i] -= 1;
            let k = cursors[i];
            let s = &self.series[i];
            if s.size[k] >= min_size {
                out.push(Print {
                    ts,
                    instrument: i as u16,
                    price: Price(s.price[k]),
                    size: s.size[k],
                    prev_price: (k > 0).then(|| Price(s.price[k - 1])),
                    bar: s.is_bars(),
                });
            }
        }
    }

    /// Prints in `[from, to]` in time order (ties by instrument index) of the chosen
    /// instruments.
    pub fn prints_between<'a>(
        &'a self,
        from: UnixNanos,
        to: UnixNanos,
        keep: &'a dyn Fn(usize) -> bool,
    ) -> impl Iterator<Item = Print> + 'a {
        let mut cursors: Vec<(usize, usize)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if keep(i) {
                    (s.ts.partition_point(|&x| x < from), s.count_until(to))
                } else {
                    (0, 0)
                }
            })
            .collect();
        std::iter::from_fn(move || {
            let mut best: Option<(UnixNanos, usize)> = None;
            for (i, &(c, end)) in cursors.iter().enumerate() {
                if c < end {
                    let ts = self.series[i].ts[c];
                    if best.is_none_or(|(bt, _)| ts < bt) {
                        best = Some((ts, i));
                    }
                }
            }
            let (ts, i) = best?;
            let k = cursors[i].0;
            cursors[i].0 += 1;
            let s = &self.series[i];
            Some(Print {
                ts,
                instrument: i as u16,
                price: Price(s.price[k]),
                size: s.size[k],
                prev_price: (k > 0).then(|| Price(s.price[k - 1])),
                bar: s.is_bars(),
            })
        })
    }
}
