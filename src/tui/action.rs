//! Everything that can change the app, as values: keys map to these (see keymap.rs) and the
//! event loop sends the rest.

use crate::time::UnixNanos;

use super::key::Key;

/// Editing the input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Char(char),
    Backspace,
    Submit,
    Cancel,
}

/// The practice-trading keys (their state lives in `trading.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeKey {
    /// Buy the selected instrument at market, in its usual quantity.
    Buy,
    Sell,
    /// Open the order ticket (limit, stop, quantity, symbol).
    Ticket,
    Flatten,
    CancelAll,
    /// Show or hide the orders-and-positions pane.
    Orders,
}

/// Everything that can change the app. Unit variants are bindable to keys (see keymap.rs);
/// the rest come from the event loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    PlayPause,
    Faster,
    Slower,
    AutoPause,
    StepForward,
    StepBack,
    MinuteForward,
    MinuteBack,
    NextHeadline,
    PrevHeadline,
    GoTo,
    Start,
    End,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Activate,
    Zoom,
    Filter,
    MinSize,
    Freeze,
    Sort,
    SortReverse,
    ChartSymbol,
    Compare,
    ChartStyle,
    ChartWindow,
    Baseline,
    Zone,
    Help,
    Back,
    Quit,
    LessonNext,
    LessonBack,
    RunToNext,
    PauseFilter,
    Presenter,
    Study,
    Note,
    Notes,
    Export,
    Trade(TradeKey),
    /// Remove the note selected in the notes list (Delete or Backspace there).
    DeleteNote,
    /// Wall time passed (the frame tick while playing).
    Tick,
    Resize(u16, u16),
    Click(u16, u16),
    Scroll {
        x: u16,
        y: u16,
        down: bool,
    },
    Input(Input),
    /// A key with no binding: the status line says so and points at the help.
    Unbound(Key),
    /// Jump to a replay time (benchmarks, tests, scripted demos).
    SeekTo(UnixNanos),
    /// Select an instrument (export, scripted demos).
    Select(usize),
    /// Compare the chart with an instrument, or stop comparing.
    CompareWith(Option<usize>),
    /// Select a headline already seen.
    SelectHeadline(usize),
    /// Clear the status line's message.
    ClearMessage,
    /// Leave with this exit code (Ctrl+C, SIGTERM, SIGHUP).
    Exit(i32),
}

impl Action {
    /// Moves the replay clock (or its speed, or what stops it): off in `tapedeck join`, where
    /// the teacher has the clock.
    pub fn moves_clock(self) -> bool {
        matches!(
            self,
            Action::PlayPause
                | Action::Faster
                | Action::Slower
                | Action::AutoPause
                | Action::StepForward
                | Action::StepBack
                | Action::MinuteForward
                | Action::MinuteBack
                | Action::NextHeadline
                | Action::PrevHeadline
                | Action::GoTo
                | Action::Start
                | Action::End
                | Action::LessonNext
                | Action::LessonBack
                | Action::RunToNext
                | Action::PauseFilter
                | Action::Trade(_)
                | Action::SeekTo(_)
                | Action::Activate
        )
    }
}
