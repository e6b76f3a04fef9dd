//! The app's state and the one way it changes: [`App::update`] with an [`Action`]. Wall time
//! is passed in; nothing here reads a clock, touches the terminal or does other I/O, so every
//! behaviour can be driven headlessly in tests.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};

use crate::engine::clock::MAX_SPEED;
use crate::engine::{Headline, Print, ReplayClock, Snapshot};
use crate::lesson::Lesson;
use crate::price::SCALE;
use crate::replay::Replay;
use crate::time::{NANOS_PER_MIN, NANOS_PER_SEC, UnixNanos, clock_seconds, parse_user_time};

use super::keymap::{Key, Keymap};
use super::lesson::LessonRun;
use super::notes::Note;
use super::study::StudyTable;
use super::theme::Theme;
use super::{board, heatmap, layout, news};

/// How far before a headline `n`/`p` land.
pub const HEADLINE_LEAD: i64 = 5 * NANOS_PER_SEC;
/// How long (in played wall time) a headline stays marked new.
pub const FRESH_FOR: Duration = Duration::from_secs(10);
/// Minimum print sizes the tape filter cycles through.
pub const MIN_SIZES: [u32; 6] = [0, 100, 500, 1_000, 5_000, 10_000];
/// Prints fetched for the tape beyond its scroll offset (more than any screen shows).
const TAPE_FETCH: usize = 256;
const MAX_TAPE_SCROLL: usize = 5_000;
const MAX_INPUT: usize = 64;
/// Notes may be longer than a symbol list or a time.
const MAX_NOTE: usize = 240;
const SPEED_AT_START: f64 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Heatmap,
    News,
    Board,
    Chart,
    Tape,
    /// The reaction study of the headline in focus (shown with `S`, not in [`Pane::ALL`]).
    Study,
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

/// Editing the input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Char(char),
    Backspace,
    Submit,
    Cancel,
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
    /// Leave with this exit code (Ctrl+C, SIGTERM, SIGHUP).
    Exit(i32),
}

/// Which headlines auto-pause and run-to-next stop at: at least this important and, when
/// tags are given, carrying at least one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadlineFilter {
    pub min_importance: u8,
    pub tags: Vec<String>,
}

impl HeadlineFilter {
    /// Reads `2`, `3 chips`, `futures europe`, or nothing (every headline). Tags must occur in
    /// the replay's headlines.
    pub fn parse(text: &str, headlines: &[Headline]) -> Result<HeadlineFilter, String> {
        let mut f = HeadlineFilter::default();
        for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
            if let Ok(n) = word.parse::<u8>() {
                if !(1..=3).contains(&n) {
                    return Err(format!("importance runs from 1 to 3, not {n}"));
                }
                f.min_importance = n;
                continue;
            }
            let tag = word.to_ascii_lowercase();
            if !headlines
                .iter()
                .any(|h| h.tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)))
            {
                let mut known: Vec<&str> = headlines
                    .iter()
                    .flat_map(|h| h.tags.iter().map(String::as_str))
                    .collect();
                known.sort_unstable();
                known.dedup();
                return Err(format!(
                    "no headline has the tag {:?} (tags: {})",
                    crate::text::sanitize(word),
                    known.join(" ")
                ));
            }
            if !f.tags.contains(&tag) {
                f.tags.push(tag);
            }
        }
        Ok(f)
    }

    pub fn matches(&self, h: &Headline) -> bool {
        h.importance >= self.min_importance
            && (self.tags.is_empty()
                || h.tags
                    .iter()
                    .any(|t| self.tags.iter().any(|w| t.eq_ignore_ascii_case(w))))
    }

    pub fn is_all(&self) -> bool {
        self.min_importance <= 1 && self.tags.is_empty()
    }

    /// `every headline`, `importance ≥ 2`, `importance ≥ 2 tagged chips or futures`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.min_importance > 1 {
            parts.push(format!("importance ≥ {}", self.min_importance));
        }
        if !self.tags.is_empty() {
            parts.push(format!("tagged {}", self.tags.join(" or ")));
        }
        if parts.is_empty() {
            "every headline".into()
        } else {
            parts.join(" ")
        }
    }

    /// The filter as typed (what the prompt starts with).
    pub fn text(&self) -> String {
        let mut words = Vec::new();
        if self.min_importance > 1 {
            words.push(self.min_importance.to_string());
        }
        words.extend(self.tags.iter().cloned());
        words.join(" ")
    }
}

/// Run-to-next in progress: the headline to stop at and the speed to return to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunTo {
    pub headline: usize,
    pub speed: f64,
}

/// Input and output the event loop does for the app (`update` itself does none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    SaveNotes,
    Export,
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

pub struct App<'r> {
    pub replay: &'r Replay,
    pub keymap: Keymap,
    pub theme: Theme,
    pub title: String,
    pub clock: ReplayClock,
    /// The market at the clock's time; every pane draws from it.
    pub snap: Snapshot,
    /// Tape rows (filtered), newest first, at [`App::tape_time`].
    pub tape: Vec<Print>,
    tape_cursors: Vec<usize>,
    pub focus: Pane,
    pub zoom: bool,
    pub help: bool,
    pub help_scroll: u16,
    pub prompt: Option<Prompt>,
    pub message: Option<Message>,
    /// The instrument selected on the board and heatmap, and shown in the chart.
    pub selected: usize,
    pub compare: Option<usize>,
    pub chart_style: ChartStyle,
    pub chart_window: ChartWindow,
    pub baseline: Baseline,
    pub sort: SortKey,
    pub sort_reverse: bool,
    /// Symbols the tape shows (empty: all).
    pub tape_filter: Vec<usize>,
    pub min_size: u32,
    /// Replay time the tape is frozen at.
    pub tape_frozen: Option<UnixNanos>,
    pub tape_scroll: usize,
    /// Selected headline (index into the store's headlines).
    pub news_selected: Option<usize>,
    pub auto_pause: bool,
    pub utc: bool,
    /// The terminal area, for mouse hit-testing.
    pub area: Rect,
    /// Headlines marked new, with the played time at which they arrived.
    pub fresh: Vec<(usize, Duration)>,
    /// Wall time spent playing: new marks fade by it, so they stay while paused.
    pub played: Duration,
    last_wall: Duration,
    /// Per instrument: prints at least this large are highlighted.
    pub large_print: Vec<u32>,
    /// Per instrument: heatmap tile weight (market value, or the median where unknown).
    pub tile_weight: Vec<f64>,
    pub quit: Option<i32>,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// Presenter layout: big clock, counters, sector tiles, the prompt in large type.
    pub presenter: bool,
    /// The theme not in use (the high-contrast one outside presenter mode, and back).
    alt_theme: Theme,
    /// The reaction study replaces the bottom row.
    pub study: bool,
    pub study_scroll: usize,
    study_cache: RefCell<Option<Rc<StudyTable>>>,
    pub pause_filter: HeadlineFilter,
    pub run_to: Option<RunTo>,
    pub lesson: Option<LessonRun>,
    pub notes: Vec<Note>,
    /// Where notes were loaded from or last saved to.
    pub notes_path: Option<PathBuf>,
    pub notes_open: bool,
    pub notes_selected: usize,
    /// Work for the event loop, taken with [`App::take_effects`].
    pub effects: Vec<Effect>,
}

impl<'r> App<'r> {
    /// A paused app at the start of the replay.
    pub fn new(replay: &'r Replay, keymap: Keymap, theme: Theme) -> App<'r> {
        let store = &replay.store;
        let mut clock = ReplayClock::new(store.start, store.end, store.start);
        clock.set_speed(Duration::ZERO, &store.gaps, SPEED_AT_START);
        let selected = store
            .instruments
            .iter()
            .position(|i| i.symbol.to_ascii_uppercase().starts_with("NQ"))
            .or_else(|| {
                store
                    .instruments
                    .iter()
                    .position(|i| i.kind == crate::replay::manifest::InstrumentKind::Future)
            })
            .unwrap_or(0);
        let mut app = App {
            replay,
            keymap,
            theme,
            title: replay.title(),
            clock,
            snap: Snapshot::default(),
            tape: Vec::with_capacity(TAPE_FETCH),
            tape_cursors: Vec::new(),
            focus: Pane::Heatmap,
            zoom: false,
            help: false,
            help_scroll: 0,
            prompt: None,
            message: Some(Message {
                text: "paused at the start: Space plays, ? shows every key".into(),
                error: false,
            }),
            selected,
            compare: None,
            chart_style: ChartStyle::Line,
            chart_window: ChartWindow::Day,
            baseline: Baseline::PriorClose,
            sort: SortKey::Replay,
            sort_reverse: false,
            tape_filter: Vec::new(),
            min_size: 0,
            tape_frozen: None,
            tape_scroll: 0,
            news_selected: None,
            auto_pause: false,
            utc: false,
            area: Rect::ZERO,
            fresh: Vec::new(),
            played: Duration::ZERO,
            last_wall: Duration::ZERO,
            large_print: large_print_thresholds(replay),
            tile_weight: tile_weights(replay),
            quit: None,
            dirty: true,
            presenter: false,
            alt_theme: if theme.color {
                Theme::high_contrast()
            } else {
                Theme::mono()
            },
            study: false,
            study_scroll: 0,
            study_cache: RefCell::new(None),
            pause_filter: HeadlineFilter::default(),
            run_to: None,
            lesson: None,
            notes: Vec::new(),
            notes_path: None,
            notes_open: false,
            notes_selected: 0,
            effects: Vec::new(),
        };
        app.refresh(store.start);
        app
    }

    /// Replay time shown.
    pub fn now(&self) -> UnixNanos {
        self.snap.t
    }

    pub fn playing(&self) -> bool {
        !self.clock.is_paused()
    }

    /// The zone times are shown (and typed) in.
    pub fn tz(&self) -> Tz {
        if self.utc {
            chrono_tz::UTC
        } else {
            self.replay.tz
        }
    }

    /// The tape's time: the clock's, or the freeze time if earlier (never after the clock).
    pub fn tape_time(&self) -> UnixNanos {
        self.tape_frozen.map_or(self.snap.t, |f| f.min(self.snap.t))
    }

    pub fn is_fresh(&self, headline: usize) -> bool {
        self.fresh
            .iter()
            .any(|&(i, at)| i == headline && self.played.saturating_sub(at) < FRESH_FOR)
    }

    /// The headline the heatmap's headline baseline and the Enter key use.
    pub fn headline_in_focus(&self) -> Option<usize> {
        self.news_selected
            .or(self.snap.headlines_seen.checked_sub(1))
    }

    /// Maps a key press to an action: Ctrl+C always quits, and an open input line takes keys
    /// before the keymap.
    pub fn key_action(&self, key: KeyEvent) -> Option<Action> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Action::Exit(130));
        }
        if self.prompt.is_some() {
            return match key.code {
                KeyCode::Enter => Some(Action::Input(Input::Submit)),
                KeyCode::Esc => Some(Action::Input(Input::Cancel)),
                KeyCode::Backspace => Some(Action::Input(Input::Backspace)),
                KeyCode::Char(c)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    Some(Action::Input(Input::Char(c)))
                }
                _ => None,
            };
        }
        if self.notes_open && matches!(key.code, KeyCode::Delete | KeyCode::Backspace) {
            return Some(Action::DeleteNote);
        }
        let k = Key::from_event(&key);
        Some(self.keymap.action(k).unwrap_or(Action::Unbound(k)))
    }

    /// Effects requested since the last call, for the event loop to carry out.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Shows the outcome of an effect on the status line.
    pub fn report(&mut self, text: impl Into<String>, error: bool) {
        self.message = Some(Message {
            text: text.into(),
            error,
        });
        self.dirty = true;
    }

    /// Starts a lesson: runs its first steps up to the first stop.
    pub fn start_lesson(&mut self, lesson: Lesson, wall: Duration) {
        self.lesson = Some(LessonRun::new(lesson));
        self.message = None;
        self.lesson_continue(wall);
        self.dirty = true;
    }

    /// Sets the auto-pause / run-to-next filter from text such as `2 chips`; turns auto-pause on.
    pub fn set_pause_filter(&mut self, text: &str) -> Result<(), String> {
        self.pause_filter = HeadlineFilter::parse(text, &self.replay.store.headlines)?;
        self.auto_pause = true;
        Ok(())
    }

    /// Switches presenter mode on or off (with its high-contrast theme).
    pub fn set_presenter(&mut self, on: bool) {
        if self.presenter != on {
            self.presenter = on;
            std::mem::swap(&mut self.theme, &mut self.alt_theme);
            self.dirty = true;
        }
    }

    /// The panes Tab cycles through in the current layout.
    pub fn focus_order(&self) -> &'static [Pane] {
        if self.study {
            &[Pane::Heatmap, Pane::News, Pane::Study]
        } else {
            &Pane::ALL
        }
    }

    /// The layout of the normal (not presenter) screen at the app's size.
    pub fn screen(&self) -> layout::Screen {
        layout::screen_for(self.area, self.focus, self.zoom, self.study)
    }

    /// The reaction study of headline `h` (computed once per headline and kept).
    pub fn study_table(&self, h: usize) -> Rc<StudyTable> {
        let mut cache = self.study_cache.borrow_mut();
        match cache.as_ref() {
            Some(t) if t.headline == h => t.clone(),
            _ => {
                let t = Rc::new(StudyTable::compute(&self.replay.store, h));
                *cache = Some(t.clone());
                t
            }
        }
    }

    /// Applies one action at wall time `wall` (time since the app started).
    pub fn update(&mut self, action: Action, wall: Duration) {
        if self.playing() {
            self.played += wall.saturating_sub(self.last_wall);
        }
        self.last_wall = wall;
        if !matches!(action, Action::Tick | Action::Resize(..)) {
            self.dirty = true;
            if !matches!(action, Action::Input(_)) {
                self.message = None;
            }
        }
        self.advance(wall);
        let replay = self.replay;
        let gaps = &replay.store.gaps;
        match action {
            Action::Tick => {}
            Action::Unbound(k) => {
                let help = self
                    .keymap
                    .keys_of(Action::Help)
                    .first()
                    .map_or(String::new(), Key::to_string);
                self.say(format!("{k} does nothing here; {help} lists every key"));
            }
            Action::Quit => self.quit = Some(0),
            Action::Exit(code) => self.quit = Some(code),
            Action::PlayPause => {
                if let Some(r) = self.run_to.take() {
                    self.clock.pause(wall, gaps);
                    self.clock.set_speed(wall, gaps, r.speed);
                    self.say("run to the next headline stopped");
                } else {
                    self.clock.toggle(wall, gaps);
                }
            }
            Action::Faster => self.clock.step_speed(wall, gaps, true),
            Action::Slower => self.clock.step_speed(wall, gaps, false),
            Action::AutoPause => {
                self.auto_pause = !self.auto_pause;
                if self.auto_pause {
                    let which = if self.pause_filter.is_all() {
                        "each headline".to_string()
                    } else {
                        format!("headlines with {}", self.pause_filter.label())
                    };
                    let keys = self.keys_text(Action::PauseFilter);
                    self.say(format!(
                        "auto-pause on: the replay stops at {which} ({keys} sets which)"
                    ));
                } else {
                    self.say("auto-pause off");
                }
            }
            Action::PauseFilter => {
                let text = self.pause_filter.text();
                self.open_prompt(PromptKind::PauseFilter, text);
            }
            Action::RunToNext => self.run_to_next(wall),
            Action::LessonNext => self.lesson_next(wall),
            Action::LessonBack => self.lesson_back(wall),
            Action::Presenter => self.set_presenter(!self.presenter),
            Action::Study => {
                self.study = !self.study;
                self.study_scroll = 0;
                if self.study {
                    self.focus = Pane::Study;
                    self.zoom = false;
                } else if self.focus == Pane::Study {
                    self.focus = Pane::Heatmap;
                    self.zoom = false;
                }
            }
            Action::Note => self.open_prompt(PromptKind::Note, String::new()),
            Action::Notes => {
                self.notes_open = !self.notes_open;
                if self.notes_open {
                    let now = self.now();
                    self.notes_selected = self.notes.iter().rposition(|n| n.ts <= now).unwrap_or(0);
                    if self.notes.is_empty() {
                        let keys = self.keys_text(Action::Note);
                        self.say(format!(
                            "no notes yet: {keys} drops one at the current time"
                        ));
                    }
                }
            }
            Action::DeleteNote => {
                if self.notes_selected < self.notes.len() {
                    self.notes.remove(self.notes_selected);
                    self.notes_selected =
                        self.notes_selected.min(self.notes.len().saturating_sub(1));
                    self.effects.push(Effect::SaveNotes);
                }
            }
            Action::Export => self.effects.push(Effect::Export),
            Action::StepForward => match self.replay.store.next_print_after(self.now()) {
                Some(t) => self.seek(wall, t, true),
                None => self.say("no later print"),
            },
            Action::StepBack => match self.replay.store.prev_print_before(self.now()) {
                Some(t) => self.seek(wall, t, false),
                None => self.say("no earlier print"),
            },
            Action::MinuteForward => {
                self.seek(wall, self.now().saturating_add(NANOS_PER_MIN), true)
            }
            Action::MinuteBack => self.seek(wall, self.now().saturating_sub(NANOS_PER_MIN), false),
            Action::NextHeadline => self.jump_headline(wall, true),
            Action::PrevHeadline => self.jump_headline(wall, false),
            Action::GoTo => self.open_prompt(PromptKind::GoTo, String::new()),
            Action::SeekTo(t) => self.seek(wall, t, false),
            Action::Start => self.seek(wall, self.replay.store.start, false),
            Action::End => self.seek(wall, self.replay.store.end, false),
            Action::FocusNext | Action::FocusPrev => {
                let order = self.focus_order();
                let i = order.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = order.len();
                let j = if action == Action::FocusNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus = order[j];
            }
            Action::Up => self.scroll(self.focus, -1),
            Action::Down => self.scroll(self.focus, 1),
            Action::PageUp => self.scroll(self.focus, -10),
            Action::PageDown => self.scroll(self.focus, 10),
            Action::Activate => self.activate(wall),
            Action::Zoom => self.zoom = !self.zoom,
            Action::Filter => {
                let text = self.symbols_text(&self.tape_filter);
                self.open_prompt(PromptKind::Filter, text)
            }
            Action::MinSize => {
                let i = MIN_SIZES
                    .iter()
                    .position(|&m| m == self.min_size)
                    .unwrap_or(0);
                self.min_size = MIN_SIZES[(i + 1) % MIN_SIZES.len()];
                self.refresh_tape();
            }
            Action::Freeze => {
                if self.tape_frozen.is_some() {
                    self.follow_tape();
                } else {
                    self.tape_frozen = Some(self.now());
                    self.say("tape frozen: it stays put while the clock runs (f or Esc to follow)");
                }
            }
            Action::Sort => {
                self.sort = match self.sort {
                    SortKey::Replay => SortKey::Change,
                    SortKey::Change => SortKey::MarketValue,
                    SortKey::MarketValue => SortKey::Volume,
                    SortKey::Volume => SortKey::Symbol,
                    SortKey::Symbol => SortKey::Replay,
                };
            }
            Action::SortReverse => self.sort_reverse = !self.sort_reverse,
            Action::ChartSymbol => self.open_prompt(PromptKind::Chart, String::new()),
            Action::Compare => self.open_prompt(PromptKind::Compare, String::new()),
            Action::ChartStyle => {
                self.chart_style = match self.chart_style {
                    ChartStyle::Line => ChartStyle::Candles,
                    ChartStyle::Candles => ChartStyle::Line,
                }
            }
            Action::ChartWindow => {
                self.chart_window = match self.chart_window {
                    ChartWindow::Day => ChartWindow::Hours4,
                    ChartWindow::Hours4 => ChartWindow::Hour1,
                    ChartWindow::Hour1 => ChartWindow::Day,
                }
            }
            Action::Baseline => {
                self.baseline = match self.baseline {
                    Baseline::PriorClose => Baseline::Open,
                    Baseline::Open => Baseline::Headline,
                    Baseline::Headline => Baseline::PriorClose,
                }
            }
            Action::Zone => self.utc = !self.utc,
            Action::Help => {
                self.help = !self.help;
                self.help_scroll = 0;
            }
            Action::Back => {
                if self.help {
                    self.help = false;
                } else if self.notes_open {
                    self.notes_open = false;
                } else if self.zoom {
                    self.zoom = false;
                } else if self.tape_frozen.is_some() || self.tape_scroll > 0 {
                    self.follow_tape();
                }
            }
            Action::Resize(w, h) => {
                self.area = Rect::new(0, 0, w, h);
                self.dirty = true;
            }
            Action::Click(x, y) => self.click(x, y),
            Action::Scroll { x, y, down } => {
                if self.help {
                    self.scroll_help(if down { 3 } else { -3 });
                } else if let Some(pane) = self.pane_at(x, y) {
                    self.scroll(pane, if down { 3 } else { -3 });
                }
            }
            Action::Input(input) => self.input(input, wall),
        }
    }

    /// Moves a playing clock on to `wall`: stops at the end, and at a headline when auto-pause
    /// is on.
    fn advance(&mut self, wall: Duration) {
        if !self.playing() {
            return;
        }
        let store = &self.replay.store;
        let prev = self.snap.t;
        let mut t = self.clock.now(wall, &store.gaps);
        let mut lesson_arrived = false;
        if let Some(target) = self.lesson.as_ref().and_then(|l| l.waiting)
            && t >= target
            && prev <= target
        {
            t = target;
            self.clock.pause(wall, &store.gaps);
            self.clock.seek(wall, t);
            lesson_arrived = true;
        }
        let mut run_arrived = false;
        if let Some(r) = self.run_to {
            let target = store.headlines[r.headline].ts;
            if t >= target {
                run_arrived = true;
                t = target;
                self.clock.pause(wall, &store.gaps);
                self.clock.seek(wall, t);
                self.clock.set_speed(wall, &store.gaps, r.speed);
                self.run_to = None;
                self.news_selected = Some(r.headline);
                let h = &store.headlines[r.headline];
                let text = format!(
                    "at {} {} — {}",
                    clock_seconds(h.ts, self.tz()),
                    h.source,
                    h.text
                );
                self.say(text);
                self.dirty = true;
            }
        }
        if self.auto_pause && t > prev && !run_arrived {
            let i = store.headlines.partition_point(|h| h.ts <= prev);
            if let Some(h) = store.headlines[i..]
                .iter()
                .take_while(|h| h.ts <= t)
                .find(|h| self.pause_filter.matches(h))
            {
                t = h.ts;
                self.clock.pause(wall, &store.gaps);
                self.clock.seek(wall, t);
                self.news_selected = None;
                lesson_arrived = false;
                let keys = self.keys_text(Action::AutoPause);
                self.say(format!(
                    "auto-paused at a headline: Space plays on, {keys} turns auto-pause off"
                ));
                self.dirty = true;
            }
        }
        if t >= store.end {
            self.clock.pause(wall, &store.gaps);
            self.say("end of the replay: Space plays it again from the start");
            self.dirty = true;
        }
        if t != prev {
            let before = (
                prev.div_euclid(NANOS_PER_SEC),
                self.latest_print(),
                self.snap.headlines_seen,
            );
            self.move_to(t, true);
            let after = (
                t.div_euclid(NANOS_PER_SEC),
                self.latest_print(),
                self.snap.headlines_seen,
            );
            if before != after {
                self.dirty = true;
            }
        }
        let n = self.fresh.len();
        let played = self.played;
        self.fresh
            .retain(|&(_, at)| played.saturating_sub(at) < FRESH_FOR);
        if self.fresh.len() != n {
            self.dirty = true;
        }
        if lesson_arrived {
            if let Some(run) = self.lesson.as_mut() {
                run.waiting = None;
            }
            self.lesson_continue(wall);
            self.dirty = true;
        }
    }

    /// The first key bound to `action`, as shown to the user.
    pub fn keys_text(&self, action: Action) -> String {
        self.keymap
            .keys_of(action)
            .first()
            .map_or_else(|| "?".into(), Key::to_string)
    }

    /// Plays at top speed until the next headline the filter accepts, then pauses on it.
    fn run_to_next(&mut self, wall: Duration) {
        let store = &self.replay.store;
        let now = self.now();
        let found = store
            .headlines
            .iter()
            .position(|h| h.ts > now && h.ts > store.start && self.pause_filter.matches(h));
        let Some(i) = found else {
            let which = if self.pause_filter.is_all() {
                String::new()
            } else {
                format!(" with {}", self.pause_filter.label())
            };
            self.say(format!("no later headline{which}"));
            return;
        };
        let speed = self.run_to.map_or(self.clock.speed(), |r| r.speed);
        self.run_to = Some(RunTo { headline: i, speed });
        self.clock.set_speed(wall, &store.gaps, MAX_SPEED);
        self.clock.play(wall, &store.gaps);
        let which = if self.pause_filter.is_all() {
            "the next headline".to_string()
        } else {
            format!("the next headline with {}", self.pause_filter.label())
        };
        self.say(format!(
            "running at {}× to {which} ({})",
            MAX_SPEED,
            clock_seconds(store.headlines[i].ts, self.tz())
        ));
    }

    /// The lesson key: skip ahead to where the lesson is playing to, or go on from a stop.
    fn lesson_next(&mut self, wall: Duration) {
        let Some(run) = self.lesson.as_mut() else {
            self.say("no lesson is running: start one with tapedeck --lesson FILE");
            return;
        };
        if run.finished {
            self.say("the lesson is over");
            return;
        }
        if let Some(t) = run.waiting.take() {
            let gaps = &self.replay.store.gaps;
            self.clock.pause(wall, gaps);
            self.seek(wall, t, true);
            self.lesson_continue(wall);
            return;
        }
        // A reveal right after a prompt shows under it; anything else clears the stop.
        let keep_prompt = run
            .lesson
            .steps
            .get(run.next)
            .is_some_and(|s| s.reveal.is_some() && s.prompt.is_none());
        if !keep_prompt {
            run.prompt = None;
        }
        run.reveal = None;
        self.lesson_continue(wall);
    }

    /// Back to the previous stop: from an unanswered question to the one before it, from an
    /// answer (or the way to the next stop, or the end) to its own question. The lesson runs
    /// again from its first step, jumping instead of playing, so every seek, selection and pane
    /// is as it was; before the first stop it simply starts again.
    fn lesson_back(&mut self, wall: Duration) {
        let Some(run) = self.lesson.as_mut() else {
            self.say("no lesson is running: start one with tapedeck --lesson FILE");
            return;
        };
        let unanswered = run.prompt.is_some() && run.reveal.is_none() && run.waiting.is_none();
        let target = if unanswered && !run.finished {
            run.stop.saturating_sub(1)
        } else {
            run.stop
        };
        let lesson = run.lesson.clone();
        let mut fresh = LessonRun::new(lesson);
        fresh.rewind_to = (target > 0).then_some(target);
        self.lesson = Some(fresh);
        self.message = None;
        self.lesson_continue(wall);
        self.dirty = true;
    }

    /// Runs lesson steps until one waits (a prompt, a reveal, or a time to play to).
    fn lesson_continue(&mut self, wall: Duration) {
        loop {
            let Some(run) = self.lesson.as_mut() else {
                return;
            };
            let index = run.next;
            let Some(step) = run.lesson.steps.get(index).cloned() else {
                run.finished = true;
                run.waiting = None;
                let keys = self.keys_text(Action::Quit);
                self.say(format!(
                    "end of the lesson: the replay is yours ({keys} quits)"
                ));
                return;
            };
            let gaps = &self.replay.store.gaps;
            if !run.pre_done {
                run.pre_done = true;
                if let Some(speed) = step.speed {
                    self.clock.set_speed(wall, gaps, speed);
                }
                if let Some(i) = step.select {
                    self.selected = i;
                    self.compare = None;
                }
                if let Some(p) = &step.pane {
                    self.show_pane(p);
                }
                if let Some(t) = step.seek {
                    self.clock.pause(wall, gaps);
                    self.seek(wall, t, false);
                }
                if let Some(t) = step.play_to {
                    let rewinding = self.lesson.as_ref().is_some_and(|r| r.rewind_to.is_some());
                    if self.now() < t && !rewinding {
                        if let Some(run) = self.lesson.as_mut() {
                            run.waiting = Some(t);
                        }
                        self.clock.play(wall, &self.replay.store.gaps);
                        return;
                    }
                    self.clock.pause(wall, &self.replay.store.gaps);
                    self.seek(wall, t, false);
                }
            }
            let Some(run) = self.lesson.as_mut() else {
                return;
            };
            run.next += 1;
            run.pre_done = false;
            if step.prompt.is_some() {
                run.prompt = Some(index);
                run.reveal = None;
                run.stop += 1;
            } else if step.reveal.is_some() {
                run.reveal = Some(index);
            }
            if let Some(h) = step.headline
                && h < self.snap.headlines_seen
            {
                self.news_selected = Some(h);
            }
            if step.waits() {
                let Some(run) = self.lesson.as_mut() else {
                    return;
                };
                // Rewinding passes earlier questions and answers by.
                if let Some(target) = run.rewind_to {
                    if step.prompt.is_none() || run.stop < target {
                        continue;
                    }
                    run.rewind_to = None;
                }
                self.clock.pause(wall, &self.replay.store.gaps);
                return;
            }
        }
    }

    /// Focuses a pane named in a lesson (showing the study or leaving presenter mode as
    /// needed).
    fn show_pane(&mut self, name: &str) {
        let pane = match name {
            "heatmap" => Pane::Heatmap,
            "headlines" | "news" => Pane::News,
            "board" => Pane::Board,
            "chart" => Pane::Chart,
            "tape" => Pane::Tape,
            "study" => Pane::Study,
            // The counters strip is always on screen; presenter mode shows them largest.
            _ => return,
        };
        if pane == Pane::Study {
            self.study = true;
            self.study_scroll = 0;
        } else if self.study && !matches!(pane, Pane::Heatmap | Pane::News) {
            self.study = false;
        }
        self.focus = pane;
    }

    fn latest_print(&self) -> Option<UnixNanos> {
        self.snap.instruments.iter().filter_map(|s| s.last_ts).max()
    }

    /// Seeks the clock; `arrivals` marks headlines passed on the way as new (stepping forward,
    /// not jumping).
    fn seek(&mut self, wall: Duration, t: UnixNanos, arrivals: bool) {
        self.clock.seek(wall, t);
        let t = self.clock.now(wall, &self.replay.store.gaps);
        self.move_to(t, arrivals);
    }

    fn move_to(&mut self, t: UnixNanos, arrivals: bool) {
        let before = self.snap.headlines_seen;
        self.refresh(t);
        let seen = self.snap.headlines_seen;
        if arrivals && seen > before {
            // Only the latest few: a long jump is not a burst of news.
            for i in before.max(seen.saturating_sub(5))..seen {
                self.fresh.push((i, self.played));
            }
        }
        self.fresh.retain(|&(i, _)| i < seen);
    }

    /// Recomputes everything shown at `t`.
    fn refresh(&mut self, t: UnixNanos) {
        self.replay.store.snapshot_into(t, 0, &mut self.snap);
        if self
            .news_selected
            .is_some_and(|i| i >= self.snap.headlines_seen)
        {
            self.news_selected = None;
        }
        self.refresh_tape();
    }

    fn refresh_tape(&mut self) {
        let t = self.tape_time();
        let filter = &self.tape_filter;
        let keep = |i: usize| filter.is_empty() || filter.contains(&i);
        self.replay.store.tape_before(
            t,
            self.tape_scroll + TAPE_FETCH,
            self.min_size,
            &keep,
            &mut self.tape_cursors,
            &mut self.tape,
        );
    }

    fn follow_tape(&mut self) {
        self.tape_frozen = None;
        self.tape_scroll = 0;
        self.refresh_tape();
    }

    fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    fn complain(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    fn open_prompt(&mut self, kind: PromptKind, text: String) {
        self.prompt = Some(Prompt { kind, text });
    }

    fn jump_headline(&mut self, wall: Duration, forward: bool) {
        let store = &self.replay.store;
        let t = self.now();
        let target = |h: &crate::engine::Headline| h.ts - HEADLINE_LEAD;
        let found = if forward {
            store
                .headlines
                .iter()
                .position(|h| target(h) > t && h.ts > store.start)
        } else {
            store
                .headlines
                .iter()
                .rposition(|h| target(h) < t && h.ts > store.start)
        };
        match found {
            Some(i) => {
                let h = &store.headlines[i];
                let text = format!(
                    "{} before {} {} — {}",
                    crate::time::human_duration(HEADLINE_LEAD),
                    clock_seconds(h.ts, self.tz()),
                    h.source,
                    h.text
                );
                self.seek(wall, target(h), false);
                self.say(text);
            }
            None => self.say(if forward {
                "no later headline"
            } else {
                "no earlier headline"
            }),
        }
    }

    /// Instruments in board order.
    pub fn board_order(&self) -> Vec<usize> {
        let store = &self.replay.store;
        let mut order: Vec<usize> = (0..store.instruments.len()).collect();
        let st = &self.snap.instruments;
        let desc = |a: Option<f64>, b: Option<f64>| {
            b.unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&a.unwrap_or(f64::NEG_INFINITY))
        };
        match self.sort {
            SortKey::Replay => {}
            SortKey::Symbol => order.sort_by(|&a, &b| {
                store.instruments[a]
                    .symbol
                    .cmp(&store.instruments[b].symbol)
            }),
            // Biggest losers first: that is what a sell-off review looks for.
            SortKey::Change => order.sort_by(|&a, &b| desc(st[b].change_pct, st[a].change_pct)),
            SortKey::MarketValue => {
                order.sort_by(|&a, &b| desc(st[b].market_cap_change, st[a].market_cap_change))
            }
            SortKey::Volume => order.sort_by(|&a, &b| st[b].volume.cmp(&st[a].volume)),
        }
        if self.sort_reverse {
            order.reverse();
        }
        order
    }

    /// Each instrument's move against the heatmap baseline.
    pub fn moves(&self) -> Vec<Move> {
        let store = &self.replay.store;
        let headline = self.headline_in_focus().map(|i| store.headlines[i].ts);
        store
            .instruments
            .iter()
            .zip(&self.snap.instruments)
            .enumerate()
            .map(|(i, (info, st))| {
                let (price, base) = match (self.baseline, headline) {
                    (Baseline::Open, _) => (st.day_price, st.open),
                    (Baseline::Headline, Some(ts)) => (st.last, store.series(i).price_at(ts)),
                    _ => (st.day_price, Some(info.reference)),
                };
                match (price, base) {
                    (Some(p), Some(b)) if b.0 != 0 => {
                        let value =
                            |x: i64| info.shares.map(|sh| sh as f64 * x as f64 / SCALE as f64);
                        Move {
                            pct: Some((p.0 - b.0) as f64 / b.0 as f64 * 100.0),
                            market_value: value(p.0 - b.0),
                            base_value: value(b.0),
                        }
                    }
                    _ => Move::default(),
                }
            })
            .collect()
    }

    /// A sector's move: market-value weighted where any member's shares are known (as the
    /// engine weighs sectors), else the plain average of its members.
    pub fn sector_move(&self, sector: usize, moves: &[Move]) -> Move {
        let store = &self.replay.store;
        let (mut base, mut change, mut sum, mut n) = (0.0, 0.0, 0.0, 0u32);
        for (i, _) in store
            .instruments
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
                pct: (n > 0).then(|| sum / n as f64),
                market_value: None,
                base_value: None,
            }
        }
    }

    fn symbols_text(&self, list: &[usize]) -> String {
        let names: Vec<&str> = list
            .iter()
            .map(|&i| self.replay.store.instruments[i].symbol.as_str())
            .collect();
        names.join(" ")
    }

    fn parse_symbols(&self, text: &str) -> Result<Vec<usize>, String> {
        text.split([' ', ',', ';'])
            .filter(|s| !s.is_empty())
            .map(|s| {
                self.replay
                    .store
                    .symbol_index(s)
                    .ok_or_else(|| format!("unknown symbol {:?}", crate::text::sanitize(s)))
            })
            .collect()
    }

    fn input(&mut self, input: Input, wall: Duration) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match input {
            Input::Char(c) => {
                let max = if prompt.kind == PromptKind::Note {
                    MAX_NOTE
                } else {
                    MAX_INPUT
                };
                if !c.is_control() && prompt.text.chars().count() < max {
                    prompt.text.push(c);
                }
            }
            Input::Backspace => {
                prompt.text.pop();
            }
            Input::Cancel => self.prompt = None,
            Input::Submit => {
                let Prompt { kind, text } = self.prompt.take().unwrap_or(Prompt {
                    kind: PromptKind::GoTo,
                    text: String::new(),
                });
                if let Err(e) = self.submit(kind, text.trim(), wall) {
                    self.complain(e);
                }
            }
        }
    }

    fn submit(&mut self, kind: PromptKind, text: &str, wall: Duration) -> Result<(), String> {
        match kind {
            PromptKind::GoTo => {
                if text.is_empty() {
                    return Ok(());
                }
                let t = self.parse_goto(text)?;
                self.seek(wall, t, false);
            }
            PromptKind::Filter => {
                self.tape_filter = self.parse_symbols(text)?;
                self.tape_scroll = 0;
                self.refresh_tape();
            }
            PromptKind::Chart => {
                let list = self.parse_symbols(text)?;
                match list.as_slice() {
                    [] => {}
                    [a] => self.selected = *a,
                    [a, b] => {
                        self.selected = *a;
                        self.compare = Some(*b);
                    }
                    _ => return Err("chart takes one symbol, or two to compare".into()),
                }
            }
            PromptKind::Compare => {
                let list = self.parse_symbols(text)?;
                match list.as_slice() {
                    [] => self.compare = None,
                    [a] => self.compare = Some(*a),
                    _ => return Err("compare takes one symbol".into()),
                }
            }
            PromptKind::PauseFilter => {
                self.set_pause_filter(text)?;
                self.say(format!(
                    "auto-pause on at {}; {} runs to the next one",
                    self.pause_filter.label(),
                    self.keys_text(Action::RunToNext)
                ));
            }
            PromptKind::Note => {
                let text = crate::text::sanitize(text);
                if text.is_empty() {
                    return Ok(());
                }
                let ts = self.now();
                let at = self.notes.partition_point(|n| n.ts <= ts);
                self.notes.insert(at, Note { ts, text });
                self.notes_selected = at;
                self.effects.push(Effect::SaveNotes);
                self.say(format!(
                    "note added at {} ({} lists notes)",
                    clock_seconds(ts, self.tz()),
                    self.keys_text(Action::Notes)
                ));
            }
        }
        Ok(())
    }

    /// A time typed after `g`: a session word (`open`, `close`, `premarket`, a phase's name,
    /// `start`, `end`) or a time `time::parse_user_time` reads, in the zone shown.
    pub fn parse_goto(&self, text: &str) -> Result<UnixNanos, String> {
        let store = &self.replay.store;
        let word = text.trim().to_ascii_lowercase();
        let phase = |name: &str| {
            store
                .phases
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
        };
        let t = match word.as_str() {
            "start" => store.start,
            "end" => store.end,
            "open" => phase("regular")
                .map(|p| p.start)
                .ok_or("this replay has no regular session")?,
            "close" => phase("regular")
                .map(|p| p.end)
                .ok_or("this replay has no regular session")?,
            w if phase(w).is_some() => phase(w).map_or(store.start, |p| p.start),
            _ => parse_user_time(text, self.replay.date, self.tz())?,
        };
        if t < store.start || t > store.end {
            return Err(format!(
                "{} is outside the replay ({} to {})",
                crate::text::sanitize(text),
                crate::time::rfc3339_in(store.start, self.tz()),
                crate::time::rfc3339_in(store.end, self.tz())
            ));
        }
        Ok(t)
    }

    fn activate(&mut self, wall: Duration) {
        if self.notes_open {
            if let Some(n) = self.notes.get(self.notes_selected) {
                let (ts, text) = (n.ts, n.text.clone());
                self.seek(wall, ts, false);
                self.notes_open = false;
                self.say(format!("note: {text}"));
            }
            return;
        }
        match self.focus {
            Pane::News => {
                if let Some(i) = self.headline_in_focus() {
                    let ts = self.replay.store.headlines[i].ts;
                    self.seek(wall, ts, false);
                    self.news_selected = Some(i);
                }
            }
            Pane::Board | Pane::Heatmap | Pane::Chart => {
                self.tape_filter = if self.tape_filter == [self.selected] {
                    Vec::new()
                } else {
                    vec![self.selected]
                };
                self.tape_scroll = 0;
                self.refresh_tape();
            }
            Pane::Tape => {
                if self.tape_frozen.is_some() {
                    self.follow_tape();
                } else {
                    self.tape_frozen = Some(self.now());
                }
            }
            Pane::Study => {
                if let Some(i) = self.headline_in_focus() {
                    let ts = self.replay.store.headlines[i].ts;
                    self.seek(wall, ts, false);
                    self.news_selected = Some(i);
                }
            }
        }
    }

    fn scroll_help(&mut self, delta: i32) {
        self.help_scroll = (self.help_scroll as i32 + delta).clamp(0, 200) as u16;
    }

    /// Scrolls or moves the selection in `pane` by `delta` rows.
    fn scroll(&mut self, pane: Pane, delta: i32) {
        if self.help {
            self.scroll_help(delta);
            return;
        }
        if self.notes_open {
            let n = self.notes.len() as i32;
            self.notes_selected =
                (self.notes_selected as i32 + delta).clamp(0, (n - 1).max(0)) as usize;
            return;
        }
        match pane {
            Pane::Study => {
                self.study_scroll = (self.study_scroll as i32 + delta).clamp(0, 200) as usize;
            }
            Pane::Board => {
                let order = self.board_order();
                let pos = order.iter().position(|&i| i == self.selected).unwrap_or(0) as i32;
                let next = (pos + delta).clamp(0, order.len() as i32 - 1);
                self.selected = order[next as usize];
            }
            Pane::Heatmap | Pane::Chart => {
                let n = self.replay.store.instruments.len() as i32;
                self.selected = (self.selected as i32 + delta).clamp(0, n - 1) as usize;
            }
            Pane::News => {
                let seen = self.snap.headlines_seen;
                if seen == 0 {
                    return;
                }
                // Down goes to older headlines (the feed is newest first).
                let cur = self.news_selected.map_or(-1, |i| (seen - 1 - i) as i32);
                let pos = (cur + delta).clamp(0, seen as i32 - 1) as usize;
                self.news_selected = Some(seen - 1 - pos);
            }
            Pane::Tape => {
                let next = (self.tape_scroll as i64 + delta as i64).clamp(0, MAX_TAPE_SCROLL as i64)
                    as usize;
                if next > 0 && self.tape_frozen.is_none() {
                    // Reading back through the tape holds it still.
                    self.tape_frozen = Some(self.now());
                }
                self.tape_scroll = next;
                self.refresh_tape();
            }
        }
    }

    fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        if self.presenter {
            return None;
        }
        let screen = self.screen();
        screen
            .panes
            .iter()
            .find(|(_, r)| r.contains(Position::new(x, y)))
            .map(|(p, _)| *p)
    }

    fn click(&mut self, x: u16, y: u16) {
        if self.help {
            self.help = false;
            return;
        }
        if self.notes_open || self.presenter {
            return;
        }
        let screen = self.screen();
        let Some(&(pane, rect)) = screen
            .panes
            .iter()
            .find(|(_, r)| r.contains(Position::new(x, y)))
        else {
            return;
        };
        self.focus = pane;
        let pos = Position::new(x, y);
        match pane {
            Pane::Board => {
                if let Some(i) = board::instrument_at(self, rect, pos) {
                    self.selected = i;
                }
            }
            Pane::Heatmap => {
                if let Some(i) = heatmap::instrument_at(self, rect, pos) {
                    self.selected = i;
                }
            }
            Pane::News => {
                if let Some(i) = news::headline_at(self, rect, pos) {
                    self.news_selected = Some(i);
                }
            }
            Pane::Chart | Pane::Tape | Pane::Study => {}
        }
    }
}

/// Per instrument, the 99th percentile of print sizes (from up to 4096 evenly spaced prints).
fn large_print_thresholds(replay: &Replay) -> Vec<u32> {
    (0..replay.store.instruments.len())
        .map(|i| {
            let sizes = &replay.store.series(i).size;
            let step = (sizes.len() / 4096).max(1);
            let mut sample: Vec<u32> = sizes.iter().step_by(step).copied().collect();
            sample.sort_unstable();
            let p99 = sample
                .get(sample.len() * 99 / 100)
                .copied()
                .unwrap_or(u32::MAX);
            p99.max(2)
        })
        .collect()
}

/// Market value at the reference price; instruments without shares get the median.
fn tile_weights(replay: &Replay) -> Vec<f64> {
    let values: Vec<Option<f64>> = replay
        .store
        .instruments
        .iter()
        .map(|i| {
            i.shares
                .map(|s| s as f64 * i.reference.to_f64())
                .filter(|v| *v > 0.0)
        })
        .collect();
    let mut known: Vec<f64> = values.iter().flatten().copied().collect();
    known.sort_by(f64::total_cmp);
    let median = known.get(known.len() / 2).copied().unwrap_or(1.0);
    values.iter().map(|v| v.unwrap_or(median)).collect()
}
