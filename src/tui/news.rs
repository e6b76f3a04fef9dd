//! Headline feed: headlines at or before the clock, newest first, with time, source and
//! tickers; new arrivals are marked, and Enter on a selected headline seeks to it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::Block;

use crate::time::to_utc;

use super::model::Pane;
use super::paint::{fit, pane_block, put, wrap};
use super::view::View;

/// Text lines shown per headline unless the pane is zoomed.
const MAX_TEXT_LINES: usize = 3;

struct Entry {
    headline: usize,
    y: u16,
    text: Vec<String>,
}

/// The headlines in view and where they go: the selection is always in view.
fn visible(v: &View, inner: Rect) -> Vec<Entry> {
    let seen = v.snap.headlines_seen;
    let width = inner.width.saturating_sub(2) as usize;
    let max_lines = if v.zoom { usize::MAX } else { MAX_TEXT_LINES };
    let text = |i: usize| {
        let mut lines = wrap(&v.headlines[i].text, width);
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                *last = fit(&format!("{last} …"), width);
            }
        }
        lines
    };
    let height = inner.height as usize;
    let newest_first = (0..seen).rev();
    let sel_pos = v.news_selected.map_or(0, |i| seen - 1 - i);
    // Drop items from the top until the selected one fits.
    let heights: Vec<usize> = newest_first
        .clone()
        .take(sel_pos + 1)
        .map(|i| 1 + text(i).len())
        .collect();
    let mut used: usize = heights.iter().sum();
    let mut first = 0;
    while used > height && first < sel_pos {
        used -= heights[first];
        first += 1;
    }
    let mut out = Vec::new();
    let mut y = inner.y;
    for i in newest_first.skip(first) {
        if y >= inner.bottom() {
            break;
        }
        let lines = text(i);
        let h = 1 + lines.len() as u16;
        out.push(Entry {
            headline: i,
            y,
            text: lines,
        });
        y = y.saturating_add(h);
    }
    out
}

/// The headline drawn at `pos` (for mouse clicks).
pub fn headline_at(v: &View, area: Rect, pos: Position) -> Option<usize> {
    let inner = Block::bordered().inner(area);
    if !inner.contains(pos) {
        return None;
    }
    visible(v, inner)
        .iter()
        .take_while(|e| e.y <= pos.y)
        .last()
        .map(|e| e.headline)
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let seen = v.snap.headlines_seen;
    let title = vec![Span::styled(format!("{seen} so far, newest first"), t.dim)];
    let inner = pane_block(v, Pane::News, title, area, buf);
    if inner.is_empty() {
        return;
    }
    if seen == 0 {
        put(buf, inner, inner.x, inner.y, "no headlines yet", t.dim);
        return;
    }
    let tz = v.tz();

    let today = to_utc(v.now()).with_timezone(&tz).date_naive();
    let selected = v.news_selected;
    for e in visible(v, inner) {
        let h = &v.headlines[e.headline];
        let is_sel = selected == Some(e.headline);
        let base = if is_sel { t.selected } else { t.text };
        if is_sel {
            buf.set_style(Rect::new(inner.x, e.y, inner.width, 1), t.selected);
        }
        let mut x = inner.x;
        if is_sel {
            x = put(buf, inner, x, e.y, "▶ ", base);
        }
        if v.is_fresh(e.headline) {
            x = put(buf, inner, x, e.y, "NEW", t.fresh);
            x = put(buf, inner, x, e.y, " ", base);
        }
        let local = to_utc(h.ts).with_timezone(&tz);
        let when = if local.date_naive() == today {
            local.format("%H:%M:%S")
        } else {
            local.format("%a %H:%M")
        };
        let time_style = if h.importance >= 3 {
            t.important
        } else {
            base.add_modifier(Modifier::BOLD)
        };
        x = put(
            buf,
            inner,
            x,
            e.y,
            &when.to_string(),
            base.patch(time_style),
        );
        x = put(buf, inner, x + 1, e.y, &h.source, base.patch(t.dim));
        for &ti in &h.tickers {
            let change = v.snap.instruments[ti as usize].change_pct;
            x = put(
                buf,
                inner,
                x + 1,
                e.y,
                &v.instruments[ti as usize].symbol,
                base.patch(t.signed(change)),
            );
        }
        for (k, line) in e.text.iter().enumerate() {
            let style = if h.importance >= 3 {
                t.text.add_modifier(Modifier::BOLD)
            } else {
                t.text
            };
            put(buf, inner, inner.x + 2, e.y + 1 + k as u16, line, style);
        }
    }
}
