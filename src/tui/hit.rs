//! What a mouse position points at on the drawn screen, in one place: the pane under it and,
//! inside the board, the heatmap or the feed, the instrument or headline drawn there. It asks
//! the same layout and pane geometry the frame was drawn with, so a click lands where it looks.

use ratatui::layout::Position;

use super::layout::Screen;
use super::model::Pane;
use super::view::View;
use super::{board, heatmap, news};

/// What is under the pointer: a pane, with the instrument or headline drawn at the point if
/// there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub pane: Pane,
    pub item: Option<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Instrument(usize),
    Headline(usize),
}

/// The pane at (x, y) on `screen` (the layout alone: scrolling needs no more).
pub fn pane_at(screen: &Screen, x: u16, y: u16) -> Option<Pane> {
    screen
        .panes
        .iter()
        .find(|(_, r)| r.contains(Position::new(x, y)))
        .map(|(p, _)| *p)
}

/// The pane and the item drawn at (x, y).
pub fn target_at(v: &View, x: u16, y: u16) -> Option<Target> {
    if v.presenter {
        return None;
    }
    let pos = Position::new(x, y);
    let &(pane, rect) = v.screen.panes.iter().find(|(_, r)| r.contains(pos))?;
    let item = match pane {
        Pane::Board => board::instrument_at(v, rect, pos).map(Item::Instrument),
        Pane::Heatmap => heatmap::instrument_at(v, rect, pos).map(Item::Instrument),
        Pane::News => news::headline_at(v, rect, pos).map(Item::Headline),
        Pane::Chart | Pane::Tape | Pane::Study | Pane::Orders => None,
    };
    Some(Target { pane, item })
}
