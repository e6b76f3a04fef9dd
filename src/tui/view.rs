//! What one frame shows, built once from the snapshot and the app's state
//! ([`App::view`](super::app::App::view)): every pane, the export and the presenter draw
//! from a `&View` and an area, and none of them reads the app or queries the store.

use chrono_tz::Tz;
use ratatui::layout::Rect;

use crate::engine::{Bar, Headline, InstrumentInfo, Phase, Print, Snapshot};
use crate::price::{Price, SCALE};
use crate::replay::manifest::Provenance;
use crate::time::UnixNanos;

use super::action::Action;
use super::keymap::{Key, Keymap};
use super::layout::Screen;
use super::model::{
    Baseline, ChartStyle, ChartWindow, Message, Move, Note, Pane, Prompt, Shown, SortKey,
};
use super::study_table::StudyTable;
use super::theme::Theme;
use super::trading::Working;
use crate::practice::fills::Fill;

/// The chart's data: the instruments drawn, the time window and their bars up to the clock.
#[derive(Debug, Clone, Default)]
pub struct ChartData {
    /// The selected instrument, then the one compared with it.
    pub ids: Vec<usize>,
    pub x0: UnixNanos,
    pub x1: UnixNanos,
    /// Per instrument in `ids`, its one-minute bars in the window.
    pub series: Vec<Vec<Bar>>,
    /// The selected instrument's day-session VWAP at the end of each of its bars in the day
    /// session (the chart thins them to its width); empty when comparing.
    pub vwap: Vec<(UnixNanos, Option<Price>)>,
}

/// The lesson as the status line tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LessonStatus {
    Over,
    /// Playing to this time.
    Playing(UnixNanos),
    /// A question is up and its answer comes next.
    Reveal,
    Continue,
    /// A manual seek left the lesson's stop: the key goes on to the next stop after the clock.
    Left {
        next_at: Option<UnixNanos>,
    },
}

pub struct View<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub title: &'a str,
    pub name: &'a str,
    pub provenance: &'a Provenance,
    pub reconstructed: bool,
    pub instruments: &'a [InstrumentInfo],
    pub sectors: &'a [String],
    pub headlines: &'a [Headline],
    pub phases: &'a [Phase],
    pub start: UnixNanos,
    pub end: UnixNanos,
    /// The market at the clock's time.
    pub snap: &'a Snapshot,
    pub time: UnixNanos,
    pub zone: Tz,
    pub is_playing: bool,
    pub speed: f64,
    pub auto_pause: bool,
    /// The session phase at the clock (`premarket`, `regular`, `closed`…).
    pub phase: &'a str,
    /// The whole screen and where each pane goes on it.
    pub area: Rect,
    pub screen: Screen,
    pub focus: Pane,
    pub zoom: bool,
    pub help: bool,
    pub help_scroll: u16,
    pub presenter: bool,
    pub study: bool,
    pub study_scroll: usize,
    pub prompt: Option<&'a Prompt>,
    pub message: Option<&'a Message>,
    pub selected: usize,
    pub compare: Option<usize>,
    pub sort: SortKey,
    pub sort_reverse: bool,
    /// Instruments in board order.
    pub board_order: Vec<usize>,
    pub baseline: Baseline,
    /// Per instrument, its move against the heatmap's baseline.
    pub moves: Vec<Move>,
    /// Per sector, its move against the baseline.
    pub sector_moves: Vec<Move>,
    pub tile_weight: &'a [f64],
    pub news_selected: Option<usize>,
    /// Headlines marked new.
    pub fresh: Vec<usize>,
    /// Tape rows (filtered), newest first.
    pub tape: &'a [Print],
    pub tape_scroll: usize,
    pub tape_filter: &'a [usize],
    pub min_size: u32,
    pub tape_frozen: bool,
    pub large_print: &'a [u32],
    /// Some instrument has bars only (its tape rows are completed bars).
    pub has_bars: bool,
    pub chart_style: ChartStyle,
    pub chart_window: ChartWindow,
    pub chart: ChartData,
    /// The study of the headline in focus, when the study is shown.
    pub study_table: Option<&'a StudyTable>,
    /// The lesson's stop on screen (question and answer with live figures).
    pub lesson: Option<Shown>,
    pub lesson_status: Option<(usize, usize, LessonStatus)>,
    pub notes: &'a [Note],
    pub notes_open: bool,
    pub notes_selected: usize,
    /// Practice fills at or before the clock (chart and tape mark them).
    pub fills: &'a [Fill],
    /// The practice account, once trading has started or its pane is shown.
    pub trading: Option<TradingView>,
}

/// The practice account at the clock, for the orders pane and the header.
#[derive(Debug, Clone, Default)]
pub struct TradingView {
    pub positions: Vec<PositionRow>,
    pub working: Vec<Working>,
    /// Net of fees, 1e-9 dollars.
    pub realized: i128,
    pub unrealized: i128,
    pub fills: usize,
    pub journal: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionRow {
    pub instrument: usize,
    pub qty: i64,
    pub avg: Price,
    pub last: Option<Price>,
    pub unrealized: i128,
    /// Net of fees.
    pub realized: i128,
}

impl View<'_> {
    pub fn now(&self) -> UnixNanos {
        self.time
    }

    pub fn tz(&self) -> Tz {
        self.zone
    }

    pub fn playing(&self) -> bool {
        self.is_playing
    }

    pub fn is_fresh(&self, headline: usize) -> bool {
        self.fresh.contains(&headline)
    }

    /// The headline the heatmap's headline baseline, the study and Enter use.
    pub fn headline_in_focus(&self) -> Option<usize> {
        self.news_selected
            .or(self.snap.headlines_seen.checked_sub(1))
    }

    /// The first key bound to `action`, as shown to the user.
    pub fn keys_text(&self, action: Action) -> String {
        keys_text(self.keymap, action)
    }
}

/// The first key bound to `action`, as shown to the user.
pub fn keys_text(keymap: &Keymap, action: Action) -> String {
    keymap
        .keys_of(action)
        .first()
        .map_or_else(|| "?".into(), Key::to_string)
}

/// Instruments in board order for `sort`.
pub fn board_order(
    instruments: &[InstrumentInfo],
    snap: &Snapshot,
    sort: SortKey,
    reverse: bool,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..instruments.len()).collect();
    let st = &snap.instruments;
    let desc = |a: Option<f64>, b: Option<f64>| {
        b.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.unwrap_or(f64::NEG_INFINITY))
    };
    match sort {
        SortKey::Replay => {}
        SortKey::Symbol => {
            order.sort_by(|&a, &b| instruments[a].symbol.cmp(&instruments[b].symbol));
        }
        // Biggest losers first: that is what a sell-off review looks for.
        SortKey::Change => order.sort_by(|&a, &b| desc(st[b].change_pct, st[a].change_pct)),
        SortKey::MarketValue => {
            order.sort_by(|&a, &b| desc(st[b].market_cap_change, st[a].market_cap_change));
        }
        SortKey::Volume => order.sort_by(|&a, &b| st[b].volume.cmp(&st[a].volume)),
    }
    if reverse {
        order.reverse();
    }
    order
}

/// One instrument's move from `base` to `price`, valued by its shares where known.
pub fn move_of(info: &InstrumentInfo, price: Option<Price>, base: Option<Price>) -> Move {
    match (price, base) {
        (Some(p), Some(b)) if b.0 != 0 => {
            let value = |x: i64| info.shares.map(|sh| sh as f64 * x as f64 / SCALE as f64);
            Move {
                pct: Some((p.0 - b.0) as f64 / b.0 as f64 * 100.0),
                market_value: value(p.0 - b.0),
                base_value: value(b.0),
            }
        }
        _ => Move::default(),
    }
}

/// A sector's move: market-value weighted where any member's shares are known (as the
/// engine weighs sectors), else the plain average of its members.
pub fn sector_move(instruments: &[InstrumentInfo], sector: usize, moves: &[Move]) -> Move {
    let (mut base, mut change, mut sum, mut n) = (0.0, 0.0, 0.0, 0u32);
    for (i, _) in instruments
        .iter()
        .enumerate()
        .filter(|(_, x)| x.sector == sector)
    {
        let m = moves[i];
        if let (Some(mv), Some(bv)) = (m.market_value, m.base_value) {
            change += mv;
            base += bv;
        }
        if let Some(p) = m.pct {
            sum += p;
            n += 1;
        }
    }
    if base > 0.0 {
        Move {
            pct: Some(change / base * 100.0),
            market_value: Some(change),
            base_value: Some(base),
        }
    } else {
        Move {
            pct: (n > 0).then(|| sum / f64::from(n)),
            market_value: None,
            base_value: None,
        }
    }
}
