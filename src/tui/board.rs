//! Quote board: every instrument with last, change, % change, volume, VWAP, day high/low and
//! market value change; sortable, and the selected row is what the chart shows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::Block;

use super::model::{Pane, SortKey};
use super::paint::{change, fit, money, pane_block, pct, price, put, put_right, volume};
use super::view::View;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Sym,
    Last,
    Chg,
    Pct,
    Volume,
    Vwap,
    High,
    Low,
    MarketValue,
}

/// Display order, with width and priority (lower stays longer as the pane narrows).
const COLS: [(Col, &str, u16, u8); 9] = [
    (Col::Sym, "Sym", 6, 0),
    (Col::Last, "Last", 10, 0),
    (Col::Chg, "Chg", 9, 1),
    (Col::Pct, "%Chg", 8, 0),
    (Col::Volume, "Volume", 7, 2),
    (Col::Vwap, "VWAP", 10, 3),
    (Col::High, "High", 10, 4),
    (Col::Low, "Low", 10, 4),
    (Col::MarketValue, "MV chg", 8, 2),
];

fn sort_col(key: SortKey) -> Option<Col> {
    match key {
        SortKey::Replay => None,
        SortKey::Change => Some(Col::Pct),
        SortKey::MarketValue => Some(Col::MarketValue),
        SortKey::Volume => Some(Col::Volume),
        SortKey::Symbol => Some(Col::Sym),
    }
}

/// Columns that fit in `width`, each with its x offset.
fn fitted(width: u16) -> Vec<(Col, &'static str, u16, u16)> {
    let mut keep = [false; COLS.len()];
    let mut used = 0u16;
    for prio in 0..=4 {
        let add: u16 = COLS.iter().filter(|c| c.3 == prio).map(|c| c.2 + 1).sum();
        if used + add > width.saturating_add(1) {
            break;
        }
        used += add;
        for (k, c) in keep.iter_mut().zip(&COLS) {
            *k |= c.3 == prio;
        }
    }
    let mut x = 0;
    COLS.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(c, _)| {
            let at = x;
            x += c.2 + 1;
            (c.0, c.1, at, c.2)
        })
        .collect()
}

/// First board row shown: the selection always stays in view.
fn first_row(selected_pos: usize, visible: usize) -> usize {
    (selected_pos + 1).saturating_sub(visible.max(1))
}

fn inner(area: Rect) -> Rect {
    Block::bordered().inner(area)
}

/// The instrument on the board row at `pos` (for mouse clicks).
pub fn instrument_at(v: &View, area: Rect, pos: Position) -> Option<usize> {
    let inner = inner(area);
    if !inner.contains(pos) || pos.y == inner.y {
        return None;
    }
    let order = &v.board_order;
    let sel = order.iter().position(|&i| i == v.selected).unwrap_or(0);
    let first = first_row(sel, inner.height.saturating_sub(1) as usize);
    order.get(first + (pos.y - inner.y - 1) as usize).copied()
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let sort_name = match v.sort {
        SortKey::Replay => "replay order",
        SortKey::Change => "% change",
        SortKey::MarketValue => "market value",
        SortKey::Volume => "volume",
        SortKey::Symbol => "symbol",
    };
    let dir = if v.sort_reverse { " ↑" } else { "" };
    let title = vec![Span::styled(format!("by {sort_name}{dir}"), t.dim)];
    let inner = pane_block(v, Pane::Board, title, area, buf);
    if inner.is_empty() {
        return;
    }
    let cols = fitted(inner.width);
    let sorted = sort_col(v.sort);
    for &(col, name, x, w) in &cols {
        let label = if Some(col) == sorted {
            format!("{name}{}", if v.sort_reverse { "↑" } else { "↓" })
        } else {
            name.to_string()
        };
        if col == Col::Sym {
            put(buf, inner, inner.x + x, inner.y, &label, t.title);
        } else {
            put_right(buf, inner, inner.x + x + w, inner.y, &label, t.title);
        }
    }
    let order = &v.board_order;
    let sel = order.iter().position(|&i| i == v.selected).unwrap_or(0);
    let visible = inner.height.saturating_sub(1) as usize;

    for (row, &i) in order
        .iter()
        .skip(first_row(sel, visible))
        .take(visible)
        .enumerate()
    {
        let y = inner.y + 1 + row as u16;
        let info = &v.instruments[i];
        let st = &v.snap.instruments[i];
        let d = info.decimals;
        let selected = i == v.selected;
        let base = if selected { t.selected } else { t.text };
        if selected {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
        }
        let started = st.open.is_some();
        for &(col, _, x, w) in &cols {
            let (text, style) = match col {
                Col::Sym => (fit(&info.symbol, w as usize), base),
                Col::Last => (price(st.last, d), base),
                Col::Chg => (change(st.change, d), base.patch(t.signed(st.change_pct))),
                Col::Pct => (pct(st.change_pct), base.patch(t.signed(st.change_pct))),
                Col::Volume => (
                    if started {
                        volume(st.volume)
                    } else {
                        "-".into()
                    },
                    base,
                ),
                Col::Vwap => (price(st.vwap, d), base.patch(t.vwap)),
                Col::High => (price(st.high, d), base),
                Col::Low => (price(st.low, d), base),
                Col::MarketValue => (
                    money(st.market_cap_change),
                    base.patch(t.signed(st.market_cap_change)),
                ),
            };
            if col == Col::Sym {
                put(buf, inner, inner.x + x, y, &text, style);
            } else {
                put_right(
                    buf,
                    inner,
                    inner.x + x + w,
                    y,
                    &fit(&text, w as usize),
                    style,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority() {
        let names = |w| fitted(w).iter().map(|c| c.1).collect::<Vec<_>>();
        assert_eq!(names(30), ["Sym", "Last", "%Chg"]);
        assert_eq!(names(35), ["Sym", "Last", "%Chg"]);
        assert_eq!(names(36), ["Sym", "Last", "Chg", "%Chg"]);
        assert_eq!(names(200).len(), COLS.len());
        assert!(names(0).is_empty());
    }

    #[test]
    fn selection_stays_visible() {
        assert_eq!(first_row(0, 10), 0);
        assert_eq!(first_row(9, 10), 0);
        assert_eq!(first_row(10, 10), 1);
        assert_eq!(first_row(5, 0), 5);
    }
}
