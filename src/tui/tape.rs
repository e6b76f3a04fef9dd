//! Time & sales: the latest prints at or before the tape's time, newest on top, coloured by
//! uptick/downtick with large prints highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::time::clock_millis;

use super::model::Pane;
use super::paint::{pane_block, put, put_right, volume};
use super::view::View;

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;

    let mut title = Vec::new();
    if !v.tape_filter.is_empty() {
        let names: Vec<&str> = v
            .tape_filter
            .iter()
            .map(|&i| v.instruments[i].symbol.as_str())
            .collect();
        title.push(Span::styled(names.join(","), t.important));
        title.push(Span::raw(" "));
    }
    if v.min_size > 0 {
        title.push(Span::styled(format!("≥{} ", v.min_size), t.important));
    }
    if v.tape_frozen {
        title.push(Span::styled(" FROZEN ", t.fresh));
    }
    if v.has_bars {
        title.push(Span::styled("B = completed bar ", t.dim));
    }
    let inner = pane_block(v, Pane::Tape, title, area, buf);
    if inner.is_empty() {
        return;
    }
    if v.tape.is_empty() {
        put(buf, inner, inner.x, inner.y, "no prints yet", t.dim);
        return;
    }
    let tz = v.tz();
    let sym_w = v
        .instruments
        .iter()
        .map(|i| i.symbol.len())
        .max()
        .unwrap_or(4) as u16;
    // Time, symbol, price (up to 8 wide), arrow, size (up to 6): the hour goes first when narrow.
    let wide = inner.width >= 12 + 1 + sym_w + 1 + 8 + 9;
    let arrow_x = inner.right().saturating_sub(9);
    for (row, p) in v
        .tape
        .iter()
        .skip(v.tape_scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        let y = inner.y + row as u16;
        let info = &v.instruments[p.instrument as usize];
        let dir = p
            .prev_price
            .map(|prev| (p.price.0 - prev.0).signum() as f64);
        let large = p.size >= v.large_print[p.instrument as usize];
        let base = if large { t.large_print } else { t.text };
        if large {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.large_print);
        }
        let time = clock_millis(p.ts, tz).to_string();
        let x = put(
            buf,
            inner,
            inner.x,
            y,
            if wide { &time } else { &time[3..] },
            base.patch(t.dim),
        );
        let price = p.price.display(info.decimals).to_string();
        let price_x = arrow_x.saturating_sub(price.len() as u16);
        let sym_clip = Rect::new(inner.x, y, price_x.saturating_sub(inner.x + 1), 1);
        put(buf, sym_clip, x + 1, y, &info.symbol, base);
        put(
            buf,
            inner,
            price_x.max(inner.x),
            y,
            &price,
            base.patch(t.signed(dir)),
        );
        // A bar-only instrument's row is a completed bar, never a print: mark it so. A print
        // that filled a practice order is marked with the side: it reads as "mine".
        let mine = v
            .fills
            .iter()
            .find(|f| f.ts == p.ts && f.instrument == p.instrument as usize);
        let (marker, style) = match mine {
            Some(f) if f.side == crate::practice::fills::Side::Buy => {
                ("◆", t.up.patch(t.important))
            }
            Some(_) => ("◆", t.down.patch(t.important)),
            None if p.bar => ("B", base.patch(t.signed(dir))),
            None => (super::paint::arrow(dir), base.patch(t.signed(dir))),
        };
        put(buf, inner, arrow_x + 1, y, marker, style);
        put_right(
            buf,
            inner,
            inner.right(),
            y,
            &volume(u64::from(p.size)),
            base,
        );
    }
}
