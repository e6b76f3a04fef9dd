//! Presenter mode, for a projector: a big clock, the market-value counters, a few large
//! sector tiles (and the selected instrument), and the lesson's current question — or the
//! latest headline — in large type. No tape, no board: nothing that flickers.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Widget};
use unicode_width::UnicodeWidthStr;

use crate::lesson::format_money;
use crate::time::{clock_seconds, to_utc};

use super::bigtext::{self, Size};
use super::header::speed_label;
use super::paint::{fit, put, wrap};
use super::view::View;
use super::{counters, header, lesson, status};

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let t = v.theme;
    buf.set_style(area, t.text);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "presenter mode needs {MIN_WIDTH}×{MIN_HEIGHT} (have {}×{}); P leaves it",
            area.width, area.height
        );
        for (k, l) in wrap(&text, area.width as usize).iter().enumerate() {
            put(buf, area, area.x, area.y + k as u16, l, t.text);
        }
        return;
    }
    header::render(v, Rect { height: 1, ..area }, buf);
    status::render(v, Rect::new(area.x, area.bottom() - 1, area.width, 1), buf);
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);

    let top_h = 6u16;
    let rest = body.height.saturating_sub(top_h);
    let groups = tiles(v);
    let cols: u16 = if body.width >= 100 { 4 } else { 2 };
    let rows = (groups.len() as u16).div_ceil(cols);
    let tile_h = if rest >= rows * 6 + 7 {
        6
    } else if rest >= rows * 3 + 5 {
        3
    } else {
        0
    };
    let top = Rect::new(body.x, body.y, body.width, top_h.min(body.height));
    render_top(v, top, buf);
    let tiles_area = Rect::new(body.x, top.bottom(), body.width, rows * tile_h);
    if tile_h > 0 {
        let tile_w = body.width / cols;
        for (k, tile) in groups.iter().enumerate() {
            let (c, r) = (k as u16 % cols, k as u16 / cols);
            let w = if c == cols - 1 {
                body.width - tile_w * c
            } else {
                tile_w
            };
            let rect = Rect::new(
                body.x + c * tile_w,
                tiles_area.y + r * tile_h,
                w.saturating_sub(1),
                tile_h.saturating_sub(1).max(1),
            );
            render_tile(v, tile, rect, buf);
        }
    }
    let prompt = Rect::new(
        body.x,
        tiles_area.bottom(),
        body.width,
        body.bottom().saturating_sub(tiles_area.bottom()),
    );
    render_prompt(v, prompt, buf);
}

/// A tile: a sector, or the selected instrument.
pub enum Tile {
    Sector(usize),
    Instrument(usize),
}

fn tiles(v: &View) -> Vec<Tile> {
    let mut tiles: Vec<Tile> = (0..v.sectors.len())
        .filter(|&s| v.instruments.iter().any(|i| i.sector == s))
        .map(Tile::Sector)
        .collect();
    tiles.push(Tile::Instrument(v.selected));
    tiles
}

/// The big clock on the left, the counters on the right.
fn render_top(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let tz = v.tz();
    let clock = clock_seconds(v.now(), tz).to_string();
    let size = if area.width >= bigtext::width(&clock, Size::Half) + 4 + 44 {
        Size::Half
    } else {
        Size::Quadrant
    };
    let clock_w = (bigtext::width(&clock, size) + 4).min(area.width);
    let left = Rect {
        width: clock_w,
        ..area
    };
    let local = to_utc(v.now()).with_timezone(&tz);
    let state = if v.playing() {
        format!("▶ {}", speed_label(v.speed))
    } else {
        "‖ paused".into()
    };
    let title = format!(
        " {} · {} · {} ",
        local.format("%a %d %b %Z"),
        v.phase,
        state
    );
    let inner = boxed(v, left, &title, t.border, buf);
    bigtext::render(&clock, size, inner.x + 1, inner.y, inner, t.title, buf);

    let right = Rect::new(
        left.right(),
        area.y,
        area.right().saturating_sub(left.right()),
        area.height,
    );
    if right.width < 12 {
        return;
    }
    let inner = boxed(v, right, " Market value since prior close ", t.border, buf);
    let total = v.snap.total_market_cap_change();
    let total_text = format_money(total);
    let style = t.signed(total).patch(t.title);
    let list = counters::instruments(v);
    let list_w = 14u16;
    let big = (bigtext::small_has(&total_text)
        && bigtext::width(&total_text, Size::Small) + list_w + 3 <= inner.width
        && inner.height >= 3)
        .then_some(Size::Small);
    let mut x = inner.x + 1;
    if let Some(s) = big {
        bigtext::render(&total_text, s, x, inner.y, inner, style, buf);
        x += bigtext::width(&total_text, s) + 2;
    } else {
        let s = format!("all {total_text}");
        put(buf, inner, x, inner.y, &s, style);
        x += s.width() as u16 + 2;
    }

    for (k, &(i, m)) in list.iter().take(inner.height as usize).enumerate() {
        let y = inner.y + k as u16;
        let sym = &v.instruments[i].symbol;
        let nx = put(buf, inner, x, y, &format!("{sym:<5}"), t.text);
        put(
            buf,
            inner,
            nx + 1,
            y,
            &format_money(Some(m)),
            t.signed(Some(m)),
        );
    }
}

fn boxed(v: &View, area: Rect, title: &str, border: Style, buf: &mut Buffer) -> Rect {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return area;
    }
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(border)
        .title(Line::styled(
            fit(title, area.width.saturating_sub(2) as usize),
            v.theme.title,
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

fn render_tile(v: &View, tile: &Tile, r: Rect, buf: &mut Buffer) {
    let r = r.intersection(buf.area);
    if r.is_empty() {
        return;
    }
    let t = v.theme;

    let (name, pct, mv) = match *tile {
        Tile::Sector(s) => {
            let st = v.snap.sectors[s];
            (v.sectors[s].clone(), st.change_pct, st.market_cap_change)
        }
        Tile::Instrument(i) => {
            let info = &v.instruments[i];
            let st = &v.snap.instruments[i];
            let last = st
                .last
                .map_or_else(String::new, |p| format!(" {}", p.display(info.decimals)));
            (
                format!("▶ {}{last}", info.symbol),
                st.change_pct,
                st.market_cap_change,
            )
        }
    };
    let fill = if t.color { t.heat(pct) } else { Style::new() };
    buf.set_style(r, fill);
    let bold = fill.add_modifier(Modifier::BOLD);
    put(
        buf,
        r,
        r.x + 1,
        r.y,
        &fit(&name, r.width.saturating_sub(2) as usize),
        bold,
    );
    let pct_text = match pct {
        Some(p) => format!("{:+.1}%", crate::format::round_pct(p)),
        None => "-".into(),
    };
    let arrow = super::paint::arrow(pct);
    let mv_text = mv.map(|m| format_money(Some(m)));
    if pct.is_none() {
        put(buf, r, r.x + 1, r.y + 1, "no prints yet", fill);
    } else if r.height >= 5 && bigtext::width(&pct_text, Size::Small) + 2 <= r.width {
        let w = bigtext::width(&pct_text, Size::Small);
        let x = r.x + (r.width - w) / 2;
        bigtext::render(&pct_text, Size::Small, x, r.y + 1, r, bold, buf);
        let line = format!("{arrow} {}", mv_text.unwrap_or_default());
        put(buf, r, r.x + 1, r.y + 4, &line, fill);
    } else {
        let mut line = format!("{arrow} {pct_text}");
        if let Some(m) = mv_text {
            line.push_str(&format!("  {m}"));
        }
        put(buf, r, r.x + 1, r.y + 1, &line, bold);
    }
}

/// The lesson's question and answer, else the latest headline, in large type: bold, on
/// every other line when there is room.
fn render_prompt(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.height < 3 {
        return;
    }
    let t = v.theme;
    let shown = &v.lesson;
    let (title, paras): (String, Vec<(String, Style)>) = if let Some(s) = &shown {
        let mut paras = Vec::new();
        if let Some(p) = &s.prompt {
            paras.push((p.clone(), t.title));
        }
        if let Some(a) = &s.answer {
            paras.push((a.clone(), t.important));
        }
        (format!(" {} ", s.heading), paras)
    } else {
        let mut paras = Vec::new();
        if let Some(st) = lesson::status_text(v) {
            paras.push((st, t.dim));
        }
        match v.snap.headlines_seen.checked_sub(1) {
            Some(i) => {
                let h = &v.headlines[i];
                (
                    format!(
                        " Latest headline · {} · {} ",
                        clock_seconds(h.ts, v.tz()),
                        h.source
                    ),
                    {
                        paras.push((h.text.clone(), t.title));
                        paras
                    },
                )
            }
            None => (" Headlines ".into(), {
                paras.push(("no headlines yet".into(), t.dim));
                paras
            }),
        }
    };
    let border = if shown.is_some() {
        t.border_focus
    } else {
        t.border
    };
    let inner = boxed(v, area, &title, border, buf);
    let width = inner.width.saturating_sub(4) as usize;
    if width < 4 {
        return;
    }
    let mut lines: Vec<(String, Style)> = Vec::new();
    for (k, (text, style)) in paras.iter().enumerate() {
        if k > 0 {
            lines.push((String::new(), *style));
        }
        for l in wrap(text, width) {
            lines.push((l, *style));
        }
    }
    let spaced = lines.len() * 2 <= inner.height as usize;
    let step = if spaced { 2 } else { 1 };
    let used = (lines.len() * step) as u16;
    let mut y = inner.y + inner.height.saturating_sub(used) / 2;
    for (text, style) in lines {
        if y >= inner.bottom() {
            break;
        }
        put(buf, inner, inner.x + 2, y, &text, style);
        y += if text.is_empty() { 1 } else { step as u16 };
    }
}
