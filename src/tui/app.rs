//! The app's state and the one way it changes: [`App::update`] with an [`Action`]. Wall time
//! is passed in; nothing here reads a clock, touches the terminal or does other I/O, so every
//! behaviour can be driven headlessly in tests.

use std::time::Duration;

use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Rect};

use crate::engine::{Print, ReplayClock, Snapshot};
use crate::price::SCALE;
use crate::replay::Replay;
use crate::time::{NANOS_PER_MIN, NANOS_PER_SEC, UnixNanos, clock_seconds, parse_user_time};

use super::keymap::{Key, Keymap};
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
const SPEED_AT_START: f64 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Heatmap,
    News,
    Board,
    Chart,
    Tape,
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
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::GoTo => "go to",
            PromptKind::Filter => "tape symbols",
            PromptKind::Chart => "chart",
            PromptKind::Compare => "compare with",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            PromptKind::GoTo => "HH:MM[:SS], open, close, premarket, start, end",
            PromptKind::Filter => "symbols separated by spaces; empty shows all",
            PromptKind::Chart => "a symbol, or two to compare (NVDA AAPL)",
            PromptKind::Compare => "a symbol; empty turns comparison off",
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
        let k = Key::from_event(&key);
        Some(self.keymap.action(k).unwrap_or(Action::Unbound(k)))
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
            Action::PlayPause => self.clock.toggle(wall, gaps),
            Action::Faster => self.clock.step_speed(wall, gaps, true),
            Action::Slower => self.clock.step_speed(wall, gaps, false),
            Action::AutoPause => {
                self.auto_pause = !self.auto_pause;
                self.say(if self.auto_pause {
                    "auto-pause on: the replay stops at each headline"
                } else {
                    "auto-pause off"
                });
            }
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
                let i = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = Pane::ALL.len();
                let j = if action == Action::FocusNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus = Pane::ALL[j];
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
        if self.auto_pause && t > prev {
            let i = store.headlines.partition_point(|h| h.ts <= prev);
            if let Some(h) = store.headlines.get(i).filter(|h| h.ts <= t) {
                t = h.ts;
                self.clock.pause(wall, &store.gaps);
                self.clock.seek(wall, t);
                self.news_selected = None;
                self.say("auto-paused at a headline: Space plays on, a turns auto-pause off");
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
                if !c.is_control() && prompt.text.chars().count() < MAX_INPUT {
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
        match pane {
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
        let screen = layout::screen(self.area, self.focus, self.zoom);
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
        let screen = layout::screen(self.area, self.focus, self.zoom);
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
            Pane::Chart | Pane::Tape => {}
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
