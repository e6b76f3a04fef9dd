//! The app driven headlessly on the bundled replay: keys and actions in, state and rendered
//! panes out. Set TAPEDECK_TEST_REPLAY to run against another copy of the replay.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use tapedeck::replay::{self, Replay};
use tapedeck::time::{NANOS_PER_MIN, NANOS_PER_SEC, parse_user_time};
use tapedeck::tui::app::{Action, App, HEADLINE_LEAD, Pane};
use tapedeck::tui::keymap::Keymap;
use tapedeck::tui::theme::Theme;
use tapedeck::tui::{heatmap, layout, ui};

fn bundled() -> &'static Replay {
    static R: OnceLock<Replay> = OnceLock::new();
    R.get_or_init(|| {
        let dir = match std::env::var_os("TAPEDECK_TEST_REPLAY") {
            Some(d) => PathBuf::from(d),
            None => replay::resolve(None).unwrap_or_else(|e| {
                panic!("the bundled replay is missing: {e}\n(it is generated into replays/deepseek-2025-01-27 by `tapedeck synth`)")
            }),
        };
        replay::load(&dir).unwrap_or_else(|e| panic!("the bundled replay does not load:\n{e}"))
    })
}

fn app() -> App<'static> {
    let mut app = App::new(bundled(), Keymap::default(), Theme::colored());
    app.update(Action::Resize(200, 50), Duration::ZERO);
    app
}

/// Presses a key at wall time `wall`.
fn key(app: &mut App, code: KeyCode, mods: KeyModifiers, wall: Duration) {
    if let Some(a) = app.key_action(KeyEvent::new(code, mods)) {
        app.update(a, wall);
    }
}

fn press(app: &mut App, c: char) {
    key(app, KeyCode::Char(c), KeyModifiers::NONE, Duration::ZERO);
}

fn type_line(app: &mut App, opener: char, text: &str) {
    press(app, opener);
    for c in text.chars() {
        press(app, c);
    }
    key(app, KeyCode::Enter, KeyModifiers::NONE, Duration::ZERO);
}

fn et(text: &str) -> i64 {
    let r = bundled();
    parse_user_time(text, r.date, r.tz).unwrap()
}

fn render(app: &App, pane: Option<Pane>, w: u16, h: u16) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    match pane {
        Some(p) => ui::render_pane(&app.view(area), p, area, &mut buf),
        None => ui::render(&app.view(area), area, &mut buf),
    }
    buf
}

fn lines(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn sym(app: &App, s: &str) -> usize {
    app.replay()
        .store
        .symbol_index(s)
        .unwrap_or_else(|| panic!("no {s}"))
}

#[test]
fn going_to_the_close_shows_nvda_down_16_97_and_its_tile_red() {
    let mut app = app();
    type_line(&mut app, 'g', "16:00");
    assert_eq!(app.now(), et("16:00"));
    assert!(app.message().is_none(), "{:?}", app.message());
    let board = lines(&render(&app, Some(Pane::Board), 110, 40));
    let row = board
        .iter()
        .find(|l| l.starts_with("│NVDA "))
        .expect("NVDA on the board");
    assert!(row.contains("-16.97%") && row.contains("118.42"), "{row}");

    let area = Rect::new(0, 0, 120, 30);
    let buf = render(&app, Some(Pane::Heatmap), area.width, area.height);
    let heat = heatmap::layout(
        &app.view(app.area()),
        ratatui::widgets::Block::bordered().inner(area),
    );
    let tile = heat
        .tiles
        .iter()
        .find(|t| t.instrument == sym(&app, "NVDA"))
        .expect("NVDA tile");
    let Color::Rgb(r, g, b) = buf[(tile.rect.x, tile.rect.y)].bg else {
        panic!("tile not coloured")
    };
    assert!(
        r > 150 && g < 80 && b < 80,
        "NVDA tile is not red: {:?}",
        (r, g, b)
    );
    // The tile says it, too.
    let text = lines(&buf).join("\n");
    assert!(text.contains("-16.97%"), "{text}");
}

#[test]
fn the_feed_never_shows_a_headline_after_the_clock() {
    let mut app = app();
    let store = &bundled().store;
    let mut times = vec![
        store.start,
        store.end,
        et("09:30"),
        et("12:00"),
        et("16:00"),
    ];
    for h in store
        .headlines
        .iter()
        .filter(|h| h.ts > store.start)
        .step_by(4)
    {
        times.extend([h.ts - 1, h.ts]);
    }
    // Zoomed, the feed shows every headline in full.
    press(&mut app, 'z');
    for t in times {
        app.update(Action::SeekTo(t), Duration::ZERO);
        let text = lines(&render(&app, Some(Pane::News), 400, 400)).join("\n");
        let seen = store.headlines.iter().filter(|h| h.ts <= t).count();
        assert_eq!(app.snap().headlines_seen, seen);
        for h in &store.headlines {
            let head: String = h.text.chars().take(40).collect();
            assert_eq!(
                text.contains(&head),
                h.ts <= t,
                "at {t}: {:?} (ts {})",
                h.text,
                h.ts
            );
        }
    }
}

#[test]
fn n_and_p_land_five_seconds_before_each_headline() {
    let mut app = app();
    let store = &bundled().store;
    let mut targets: Vec<i64> = store
        .headlines
        .iter()
        .filter(|h| h.ts > store.start)
        .map(|h| h.ts - HEADLINE_LEAD)
        .collect();
    targets.dedup();
    assert!(targets.len() > 10);
    for &want in &targets {
        press(&mut app, 'n');
        assert_eq!(app.now(), want.max(store.start));
    }
    press(&mut app, 'n');
    assert_eq!(
        app.now(),
        *targets.last().unwrap(),
        "stays at the last headline"
    );
    for &want in targets.iter().rev().skip(1).take(5) {
        press(&mut app, 'p');
        assert_eq!(app.now(), want);
    }
    // Landing before it means it is not in the feed yet; five seconds of play brings it.
    let seen = app.snap().headlines_seen;
    press(&mut app, ' ');
    app.update(Action::Tick, Duration::from_millis(100));
    assert!(app.snap().headlines_seen > seen);
}

#[test]
fn auto_pause_stops_exactly_at_each_headline_and_marks_it_new() {
    let mut app = app();
    let store = &bundled().store;
    type_line(&mut app, 'g', "04:00");
    press(&mut app, 'a');
    for _ in 0..10 {
        press(&mut app, '+');
    }
    assert_eq!(app.speed(), 3600.0);
    let mut wall = Duration::ZERO;
    key(&mut app, KeyCode::Char(' '), KeyModifiers::NONE, wall);
    for _ in 0..3 {
        let from = app.now();
        let next = store.headlines.iter().find(|h| h.ts > from).unwrap();
        wall += Duration::from_secs(3600);
        app.update(Action::Tick, wall);
        assert_eq!(app.now(), next.ts, "stopped exactly on the headline");
        assert!(!app.playing());
        let i = store
            .headlines
            .iter()
            .position(|h| h.ts == next.ts)
            .unwrap();
        assert!(app.is_fresh(i), "marked new");
        let news = lines(&render(&app, Some(Pane::News), 100, 30)).join("\n");
        assert!(news.contains("NEW"), "{news}");
        key(&mut app, KeyCode::Char(' '), KeyModifiers::NONE, wall);
    }
    // Off again: the clock runs straight through.
    press(&mut app, 'a');
    let from = app.now();
    wall += Duration::from_secs(1);
    app.update(Action::Tick, wall);
    assert_eq!(app.now(), from + 3600 * NANOS_PER_SEC);
}

#[test]
fn speed_steps_through_the_presets() {
    let mut app = app();
    assert_eq!(app.speed(), 60.0);
    let mut ups = vec![];
    for _ in 0..6 {
        press(&mut app, '+');
        ups.push(app.speed());
    }
    assert_eq!(ups, [300.0, 600.0, 1800.0, 3600.0, 3600.0, 3600.0]);
    let mut downs = vec![];
    for _ in 0..9 {
        press(&mut app, '-');
        downs.push(app.speed());
    }
    assert_eq!(
        downs,
        [1800.0, 600.0, 300.0, 60.0, 30.0, 10.0, 5.0, 2.0, 1.0]
    );
}

#[test]
fn replay_time_follows_wall_time_not_frames() {
    let store = &bundled().store;
    let mut one = app();
    let mut many = app();
    for a in [&mut one, &mut many] {
        a.update(Action::SeekTo(et("10:00")), Duration::ZERO);
        a.update(Action::PlayPause, Duration::ZERO);
    }
    one.update(Action::Tick, Duration::from_secs(1));
    for k in 1..=30 {
        many.update(
            Action::Tick,
            Duration::from_millis(33 * k).min(Duration::from_secs(1)),
        );
    }
    many.update(Action::Tick, Duration::from_secs(1));
    assert_eq!(one.now(), et("10:01"));
    assert_eq!(many.now(), one.now());
    // Paused, ticks change nothing.
    one.update(Action::PlayPause, Duration::from_secs(1));
    one.update(Action::Tick, Duration::from_secs(100));
    assert_eq!(one.now(), et("10:01"));
    // The end stops the clock.
    one.update(
        Action::SeekTo(store.end - NANOS_PER_SEC),
        Duration::from_secs(100),
    );
    one.update(Action::PlayPause, Duration::from_secs(100));
    one.update(Action::Tick, Duration::from_secs(200));
    assert_eq!(one.now(), store.end);
    assert!(!one.playing());
}

#[test]
fn go_to_reads_times_and_session_words() {
    let mut app = app();
    for (typed, want) in [
        ("open", et("09:30")),
        ("close", et("16:00")),
        ("premarket", et("04:00")),
        ("09:35:10", et("09:35:10")),
        ("9:35", et("09:35")),
        ("2025-01-26 21:12", et("2025-01-26 21:12")),
        ("after-hours", et("16:00")),
        ("start", bundled().store.start),
        ("end", bundled().store.end),
    ] {
        type_line(&mut app, 'g', typed);
        assert_eq!(app.now(), want, "{typed}");
        assert!(app.message().is_none(), "{typed}: {:?}", app.message());
    }
    type_line(&mut app, 'g', "09:35");
    for bad in ["25:00", "soon", "2025-01-29 10:00"] {
        type_line(&mut app, 'g', bad);
        assert_eq!(app.now(), et("09:35"), "{bad} moved the clock");
        let m = app.message().cloned().expect("an error");
        assert!(m.error, "{m:?}");
    }
    // Esc cancels; in UTC, typed times are UTC.
    press(&mut app, 'g');
    press(&mut app, '1');
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE, Duration::ZERO);
    assert!(app.prompt().is_none());
    press(&mut app, 't');
    type_line(&mut app, 'g', "15:00");
    assert_eq!(app.now(), et("10:00"));
}

#[test]
fn stepping_moves_by_prints_and_minutes() {
    let mut app = app();
    let store = &bundled().store;
    type_line(&mut app, 'g', "10:00");
    let t = app.now();
    key(&mut app, KeyCode::Right, KeyModifiers::NONE, Duration::ZERO);
    assert_eq!(Some(app.now()), store.next_print_after(t));
    key(&mut app, KeyCode::Left, KeyModifiers::NONE, Duration::ZERO);
    assert_eq!(
        Some(app.now()),
        store.prev_print_before(store.next_print_after(t).unwrap())
    );
    type_line(&mut app, 'g', "10:00");
    key(
        &mut app,
        KeyCode::Right,
        KeyModifiers::SHIFT,
        Duration::ZERO,
    );
    assert_eq!(app.now(), t + NANOS_PER_MIN);
    key(&mut app, KeyCode::Left, KeyModifiers::SHIFT, Duration::ZERO);
    key(&mut app, KeyCode::Left, KeyModifiers::SHIFT, Duration::ZERO);
    assert_eq!(app.now(), t - NANOS_PER_MIN);
    key(&mut app, KeyCode::End, KeyModifiers::NONE, Duration::ZERO);
    assert_eq!(app.now(), store.end);
    key(&mut app, KeyCode::Home, KeyModifiers::NONE, Duration::ZERO);
    assert_eq!(app.now(), store.start);
}

#[test]
fn focus_selection_enter_and_quit() {
    let mut app = app();
    let mut seen = vec![app.focus()];
    for _ in 0..5 {
        key(&mut app, KeyCode::Tab, KeyModifiers::NONE, Duration::ZERO);
        seen.push(app.focus());
    }
    assert_eq!(seen.first(), seen.last());
    assert_eq!(
        seen[..5]
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        5
    );
    key(
        &mut app,
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
        Duration::ZERO,
    );
    assert_eq!(app.focus(), Pane::Tape);

    // The chart starts on NQ; s charts another, with an optional comparison.
    assert!(
        app.replay().store.instruments[app.selected()]
            .symbol
            .starts_with("NQ")
    );
    type_line(&mut app, 's', "nvda aapl");
    assert_eq!(
        (app.selected(), app.compare()),
        (sym(&app, "NVDA"), Some(sym(&app, "AAPL")))
    );

    // Enter on a headline seeks to it.
    type_line(&mut app, 'g', "12:00");
    while app.focus() != Pane::News {
        key(&mut app, KeyCode::Tab, KeyModifiers::NONE, Duration::ZERO);
    }
    press(&mut app, 'j');
    press(&mut app, 'j');
    let h = app.news_selected().unwrap();
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE, Duration::ZERO);
    assert_eq!(app.now(), app.replay().store.headlines[h].ts);

    press(&mut app, 'z');
    let top = lines(&render(&app, None, 120, 40));
    assert!(top[1].contains("Headlines") && !top.iter().any(|l| l.contains("Quote board")));
    press(&mut app, '?');
    assert!(app.help());
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE, Duration::ZERO);
    assert!(!app.help() && app.zoom());

    press(&mut app, 'Q');
    let m = app.message().cloned().unwrap();
    assert_eq!(m.text, "Q does nothing here; ? lists every key");
    assert_eq!(app.exit_code(), None);
    press(&mut app, 'q');
    assert_eq!(app.exit_code(), Some(0));
    let mut app2 = self::app();
    key(
        &mut app2,
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        Duration::ZERO,
    );
    assert_eq!(app2.exit_code(), Some(130));
}

#[test]
fn clicks_select_instruments_and_the_wheel_scrolls() {
    let mut app = app();
    type_line(&mut app, 'g', "11:00");
    let screen = layout::screen(app.area(), app.focus(), app.zoom());

    let board = screen.rect(Pane::Board).unwrap();
    let buf = render(&app, None, 200, 50);
    let y = (board.y..board.bottom())
        .find(|&y| lines(&buf)[y as usize][board.x as usize..].starts_with("│AMD "))
        .expect("AMD row");
    app.update(Action::Click(board.x + 3, y), Duration::ZERO);
    assert_eq!(app.selected(), sym(&app, "AMD"));
    assert_eq!(app.focus(), Pane::Board);

    let heat = screen.rect(Pane::Heatmap).unwrap();
    let tiles = heatmap::layout(
        &app.view(app.area()),
        ratatui::widgets::Block::bordered().inner(heat),
    );
    let tile = tiles
        .tiles
        .iter()
        .find(|t| t.instrument == sym(&app, "MSFT"))
        .unwrap();
    app.update(Action::Click(tile.rect.x, tile.rect.y), Duration::ZERO);
    assert_eq!(app.selected(), sym(&app, "MSFT"));
    assert_eq!(app.focus(), Pane::Heatmap);

    let tape = screen.rect(Pane::Tape).unwrap();
    app.update(
        Action::Scroll {
            x: tape.x + 2,
            y: tape.y + 2,
            down: true,
        },
        Duration::ZERO,
    );
    assert_eq!(app.tape_scroll(), 3);
    assert!(app.tape_frozen().is_some(), "reading back holds the tape");
    let news = screen.rect(Pane::News).unwrap();
    app.update(
        Action::Scroll {
            x: news.x + 2,
            y: news.y + 2,
            down: true,
        },
        Duration::ZERO,
    );
    assert!(app.news_selected().is_some());
}
