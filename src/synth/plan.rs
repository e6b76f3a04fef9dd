//! Reads an anchor file into a plan: every time parsed, every figure checked against the others,
//! each instrument's trading hours cut into segments (pinned bars and the free stretches between
//! them), every level and extreme attached to the segment it constrains, and one provenance
//! record per pinned figure. Everything that can be wrong with an anchor file is found here.

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::SynthError;
use super::anchors::{AnchorFile, AnchorInstrument, DailyBar, ExtremeKind, IntradayBar, Level};
use crate::price::Price;
use crate::replay::manifest::{AnchorRecord, InstrumentKind};
use crate::time::{self, NANOS_PER_SEC, UnixNanos};

/// A level counts as live when a print carrying it falls within this long before its time.
pub(crate) const LIVE_NS: i64 = 60 * NANOS_PER_SEC;

/// Expected prints for `activity` 1.0: a typical large stock, or a typical index future (which
/// trades several times as often over its longer day).
const PRINTS_PER_ACTIVITY_EQUITY: f64 = 8_500.0;
const PRINTS_PER_ACTIVITY_FUTURE: f64 = 35_000.0;

/// Half-open interval of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: UnixNanos,
    pub end: UnixNanos,
}

impl Span {
    pub(crate) fn contains(self, t: UnixNanos) -> bool {
        self.start <= t && t < self.end
    }
}

pub(crate) struct Plan {
    pub tz: Tz,
    pub start: UnixNanos,
    pub end: UnixNanos,
    /// The `regular` session, which shapes futures activity in the cash hours.
    pub cash: Option<Span>,
    pub sectors: Vec<String>,
    pub instruments: Vec<InstrumentPlan>,
    /// The instrument whose path is the market factor for all the others.
    pub market: Option<usize>,
    pub records: Vec<AnchorRecord>,
}

pub(crate) struct InstrumentPlan {
    pub symbol: String,
    pub kind: InstrumentKind,
    pub tick: Price,
    pub beta: f64,
    /// Expected number of prints over the whole replay.
    pub target_prints: f64,
    pub sector: usize,
    /// The day session; equity activity is shaped around it.
    pub day: Span,
    /// Trading hours cut into pinned bars and free stretches, in time order, contiguous.
    pub segments: Vec<Segment>,
    /// Sorted by time.
    pub levels: Vec<LevelPin>,
    /// Set when the daily volume is simulated rather than sourced.
    pub simulated_volume: Option<u64>,
}

pub(crate) struct Segment {
    pub span: Span,
    pub bar: Option<Bar>,
}

/// A bar whose open, high, low, close and volume the prints must reproduce exactly.
pub(crate) struct Bar {
    /// `daily` or e.g. `hour 05:00`, for messages.
    pub label: String,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
    pub high_window: Option<Span>,
    pub low_window: Option<Span>,
}

impl Bar {
    pub(crate) fn window(&self, which: ExtremeKind) -> Option<Span> {
        match which {
            ExtremeKind::High => self.high_window,
            ExtremeKind::Low => self.low_window,
        }
    }

    pub(crate) fn extreme(&self, which: ExtremeKind) -> Price {
        match which {
            ExtremeKind::High => self.high,
            ExtremeKind::Low => self.low,
        }
    }
}

/// Which print of its segment carries a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LevelMode {
    /// The level is timed at a bar's end: the close print carries it.
    Close,
    /// A print inside the segment, within [`LIVE_NS`] before the level's time.
    Inside,
}

pub(crate) struct LevelPin {
    pub at: UnixNanos,
    pub price: Price,
    pub segment: usize,
    pub mode: LevelMode,
    /// e.g. `levels[3] at 2025-01-27T04:06:00-05:00`, for messages.
    pub label: String,
}

fn file_err(field: impl Into<String>, problem: impl Into<String>) -> SynthError {
    SynthError::File {
        field: field.into(),
        problem: problem.into(),
    }
}

fn bad(symbol: &str, field: impl Into<String>, problem: impl Into<String>) -> SynthError {
    SynthError::Anchor {
        symbol: symbol.to_string(),
        field: field.into(),
        problem: problem.into(),
    }
}

struct Times {
    tz: Tz,
    date: NaiveDate,
}

impl Times {
    fn parse(&self, text: &str) -> Result<UnixNanos, String> {
        time::parse_user_time(text, self.date, self.tz)
    }

    fn show(&self, t: UnixNanos) -> String {
        time::rfc3339_in(t, self.tz)
    }

    fn show_span(&self, s: Span) -> String {
        format!("{}/{}", self.show(s.start), self.show(s.end))
    }
}

pub(crate) fn build(file: &AnchorFile) -> Result<Plan, SynthError> {
    let tz: Tz = file.time_zone.parse().map_err(|_| {
        file_err(
            "time_zone",
            format!("unknown time zone {:?}", file.time_zone),
        )
    })?;
    let date = NaiveDate::parse_from_str(&file.trading_date, "%Y-%m-%d").map_err(|_| {
        file_err(
            "trading_date",
            format!("{:?} is not a YYYY-MM-DD date", file.trading_date),
        )
    })?;
    let times = Times { tz, date };
    let start = times.parse(&file.start).map_err(|e| file_err("start", e))?;
    let end = times.parse(&file.end).map_err(|e| file_err("end", e))?;
    if start >= end {
        return Err(file_err("end", "the replay ends before it starts"));
    }

    let mut sessions: Vec<(&str, Span)> = Vec::new();
    for (i, s) in file.sessions.iter().enumerate() {
        let field = format!("sessions[{i}] ({})", s.name);
        let span = Span {
            start: times
                .parse(&s.start)
                .map_err(|e| file_err(format!("{field}.start"), e))?,
            end: times
                .parse(&s.end)
                .map_err(|e| file_err(format!("{field}.end"), e))?,
        };
        if span.start >= span.end {
            return Err(file_err(field, "the session ends before it starts"));
        }
        if sessions.iter().any(|(n, _)| *n == s.name) {
            return Err(file_err(field, "a session of this name is already listed"));
        }
        sessions.push((s.name.as_str(), span));
    }
    let session = |name: &str| sessions.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);

    let mut records = Vec::new();
    let mut instruments: Vec<InstrumentPlan> = Vec::with_capacity(file.instruments.len());
    if file.instruments.len() > usize::from(u16::MAX) {
        return Err(file_err("instruments", "more than 65535 instruments"));
    }
    for a in &file.instruments {
        if instruments.iter().any(|p| p.symbol == a.symbol) {
            return Err(bad(&a.symbol, "symbol", "listed twice"));
        }
        let sector = file
            .sectors
            .iter()
            .position(|s| *s == a.sector)
            .ok_or_else(|| {
                bad(
                    &a.symbol,
                    "sector",
                    format!("{:?} is not in sectors", a.sector),
                )
            })?;
        let day = session(&a.day_session).ok_or_else(|| {
            bad(
                &a.symbol,
                "day_session",
                format!("no session named {:?}", a.day_session),
            )
        })?;
        // Stocks and ETFs also trade in the premarket and after-hours sessions that adjoin
        // their day; futures and indices only in their own day session.
        let mut hours = day;
        if matches!(a.kind, InstrumentKind::Stock | InstrumentKind::Etf) {
            if let Some(pre) = session("premarket").filter(|s| s.end == day.start) {
                hours.start = pre.start;
            }
            if let Some(post) = session("after-hours").filter(|s| s.start == day.end) {
                hours.end = post.end;
            }
        }
        let hours = Span {
            start: hours.start.max(start),
            end: hours.end.min(end),
        };
        if hours.start >= hours.end {
            return Err(bad(
                &a.symbol,
                "day_session",
                "its trading hours fall outside the replay's start and end",
            ));
        }
        let (segments, simulated_volume) =
            segments_of(a, &times, hours, day, (start, end), &mut records)?;
        instruments.push(InstrumentPlan {
            symbol: a.symbol.clone(),
            kind: a.kind,
            tick: a.tick_size,
            beta: checked_factor(a, "beta", a.beta, f64::is_finite)?,
            target_prints: checked_factor(a, "activity", a.activity, |v| v.is_finite() && v > 0.0)?
                * if a.kind == InstrumentKind::Future {
                    PRINTS_PER_ACTIVITY_FUTURE
                } else {
                    PRINTS_PER_ACTIVITY_EQUITY
                },
            sector,
            day,
            segments,
            levels: Vec::new(),
            simulated_volume,
        });
    }

    let find = |symbol: &str, field: &str| {
        file.instruments
            .iter()
            .position(|p| p.symbol == symbol)
            .ok_or_else(|| bad(symbol, field, "no instrument with this symbol"))
    };
    for (i, level) in file.levels.iter().enumerate() {
        let field = format!("levels[{i}]");
        let idx = find(&level.symbol, &field)?;
        let a = &file.instruments[idx];
        let pin = level_pin(a, level, &field, &instruments[idx], &times)?;
        records.push(AnchorRecord {
            symbol: a.symbol.clone(),
            what: match level.change_pct {
                Some(pct) => format!("level ({pct}% vs reference)"),
                None => "level".to_string(),
            },
            at: Some(times.show(pin.at)),
            value: pin.price.to_f64(),
            source: level.source.clone(),
        });
        let levels = &mut instruments[idx].levels;
        if let Some(other) = levels
            .iter()
            .find(|l| l.at == pin.at && l.price != pin.price)
        {
            return Err(bad(
                &a.symbol,
                field,
                format!(
                    "{} and {} are both the level at the same time",
                    pin.price, other.price
                ),
            ));
        }
        levels.push(pin);
    }
    for p in &mut instruments {
        p.levels.sort_by_key(|l| l.at);
    }

    for (i, x) in file.extremes.iter().enumerate() {
        let field = format!("extremes[{i}]");
        let idx = find(&x.symbol, &field)?;
        let window = Span {
            start: times
                .parse(&x.from)
                .map_err(|e| bad(&x.symbol, format!("{field}.from"), e))?,
            end: times
                .parse(&x.to)
                .map_err(|e| bad(&x.symbol, format!("{field}.to"), e))?,
        };
        if window.start >= window.end {
            return Err(bad(&x.symbol, field, "the window ends before it starts"));
        }
        let bar = instruments[idx]
            .segments
            .iter_mut()
            .filter(|s| s.span.start <= window.start && window.end <= s.span.end)
            .find_map(|s| s.bar.as_mut())
            .ok_or_else(|| {
                bad(
                    &x.symbol,
                    &field,
                    format!(
                        "window {} does not lie inside one pinned bar",
                        times.show_span(window)
                    ),
                )
            })?;
        let slot = match x.which {
            ExtremeKind::High => &mut bar.high_window,
            ExtremeKind::Low => &mut bar.low_window,
        };
        if slot.is_some() {
            return Err(bad(
                &x.symbol,
                field,
                format!(
                    "the {} bar already has a window for this extreme",
                    bar.label
                ),
            ));
        }
        *slot = Some(window);
        let which = match x.which {
            ExtremeKind::High => "high",
            ExtremeKind::Low => "low",
        };
        records.push(AnchorRecord {
            symbol: x.symbol.clone(),
            what: format!("{} {which} inside window", bar.label),
            at: Some(times.show_span(window)),
            value: bar.extreme(x.which).to_f64(),
            source: x.source.clone(),
        });
    }

    // NQ is the natural market factor for a tech tape; any other future will do.
    let is_future = |p: &&InstrumentPlan| p.kind == InstrumentKind::Future;
    let market = instruments
        .iter()
        .filter(is_future)
        .find(|p| p.symbol.starts_with("NQ"))
        .or_else(|| instruments.iter().find(is_future))
        .and_then(|m| instruments.iter().position(|p| p.symbol == m.symbol));

    Ok(Plan {
        tz,
        start,
        end,
        cash: session("regular"),
        sectors: file.sectors.clone(),
        instruments,
        market,
        records,
    })
}

fn checked_factor(
    a: &AnchorInstrument,
    field: &str,
    value: Option<f64>,
    ok: impl Fn(f64) -> bool,
) -> Result<f64, SynthError> {
    let v = value.unwrap_or(1.0);
    if ok(v) {
        Ok(v)
    } else {
        Err(bad(&a.symbol, field, format!("{v} is not usable")))
    }
}

/// Cuts the trading hours into pinned bars and free stretches, and records the pinned figures.
fn segments_of(
    a: &AnchorInstrument,
    times: &Times,
    hours: Span,
    day: Span,
    (start, end): (UnixNanos, UnixNanos),
    records: &mut Vec<AnchorRecord>,
) -> Result<(Vec<Segment>, Option<u64>), SynthError> {
    let sym = a.symbol.as_str();
    if a.tick_size.raw() <= 0 {
        return Err(bad(sym, "tick_size", "must be positive"));
    }
    let step = a.print_increment.unwrap_or(a.tick_size);
    if step.raw() <= 0 || !a.tick_size.is_multiple_of(step) {
        return Err(bad(
            sym,
            "print_increment",
            format!("{step} does not divide the tick size {}", a.tick_size),
        ));
    }
    if a.reference.raw() <= 0 {
        return Err(bad(sym, "reference", "must be positive"));
    }
    let mut pinned: Vec<(Span, Bar)> = Vec::new();
    let mut simulated = None;
    match (&a.daily, a.bars.is_empty()) {
        (Some(_), false) => {
            return Err(bad(
                sym,
                "daily",
                "give either a daily bar or intraday bars, not both",
            ));
        }
        (None, true) => return Err(bad(sym, "daily", "needs a daily bar or intraday bars")),
        (Some(d), true) => {
            if day.start < start || day.end > end {
                return Err(bad(
                    sym,
                    "daily",
                    "the day session does not lie inside the replay's start and end",
                ));
            }
            let volume = match (d.volume, a.simulated_volume) {
                (Some(v), _) => v,
                (None, Some(v)) => {
                    simulated = Some(v);
                    v
                }
                (None, None) => {
                    return Err(bad(
                        sym,
                        "daily.volume",
                        "is null and no simulated_volume is given",
                    ));
                }
            };
            let bar = daily_bar(sym, d, volume, step)?;
            record_bar(
                records,
                sym,
                &bar,
                "",
                times.show_span(day),
                &d.source,
                simulated,
            );
            pinned.push((day, bar));
        }
        (None, false) => {
            for (i, b) in a.bars.iter().enumerate() {
                let (span, bar) = intraday_bar(sym, i, b, step, times)?;
                if span.start < hours.start || span.end > hours.end {
                    return Err(bad(
                        sym,
                        format!("bars[{i}]"),
                        format!(
                            "{} lies outside the trading hours {}",
                            times.show_span(span),
                            times.show_span(hours)
                        ),
                    ));
                }
                if pinned.last().is_some_and(|(prev, _)| prev.end > span.start) {
                    return Err(bad(
                        sym,
                        format!("bars[{i}]"),
                        "starts before the previous bar ends (bars must be in time order)",
                    ));
                }
                let what = format!("{} ", bar.label);
                record_bar(
                    records,
                    sym,
                    &bar,
                    &what,
                    times.show_span(span),
                    &b.source,
                    None,
                );
                pinned.push((span, bar));
            }
        }
    }
    let mut segments = Vec::new();
    let mut t = hours.start;
    for (span, bar) in pinned {
        if span.start > t {
            segments.push(Segment {
                span: Span {
                    start: t,
                    end: span.start,
                },
                bar: None,
            });
        }
        t = span.end;
        segments.push(Segment {
            span,
            bar: Some(bar),
        });
    }
    if hours.end > t {
        segments.push(Segment {
            span: Span {
                start: t,
                end: hours.end,
            },
            bar: None,
        });
    }
    Ok((segments, simulated))
}

fn record_bar(
    records: &mut Vec<AnchorRecord>,
    symbol: &str,
    bar: &Bar,
    prefix: &str,
    at: String,
    source: &str,
    simulated: Option<u64>,
) {
    let prices = [
        ("open", bar.open),
        ("high", bar.high),
        ("low", bar.low),
        ("close", bar.close),
    ];
    for (what, p) in prices {
        records.push(AnchorRecord {
            symbol: symbol.to_string(),
            what: format!("{prefix}{what}"),
            at: Some(at.clone()),
            value: p.to_f64(),
            source: source.to_string(),
        });
    }
    records.push(AnchorRecord {
        symbol: symbol.to_string(),
        what: format!(
            "{prefix}volume{}",
            if simulated.is_some() {
                " (simulated)"
            } else {
                ""
            }
        ),
        at: Some(at),
        value: bar.volume as f64,
        source: if simulated.is_some() {
            "simulated".to_string()
        } else {
            source.to_string()
        },
    });
}

fn daily_bar(sym: &str, d: &DailyBar, volume: u64, step: Price) -> Result<Bar, SynthError> {
    check_ohlc(sym, "daily", [d.open, d.high, d.low, d.close], step)?;
    if volume == 0 {
        return Err(bad(
            sym,
            "daily.volume",
            "is zero, so no print can carry the bar",
        ));
    }
    Ok(Bar {
        label: "daily".to_string(),
        open: d.open,
        high: d.high,
        low: d.low,
        close: d.close,
        volume,
        high_window: None,
        low_window: None,
    })
}

fn intraday_bar(
    sym: &str,
    i: usize,
    b: &IntradayBar,
    step: Price,
    times: &Times,
) -> Result<(Span, Bar), SynthError> {
    let field = format!("bars[{i}]");
    let start = times
        .parse(&b.start)
        .map_err(|e| bad(sym, format!("{field}.start"), e))?;
    if b.minutes == 0 {
        return Err(bad(sym, format!("{field}.minutes"), "must be positive"));
    }
    let end = i64::from(b.minutes)
        .checked_mul(60 * NANOS_PER_SEC)
        .and_then(|d| start.checked_add(d))
        .ok_or_else(|| bad(sym, format!("{field}.minutes"), "is too long"))?;
    let span = Span { start, end };
    check_ohlc(sym, &field, [b.open, b.high, b.low, b.close], step)?;
    if b.volume == 0 {
        return Err(bad(
            sym,
            format!("{field}.volume"),
            "is zero, so no print can carry the bar",
        ));
    }
    let hhmm = time::to_utc(start).with_timezone(&times.tz).format("%H:%M");
    let label = if b.minutes == 60 {
        format!("hour {hhmm}")
    } else {
        format!("{}-minute bar {hhmm}", b.minutes)
    };
    let bar = Bar {
        label,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
        high_window: None,
        low_window: None,
    };
    Ok((span, bar))
}

fn check_ohlc(
    sym: &str,
    field: &str,
    [o, h, l, c]: [Price; 4],
    step: Price,
) -> Result<(), SynthError> {
    for (name, v) in [("open", o), ("high", h), ("low", l), ("close", c)] {
        if v.raw() <= 0 {
            return Err(bad(
                sym,
                format!("{field}.{name}"),
                format!("{v} is not positive"),
            ));
        }
        if !v.is_multiple_of(step) {
            return Err(bad(
                sym,
                format!("{field}.{name}"),
                format!("{v} is not a multiple of the print increment {step}"),
            ));
        }
    }
    if l > h {
        return Err(bad(
            sym,
            format!("{field}.low"),
            format!("{l} is above the high {h}"),
        ));
    }
    for (name, v) in [("open", o), ("close", c)] {
        if v < l || v > h {
            return Err(bad(
                sym,
                format!("{field}.{name}"),
                format!("{v} is outside the bar's range [{l}, {h}]"),
            ));
        }
    }
    Ok(())
}

/// Resolves a level's price and finds the print that must carry it.
fn level_pin(
    a: &AnchorInstrument,
    level: &Level,
    field: &str,
    inst: &InstrumentPlan,
    times: &Times,
) -> Result<LevelPin, SynthError> {
    let sym = a.symbol.as_str();
    let at = times
        .parse(&level.at)
        .map_err(|e| bad(sym, format!("{field}.at"), e))?;
    let label = format!("{field} at {}", times.show(at));
    let step = a.print_increment.unwrap_or(a.tick_size);
    let price = match (level.price, level.change_pct) {
        (Some(p), None) => {
            if p.raw() <= 0 || !p.is_multiple_of(step) {
                return Err(bad(
                    sym,
                    &label,
                    format!("price {p} is not a positive multiple of the print increment {step}"),
                ));
            }
            p
        }
        (None, Some(pct)) => pct_level(a.reference, pct, a.tick_size).ok_or_else(|| {
            bad(
                sym,
                &label,
                format!(
                    "change_pct {pct} cannot be met by a price on the {} tick from reference {}",
                    a.tick_size, a.reference
                ),
            )
        })?,
        _ => {
            return Err(bad(sym, &label, "give exactly one of price and change_pct"));
        }
    };
    let segs = &inst.segments;
    // A bar's opening print comes just after its start, so a level timed exactly at a bar's
    // start is carried by whatever printed before: the previous bar's close, or a free print.
    let segment = segs
        .iter()
        .position(|s| {
            (s.span.start < at || (s.span.start == at && s.bar.is_none())) && at <= s.span.end
        })
        .ok_or_else(|| {
            bad(
                sym,
                &label,
                "no print can carry it: it falls before or at the start of the instrument's \
                 trading hours, or after their end",
            )
        })?;
    let mut mode = LevelMode::Inside;
    if let Some(bar) = &segs[segment].bar {
        if at == segs[segment].span.end {
            mode = LevelMode::Close;
            if price != bar.close {
                return Err(bad(
                    sym,
                    &label,
                    format!(
                        "the level {price} falls on the {} bar's close print, which is {}",
                        bar.label, bar.close
                    ),
                ));
            }
        }
        if price < bar.low || price > bar.high {
            return Err(bad(
                sym,
                &label,
                format!(
                    "the level {price} is outside the {} bar's range [{}, {}]",
                    bar.label, bar.low, bar.high
                ),
            ));
        }
    }
    Ok(LevelPin {
        at,
        price,
        segment,
        mode,
        label,
    })
}

/// The price on the tick nearest to `reference × (1 + pct/100)` whose change, rounded the way
/// `pct` was published, reads back as `pct`; one tick either side if the nearest does not.
pub(crate) fn pct_level(reference: Price, pct: f64, tick: Price) -> Option<Price> {
    if !pct.is_finite() {
        return None;
    }
    let exact = reference.to_f64() * (1.0 + pct / 100.0);
    let nearest = Price::from_f64(exact).ok()?.round_to(tick);
    let decimals = published_decimals(pct);
    let shown =
        |p: Price| round_decimals((p.to_f64() / reference.to_f64() - 1.0) * 100.0, decimals);
    let target = round_decimals(pct, decimals);
    [
        nearest,
        Price(nearest.0 - tick.0),
        Price(nearest.0 + tick.0),
    ]
    .into_iter()
    .filter(|p| p.raw() > 0 && shown(*p) == target)
    .min_by(|a, b| {
        (a.to_f64() - exact)
            .abs()
            .total_cmp(&(b.to_f64() - exact).abs())
    })
}

/// Number of decimals a published figure such as -6.9 or -3.04 was given with.
pub(crate) fn published_decimals(x: f64) -> i32 {
    // Display prints the shortest text that reads back as `x`, never in exponent form.
    let text = x.abs().to_string();
    text.split_once('.').map_or(0, |(_, f)| f.len() as i32)
}

fn round_decimals(x: f64, decimals: i32) -> i64 {
    (x * 10f64.powi(decimals)).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn pct_levels_read_back_as_published() {
        assert_eq!(pct_level(p("142.62"), -6.9, p("0.01")), Some(p("132.78")));
        assert_eq!(pct_level(p("33.27"), -8.0, p("0.01")), Some(p("30.61")));
        assert_eq!(pct_level(p("21908"), -3.1, p("0.25")), Some(p("21228.75")));
        // A coarse tick that cannot show the published precision has no answer.
        assert_eq!(pct_level(p("10"), -1.234, p("1")), None);
        assert_eq!(published_decimals(-6.9), 1);
        assert_eq!(published_decimals(-10.0), 0);
        assert_eq!(published_decimals(-3.04), 2);
    }
}
