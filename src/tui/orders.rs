//! Orders and positions: the practice account at the clock — each open or closed position
//! with its average price, last print and P&L, then the orders still working. A pure function
//! of the frame's view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::format::pnl;
use crate::practice::fills::Side;

use super::action::{Action, TradeKey};
use super::model::Pane;
use super::paint::{fit, pane_block, put, put_right};
use super::trading::{kind_text, side_word};
use super::view::View;

/// The sign of a P&L as the theme's colour picker takes it.
fn sign(v: i128) -> Option<f64> {
    let s = v.signum() as f64;
    (s != 0.0).then_some(s)
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let Some(tv) = &v.trading else {
        let inner = pane_block(v, Pane::Orders, Vec::new(), area, buf);
        put(buf, inner, inner.x, inner.y, "no orders yet", t.dim);
        return;
    };
    let total = tv.realized + tv.unrealized;
    let title = vec![
        Span::styled(format!("P&L {}", pnl(total)), t.signed(sign(total))),
        Span::styled(
            format!(
                "  {} fill{}",
                tv.fills,
                if tv.fills == 1 { "" } else { "s" }
            ),
            t.dim,
        ),
        Span::styled(
            match tv.working.len() {
                0 => String::new(),
                n => format!("  {n} working"),
            },
            t.important,
        ),
    ];
    let inner = pane_block(v, Pane::Orders, title, area, buf);
    if inner.is_empty() {
        return;
    }
    let mut y = inner.y;
    let line = |y: &mut u16| {
        let r = *y;
        *y += 1;
        (r < inner.bottom()).then_some(r)
    };
    let w = inner.width;
    // Sym, qty, avg, last, unrealized, realized: the last columns go first as it narrows.
    let wide = w >= 62;
    if tv.positions.is_empty() && tv.working.is_empty() {
        if let Some(r) = line(&mut y) {
            let k = |key| super::view::keys_text(v.keymap, Action::Trade(key));
            let keys = format!(
                "flat: {} buys, {} sells at market, {} opens the ticket",
                k(TradeKey::Buy),
                k(TradeKey::Sell),
                k(TradeKey::Ticket)
            );
            let keys = keys.as_str();
            put(buf, inner, inner.x, r, &fit(keys, w as usize), t.dim);
        }
        return;
    }
    if let Some(r) = line(&mut y) {
        put(buf, inner, inner.x, r, "Sym", t.dim);
        put_right(buf, inner, inner.x + 15, r, "Qty", t.dim);
        put_right(buf, inner, inner.x + 27, r, "Avg", t.dim);
        if w >= 40 {
            put_right(buf, inner, inner.x + 39, r, "Last", t.dim);
        }
        if w >= 52 {
            put_right(buf, inner, inner.x + 52, r, "Open P&L", t.dim);
        }
        if wide {
            put_right(buf, inner, inner.x + 65.min(w), r, "Closed", t.dim);
        }
    }
    for p in &tv.positions {
        let Some(r) = line(&mut y) else { return };
        let info = &v.instruments[p.instrument];
        let focus = if p.instrument == v.selected {
            t.title
        } else {
            t.text
        };
        put(buf, inner, inner.x, r, &fit(&info.symbol, 8), focus);
        let qty = if p.qty > 0 {
            format!("+{}", p.qty)
        } else {
            p.qty.to_string()
        };
        let qty_style = t.signed(Some(p.qty as f64));
        put_right(buf, inner, inner.x + 15, r, &qty, qty_style);
        if p.qty != 0 {
            let avg = p.avg.display(info.decimals).to_string();
            put_right(buf, inner, inner.x + 27, r, &avg, t.text);
        } else {
            put_right(buf, inner, inner.x + 27, r, "flat", t.dim);
        }
        if w >= 40 {
            let last = p
                .last
                .map_or_else(|| "—".into(), |l| l.display(info.decimals).to_string());
            put_right(buf, inner, inner.x + 39, r, &last, t.text);
        }
        if w >= 52 {
            put_right(
                buf,
                inner,
                inner.x + 52,
                r,
                &pnl(p.unrealized),
                t.signed(sign(p.unrealized)),
            );
        }
        if wide {
            put_right(
                buf,
                inner,
                inner.x + 65.min(w),
                r,
                &pnl(p.realized),
                t.signed(sign(p.realized)),
            );
        }
    }
    if tv.working.is_empty() {
        return;
    }
    let Some(r) = line(&mut y) else { return };
    put(buf, inner, inner.x, r, "Working", t.dim);
    for o in &tv.working {
        let Some(r) = line(&mut y) else { return };
        let info = &v.instruments[o.order.instrument];
        let style = match o.order.side {
            Side::Buy => t.up,
            Side::Sell => t.down,
        };
        let left = if o.left == o.order.qty {
            o.left.to_string()
        } else {
            format!("{} of {}", o.left, o.order.qty)
        };
        let text = format!(
            "#{} {} {left} {} {}",
            o.order.id,
            side_word(o.order.side),
            info.symbol,
            kind_text(o.order.kind, info.decimals)
        );
        put(buf, inner, inner.x, r, &fit(&text, w as usize), style);
    }
}
