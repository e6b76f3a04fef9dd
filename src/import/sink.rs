//! Where every reader puts its rows. Symbols are interned once; each row is checked, then kept
//! only if it falls on the trading date: rows of earlier days fold into per-day reference
//! prices as they stream past, so memory stays bounded by the replay being written, not by the
//! input. At the end the rows are sorted stably by time and exact duplicates dropped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{Duration, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::ImportOptions;
use super::instruments::MetaTable;
use super::report::{ImportReport, Reject, Skip};
use super::symbols::{guess_kind, valid_symbol};
use crate::price::Price;
use crate::replay::bars::BarRow;
use crate::replay::columns::Divisible;
use crate::replay::manifest::InstrumentKind;
use crate::replay::trades::TradeRow;
use crate::time::{NANOS_PER_HOUR, UnixNanos, local_to_nanos, to_utc};

/// US sessions are defined in New York time whatever zone the input is written in.
pub const MARKET_TZ: Tz = chrono_tz::America::New_York;
/// A row without a vendor id (trade id, sequence number): never taken for a duplicate.
pub const NO_ID: u64 = 0;
/// The longest bar a replay holds (a day).
const MAX_BAR_S: i64 = 86_400;
/// Futures trade from 18:00 the evening before: shifting by six hours makes the Globex day
/// a calendar day.
const FUTURES_SHIFT: i64 = 6 * NANOS_PER_HOUR;

/// A vendor id folded into one number for duplicate detection (xxh3 of each part, chained so
/// that moving bytes between parts changes it; never [`NO_ID`]).
pub fn vendor_id(parts: &[&[u8]]) -> u64 {
    // Short parts (the usual ids) are hashed in one call over a stack buffer, each part
    // followed by its length so that moving bytes between parts changes the hash.
    let mut buf = [0u8; 128];
    let mut n = 0;
    for p in parts {
        if n + p.len() + 1 > buf.len() {
            return parts.iter().fold(0, |h, p| xxh3_64_with_seed(p, h)).max(1);
        }
        buf[n..n + p.len()].copy_from_slice(p);
        buf[n + p.len()] = p.len() as u8;
        n += p.len() + 1;
    }
    xxh3_64_with_seed(&buf[..n], 0).max(1)
}

/// A vendor id made of numbers (sequence, receive time, publisher), folded without going
/// through bytes; never [`NO_ID`].
pub fn vendor_id_of(parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &p in parts {
        h = (h ^ p).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
    }
    h.max(1)
}

/// xxh3 for the symbol table: looked up once per row, where SipHash cost more than the rest of
/// the row's handling.
#[derive(Default)]
pub struct BytesHasher(u64);

impl Hasher for BytesHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }
}

/// What a symbol name resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sym {
    Id(u16),
    /// Not among `--symbols`.
    NotAsked,
    Invalid,
}

/// An instrument met in the input.
#[derive(Debug, Clone)]
pub struct Seen {
    pub symbol: String,
    pub kind: InstrumentKind,
}

impl Seen {
    fn is_future(&self) -> bool {
        self.kind == InstrumentKind::Future
    }
}

/// Where a kept print came from, for duplicate detection and its message.
#[derive(Debug, Clone, Copy)]
struct Tag {
    id: u64,
    line: u32,
    file: u16,
}

/// One instrument's kept prints, in arrival order, column-wise: the columns become the replay's
/// columns as they are (sorted only if they arrived out of order).
///
/// What `finish` would otherwise compute in passes over every row is kept up to date as rows
/// arrive (on the parsing thread, which waits for input anyway): whether the rows are in time
/// order and free of duplicates, their price divisor and time range.
#[derive(Debug)]
struct Staging {
    ts: Vec<UnixNanos>,
    price: Vec<i64>,
    size: Vec<u32>,
    tag: Vec<Tag>,
    /// In time order, with every duplicate already dropped as it arrived: `finish` need not
    /// sort or look for duplicates.
    clean: bool,
    /// Greatest common divisor of the prices pushed, and the test for it. Exact unless rows
    /// were removed since (`gcd_exact`).
    gcd: i64,
    divides: Divisible,
    gcd_exact: bool,
    /// Bounds of the times pushed (rows removed since leave them loose, never wrong).
    lo: UnixNanos,
    hi: UnixNanos,
}

impl Default for Staging {
    fn default() -> Self {
        Staging {
            ts: Vec::new(),
            price: Vec::new(),
            size: Vec::new(),
            tag: Vec::new(),
            clean: true,
            gcd: 0,
            divides: Divisible::by(1),
            gcd_exact: true,
            lo: UnixNanos::MAX,
            hi: UnixNanos::MIN,
        }
    }
}

/// Rows of one time an arriving print is compared with before `finish` takes over.
const ONLINE_RUN: usize = 16;

impl Staging {
    fn len(&self) -> usize {
        self.ts.len()
    }

    /// Appends a row, keeping the running state; `Some(first)` instead when it repeats a row
    /// already kept (same time, price, size and vendor id), which is then not appended.
    #[inline]
    fn push(&mut self, ts: UnixNanos, price: i64, size: u32, tag: Tag) -> Option<Tag> {
        if let Some(&last) = self.ts.last()
            && self.clean
            && ts <= last
        {
            if ts < last {
                self.clean = false;
            } else if tag.id != NO_ID {
                let n = self.ts.len();
                let run = self.ts[n.saturating_sub(ONLINE_RUN)..]
                    .iter()
                    .rev()
                    .take_while(|&&t| t == ts)
                    .count();
                let found = (n - run..n).find(|&k| {
                    self.price[k] == price && self.size[k] == size && self.tag[k].id == tag.id
                });
                if let Some(k) = found {
                    return Some(self.tag[k]);
                }
                // A longer run than is compared here: `finish` checks it all.
                if run == ONLINE_RUN {
                    self.clean = false;
                }
            }
        }
        if self.gcd == 0 || !self.divides.test(price) {
            self.gcd = gcd(self.gcd, price);
            self.divides = Divisible::by(self.gcd);
        }
        self.lo = self.lo.min(ts);
        self.hi = self.hi.max(ts);
        self.ts.push(ts);
        self.price.push(price);
        self.size.push(size);
        self.tag.push(tag);
        None
    }

    /// Keeps the rows for which `keep(ts)` holds.
    fn retain(&mut self, mut keep: impl FnMut(UnixNanos) -> bool) {
        let mut kept = 0;
        for k in 0..self.ts.len() {
            if keep(self.ts[k]) {
                self.ts[kept] = self.ts[k];
                self.price[kept] = self.price[k];
                self.size[kept] = self.size[k];
                self.tag[kept] = self.tag[k];
                kept += 1;
            }
        }
        if kept < self.ts.len() {
            self.gcd_exact = false;
        }
        self.truncate(kept);
    }

    fn move_row(&mut self, from: usize, to: usize) {
        if from != to {
            self.ts[to] = self.ts[from];
            self.price[to] = self.price[from];
            self.size[to] = self.size[from];
            self.tag[to] = self.tag[from];
        }
    }

    fn truncate(&mut self, n: usize) {
        self.ts.truncate(n);
        self.price.truncate(n);
        self.size.truncate(n);
        self.tag.truncate(n);
    }

    /// Stable sort by time, done only when the rows are not already in order.
    fn sort(&mut self) {
        if self.ts.is_sorted() {
            return;
        }
        let mut order: Vec<u32> = (0..self.ts.len() as u32).collect();
        order.sort_by_key(|&k| self.ts[k as usize]);
        fn gather<T: Copy>(v: &mut Vec<T>, order: &[u32]) {
            *v = order.iter().map(|&k| v[k as usize]).collect();
        }
        gather(&mut self.ts, &order);
        gather(&mut self.price, &order);
        gather(&mut self.size, &order);
        gather(&mut self.tag, &order);
    }
}

#[derive(Debug, Clone, Copy)]
struct StagedBar {
    bar: BarRow,
    line: u32,
    file: u16,
}

/// Where a row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Keep,
    Skip(Skip),
}

/// Maps instants to trading days without a time-zone lookup per row: the UTC span of the last
/// day found is remembered.
#[derive(Debug, Clone, Copy)]
struct DayCache {
    shift: i64,
    lo: UnixNanos,
    hi: UnixNanos,
    day: NaiveDate,
}

impl DayCache {
    fn new(shift: i64) -> Self {
        DayCache {
            shift,
            lo: 0,
            hi: 0,
            day: NaiveDate::MIN,
        }
    }

    #[inline]
    fn day_of(&mut self, ts: UnixNanos) -> NaiveDate {
        if ts >= self.lo && ts < self.hi {
            return self.day;
        }
        self.find(ts)
    }

    #[cold]
    fn find(&mut self, ts: UnixNanos) -> NaiveDate {
        let day = to_utc(ts + self.shift)
            .with_timezone(&MARKET_TZ)
            .date_naive();
        let midnight = |d: NaiveDate| {
            local_to_nanos(MARKET_TZ, d.and_time(NaiveTime::MIN)).unwrap_or(ts) - self.shift
        };
        self.lo = midnight(day);
        self.hi = midnight(day + Duration::days(1));
        self.day = day;
        day
    }
}

/// [`Sink::trading_day`] on borrowed parts, for use while other fields are borrowed.
fn self_day(seen: &[Seen], days: &mut [DayCache; 2], inst: u16, ts: UnixNanos) -> NaiveDate {
    days[usize::from(seen[inst as usize].is_future())].day_of(ts)
}

/// New York wall time on `day` as UTC nanoseconds.
pub fn at(day: NaiveDate, hh: u32, mm: u32) -> UnixNanos {
    let t = NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN);
    // No US session boundary falls in a daylight-saving gap (those are at 02:00).
    local_to_nanos(MARKET_TZ, day.and_time(t)).unwrap_or_default()
}

/// An instrument's trading day on `day`: regular hours for stocks, Globex for futures.
pub fn day_session(kind: InstrumentKind, day: NaiveDate) -> (UnixNanos, UnixNanos) {
    if kind == InstrumentKind::Future {
        (at(day - Duration::days(1), 18, 0), at(day, 17, 0))
    } else {
        (at(day, 9, 30), at(day, 16, 0))
    }
}

/// The replay's span on `day`: 04:00–20:00, from 18:00 the evening before when futures trade.
pub fn replay_span(day: NaiveDate, has_future: bool) -> (UnixNanos, UnixNanos) {
    let start = if has_future {
        at(day - Duration::days(1), 18, 0)
    } else {
        at(day, 4, 0)
    };
    (start, at(day, 20, 0))
}

/// The last day-session price of one instrument on one earlier day.
#[derive(Debug, Clone, Copy)]
pub struct PriorPrice {
    pub ts: UnixNanos,
    pub price: Price,
    pub from_bar: bool,
}

/// An instrument of the replay with what the writer needs to know about its rows.
#[derive(Debug, Clone)]
pub struct Collected {
    pub seen: Seen,
    /// Greatest common divisor of every price written (1e-9 units).
    pub price_gcd: i64,
    /// First print (or first bar's open) on the trading date.
    pub first: Price,
    /// The last day-session price of the latest earlier day in the data, and that day.
    pub prior: Option<(NaiveDate, PriorPrice)>,
    pub has_bars: bool,
}

/// One instrument's prints in time order, column-wise.
#[derive(Debug, Default)]
pub struct PrintColumns {
    pub ts: Vec<UnixNanos>,
    pub price: Vec<i64>,
    pub size: Vec<u32>,
}

impl PrintColumns {
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

/// Everything read, ready to be written.
pub struct Output {
    pub date: NaiveDate,
    pub has_future: bool,
    /// In output order; `BarRow::instrument` and `prints` index this.
    pub instruments: Vec<Collected>,
    /// Per instrument (as `instruments`), its prints.
    pub prints: Vec<PrintColumns>,
    pub bars: Vec<BarRow>,
}

impl Output {
    pub fn print_count(&self) -> usize {
        self.prints.iter().map(PrintColumns::len).sum()
    }

    /// Every print in time order (ties in instrument order), for the text prints file.
    pub fn trades_in_time_order(&self) -> Vec<TradeRow> {
        let mut rows = Vec::with_capacity(self.print_count());
        for (i, p) in self.prints.iter().enumerate() {
            rows.extend((0..p.len()).map(|k| TradeRow {
                ts: p.ts[k],
                instrument: i as u16,
                price: Price(p.price[k]),
                size: p.size[k],
            }));
        }
        rows.sort_by_key(|r| r.ts);
        rows
    }
}

pub struct Sink<'a> {
    opts: &'a ImportOptions,
    meta: &'a MetaTable,
    pub report: ImportReport,
    files: Vec<String>,
    file: u16,
    seen: Vec<Seen>,
    by_name: HashMap<Vec<u8>, Sym, BuildHasherDefault<BytesHasher>>,
    by_upper: HashMap<String, u16>,
    /// The last name resolved and what it resolved to (rows come in runs of one symbol).
    last_name: Vec<u8>,
    last_sym: Sym,
    asked: Option<HashSet<String>>,
    target: Option<NaiveDate>,
    /// A day after `target` seen only on an earlier calendar date so far (futures from 18:00).
    pending: Option<NaiveDate>,
    /// Per instrument met (as `seen`), the prints kept so far.
    staged: Vec<Staging>,
    bars: Vec<StagedBar>,
    prior: BTreeMap<(u16, NaiveDate), PriorPrice>,
    days: [DayCache; 2],
    sessions: HashMap<(bool, NaiveDate), (UnixNanos, UnixNanos)>,
}

impl<'a> Sink<'a> {
    pub fn new(opts: &'a ImportOptions, meta: &'a MetaTable) -> Self {
        let asked = (!opts.symbols.is_empty()).then(|| {
            opts.symbols
                .iter()
                .map(|s| s.to_ascii_uppercase())
                .collect()
        });
        Sink {
            opts,
            meta,
            report: ImportReport::default(),
            files: Vec::new(),
            file: 0,
            seen: Vec::new(),
            by_name: HashMap::default(),
            by_upper: HashMap::new(),
            last_name: Vec::new(),
            last_sym: Sym::Invalid,
            asked,
            target: opts.date,
            pending: None,
            staged: Vec::new(),
            bars: Vec::new(),
            prior: BTreeMap::new(),
            days: [DayCache::new(0), DayCache::new(FUTURES_SHIFT)],
            sessions: HashMap::new(),
        }
    }

    /// Rows from now on come from `label` (as shown in problems).
    pub fn begin_file(&mut self, label: &str) {
        self.file = self.files.len().min(u16::MAX as usize) as u16;
        self.files.push(label.to_string());
    }

    /// Resolves a symbol as written in the input; `hint` is the kind the format suggests
    /// (Databento's CME dataset holds futures).
    pub fn symbol(&mut self, name: &[u8], hint: Option<InstrumentKind>) -> Sym {
        // An empty name starts out resolved to `Invalid`, which is right.
        if self.last_name == name {
            return self.last_sym;
        }
        let sym = if let Some(&s) = self.by_name.get(name) {
            s
        } else {
            let s = self.intern(name, hint);
            self.by_name.insert(name.to_vec(), s);
            s
        };
        self.last_name.clear();
        self.last_name.extend_from_slice(name);
        self.last_sym = sym;
        sym
    }

    fn intern(&mut self, name: &[u8], hint: Option<InstrumentKind>) -> Sym {
        let Some(symbol) = std::str::from_utf8(name).ok().map(str::trim) else {
            return Sym::Invalid;
        };
        if !valid_symbol(symbol) {
            return Sym::Invalid;
        }
        let mut upper = symbol.to_ascii_uppercase();
        if self.asked.as_ref().is_some_and(|a| !a.contains(&upper)) {
            return Sym::NotAsked;
        }
        // A vendor's contract code (`NQH5`) under the name the replay uses (`NQH25`).
        let mut symbol = symbol;
        if let Some((_, to)) = self
            .opts
            .rename
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(&upper))
        {
            symbol = to;
            upper = to.to_ascii_uppercase();
        }
        // The replay treats symbols case-insensitively: `nvda` and `NVDA` are one instrument.
        if let Some(&id) = self.by_upper.get(&upper) {
            return Sym::Id(id);
        }
        if self.seen.len() >= u16::MAX as usize {
            return Sym::Invalid;
        }
        let kind = self
            .meta
            .get(&upper)
            .and_then(|m| m.kind)
            .or(self.opts.kind)
            .or(hint)
            .unwrap_or_else(|| guess_kind(symbol));
        let id = self.seen.len() as u16;
        self.seen.push(Seen {
            symbol: symbol.to_string(),
            kind,
        });
        self.staged.push(Staging::default());
        self.by_upper.insert(upper, id);
        Sym::Id(id)
    }

    /// Counts a row whose symbol could not be used.
    pub fn bad_symbol(&mut self, line: u64, sym: Sym, name: &[u8]) {
        match sym {
            Sym::NotAsked => self.skip(Skip::NotAsked),
            _ => self.reject(line, Reject::Symbol, "symbol", || {
                format!(
                    "{:?} is not a symbol (1-32 of A-Z a-z 0-9 . - _ / ^ =)",
                    super::fields::shown(name)
                )
            }),
        }
    }

    pub fn reject(
        &mut self,
        line: u64,
        why: Reject,
        field: &str,
        message: impl FnOnce() -> String,
    ) {
        self.report.read += 1;
        self.report.reject(why);
        let file = self.files.last().map_or("", String::as_str);
        let sep = if field.is_empty() { "" } else { ": " };
        self.report
            .problem(|| format!("{file}:{line}: {field}{sep}{}", message()));
    }

    /// The upper-case symbols of `--symbols`, if given.
    pub fn asked(&self) -> Option<&HashSet<String>> {
        self.asked.as_ref()
    }

    /// Counts `n` rows skipped before they were parsed (see `asked_only`).
    pub fn skip_rows(&mut self, why: Skip, n: u64) {
        self.report.read += n;
        self.report.skip(why, n);
    }

    pub fn skip(&mut self, why: Skip) {
        self.report.read += 1;
        self.report.skip(why, 1);
    }

    /// Which day `ts` trades on for this instrument.
    #[inline]
    fn trading_day(&mut self, inst: u16, ts: UnixNanos) -> NaiveDate {
        self_day(&self.seen, &mut self.days, inst, ts)
    }

    /// Where a row of trading `day` at `ts` goes. Without `--date` the trading date is the
    /// latest day that has a row on its own calendar date: a futures print at 18:30 opens the
    /// next Globex day, which becomes the replay's date only once that day itself is in the data
    /// (a Databento UTC-day file of CME data ends at 19:00 New York time).
    ///
    /// Every kept row is of the target day or of the pending day; which one follows from its
    /// time, so rows carry no flag.
    #[inline]
    fn place(&mut self, day: NaiveDate, ts: UnixNanos) -> Place {
        // The usual case, whether or not `--date` set the target.
        if self.target == Some(day) {
            return Place::Keep;
        }
        if let Some(d) = self.opts.date {
            return match day.cmp(&d) {
                std::cmp::Ordering::Equal => Place::Keep,
                std::cmp::Ordering::Less => Place::Skip(Skip::EarlierDay),
                std::cmp::Ordering::Greater => Place::Skip(Skip::LaterDay),
            };
        }
        if self.target == Some(day) {
            return Place::Keep;
        }
        if self.target.is_some_and(|t| day < t) {
            return Place::Skip(Skip::EarlierDay);
        }
        if self.days[0].day_of(ts) == day {
            if let Some(t) = self.target {
                self.retire(t);
            }
            match self.pending {
                Some(p) if p == day => self.pending = None,
                Some(p) if p < day => {
                    self.retire(p);
                    self.pending = None;
                }
                _ => {}
            }
            self.target = Some(day);
            return Place::Keep;
        }
        match self.pending {
            Some(p) if p == day => Place::Keep,
            Some(p) if day < p => Place::Skip(Skip::EarlierDay),
            Some(p) => {
                self.retire(p);
                self.pending = Some(day);
                Place::Keep
            }
            None => {
                self.pending = Some(day);
                Place::Keep
            }
        }
    }

    /// The kept rows of `day` become an earlier day: only their reference prices remain.
    fn retire(&mut self, day: NaiveDate) {
        let mut staged = std::mem::take(&mut self.staged);
        let bars = std::mem::take(&mut self.bars);
        let mut n = 0;
        for (inst, st) in staged.iter_mut().enumerate() {
            let inst = inst as u16;
            for k in 0..st.len() {
                if self.trading_day(inst, st.ts[k]) == day {
                    self.fold(inst, day, st.ts[k], Price(st.price[k]), false);
                    n += 1;
                }
            }
            st.retain(|ts| self.trading_day(inst, ts) != day);
        }
        for b in &bars {
            if self.trading_day(b.bar.instrument, b.bar.ts) == day {
                self.fold(b.bar.instrument, day, b.bar.ts, b.bar.close, true);
                n += 1;
            }
        }
        self.report.skip(Skip::EarlierDay, n);
        self.staged = staged;
        self.bars = bars;
        self.bars
            .retain(|b| self_day(&self.seen, &mut self.days, b.bar.instrument, b.bar.ts) != day);
    }

    /// Remembers the last day-session price of `inst` on an earlier `day`.
    fn fold(&mut self, inst: u16, day: NaiveDate, ts: UnixNanos, price: Price, from_bar: bool) {
        let future = self.seen[inst as usize].is_future();
        let kind = self.seen[inst as usize].kind;
        let (lo, hi) = *self
            .sessions
            .entry((future, day))
            .or_insert_with(|| day_session(kind, day));
        if ts < lo || ts >= hi {
            return;
        }
        let p = PriorPrice {
            ts,
            price,
            from_bar,
        };
        self.prior
            .entry((inst, day))
            .and_modify(|old| {
                if ts >= old.ts {
                    *old = p;
                }
            })
            .or_insert(p);
    }

    /// A print. `id` is the vendor's trade id or sequence ([`NO_ID`] when the format has none).
    #[inline]
    pub fn trade(&mut self, line: u64, ts: UnixNanos, inst: u16, price: Price, size: u32, id: u64) {
        if price.0 <= 0 {
            return self.reject(line, Reject::Price, "price", || {
                format!("{price} is not a positive price")
            });
        }
        if size == 0 {
            return self.reject(line, Reject::Size, "size", || "0 is not positive".into());
        }
        let day = self.trading_day(inst, ts);
        match self.place(day, ts) {
            Place::Keep => {
                let tag = Tag {
                    id,
                    line: line.min(u64::from(u32::MAX)) as u32,
                    file: self.file,
                };
                let st = &mut self.staged[inst as usize];
                // Only rows of the trading date itself are compared as they arrive: rows that
                // may yet turn out to be of another day are counted as that when they go.
                if self.target != Some(day) {
                    st.clean = false;
                }
                match st.push(ts, price.0, size, tag) {
                    None => self.report.read += 1,
                    Some(first) => {
                        self.skip(Skip::Duplicate);
                        self.duplicate_problem(tag.file, tag.line, first.file, first.line);
                    }
                }
            }
            Place::Skip(skip) => {
                if skip == Skip::EarlierDay {
                    self.fold(inst, day, ts, price, false);
                }
                self.skip(skip);
            }
        }
    }

    /// A bar starting at `ts`; `interval_s` 0 means "infer from the spacing of the bars".
    pub fn bar(&mut self, line: u64, bar: BarRow) {
        let BarRow {
            open,
            high,
            low,
            close,
            ..
        } = bar;
        if let Some((field, p)) = [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ]
        .into_iter()
        .find(|(_, p)| p.0 <= 0)
        {
            return self.reject(line, Reject::Price, field, || {
                format!("{p} is not a positive price")
            });
        }
        if i64::from(bar.interval_s) > MAX_BAR_S {
            let n = bar.interval_s;
            return self.reject(line, Reject::Bar, "interval_s", || {
                format!("{n} is not a bar length from 1 to {MAX_BAR_S} seconds")
            });
        }
        if low > high || open < low || open > high || close < low || close > high {
            return self.reject(line, Reject::Bar, "bar", || {
                format!("open {open} high {high} low {low} close {close} do not fit together")
            });
        }
        let day = self.trading_day(bar.instrument, bar.ts);
        match self.place(day, bar.ts) {
            Place::Keep => {
                self.report.read += 1;
                self.bars.push(StagedBar {
                    bar,
                    line: line.min(u64::from(u32::MAX)) as u32,
                    file: self.file,
                });
            }
            Place::Skip(skip) => {
                if skip == Skip::EarlierDay {
                    self.fold(bar.instrument, day, bar.ts, close, true);
                }
                self.skip(skip);
            }
        }
    }

    /// Sorts, removes duplicates and rows outside the replay, and orders the instruments.
    /// `None` when no row is left.
    pub fn finish(mut self) -> (Option<Output>, ImportReport) {
        // Only evening futures prints: their Globex day is all there is.
        if self.target.is_none() {
            self.target = self.pending.take();
        }
        let Some(date) = self.target else {
            return (None, self.report);
        };
        let mut staged = std::mem::take(&mut self.staged);
        let mut bars = std::mem::take(&mut self.bars);
        // Rows of a pending later day (futures after 18:00) are not the trading date's.
        if self.pending.is_some() {
            let before = staged.iter().map(Staging::len).sum::<usize>() + bars.len();
            for (inst, st) in staged.iter_mut().enumerate() {
                st.retain(|ts| self_day(&self.seen, &mut self.days, inst as u16, ts) == date);
            }
            bars.retain(|b| {
                self_day(&self.seen, &mut self.days, b.bar.instrument, b.bar.ts) == date
            });
            let after = staged.iter().map(Staging::len).sum::<usize>() + bars.len();
            self.report.skip(Skip::LaterDay, (before - after) as u64);
        }
        let future = |inst: usize| self.seen[inst].is_future();
        let has_future = staged
            .iter()
            .enumerate()
            .any(|(i, st)| st.len() > 0 && future(i))
            || bars.iter().any(|b| future(b.bar.instrument as usize));
        let (start, end) = replay_span(date, has_future);

        self.infer_intervals(&mut bars);
        let before = staged.iter().map(Staging::len).sum::<usize>() + bars.len();
        for st in &mut staged {
            if st.lo < start || st.hi > end {
                st.retain(|t| t >= start && t <= end);
            }
        }
        // A bar is shown when complete: it must end inside the replay too.
        bars.retain(|b| b.bar.ts >= start && b.bar.visible_at() <= end);
        let after = staged.iter().map(Staging::len).sum::<usize>() + bars.len();
        self.report
            .skip(Skip::OutsideSessions, (before - after) as u64);

        // Instruments are independent here: two threads share them.
        let dups = for_each_instrument(&mut staged, |st| {
            if st.clean {
                return Vec::new();
            }
            st.sort();
            drop_duplicate_trades(st)
        });
        for (dup, first) in dups.into_iter().flatten() {
            self.report.skip(Skip::Duplicate, 1);
            self.duplicate_problem(dup.file, dup.line, first.file, first.line);
        }
        bars.sort_by_key(|b| b.bar.ts);
        self.drop_duplicate_bars(&mut bars);

        let has_trades: Vec<bool> = staged.iter().map(|st| st.len() > 0).collect();
        let before = bars.len();
        bars.retain(|b| !has_trades[b.bar.instrument as usize]);
        self.report
            .skip(Skip::BarsWithPrints, (before - bars.len()) as u64);
        let mut shortest = vec![u32::MAX; self.seen.len()];
        for b in &bars {
            let s = &mut shortest[b.bar.instrument as usize];
            *s = (*s).min(b.bar.interval_s);
        }
        let before = bars.len();
        bars.retain(|b| b.bar.interval_s == shortest[b.bar.instrument as usize]);
        self.report
            .skip(Skip::CoarserBars, (before - bars.len()) as u64);

        let mut present = has_trades;
        for b in &bars {
            present[b.bar.instrument as usize] = true;
        }
        let order = self.output_order(&present);
        let mut remap = vec![u16::MAX; self.seen.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u16;
        }
        let gcds = for_each_instrument(&mut staged, |st| {
            if st.gcd_exact {
                st.gcd
            } else {
                gcd_of(&st.price)
            }
        });
        let mut instruments: Vec<Collected> = order
            .iter()
            .map(|&old| {
                let st = &staged[old];
                Collected {
                    seen: self.seen[old].clone(),
                    price_gcd: gcds[old],
                    first: st.price.first().map_or(Price::ZERO, |&p| Price(p)),
                    prior: self.prior_price(old as u16, date),
                    has_bars: false,
                }
            })
            .collect();
        for b in &bars {
            let c = &mut instruments[remap[b.bar.instrument as usize] as usize];
            if c.first == Price::ZERO {
                c.first = b.bar.open;
            }
            c.has_bars = true;
            for p in [b.bar.open, b.bar.high, b.bar.low, b.bar.close] {
                c.price_gcd = gcd(c.price_gcd, p.0);
            }
        }
        // The tags were only for duplicates: their memory goes before writing, handed back on a
        // thread of its own (a third of the staged bytes, tens of milliseconds to unmap).
        let mut tags = Vec::with_capacity(order.len());
        let prints: Vec<PrintColumns> = order
            .iter()
            .map(|&old| {
                let st = std::mem::take(&mut staged[old]);
                tags.push(st.tag);
                PrintColumns {
                    ts: st.ts,
                    price: st.price,
                    size: st.size,
                }
            })
            .collect();
        let tag_bytes = tags
            .iter()
            .map(|t| t.capacity() * std::mem::size_of::<Tag>())
            .sum();
        crate::par::drop_in_background(tags, tag_bytes);
        self.report.trades = prints.iter().map(|p| p.len() as u64).sum();
        self.report.bars = bars.len() as u64;
        self.report.instruments = instruments.len();
        self.report.date = Some(date.to_string());
        if self.report.trades == 0 && bars.is_empty() {
            return (None, self.report);
        }
        let bars = bars
            .into_iter()
            .map(|b| BarRow {
                instrument: remap[b.bar.instrument as usize],
                ..b.bar
            })
            .collect();
        let out = Output {
            date,
            has_future,
            instruments,
            prints,
            bars,
        };
        (Some(out), self.report)
    }

    fn prior_price(&self, inst: u16, date: NaiveDate) -> Option<(NaiveDate, PriorPrice)> {
        self.prior
            .range((inst, NaiveDate::MIN)..(inst, date))
            .next_back()
            .map(|(&(_, day), &p)| (day, p))
    }

    /// Instruments named in the metadata file come first, in its order; the rest by symbol.
    fn output_order(&self, present: &[bool]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.seen.len()).filter(|&i| present[i]).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| {
                let upper = self.seen[i].symbol.to_ascii_uppercase();
                (self.meta.position(&upper).unwrap_or(usize::MAX), upper)
            };
            key(a).cmp(&key(b))
        });
        order
    }

    /// Two bars of one instrument with the same start: the first is kept; an identical second
    /// is a duplicate, a different one is rejected.
    fn drop_duplicate_bars(&mut self, rows: &mut Vec<StagedBar>) {
        let mut kept = 0;
        let mut run = 0;
        for i in 0..rows.len() {
            let r = rows[i];
            if kept == 0 || rows[kept - 1].bar.ts != r.bar.ts {
                run = kept;
            }
            let same = rows[run..kept]
                .iter()
                .find(|k| k.bar.instrument == r.bar.instrument)
                .copied();
            match same {
                Some(first) if first.bar == r.bar => {
                    self.report.skip(Skip::Duplicate, 1);
                    self.duplicate_problem(r.file, r.line, first.file, first.line);
                }
                Some(first) => {
                    // Counted as read already; now rejected instead of kept.
                    self.report.reject(Reject::Bar);
                    let (f, l) = (&self.files[r.file as usize], r.line);
                    let of = self.origin(first.file, first.line, r.file);
                    self.report.problem(|| {
                        format!("{f}:{l}: bar: another bar of the same instrument starts at the same time ({of})")
                    });
                }
                None => {
                    rows[kept] = r;
                    kept += 1;
                }
            }
        }
        rows.truncate(kept);
    }

    fn origin(&self, file: u16, line: u32, from: u16) -> String {
        if file == from {
            format!("line {line}")
        } else {
            format!("{}:{line}", self.files[file as usize])
        }
    }

    fn duplicate_problem(&mut self, file: u16, line: u32, first_file: u16, first_line: u32) {
        let f = &self.files[file as usize];
        let of = self.origin(first_file, first_line, file);
        self.report
            .problem(|| format!("{f}:{line}: row: exact duplicate of {of} (skipped)"));
    }

    /// Bars read without an interval take the smallest spacing between an instrument's bars
    /// (60 s when it has a single bar).
    #[allow(clippy::unused_self)] // a step of `finish`, beside the others
    fn infer_intervals(&mut self, bars: &mut [StagedBar]) {
        let mut last: HashMap<u16, UnixNanos> = HashMap::new();
        let mut gap: BTreeMap<u16, i64> = BTreeMap::new();
        for b in bars.iter().filter(|b| b.bar.interval_s == 0) {
            let i = b.bar.instrument;
            if let Some(prev) = last.insert(i, b.bar.ts)
                && b.bar.ts > prev
            {
                let g = gap.entry(i).or_insert(i64::MAX);
                *g = (*g).min(b.bar.ts - prev);
            }
        }
        for b in bars.iter_mut().filter(|b| b.bar.interval_s == 0) {
            let g = gap
                .get(&b.bar.instrument)
                .copied()
                .unwrap_or(60 * 1_000_000_000);
            b.bar.interval_s = (g / 1_000_000_000).clamp(1, MAX_BAR_S) as u32;
        }
    }
}

/// Drops rows equal to an earlier row of the instrument in time, price, size and vendor id
/// (rows without an id are never duplicates: two real prints can look alike). `st` is sorted by
/// time. Returns each duplicate with the row it repeats.
fn drop_duplicate_trades(st: &mut Staging) -> Vec<(Tag, Tag)> {
    let key = |st: &Staging, k: usize| (st.price[k], st.size[k], st.tag[k].id);
    let mut dups = Vec::new();
    let mut kept = 0;
    let mut run = 0;
    let mut seen: HashMap<(i64, u32, u64), usize> = HashMap::new();
    for i in 0..st.len() {
        if kept == 0 || st.ts[kept - 1] != st.ts[i] {
            run = kept;
            if !seen.is_empty() {
                seen.clear();
            }
            // A lone print at its time, the usual case: nothing to compare.
            if i + 1 == st.len() || st.ts[i + 1] != st.ts[i] {
                st.move_row(i, kept);
                kept += 1;
                continue;
            }
        }
        let r = key(st, i);
        let dup = if r.2 == NO_ID {
            None
        } else if kept - run <= 16 {
            (run..kept).find(|&k| key(st, k) == r)
        } else {
            if seen.is_empty() {
                for k in run..kept {
                    seen.entry(key(st, k)).or_insert(k);
                }
            }
            seen.get(&r).copied()
        };
        if let Some(first) = dup {
            dups.push((st.tag[i], st.tag[first]));
        } else {
            if !seen.is_empty() {
                seen.entry(r).or_insert(kept);
            }
            st.move_row(i, kept);
            kept += 1;
        }
    }
    st.truncate(kept);
    dups
}

/// `f` on every instrument's staging, the rows split about evenly between two threads;
/// results in instrument order.
fn for_each_instrument<T: Send>(
    staged: &mut [Staging],
    f: impl Fn(&mut Staging) -> T + Sync,
) -> Vec<T> {
    let jobs: Vec<&mut Staging> = staged.iter_mut().collect();
    crate::par::map_balanced(jobs, |st| st.len(), f)
}

/// The greatest common divisor of `prices`, testing each against the divisor found so far
/// without a division (it changes only a few times).
fn gcd_of(prices: &[i64]) -> i64 {
    let mut g = 0;
    let mut test = Divisible::by(1);
    for &p in prices {
        if g == 0 || !test.test(p) {
            g = gcd(g, p);
            test = Divisible::by(g);
        }
    }
    g
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    // Most prices are already multiples of the divisor found so far.
    if a != 0 && b % a == 0 {
        return a as i64;
    }
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trading_days() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 27).unwrap();
        let mut stocks = DayCache::new(0);
        let mut futures = DayCache::new(FUTURES_SHIFT);
        let sun_evening = at(d - Duration::days(1), 18, 0);
        assert_eq!(stocks.day_of(sun_evening), d - Duration::days(1));
        assert_eq!(futures.day_of(sun_evening), d);
        assert_eq!(futures.day_of(at(d, 16, 59)), d);
        assert_eq!(futures.day_of(at(d, 18, 0)), d + Duration::days(1));
        assert_eq!(stocks.day_of(at(d, 23, 59)), d);
    }

    #[test]
    fn gcd_of_prices() {
        assert_eq!(gcd_of(&[]), 0);
        assert_eq!(gcd_of(&[124_800_000_000]), 124_800_000_000);
        assert_eq!(
            gcd_of(&[124_800_000_000, 124_810_000_000, 124_817_600_000]),
            400_000
        );
        assert_eq!(gcd_of(&[6, 10, 15]), 1);
    }

    #[test]
    fn gcds() {
        assert_eq!(gcd(0, 124_800_000_000), 124_800_000_000);
        assert_eq!(gcd(10_000_000, 124_810_000_000), 10_000_000);
        assert_eq!(gcd(10_000_000, 124_817_600_000), 400_000);
    }

    #[test]
    fn vendor_ids_are_never_the_no_id_value() {
        assert_ne!(vendor_id(&[b"1"]), NO_ID);
        assert_ne!(vendor_id(&[b"1", b"2"]), vendor_id(&[b"12"]));
    }
}
