//! The app's state and the one way it changes: [`App::update`] with a [`Msg`] (a key's
//! [`Action`], the start-up settings, or the outcome of an effect). Wall time is passed in;
//! nothing here reads a clock, touches the terminal or does other I/O — `update` returns the
//! [`Effect`]s for the event loop to carry out — so every behaviour can be driven headlessly.
//! The clock belongs to [`Playback`]; what a frame shows is built by [`App::view`].

mod lesson_steps;
mod prompt;
mod trade;
mod view;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use crate::engine::{Print, Snapshot, Store};
use crate::lesson::Lesson;
use crate::replay::Replay;
use crate::time::{NANOS_PER_MIN, NANOS_PER_SEC, UnixNanos, clock_seconds};

pub use super::action::{Action, Input};
pub use super::filter::HeadlineFilter;
use super::hit::{self, Item};
use super::keymap::{Key, Keymap};
use super::lesson::LessonRun;
use super::model::Note;
pub use super::model::{
    Baseline, ChartStyle, ChartWindow, Message, Move, Pane, Prompt, PromptKind, SortKey,
};
pub use super::playback::{Playback, RunTo};
use super::study_table::StudyTable;
use super::theme::Theme;
use super::trading::{Saved, Trading};
use super::view::keys_text;

/// How far before a headline `n`/`p` land.
pub const HEADLINE_LEAD: i64 = 5 * NANOS_PER_SEC;
/// How long (in played wall time) a headline stays marked new.
pub const FRESH_FOR: Duration = Duration::from_secs(10);
/// Minimum print sizes the tape filter cycles through.
pub const MIN_SIZES: [u32; 6] = [0, 100, 500, 1_000, 5_000, 10_000];
/// Prints fetched for the tape beyond its scroll offset (more than any screen shows).
const TAPE_FETCH: usize = 256;
const MAX_TAPE_SCROLL: usize = 5_000;
const SPEED_AT_START: f64 = 60.0;

/// Input and output the event loop does for the app (`update` itself does none); the outcome
/// comes back as a [`Msg`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    SaveNotes,
    Export,
    SaveJournal,
}

/// Settings the app starts with, read before the screen changes (so their errors print
/// plainly) and applied as the first message.
#[derive(Debug, Clone, Default)]
pub struct Startup {
    pub lesson: Option<Lesson>,
    pub presenter: bool,
    /// Turns auto-pause on with this filter.
    pub pause_filter: Option<HeadlineFilter>,
    /// Notes read from this file.
    pub notes: Option<(PathBuf, Vec<Note>)>,
    /// The practice journal's file, and what it held if it exists.
    pub journal: Option<(PathBuf, Option<Saved>)>,
}

/// Everything `update` takes.
#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    Start(Box<Startup>),
    /// The notes were written (to this file), or why not.
    NotesSaved(Result<PathBuf, String>),
    /// The journal was written (to this file), or why not.
    JournalSaved(Result<PathBuf, String>),
    /// The export wrote these files into `dir`, or why not.
    Exported {
        dir: PathBuf,
        result: Result<Vec<PathBuf>, String>,
    },
}

impl From<Action> for Msg {
    fn from(a: Action) -> Msg {
        Msg::Action(a)
    }
}

impl From<Startup> for Msg {
    fn from(s: Startup) -> Msg {
        Msg::Start(Box::new(s))
    }
}

/// What one update asks of the event loop.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    /// Something visible changed: the screen needs drawing.
    pub redraw: bool,
}

pub struct App<'r> {
    replay: &'r Replay,
    keymap: Keymap,
    theme: Theme,
    /// The theme not in use (the high-contrast one outside presenter mode, and back).
    alt_theme: Theme,
    title: String,
    playback: Playback,
    /// The market at the clock's time; every pane draws from it.
    snap: Snapshot,
    /// Tape rows (filtered), newest first, at the tape's time.
    tape: Vec<Print>,
    tape_cursors: Vec<usize>,
    focus: Pane,
    zoom: bool,
    help: bool,
    help_scroll: u16,
    prompt: Option<Prompt>,
    message: Option<Message>,
    /// The instrument selected on the board and heatmap, and shown in the chart.
    selected: usize,
    compare: Option<usize>,
    chart_style: ChartStyle,
    chart_window: ChartWindow,
    baseline: Baseline,
    sort: SortKey,
    sort_reverse: bool,
    /// Symbols the tape shows (empty: all).
    tape_filter: Vec<usize>,
    min_size: u32,
    /// Replay time the tape is frozen at.
    tape_frozen: Option<UnixNanos>,
    tape_scroll: usize,
    /// Selected headline (index into the store's headlines).
    news_selected: Option<usize>,
    utc: bool,
    /// The terminal area, for mouse hit-testing.
    area: Rect,
    /// Headlines marked new, with the played time at which they arrived.
    fresh: Vec<(usize, Duration)>,
    /// Wall time spent playing: new marks fade by it, so they stay while paused.
    played: Duration,
    last_wall: Duration,
    /// Per instrument: prints at least this large are highlighted.
    large_print: Vec<u32>,
    /// Per instrument: heatmap tile weight (market value, or the median where unknown).
    tile_weight: Vec<f64>,
    has_bars: bool,
    quit: Option<i32>,
    /// Presenter layout: big clock, counters, sector tiles, the prompt in large type.
    presenter: bool,
    /// The reaction study replaces the bottom row.
    study: bool,
    study_scroll: usize,
    /// The study of the headline in focus, computed when it changes while the study is shown.
    study_table: Option<Rc<StudyTable>>,
    lesson: Option<LessonRun>,
    notes: Vec<Note>,
    /// Where notes were loaded from or last saved to.
    notes_path: Option<PathBuf>,
    notes_open: bool,
    notes_selected: usize,
    /// Practice trading: its own state and update function (`tui/trading.rs`).
    trading: Trading,
    /// This update's outcome, handed back by `update`.
    effects: Vec<Effect>,
    redraw: bool,
}

impl<'r> App<'r> {
    /// A paused app at the start of the replay.
    pub fn new(replay: &'r Replay, keymap: Keymap, theme: Theme) -> App<'r> {
        let store = &replay.store;
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
            alt_theme: if theme.color {
                Theme::high_contrast()
            } else {
                Theme::mono()
            },
            theme,
            title: replay.title(),
            playback: Playback::new(store, SPEED_AT_START),
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
            utc: false,
            area: Rect::ZERO,
            fresh: Vec::new(),
            played: Duration::ZERO,
            last_wall: Duration::ZERO,
            large_print: large_print_thresholds(store),
            tile_weight: tile_weights(store),
            has_bars: store
                .all_series()
                .iter()
                .any(super::super::engine::store::Series::is_bars),
            quit: None,
            presenter: false,
            study: false,
            study_scroll: 0,
            study_table: None,
            lesson: None,
            notes: Vec::new(),
            notes_path: None,
            notes_open: false,
            notes_selected: 0,
            trading: Trading::new(store, replay.tz),
            effects: Vec::new(),
            redraw: true,
        };
        app.refresh(store.start);
        app
    }

    pub fn replay(&self) -> &'r Replay {
        self.replay
    }

    /// Replay time shown.
    pub fn now(&self) -> UnixNanos {
        self.snap.t
    }

    pub fn playing(&self) -> bool {
        self.playback.playing()
    }

    pub fn playback(&self) -> &Playback {
        &self.playback
    }

    pub fn speed(&self) -> f64 {
        self.playback.speed()
    }

    pub fn snap(&self) -> &Snapshot {
        &self.snap
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn zoom(&self) -> bool {
        self.zoom
    }

    pub fn help(&self) -> bool {
        self.help
    }

    pub fn presenter(&self) -> bool {
        self.presenter
    }

    pub fn study(&self) -> bool {
        self.study
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn compare(&self) -> Option<usize> {
        self.compare
    }

    pub fn news_selected(&self) -> Option<usize> {
        self.news_selected
    }

    pub fn tape(&self) -> &[Print] {
        &self.tape
    }

    pub fn tape_scroll(&self) -> usize {
        self.tape_scroll
    }

    pub fn tape_frozen(&self) -> Option<UnixNanos> {
        self.tape_frozen
    }

    pub fn area(&self) -> Rect {
        self.area
    }

    pub fn lesson(&self) -> Option<&LessonRun> {
        self.lesson.as_ref()
    }

    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    pub fn notes_path(&self) -> Option<&Path> {
        self.notes_path.as_deref()
    }

    pub fn notes_open(&self) -> bool {
        self.notes_open
    }

    pub fn notes_selected(&self) -> usize {
        self.notes_selected
    }

    /// The exit code, once the app has been asked to leave.
    pub fn exit_code(&self) -> Option<i32> {
        self.quit
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
    fn tape_time(&self) -> UnixNanos {
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

    /// The first key bound to `action`, as shown to the user.
    pub fn keys_text(&self, action: Action) -> String {
        keys_text(&self.keymap, action)
    }

    /// Applies one message at wall time `wall` (time since the app started); returns what
    /// the event loop must do.
    pub fn update(&mut self, msg: impl Into<Msg>, wall: Duration) -> Outcome {
        if self.playing() {
            self.played += wall.saturating_sub(self.last_wall);
        }
        self.last_wall = wall;
        match msg.into() {
            Msg::Action(action) => self.act(action, wall),
            Msg::Start(s) => self.start(*s, wall),
            Msg::NotesSaved(Ok(path)) => {
                if self.message.is_none() {
                    self.say(format!("notes saved to {}", path.display()));
                }
                self.notes_path = Some(path);
                self.redraw = true;
            }
            Msg::NotesSaved(Err(e)) => self.complain(e),
            Msg::JournalSaved(result) => self.journal_saved(result),
            Msg::Exported { dir, result } => match result {
                Ok(files) => {
                    let names: Vec<String> = files
                        .iter()
                        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into()))
                        .collect();
                    self.say(format!(
                        "exported {} files to {}: {}",
                        files.len(),
                        dir.display(),
                        names.join(" ")
                    ));
                }
                Err(e) => self.complain(format!("export failed: {e}")),
            },
        }
        self.sync_study();
        Outcome {
            effects: std::mem::take(&mut self.effects),
            redraw: std::mem::take(&mut self.redraw),
        }
    }

    fn start(&mut self, s: Startup, wall: Duration) {
        if let Some(filter) = s.pause_filter {
            self.playback.set_filter(filter);
        }
        if let Some((path, list)) = s.notes {
            self.notes = list;
            self.notes_path = Some(path);
        }
        self.set_presenter(s.presenter);
        self.open_journal(s.journal);
        if let Some(lesson) = s.lesson {
            self.lesson = Some(LessonRun::new(lesson));
            self.message = None;
            self.lesson_continue(wall);
        }
        self.redraw = true;
    }

    fn act(&mut self, action: Action, wall: Duration) {
        if !matches!(action, Action::Tick | Action::Resize(..)) {
            self.redraw = true;
            if !matches!(action, Action::Input(_)) {
                self.message = None;
            }
        }
        self.advance(wall);
        let store = &self.replay.store;
        match action {
            Action::Tick | Action::ClearMessage => {}
            Action::Unbound(k) => {
                let help = self.keys_text(Action::Help);
                self.say(format!("{k} does nothing here; {help} lists every key"));
            }
            Action::Quit => self.quit = Some(0),
            Action::Exit(code) => self.quit = Some(code),
            Action::PlayPause => {
                if self.playback.toggle(wall, store) {
                    self.say("run to the next headline stopped");
                }
            }
            Action::Faster => self.playback.step_speed(wall, store, true),
            Action::Slower => self.playback.step_speed(wall, store, false),
            Action::AutoPause => {
                if self.playback.toggle_auto_pause() {
                    let which = self.filter_words("each headline", "headlines with");
                    let keys = self.keys_text(Action::PauseFilter);
                    self.say(format!(
                        "auto-pause on: the replay stops at {which} ({keys} sets which)"
                    ));
                } else {
                    self.say("auto-pause off");
                }
            }
            Action::PauseFilter => {
                let text = self.playback.filter().text();
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
            Action::Trade(key) => self.trade_key(key, wall),
            Action::StepForward => match store.next_print_after(self.now()) {
                Some(t) => self.user_seek(wall, t, true),
                None => self.say("no later print"),
            },
            Action::StepBack => match store.prev_print_before(self.now()) {
                Some(t) => self.user_seek(wall, t, false),
                None => self.say("no earlier print"),
            },
            Action::MinuteForward => {
                self.user_seek(wall, self.now().saturating_add(NANOS_PER_MIN), true);
            }
            Action::MinuteBack => {
                self.user_seek(wall, self.now().saturating_sub(NANOS_PER_MIN), false);
            }
            Action::NextHeadline => self.jump_headline(wall, true),
            Action::PrevHeadline => self.jump_headline(wall, false),
            Action::GoTo => self.open_prompt(PromptKind::GoTo, String::new()),
            Action::SeekTo(t) => self.user_seek(wall, t, false),
            Action::Start => self.user_seek(wall, store.start, false),
            Action::End => self.user_seek(wall, store.end, false),
            Action::Select(i) => {
                if i < store.instruments.len() {
                    self.selected = i;
                }
            }
            Action::CompareWith(c) => {
                self.compare = c.filter(|&c| c < store.instruments.len());
            }
            Action::SelectHeadline(i) => {
                if i < self.snap.headlines_seen {
                    self.news_selected = Some(i);
                }
            }
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
                self.open_prompt(PromptKind::Filter, text);
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
                self.redraw = true;
            }
            Action::Click(x, y) => self.click(x, y),
            Action::Scroll { x, y, down } => {
                let delta = if down { 3 } else { -3 };
                if self.help {
                    self.scroll_help(delta);
                } else if !self.presenter
                    && let Some(pane) = hit::pane_at(&self.screen(), x, y)
                {
                    self.scroll(pane, delta);
                }
            }
            Action::Input(input) => self.input(input, wall),
        }
    }

    /// Moves a playing clock on to `wall` (playback decides where it stops), then shows that
    /// time and says why it stopped.
    fn advance(&mut self, wall: Duration) {
        let store = &self.replay.store;
        let prev = self.snap.t;
        let (t, arrived) = self.playback.advance(wall, store, prev);
        if let Some(i) = arrived.run_to {
            self.news_selected = Some(i);
            let h = &store.headlines[i];
            let text = format!(
                "at {} {} — {}",
                clock_seconds(h.ts, self.tz()),
                h.source,
                h.text
            );
            self.say(text);
        }
        if arrived.auto_paused {
            self.news_selected = None;
            let keys = self.keys_text(Action::AutoPause);
            self.say(format!(
                "auto-paused at a headline: Space plays on, {keys} turns auto-pause off"
            ));
        }
        if arrived.end {
            self.say("end of the replay: Space plays it again from the start");
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
            self.redraw |= before != after;
        }
        let n = self.fresh.len();
        let played = self.played;
        self.fresh
            .retain(|&(_, at)| played.saturating_sub(at) < FRESH_FOR);
        self.redraw |= self.fresh.len() != n;
        if arrived.lesson {
            self.lesson_continue(wall);
            self.redraw = true;
        }
    }

    /// `each headline` or `headlines with importance ≥ 2` (the filter in words).
    fn filter_words(&self, all: &str, some: &str) -> String {
        let f = self.playback.filter();
        if f.is_all() {
            all.to_string()
        } else {
            format!("{some} {}", f.label())
        }
    }

    /// Plays at top speed until the next headline the filter accepts, then pauses on it.
    fn run_to_next(&mut self, wall: Duration) {
        let store = &self.replay.store;
        let now = self.now();
        let filter = self.playback.filter();
        let found = store
            .headlines
            .iter()
            .position(|h| h.ts > now && h.ts > store.start && filter.matches(h));
        let Some(i) = found else {
            let which = self.filter_words("", " with");
            self.say(format!("no later headline{which}"));
            return;
        };
        self.playback.start_run_to(wall, store, i);
        let which = self.filter_words("the next headline", "the next headline with");
        self.say(format!(
            "running at {}× to {which} ({})",
            crate::engine::clock::MAX_SPEED,
            clock_seconds(store.headlines[i].ts, self.tz())
        ));
    }

    /// Switches presenter mode on or off (with its high-contrast theme).
    fn set_presenter(&mut self, on: bool) {
        if self.presenter != on {
            self.presenter = on;
            std::mem::swap(&mut self.theme, &mut self.alt_theme);
            self.redraw = true;
        }
    }

    /// Keeps the study of the headline in focus ready while the study is shown.
    fn sync_study(&mut self) {
        let store = &self.replay.store;
        let want = self
            .headline_in_focus()
            .filter(|&i| self.study && store.headlines[i].ts >= store.start);
        match want {
            Some(h) if self.study_table.as_ref().is_none_or(|t| t.headline != h) => {
                self.study_table = Some(Rc::new(StudyTable::compute(store, h)));
            }
            _ => {}
        }
    }

    fn latest_print(&self) -> Option<UnixNanos> {
        self.snap.instruments.iter().filter_map(|s| s.last_ts).max()
    }

    /// A seek the user asked for: a lesson on screen (or playing to its stop) is left first,
    /// so no stop's question stays up at another time.
    fn user_seek(&mut self, wall: Duration, t: UnixNanos, arrivals: bool) {
        self.seek(wall, t, arrivals);
        self.leave_lesson();
    }

    /// Seeks the clock; `arrivals` marks headlines passed on the way as new (stepping forward,
    /// not jumping).
    fn seek(&mut self, wall: Duration, t: UnixNanos, arrivals: bool) {
        let t = self.playback.seek(wall, &self.replay.store, t);
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
        self.trading_clock();
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
        self.redraw = true;
    }

    fn complain(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
        self.redraw = true;
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
                self.user_seek(wall, target(h), false);
                self.say(text);
            }
            None => self.say(if forward {
                "no later headline"
            } else {
                "no earlier headline"
            }),
        }
    }

    fn activate(&mut self, wall: Duration) {
        if self.notes_open {
            if let Some(n) = self.notes.get(self.notes_selected) {
                let (ts, text) = (n.ts, n.text.clone());
                self.user_seek(wall, ts, false);
                self.notes_open = false;
                self.say(format!("note: {text}"));
            }
            return;
        }
        match self.focus {
            Pane::News | Pane::Study => {
                if let Some(i) = self.headline_in_focus() {
                    let ts = self.replay.store.headlines[i].ts;
                    self.user_seek(wall, ts, false);
                    self.news_selected = Some(i);
                }
            }
            Pane::Board | Pane::Heatmap | Pane::Chart | Pane::Orders => {
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
        }
    }

    fn scroll_help(&mut self, delta: i32) {
        self.help_scroll = (i32::from(self.help_scroll) + delta).clamp(0, 200) as u16;
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
                let order = super::view::board_order(
                    &self.replay.store.instruments,
                    &self.snap,
                    self.sort,
                    self.sort_reverse,
                );
                let pos = order.iter().position(|&i| i == self.selected).unwrap_or(0) as i32;
                let next = (pos + delta).clamp(0, order.len() as i32 - 1);
                self.selected = order[next as usize];
            }
            Pane::Heatmap | Pane::Chart | Pane::Orders => {
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
                let next = (self.tape_scroll as i64 + i64::from(delta))
                    .clamp(0, MAX_TAPE_SCROLL as i64) as usize;
                if next > 0 && self.tape_frozen.is_none() {
                    // Reading back through the tape holds it still.
                    self.tape_frozen = Some(self.now());
                }
                self.tape_scroll = next;
                self.refresh_tape();
            }
        }
    }

    fn click(&mut self, x: u16, y: u16) {
        if self.help {
            self.help = false;
            return;
        }
        if self.notes_open {
            return;
        }
        let Some(target) = hit::target_at(&self.view(self.area), x, y) else {
            return;
        };
        self.focus = target.pane;
        match target.item {
            Some(Item::Instrument(i)) => self.selected = i,
            Some(Item::Headline(i)) => self.news_selected = Some(i),
            None => {}
        }
    }
}

/// Per instrument, the 99th percentile of print sizes (from up to 4096 evenly spaced prints).
fn large_print_thresholds(store: &Store) -> Vec<u32> {
    (0..store.instruments.len())
        .map(|i| {
            let sizes = &store.series(i).size;
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
fn tile_weights(store: &Store) -> Vec<f64> {
    let values: Vec<Option<f64>> = store
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
