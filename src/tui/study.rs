//! Reaction study pane: for the headline in focus (the feed's selection, else the newest), each
//! instrument's move over 1, 5, 15 and 60 minutes and to the close, with the largest adverse
//! move in each window; sectors at the bottom. The numbers are the engine's
//! ([`Store::reaction`], [`Store::sector_reaction`]); a window that ends after the clock shows
//! `…` (nothing after the clock is shown), one past the data `n/a (past data)`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

use crate::engine::study::{Gap, Reaction, SectorReaction};
use crate::time::{UnixNanos, clock_seconds};

use super::model::Pane;
use super::paint::{fit, pane_block, put, put_right};
use super::view::View;

pub use super::study_table::{StudyTable, WINDOWS};

/// A cell's text: `-12.34` (change %), `+1.05` (adverse %), or why there is none.
pub fn cell(r: &Reaction, now: UnixNanos) -> (String, Option<String>) {
    match r.outcome {
        Ok(_) if r.to_ts > now => ("…".into(), None),
        Ok(m) => (
            format!("{:+.2}", crate::format::round_pct(m.change_pct)),
            Some(format!(
                "{:+.2}",
                crate::format::round_pct(m.max_adverse_pct)
            )),
        ),
        Err(Gap::PastEndOfData) => ("n/a (past data)".into(), None),
        Err(Gap::AfterClose) => ("after close".into(), None),
        Err(Gap::NoPriceAtHeadline) => ("no price".into(), None),
    }
}

/// Column layout for a width: (symbol width, cell width, show adverse, windows shown).
fn columns(width: u16) -> (u16, u16, bool, usize) {
    let sym = 7;
    for (cell, adverse) in [(17, true), (9, false)] {
        let n = (width.saturating_sub(sym) / cell) as usize;
        if n >= WINDOWS.len() {
            return (sym, cell, adverse, WINDOWS.len());
        }
    }
    let n = (width.saturating_sub(sym) / 9) as usize;
    (sym, 9, false, n.min(WINDOWS.len()))
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;

    let focus = v
        .headline_in_focus()
        .filter(|&i| v.headlines[i].ts >= v.start);
    let title = match focus {
        Some(i) => {
            let h = &v.headlines[i];
            vec![Span::styled(
                format!("{} {} {}", h.id, clock_seconds(h.ts, v.tz()), h.source),
                t.dim,
            )]
        }
        None => Vec::new(),
    };
    let inner = pane_block(v, Pane::Study, title, area, buf);
    if inner.is_empty() {
        return;
    }
    let Some(hi) = focus else {
        put(
            buf,
            inner,
            inner.x,
            inner.y,
            "no headline inside the replay yet: play on, or select one in the feed",
            t.dim,
        );
        return;
    };
    let Some(table) = v.study_table.filter(|t| t.headline == hi) else {
        return;
    };
    let now = v.now();
    let h = &v.headlines[hi];
    let mut y = inner.y;
    put(
        buf,
        inner,
        inner.x,
        y,
        &fit(&h.text, inner.width as usize),
        t.text,
    );
    y += 1;
    if y >= inner.bottom() {
        return;
    }
    let (sym_w, cell_w, adverse, n) = columns(inner.width);
    let x_of = |k: usize| inner.x + sym_w + k as u16 * cell_w;
    put(buf, inner, inner.x, y, "Sym", t.title);
    for (k, w) in WINDOWS.iter().take(n).enumerate() {
        let label = if adverse {
            format!("{} (adv)", w.label())
        } else {
            w.label()
        };
        put_right(buf, inner, x_of(k + 1) - 1, y, &label, t.title);
    }
    y += 1;
    enum Row<'a> {
        Instrument(usize, &'a [Reaction]),
        Heading,
        Sector(usize, &'a [(SectorReaction, UnixNanos)]),
    }
    let mut rows: Vec<Row> = (0..v.instruments.len())
        .map(|i| Row::Instrument(i, &table.rows[i]))
        .collect();
    rows.push(Row::Heading);
    rows.extend(
        table
            .sectors
            .iter()
            .enumerate()
            .map(|(s, r)| Row::Sector(s, r.as_slice())),
    );
    // Sectors have longer names: their own, narrower columns.
    let label_w = inner
        .width
        .saturating_sub(WINDOWS.len() as u16 * 9)
        .clamp(8, 28);
    let sn = ((inner.width.saturating_sub(label_w)) / 9).min(WINDOWS.len() as u16) as usize;
    let sx_of = |k: usize| inner.x + label_w + k as u16 * 9;
    let visible = inner.bottom().saturating_sub(y) as usize;
    let skip = v.study_scroll.min(rows.len().saturating_sub(visible));
    for row in rows.iter().skip(skip).take(visible) {
        match row {
            Row::Instrument(i, rs) => {
                let selected = *i == v.selected;
                let base = if selected { t.selected } else { t.text };
                if selected {
                    buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
                }
                put(
                    buf,
                    inner,
                    inner.x,
                    y,
                    &fit(&v.instruments[*i].symbol, sym_w as usize - 1),
                    base,
                );
                for (k, r) in rs.iter().take(n).enumerate() {
                    let (chg, adv) = cell(r, now);
                    let right = x_of(k + 1) - 1;
                    let style = match r.outcome {
                        Ok(m) if r.to_ts <= now => base.patch(t.signed(Some(m.change_pct))),
                        _ => base.patch(t.dim),
                    };
                    match (adverse, adv) {
                        (true, Some(a)) => {
                            let a = format!(" ({a})");
                            put_right(buf, inner, right, y, &a, base.patch(t.dim));
                            let w = a.chars().count() as u16;
                            put_right(buf, inner, right.saturating_sub(w), y, &chg, style);
                        }
                        _ => {
                            put_right(buf, inner, right, y, &fit(&chg, cell_w as usize - 1), style);
                        }
                    }
                }
            }
            Row::Heading => {
                put(buf, inner, inner.x, y, "Sectors", t.title);
                for (k, w) in WINDOWS.iter().take(sn).enumerate() {
                    put_right(buf, inner, sx_of(k + 1) - 1, y, &w.label(), t.title);
                }
            }
            Row::Sector(s, rs) => {
                let name = &v.sectors[*s];
                put(
                    buf,
                    inner,
                    inner.x,
                    y,
                    &fit(name, label_w as usize - 1),
                    t.text,
                );
                for (k, (r, end)) in rs.iter().take(sn).enumerate() {
                    let (text, style): (String, Style) = match r.change_pct {
                        Some(_) if *end > now => ("…".into(), t.dim),
                        Some(p) => (
                            format!("{:+.2}", crate::format::round_pct(p)),
                            t.signed(Some(p)),
                        ),
                        None => ("n/a".into(), t.dim),
                    };
                    put_right(buf, inner, sx_of(k + 1) - 1, y, &text, style);
                }
            }
        }
        y += 1;
    }
}
