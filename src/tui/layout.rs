//! Where each pane goes: one pure function of the terminal size, focus and zoom, used both to
//! draw and to hit-test the mouse, so the two can never disagree.

use ratatui::layout::Rect;

use super::model::Pane;

/// Below this the screen only says it is too small.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this size up every pane has its own place; below it the tape and the chart share one.
const FULL_WIDTH: u16 = 120;
const FULL_HEIGHT: u16 = 28;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub status: Rect,
    /// The market-value counters strip above the status line (empty on short screens).
    pub counters: Rect,
    pub panes: Vec<(Pane, Rect)>,
    pub too_small: bool,
}

impl Screen {
    pub fn rect(&self, pane: Pane) -> Option<Rect> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, r)| *r)
    }
}

fn part(total: u16, num: u32, den: u32) -> u16 {
    (u32::from(total) * num / den) as u16
}

pub fn screen(area: Rect, focus: Pane, zoom: bool) -> Screen {
    screen_for(area, focus, zoom, false, false)
}

/// The screen with the reaction study in place of the bottom row when `study` is on, and the
/// orders-and-positions pane under the quote board when `orders` is.
pub fn screen_for(area: Rect, focus: Pane, zoom: bool, study: bool, orders: bool) -> Screen {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return Screen {
            header: Rect::ZERO,
            status: Rect::ZERO,
            counters: Rect::ZERO,
            panes: Vec::new(),
            too_small: true,
        };
    }
    let header = Rect::new(area.x, area.y, area.width, 1);
    let status = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let strip = u16::from(area.height >= FULL_HEIGHT);
    let counters = Rect::new(area.x, area.bottom() - 1 - strip, area.width, strip);
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2 - strip);
    let panes = if zoom {
        vec![(focus, body)]
    } else if study {
        let top_h = part(body.height, 2, 5);
        let top = Rect::new(body.x, body.y, body.width, top_h);
        let heat_w = part(top.width, 50, 100);
        let (heat, news) = split_at(top, heat_w);
        vec![
            (Pane::Heatmap, heat),
            (Pane::News, news),
            (
                Pane::Study,
                Rect::new(body.x, body.y + top_h, body.width, body.height - top_h),
            ),
        ]
    } else {
        let top_h = body.height / 2;
        let top = Rect::new(body.x, body.y, body.width, top_h);
        let bottom = Rect::new(body.x, body.y + top_h, body.width, body.height - top_h);
        let full = area.width >= FULL_WIDTH && area.height >= FULL_HEIGHT;
        let heat_w = part(top.width, if full { 60 } else { 55 }, 100);
        let (heat, news) = split_at(top, heat_w);
        let mut panes = vec![(Pane::Heatmap, heat), (Pane::News, news)];
        if full {
            let tape_w = part(bottom.width, 22, 100).clamp(38, 44);
            let chart_w = part(bottom.width - tape_w, 50, 100);
            let board_w = bottom.width - tape_w - chart_w;
            panes.push((
                Pane::Board,
                Rect {
                    width: board_w,
                    ..bottom
                },
            ));
            panes.push((
                Pane::Chart,
                Rect {
                    x: bottom.x + board_w,
                    width: chart_w,
                    ..bottom
                },
            ));
            panes.push((
                Pane::Tape,
                Rect {
                    x: bottom.x + board_w + chart_w,
                    width: tape_w,
                    ..bottom
                },
            ));
        } else {
            let board_w = part(bottom.width, 55, 100);
            let shared = if focus == Pane::Tape {
                Pane::Tape
            } else {
                Pane::Chart
            };
            panes.push((
                Pane::Board,
                Rect {
                    width: board_w,
                    ..bottom
                },
            ));
            panes.push((
                shared,
                Rect {
                    x: bottom.x + board_w,
                    width: bottom.width - board_w,
                    ..bottom
                },
            ));
        }
        if orders {
            under_board(&mut panes);
        }
        panes
    };
    Screen {
        header,
        status,
        counters,
        panes,
        too_small: false,
    }
}

/// Gives the lower part of the quote board's place to the orders-and-positions pane.
fn under_board(panes: &mut Vec<(Pane, Rect)>) {
    let Some(k) = panes.iter().position(|(p, _)| *p == Pane::Board) else {
        return;
    };
    let b = panes[k].1;
    let h = (b.height * 9 / 20).max(4).min(b.height.saturating_sub(3));
    if h < 3 {
        return;
    }
    panes[k].1.height = b.height - h;
    panes.push((
        Pane::Orders,
        Rect {
            y: b.y + b.height - h,
            height: h,
            ..b
        },
    ));
}

/// `r` cut into a left part `width` wide and the rest.
fn split_at(r: Rect, width: u16) -> (Rect, Rect) {
    let width = width.min(r.width);
    (
        Rect { width, ..r },
        Rect {
            x: r.x + width,
            width: r.width - width,
            ..r
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_body_without_overlap() {
        for (w, h) in [
            (60, 16),
            (80, 24),
            (100, 30),
            (120, 40),
            (200, 50),
            (333, 99),
        ] {
            let area = Rect::new(0, 0, w, h);
            for (study, orders) in [(false, false), (true, false), (false, true)] {
                let s = screen_for(area, Pane::Heatmap, false, study, orders);
                assert_eq!(s.rect(Pane::Orders).is_some(), orders, "{w}x{h}");
                let cells: u32 = s.panes.iter().map(|(_, r)| r.area()).sum();
                let strip = u32::from(s.counters.height);
                assert_eq!(strip, u32::from(h >= FULL_HEIGHT));
                assert_eq!(cells, u32::from(w) * (u32::from(h) - 2 - strip), "{w}x{h}");
                assert_eq!(s.rect(Pane::Study).is_some(), study);
            }
            for orders in [false, true] {
                let s = screen_for(area, Pane::Heatmap, false, false, orders);
                for (i, (_, a)) in s.panes.iter().enumerate() {
                    assert!(area.contains(a.as_position()));
                    for (_, b) in &s.panes[i + 1..] {
                        assert!(!a.intersects(*b), "{w}x{h}: {a:?} {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn small_screens_share_a_slot_and_tiny_ones_say_so() {
        let s = screen(Rect::new(0, 0, 80, 24), Pane::Tape, false);
        assert!(s.rect(Pane::Tape).is_some() && s.rect(Pane::Chart).is_none());
        let s = screen(Rect::new(0, 0, 80, 24), Pane::News, false);
        assert!(s.rect(Pane::Chart).is_some() && s.rect(Pane::Tape).is_none());
        assert!(screen(Rect::new(0, 0, 59, 40), Pane::News, false).too_small);
        assert!(screen(Rect::ZERO, Pane::News, false).too_small);
        let z = screen(Rect::new(0, 0, 80, 24), Pane::Board, true);
        assert_eq!(z.panes, vec![(Pane::Board, Rect::new(0, 1, 80, 22))]);
    }
}
