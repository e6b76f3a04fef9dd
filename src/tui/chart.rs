//! Chart: the selected instrument from one-minute bars up to the clock, as a line or candles,
//! with prior-close and VWAP lines, shading outside regular hours and headline markers on the
//! time axis; optionally a second instrument, both then normalised to % change.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::Widget;
use ratatui::widgets::canvas::{Canvas, Context, Line as CanvasLine};

use crate::engine::{Bar, Store};
use crate::price::Price;
use crate::time::{NANOS_PER_HOUR, NANOS_PER_MIN, UnixNanos, to_utc};

use super::axis;
use super::model::{ChartStyle, ChartWindow, Pane};
use super::paint::{pane_block, pct, price, put, put_right};
use super::view::{ChartData, View};

/// Bars of `instrument` that started in `[from, t]`, the last one built from prints ≤ `t`.
pub fn bars(store: &Store, instrument: usize, from: UnixNanos, t: UnixNanos) -> Vec<Bar> {
    let (done, partial) = store.series(instrument).minute_bars_until(t);
    let k = done.partition_point(|b| b.start < from);
    let mut v = done[k..].to_vec();
    v.extend(partial.filter(|b| b.start >= from));
    v
}

/// The chart's time window: the instrument's day (from premarket for stocks) to the replay's
/// end, or the last hours up to the clock. Taken from the sessions, never from later prints.
pub fn window(v: &View, ids: &[usize]) -> (UnixNanos, UnixNanos) {
    let premarket = v
        .phases
        .iter()
        .find(|p| p.name == "premarket")
        .map(|p| p.start);
    let day_from = ids
        .iter()
        .map(|&i| {
            let d = v.instruments[i].day_start;
            premarket.filter(|&p| p < d).unwrap_or(d)
        })
        .min()
        .unwrap_or(v.start)
        .max(v.start);
    let len = match v.chart_window {
        ChartWindow::Day => return (day_from, v.end.max(day_from + NANOS_PER_MIN)),
        ChartWindow::Hours4 => 4 * NANOS_PER_HOUR,
        ChartWindow::Hour1 => NANOS_PER_HOUR,
    };
    let to = v.now().max(v.start + len);
    (to - len, to)
}

/// The chart's data for the view: the selected instrument (and the compared one), the window,
/// their bars up to the clock and the VWAP path.
pub fn data(v: &View, store: &Store) -> ChartData {
    let main = v.selected;
    let ids: Vec<usize> = std::iter::once(main)
        .chain(v.compare.filter(|&c| c != main))
        .collect();
    let (x0, x1) = window(v, &ids);
    let now = v.now();
    let series: Vec<Vec<Bar>> = ids.iter().map(|&i| bars(store, i, x0, now)).collect();
    let vwap = if ids.len() == 1 {
        vwap_all(store, main, &series[0], now)
    } else {
        Vec::new()
    };
    ChartData {
        ids,
        x0,
        x1,
        series,
        vwap,
    }
}

fn fg(s: Style) -> Color {
    s.fg.unwrap_or(Color::Reset)
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;

    let main = v.selected;
    let cmp = v.compare.filter(|&c| c != main);
    let normalised = cmp.is_some();
    let info = &v.instruments[main];
    let st = &v.snap.instruments[main];

    let mut title = vec![
        Span::styled(info.symbol.clone(), t.title),
        Span::raw(" "),
        Span::raw(price(st.last, info.decimals)),
        Span::raw(" "),
        Span::styled(pct(st.change_pct), t.signed(st.change_pct)),
    ];
    // Extras in order of importance; those that do not fit the frame's top are left out.
    let mut extras: Vec<Vec<Span>> = Vec::new();
    if let Some(c) = cmp {
        let cs = &v.snap.instruments[c];
        extras.push(vec![
            Span::styled(format!("  vs {} ", v.instruments[c].symbol), t.compare),
            Span::styled(pct(cs.change_pct), t.signed(cs.change_pct)),
        ]);
        extras.push(vec![Span::styled("  % vs prior close", t.dim)]);
    }
    let style_name = if v.chart_style == ChartStyle::Candles && !normalised {
        "candles"
    } else {
        "line"
    };
    extras.push(vec![Span::styled(
        format!("  {style_name} · {}", v.chart_window.label()),
        t.dim,
    )]);
    if !normalised {
        extras.push(vec![Span::styled(
            format!("  ┈prev {}", info.reference.display(info.decimals)),
            t.prior_close,
        )]);
        if let Some(v) = st.vwap {
            extras.push(vec![Span::styled(
                format!("  ─vwap {}", v.display(info.decimals)),
                t.vwap,
            )]);
        }
    }
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let room = (area.width as usize).saturating_sub(Pane::Chart.title().len() + 6);
    for extra in extras {
        if width(&title) + width(&extra) <= room {
            title.extend(extra);
        }
    }
    let inner = pane_block(v, Pane::Chart, title, area, buf);
    if inner.width < 16 || inner.height < 5 {
        return;
    }

    let ChartData {
        ids,
        x0,
        x1,
        series,
        ..
    } = &v.chart;
    let (x0, x1) = (*x0, *x1);
    if series.first().is_none_or(std::vec::Vec::is_empty) {
        put(
            buf,
            inner,
            inner.x,
            inner.y,
            &format!("no {} prints in this window yet", info.symbol),
            t.dim,
        );
        return;
    }
    // Plot values: prices, or % of each instrument's reference when comparing.
    let value = |k: usize, p: Price| -> f64 {
        let r = v.instruments[ids[k]].reference;
        if normalised {
            (p.0 - r.0) as f64 / r.0 as f64 * 100.0
        } else {
            p.to_f64()
        }
    };
    // Bounds in exact prices when not normalised, so the labels print exactly.
    let mut lo_p = Price(i64::MAX);
    let mut hi_p = Price(i64::MIN);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (k, bs) in series.iter().enumerate() {
        for b in bs {
            lo_p = lo_p.min(b.low);
            hi_p = hi_p.max(b.high);
            lo = lo.min(value(k, b.low));
            hi = hi.max(value(k, b.high));
        }
    }
    let mut levels: Vec<(f64, Style)> = Vec::new();
    // The day-session VWAP as it stood at the end of each minute (up to the clock): a trader
    // reads the price against where it has been crossing it, not against today's last value.
    let mut vwap: Vec<(UnixNanos, Price)> = Vec::new();
    if normalised {
        levels.push((0.0, t.prior_close));
    } else {
        levels.push((info.reference.to_f64(), t.prior_close));
        lo_p = lo_p.min(info.reference);
        hi_p = hi_p.max(info.reference);
        // Braille gives two dots per column: more points than that are not seen.
        vwap = thin(&v.chart.vwap, 2 * inner.width as usize);
        for &(_, v) in &vwap {
            lo_p = lo_p.min(v);
            hi_p = hi_p.max(v);
        }
    }
    for v in levels
        .iter()
        .map(|l| l.0)
        .chain(vwap.iter().map(|p| p.1.to_f64()))
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-9 {
        hi += 0.5;
        lo -= 0.5;
    }
    // Round steps (on the tick grid for prices), about one label every three rows.
    let rows = inner.height.saturating_sub(2);
    let max_labels = (rows as usize / 3).clamp(2, 8);
    let labels = axis::labels(normalised, (lo, hi), info.tick, info.decimals, max_labels);
    let gutter = labels.iter().map(|l| l.1.len()).max().unwrap_or(0) as u16 + 1;
    let plot = Rect::new(
        inner.x + gutter,
        inner.y,
        inner.width.saturating_sub(gutter),
        rows,
    );
    if plot.width < 4 {
        return;
    }
    let axis_y = plot.bottom();
    let label_y = axis_y + 1;
    let row = |v: f64| {
        plot.y
            + ((hi - v) / (hi - lo) * f64::from(plot.height - 1))
                .round()
                .clamp(0.0, f64::from(plot.height - 1)) as u16
    };
    for (value, text) in &labels {
        put_right(buf, inner, plot.x - 1, row(*value), text, t.dim);
    }

    let span_s = (x1 - x0) as f64 / 1e9;
    let xs = |ts: UnixNanos| (ts - x0) as f64 / 1e9;
    let candles = v.chart_style == ChartStyle::Candles && !normalised;
    let main_color = fg(t.signed(st.change_pct));
    let points: Vec<Vec<(f64, f64)>> = series
        .iter()
        .enumerate()
        .map(|(k, bs)| {
            bs.iter()
                .map(|b| (xs(b.start), value(k, b.close)))
                .collect()
        })
        .collect();
    let vwap_points: Vec<(f64, f64)> = vwap.iter().map(|&(ts, v)| (xs(ts), v.to_f64())).collect();
    let paint = |ctx: &mut Context| {
        for &(v, s) in &levels {
            ctx.draw(&CanvasLine {
                x1: 0.0,
                y1: v,
                x2: span_s,
                y2: v,
                color: fg(s),
            });
        }
        if !vwap_points.is_empty() {
            ctx.layer();
            draw_path(ctx, &vwap_points, fg(t.vwap));
        }
        for (k, pts) in points.iter().enumerate().rev() {
            if k == 0 && candles {
                continue;
            }
            ctx.layer();
            let color = if k == 0 { main_color } else { fg(t.compare) };
            draw_path(ctx, pts, color);
        }
    };
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([0.0, span_s])
        .y_bounds([lo, hi])
        .paint(paint)
        .render(plot, buf);

    let col = |ts: UnixNanos| -> Option<u16> {
        (x0..=x1).contains(&ts).then(|| {
            plot.x
                + ((ts - x0) as f64 / (x1 - x0) as f64 * f64::from(plot.width - 1)).round() as u16
        })
    };
    let col_time = |c: u16| {
        x0 + (f64::from(c - plot.x) / f64::from((plot.width - 1).max(1)) * (x1 - x0) as f64) as i64
    };

    if candles {
        draw_candles(v, &series[0], plot, &col, &row, buf);
    }

    // Outside regular hours: shaded, and a dotted axis that shows without colour too.
    let regular = v.phases.iter().find(|p| p.name == "regular");
    for c in plot.x..plot.right() {
        let ts = col_time(c);
        let inside = regular.is_some_and(|p| p.start <= ts && ts < p.end);
        if !inside {
            buf.set_style(Rect::new(c, plot.y, 1, plot.height), t.shade);
        }
        put(
            buf,
            inner,
            c,
            axis_y,
            if inside { "─" } else { "┄" },
            t.border,
        );
    }
    let focus = v.headline_in_focus();
    for (i, h) in v.headlines[..v.snap.headlines_seen].iter().enumerate() {
        if let Some(c) = col(h.ts) {
            let s = if Some(i) == focus { t.fresh } else { t.marker };
            put(buf, inner, c, axis_y, "▼", s);
        }
    }
    // Practice fills of the charted instrument, where they traded: ▲ bought, ▼ sold.
    for f in v.fills.iter().filter(|f| f.instrument == main) {
        if let Some(c) = col(f.ts) {
            let (mark, s) = match f.side {
                crate::practice::fills::Side::Buy => ("▲", t.up),
                crate::practice::fills::Side::Sell => ("▼", t.down),
            };
            let y = row(value(0, Price(f.price)));
            put(buf, inner, c, y, mark, s.patch(t.important));
        }
    }
    time_labels(v, x0, x1, plot, label_y, &col, buf);
}

/// Straight segments through `pts`; a lone point as a dot.
fn draw_path(ctx: &mut Context, pts: &[(f64, f64)], color: Color) {
    for w in pts.windows(2) {
        ctx.draw(&CanvasLine {
            x1: w[0].0,
            y1: w[0].1,
            x2: w[1].0,
            y2: w[1].1,
            color,
        });
    }
    if let [only] = pts {
        ctx.draw(&CanvasLine {
            x1: only.0,
            y1: only.1,
            x2: only.0,
            y2: only.1,
            color,
        });
    }
}

/// The day-session VWAP of `instrument` at the end of its `bars` inside the day session (the
/// last one at `now`), placed at the bar's start like its close: every bar, or evenly spaced
/// ones when there are more than `max_points` (the last bar always included).
pub fn vwap_path(
    store: &Store,
    instrument: usize,
    bars: &[Bar],
    now: UnixNanos,
    max_points: usize,
) -> Vec<(UnixNanos, Price)> {
    thin(&vwap_all(store, instrument, bars, now), max_points)
}

/// The VWAP at the end of every day-session bar (none before the first print of the day).
fn vwap_all(
    store: &Store,
    instrument: usize,
    bars: &[Bar],
    now: UnixNanos,
) -> Vec<(UnixNanos, Option<Price>)> {
    let info = &store.instruments[instrument];
    bars.iter()
        .filter(|b| (info.day_start..info.day_end).contains(&b.start))
        .map(|b| {
            let end = (b.start + NANOS_PER_MIN - 1).min(now);
            (b.start, store.vwap_at(instrument, end))
        })
        .collect()
}

/// Every point, or evenly spaced ones when there are more than `max_points` (the last one
/// always included).
fn thin(all: &[(UnixNanos, Option<Price>)], max_points: usize) -> Vec<(UnixNanos, Price)> {
    let step = all.len().div_ceil(max_points.max(1)).max(1);
    let last = all.len().saturating_sub(1);
    all.iter()
        .enumerate()
        .filter(|&(k, _)| k % step == 0 || k == last)
        .filter_map(|(_, &(ts, p))| p.map(|p| (ts, p)))
        .collect()
}

fn draw_candles(
    v: &View,
    bars: &[Bar],
    plot: Rect,
    col: &dyn Fn(UnixNanos) -> Option<u16>,
    row: &dyn Fn(f64) -> u16,
    buf: &mut Buffer,
) {
    let t = v.theme;
    // One candle per column: bars that fall in the same column merge.
    let mut cols: Vec<Option<(Price, Price, Price, Price)>> = vec![None; plot.width as usize];
    for b in bars {
        let Some(c) = col(b.start) else { continue };
        let slot = &mut cols[(c - plot.x) as usize];
        *slot = Some(match *slot {
            None => (b.open, b.high, b.low, b.close),
            Some((o, h, l, _)) => (o, h.max(b.high), l.min(b.low), b.close),
        });
    }
    for (k, c) in cols.iter().enumerate() {
        let Some((o, h, l, cl)) = *c else { continue };
        let x = plot.x + k as u16;
        let up = cl >= o;
        let style = if up { t.up } else { t.down };
        let body = if t.color || up { "█" } else { "░" };
        let (top, bottom) = (row(h.to_f64()), row(l.to_f64()));
        let (b_top, b_bottom) = (row(o.max(cl).to_f64()), row(o.min(cl).to_f64()));
        for y in top..=bottom {
            let sym = if (b_top..=b_bottom).contains(&y) {
                body
            } else {
                "│"
            };
            put(buf, plot, x, y, sym, style);
        }
    }
}

fn time_labels(
    v: &View,
    x0: UnixNanos,
    x1: UnixNanos,
    plot: Rect,
    y: u16,
    col: &dyn Fn(UnixNanos) -> Option<u16>,
    buf: &mut Buffer,
) {
    const STEPS_MIN: [i64; 9] = [5, 15, 30, 60, 120, 180, 240, 360, 720];
    let tz = v.tz();
    let span_min = (x1 - x0) / NANOS_PER_MIN;
    let room = i64::from((plot.width / 7).max(1));
    let step = STEPS_MIN
        .iter()
        .copied()
        .find(|s| span_min / s <= room)
        .unwrap_or(720)
        * NANOS_PER_MIN;
    let offset = {
        use chrono::Offset;
        i64::from(
            to_utc(x0)
                .with_timezone(&tz)
                .offset()
                .fix()
                .local_minus_utc(),
        ) * 1_000_000_000
    };
    let mut ts = (x0 + offset).div_euclid(step) * step - offset;
    if ts < x0 {
        ts += step;
    }
    let mut next_free = plot.x;
    while ts <= x1 {
        if let Some(c) = col(ts) {
            let label = to_utc(ts).with_timezone(&tz).format("%H:%M").to_string();
            let x = c.saturating_sub(2).max(plot.x);
            if x >= next_free && x + 5 <= plot.right() {
                put(
                    buf,
                    Rect::new(plot.x, y, plot.width, 1),
                    x,
                    y,
                    &label,
                    v.theme.dim,
                );
                next_free = x + 6;
            }
        }
        ts += step;
    }
}
