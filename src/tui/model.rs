//! The names the app's state and the panes share: panes, sort keys, chart settings, the
//! input line, status messages and heatmap moves. Plain data, no behaviour that needs the app.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Heatmap,
    News,
    Board,
    Chart,
    Tape,
    /// The reaction study of the headline in focus (shown with `S`, not in [`Pane::ALL`]).
    Study,
    /// Practice trading: positions, P&L and working orders (shown once trading starts, or
    /// with `D`; not in [`Pane::ALL`]).
    Orders,
}

impl Pane {
    /// Focus order.
    pub const ALL: [Pane; 5] = [
        Pane::Heatmap,
        Pane::News,
        Pane::Board,
        Pane::Chart,
        Pane::Tape,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Heatmap => "Heatmap",
            Pane::News => "Headlines",
            Pane::Board => "Quote board",
            Pane::Chart => "Chart",
            Pane::Tape => "Tape",
            Pane::Study => "Reaction study",
            Pane::Orders => "Orders and positions",
        }
    }
}

/// What heatmap moves are measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    PriorClose,
    Open,
    Headline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The replay's own order (grouped by sector).
    Replay,
    Change,
    MarketValue,
    Volume,
    Symbol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartStyle {
    Line,
    Candles,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartWindow {
    Day,
    Hours4,
    Hour1,
}

impl ChartWindow {
    pub fn label(self) -> &'static str {
        match self {
            ChartWindow::Day => "day",
            ChartWindow::Hours4 => "4h",
            ChartWindow::Hour1 => "1h",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    GoTo,
    Filter,
    Chart,
    Compare,
    PauseFilter,
    Note,
    /// The order ticket: `buy 100 limit 120.50`.
    Order,
    /// Continue the last practice journal? (y/n)
    ContinueJournal,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::GoTo => "go to",
            PromptKind::Filter => "tape symbols",
            PromptKind::Chart => "chart",
            PromptKind::Compare => "compare with",
            PromptKind::PauseFilter => "pause at",
            PromptKind::Note => "note",
            PromptKind::Order => "order",
            PromptKind::ContinueJournal => "continue the last journal? (y/n)",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            PromptKind::GoTo => "HH:MM[:SS], open, close, premarket, start, end",
            PromptKind::Filter => "symbols separated by spaces; empty shows all",
            PromptKind::Chart => "a symbol, or two to compare (NVDA AAPL)",
            PromptKind::Compare => "a symbol; empty turns comparison off",
            PromptKind::PauseFilter => {
                "min importance 1-3 and/or tags (2 chips futures); empty: every headline"
            }
            PromptKind::Note => "what to remember about this moment",
            PromptKind::Order => super::trading::ticket::HINT,
            PromptKind::ContinueJournal => "y continues it (orders, notes, clock); n starts anew",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// A move of one instrument against the heatmap's baseline.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Move {
    pub pct: Option<f64>,
    /// Shares × price change, where shares are known.
    pub market_value: Option<f64>,
    /// Shares × baseline price, where shares are known (the weight in a sector's move).
    pub base_value: Option<f64>,
}

/// A note the user dropped at a replay time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub ts: crate::time::UnixNanos,
    pub text: String,
}

/// What a lesson's stop shows: a heading, the question and the answer, with live figures
/// filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub heading: String,
    pub prompt: Option<String>,
    pub answer: Option<String>,
}
