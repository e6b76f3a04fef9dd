//! Market-value counters: the running gain or loss since the prior close, in total, per
//! sector and per instrument, where shares outstanding are known (the engine's
//! `market_cap_change`). A strip above the status line; presenter mode shows them large.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use crate::lesson::format_money;

use super::paint::put;
use super::view::View;

/// Sectors with a known market value change, largest move first.
pub fn sectors(v: &View) -> Vec<(usize, f64)> {
    let mut v: Vec<(usize, f64)> = v
        .snap
        .sectors
        .iter()
        .enumerate()
        .filter_map(|(k, s)| s.market_cap_change.map(|m| (k, m)))
        .collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    v
}

/// Instruments with a known market value change, largest move first.
pub fn instruments(v: &View) -> Vec<(usize, f64)> {
    let mut v: Vec<(usize, f64)> = v
        .snap
        .instruments
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.market_cap_change.map(|m| (i, m)))
        .collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    v
}

/// `Market value vs prior close  all -$1.03T │ AI chips -$752.1B … │ NVDA -$592.3B …`
pub fn render_strip(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let t = v.theme;

    let y = area.y;
    let mut items: Vec<(String, String, Style)> = Vec::new();
    let total = v.snap.total_market_cap_change();
    items.push((
        "all".into(),
        format_money(total),
        t.signed(total).patch(t.title),
    ));
    let secs = sectors(v);
    let ins = instruments(v);
    // Alternate the biggest sectors and names so both show on a narrow strip.
    let mut s_it = secs.iter();
    let mut i_it = ins.iter();
    loop {
        let a = s_it.next();
        let b = i_it.next();
        if a.is_none() && b.is_none() {
            break;
        }
        if let Some(&(k, m)) = a {
            items.push((
                v.sectors[k].clone(),
                format_money(Some(m)),
                t.signed(Some(m)),
            ));
        }
        if let Some(&(i, m)) = b {
            items.push((
                v.instruments[i].symbol.clone(),
                format_money(Some(m)),
                t.signed(Some(m)),
            ));
        }
    }
    let mut x = put(
        buf,
        area,
        area.x,
        y,
        "Market value since prior close ",
        t.dim,
    );
    for (k, (label, value, style)) in items.iter().enumerate() {
        let sep = if k == 0 { " " } else { " │ " };
        let w = (sep.width() + label.width() + 1 + value.width()) as u16;
        if x + w > area.right() {
            break;
        }
        x = put(buf, area, x, y, sep, t.dim);
        x = put(buf, area, x, y, label, t.text);
        x = put(buf, area, x + 1, y, value, *style);
    }
}
