//! Sector heatmap: sectors as groups in the replay's order, each with its move and market
//! value change on its title row; tiles sized by market value where there is room (equal
//! sizes, then a flowing list, where there is not), coloured by % move on a diverging scale.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::Block;
use unicode_width::UnicodeWidthStr;

use crate::time::clock_seconds;

use super::model::{Baseline, Move, Pane};
use super::paint::{arrow, fit, money, pane_block, pct, pct_fit, price, put};
use super::view::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub instrument: usize,
    pub rect: Rect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heat {
    /// Each sector's title row.
    pub sectors: Vec<(usize, Rect)>,
    pub tiles: Vec<Tile>,
    /// Too little room for tiles: symbols flow as a list.
    pub flow: bool,
}

#[derive(Debug, Clone, Copy)]
struct Item {
    weight: f64,
    min_w: u16,
    min_h: u16,
    min_area: u32,
}

/// Room a tile needs: the symbol, a sign marker or padding, and a gap column.
fn tile_min_w(symbol: &str) -> u16 {
    symbol.width() as u16 + 2
}

/// Lays out sectors, then tiles within each, by a weighted binary split: each cut goes along
/// the longer side (a cell is about twice as tall as it is wide) at the weight's share, moved
/// as little as needed to leave every part its minimum size.
fn split(items: &[Item], r: Rect, out: &mut Vec<Rect>) -> bool {
    match items {
        [] => true,
        [one] => {
            let ok = r.width >= one.min_w && r.height >= one.min_h;
            if ok {
                out.push(r);
            }
            ok
        }
        _ => {
            let total: f64 = items.iter().map(|i| i.weight).sum();
            let mut acc = 0.0;
            let mut k = 1;
            let mut best = f64::INFINITY;
            for (j, it) in items[..items.len() - 1].iter().enumerate() {
                acc += it.weight;
                if (acc - total / 2.0).abs() < best {
                    best = (acc - total / 2.0).abs();
                    k = j + 1;
                }
            }
            let (a, b) = items.split_at(k);
            let share = a.iter().map(|i| i.weight).sum::<f64>() / total.max(f64::MIN_POSITIVE);
            let wide = f64::from(r.width) >= f64::from(r.height) * 2.0;
            for side_by_side in [wide, !wide] {
                let (len, cross) = if side_by_side {
                    (r.width, r.height)
                } else {
                    (r.height, r.width)
                };
                let (Some(min_a), Some(min_b)) = (
                    min_extent(a, cross, side_by_side),
                    min_extent(b, cross, side_by_side),
                ) else {
                    continue;
                };
                if min_a.saturating_add(min_b) > len {
                    continue;
                }
                let la = ((f64::from(len) * share).round() as u16).clamp(min_a, len - min_b);
                let (ra, rb) = if side_by_side {
                    (
                        Rect { width: la, ..r },
                        Rect {
                            x: r.x + la,
                            width: r.width - la,
                            ..r
                        },
                    )
                } else {
                    (
                        Rect { height: la, ..r },
                        Rect {
                            y: r.y + la,
                            height: r.height - la,
                            ..r
                        },
                    )
                };
                let mark = out.len();
                if split(a, ra, out) && split(b, rb, out) {
                    return true;
                }
                out.truncate(mark);
            }
            false
        }
    }
}

/// Least extent along the cut a group needs, given the extent across it.
fn min_extent(items: &[Item], cross: u16, side_by_side: bool) -> Option<u16> {
    if cross == 0 {
        return None;
    }
    let (mut along, mut area) = (0u16, 0u32);
    for it in items {
        let (a, c) = if side_by_side {
            (it.min_w, it.min_h)
        } else {
            (it.min_h, it.min_w)
        };
        if c > cross {
            return None;
        }
        along = along.max(a);
        area += it.min_area;
    }
    Some(along.max(area.div_ceil(u32::from(cross)).min(u32::from(u16::MAX)) as u16))
}

/// Members of each non-empty sector, largest first.
fn groups(v: &View) -> Vec<(usize, Vec<usize>)> {
    (0..v.sectors.len())
        .filter_map(|s| {
            let mut members: Vec<usize> = (0..v.instruments.len())
                .filter(|&i| v.instruments[i].sector == s)
                .collect();
            members.sort_by(|&a, &b| {
                v.tile_weight[b]
                    .total_cmp(&v.tile_weight[a])
                    .then(a.cmp(&b))
            });
            (!members.is_empty()).then_some((s, members))
        })
        .collect()
}

fn try_tiles(v: &View, area: Rect, groups: &[(usize, Vec<usize>)], equal: bool) -> Option<Heat> {
    let weight = |i: usize| if equal { 1.0 } else { v.tile_weight[i] };
    let tile_item = |i: usize| {
        let w = tile_min_w(&v.instruments[i].symbol);
        Item {
            weight: weight(i),
            min_w: w,
            min_h: 1,
            min_area: u32::from(w),
        }
    };
    let sector_items: Vec<Item> = groups
        .iter()
        .map(|(_, members)| {
            let min_w = members
                .iter()
                .map(|&i| tile_min_w(&v.instruments[i].symbol))
                .max()
                .unwrap_or(4)
                .max(6);
            let tiles: u32 = members
                .iter()
                .map(|&i| u32::from(tile_min_w(&v.instruments[i].symbol)))
                .sum();
            Item {
                weight: members.iter().map(|&i| weight(i)).sum(),
                min_w,
                min_h: 2,
                min_area: tiles + u32::from(min_w),
            }
        })
        .collect();
    let mut sector_rects = Vec::new();
    if !split(&sector_items, area, &mut sector_rects) {
        return None;
    }
    let mut heat = Heat {
        sectors: Vec::new(),
        tiles: Vec::new(),
        flow: false,
    };
    for ((s, members), r) in groups.iter().zip(sector_rects) {
        heat.sectors.push((*s, Rect { height: 1, ..r }));
        let body = Rect {
            y: r.y + 1,
            height: r.height - 1,
            ..r
        };
        let items: Vec<Item> = members.iter().map(|&i| tile_item(i)).collect();
        let mut rects = Vec::new();
        if !split(&items, body, &mut rects) {
            return None;
        }
        heat.tiles.extend(
            members
                .iter()
                .zip(rects)
                .map(|(&instrument, rect)| Tile { instrument, rect }),
        );
    }
    Some(heat)
}

/// Symbols one after another, wrapping, when tiles do not fit.
fn flow(v: &View, area: Rect, groups: &[(usize, Vec<usize>)]) -> Heat {
    let mut heat = Heat {
        sectors: Vec::new(),
        tiles: Vec::new(),
        flow: true,
    };
    let (mut x, mut y) = (area.x, area.y);
    for (_, members) in groups {
        for &i in members {
            let w = tile_min_w(&v.instruments[i].symbol).min(area.width);
            if x + w > area.right() {
                x = area.x;
                y += 1;
            }
            if y >= area.bottom() || w == 0 {
                return heat;
            }
            heat.tiles.push(Tile {
                instrument: i,
                rect: Rect::new(x, y, w, 1),
            });
            x += w;
        }
    }
    heat
}

/// The heatmap's layout inside `inner`: a pure function of the size and the replay, shared
/// by drawing and mouse hit-testing.
pub fn layout(v: &View, inner: Rect) -> Heat {
    let groups = groups(v);
    try_tiles(v, inner, &groups, false)
        .or_else(|| try_tiles(v, inner, &groups, true))
        .unwrap_or_else(|| flow(v, inner, &groups))
}

/// The instrument whose tile is at `pos` (for mouse clicks).
pub fn instrument_at(v: &View, area: Rect, pos: Position) -> Option<usize> {
    let inner = Block::bordered().inner(area);
    layout(v, inner)
        .tiles
        .iter()
        .find(|t| t.rect.contains(pos))
        .map(|t| t.instrument)
}

fn baseline_label(v: &View) -> String {
    match v.baseline {
        Baseline::PriorClose => "vs prior close".into(),
        Baseline::Open => "vs today's open".into(),
        Baseline::Headline => match v.headline_in_focus() {
            Some(i) => format!(
                "since the {} headline",
                clock_seconds(v.headlines[i].ts, v.tz())
            ),
            None => "vs prior close (no headline yet)".into(),
        },
    }
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let t = v.theme;
    let moves = &v.moves;
    let total: Option<f64> = {
        let v: Vec<f64> = moves.iter().filter_map(|m| m.market_value).collect();
        (!v.is_empty()).then(|| v.iter().sum())
    };
    let mut title = vec![Span::styled(baseline_label(v), t.dim)];
    if let Some(total) = total {
        title.push(Span::styled(
            format!("  all {}", money(Some(total))),
            t.signed(Some(total)),
        ));
    }
    let inner = pane_block(v, Pane::Heatmap, title, area, buf);
    if inner.is_empty() {
        return;
    }
    let heat = layout(v, inner);

    for &(s, r) in &heat.sectors {
        let m = v.sector_moves[s];
        let w = r.width.saturating_sub(1) as usize;
        let p = pct(m.pct);
        let name = &v.sectors[s];
        let mut text = format!("{name} {p}");
        if let Some(mv) = m.market_value {
            text = format!("{text} {}", money(Some(mv)));
        }
        if text.width() > w {
            // The move matters more than the whole name.
            let p = pct_fit(m.pct, w);
            let room = w.saturating_sub(p.width() + 1);
            text = if room >= 3 {
                format!("{} {p}", fit(name, room))
            } else {
                p
            };
        }
        put(
            buf,
            r,
            r.x,
            r.y,
            &text,
            t.signed(m.pct).add_modifier(Modifier::BOLD),
        );
    }
    for tile in &heat.tiles {
        draw_tile(v, tile, moves[tile.instrument], heat.flow, buf);
    }
}

fn draw_tile(v: &View, tile: &Tile, m: Move, flow: bool, buf: &mut Buffer) {
    let t = v.theme;
    let r = tile.rect;
    // The last column (and the last row of tall tiles) is a gap between tiles.
    let fill = Rect {
        width: r.width.saturating_sub(1),
        height: if r.height >= 3 {
            r.height - 1
        } else {
            r.height
        },
        ..r
    };
    if fill.is_empty() {
        return;
    }
    let style = t.heat(m.pct);
    buf.set_style(fill, style);
    let info = &v.instruments[tile.instrument];
    let st = &v.snap.instruments[tile.instrument];
    let sym = if t.color {
        info.symbol.clone()
    } else {
        format!("{}{}", arrow(m.pct), info.symbol)
    };
    let w = fill.width as usize;
    let extra = match m.market_value {
        Some(v) => money(Some(v)),
        None => price(st.last, info.decimals),
    };
    let lines: Vec<String> = if m.pct.is_none() {
        vec![sym]
    } else if fill.height == 1 {
        let p = pct_fit(m.pct, w.saturating_sub(sym.width() + 1));
        if flow || p.is_empty() {
            vec![sym]
        } else {
            vec![format!("{sym} {p}")]
        }
    } else if fill.height == 2 {
        vec![sym, pct_fit(m.pct, w)]
    } else {
        let mut v = vec![sym, pct_fit(m.pct, w)];
        if extra.width() <= w {
            v.push(extra);
        }
        v
    };
    let top = fill.y + fill.height.saturating_sub(lines.len() as u16) / 2;
    for (k, line) in lines.iter().enumerate() {
        let line = fit(line, w);
        let x = fill.x + (fill.width.saturating_sub(line.width() as u16)) / 2;
        let mut s = style;
        if k == 0 {
            s = s.add_modifier(Modifier::BOLD);
            if tile.instrument == v.selected {
                s = s.add_modifier(Modifier::REVERSED);
            }
        }
        put(buf, fill, x, top + k as u16, &line, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(weight: f64, min_w: u16) -> Item {
        Item {
            weight,
            min_w,
            min_h: 1,
            min_area: u32::from(min_w),
        }
    }

    #[test]
    fn split_fills_the_area_by_weight() {
        let r = Rect::new(0, 0, 40, 4);
        let items = [item(3.0, 6), item(1.0, 6)];
        let mut out = Vec::new();
        assert!(split(&items, r, &mut out));
        assert_eq!(out, [Rect::new(0, 0, 30, 4), Rect::new(30, 0, 10, 4)]);
        // A tiny weight still gets its minimum.
        let mut out = Vec::new();
        assert!(split(&[item(1000.0, 6), item(0.001, 6)], r, &mut out));
        assert_eq!(out[1].width, 6);
    }

    #[test]
    fn split_refuses_what_cannot_fit() {
        let mut out = Vec::new();
        assert!(!split(
            &[item(1.0, 6), item(1.0, 6)],
            Rect::new(0, 0, 11, 1),
            &mut out
        ));
        assert!(out.is_empty());
        assert!(!split(&[item(1.0, 6)], Rect::ZERO, &mut out));
    }
}
