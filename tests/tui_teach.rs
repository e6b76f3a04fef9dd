//! Teaching and review features driven headlessly: auto-pause with a filter, run to the next
//! headline, a lesson stepped through with its key, notes, the reaction study pane, the
//! counters strip and presenter mode.

mod tui_fixture;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tapedeck::cli::snapshot::round_pct;
use tapedeck::engine::study::Window;
use tapedeck::lesson::Lesson;
use tapedeck::replay::Replay;
use tapedeck::time::{NANOS_PER_SEC, parse_user_time};
use tapedeck::tui::app::{Action, App, Effect, Input, Pane, Startup};
use tapedeck::tui::export::buffer_lines;
use tapedeck::tui::keymap::Keymap;
use tapedeck::tui::theme::Theme;
use tapedeck::tui::{notes, presenter, study, ui};

const Z: Duration = Duration::ZERO;

#[path = "common/bundled.rs"]
mod common_bundled;
use common_bundled::bundled;

fn app_on(r: &'static Replay) -> App<'static> {
    let mut app = App::new(r, Keymap::default(), Theme::colored());
    app.update(Action::Resize(120, 35), Z);
    app
}

fn et(t: &str) -> i64 {
    let r = bundled();
    parse_user_time(t, r.date, r.tz).unwrap()
}

fn press(app: &mut App, c: char, wall: Duration) {
    if let Some(a) = app.key_action(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)) {
        app.update(a, wall);
    }
}

/// Opens a prompt, types `text` and submits it; returns the effects asked for.
fn type_line(app: &mut App, opener: Action, text: &str) -> Vec<Effect> {
    let mut effects = app.update(opener, Z).effects;
    // Prompts may start with the current value: clear it.
    for _ in 0..80 {
        effects.extend(app.update(Action::Input(Input::Backspace), Z).effects);
    }
    for c in text.chars() {
        effects.extend(app.update(Action::Input(Input::Char(c)), Z).effects);
    }
    effects.extend(app.update(Action::Input(Input::Submit), Z).effects);
    effects
}

fn screen(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    ui::render(&app.view(buf.area), buf.area, &mut buf);
    buffer_lines(&buf)
}

fn headline(id: &str) -> usize {
    bundled()
        .store
        .headlines
        .iter()
        .position(|h| h.id == id)
        .unwrap()
}

#[test]
fn auto_pause_stops_only_at_headlines_the_filter_accepts() {
    let store = &bundled().store;
    let mut app = app_on(bundled());
    app.update(Action::SeekTo(et("04:00")), Z);
    type_line(&mut app, Action::PauseFilter, "3");
    assert!(
        app.playback().auto_pause(),
        "setting a filter turns auto-pause on"
    );
    let m = app.message().cloned().unwrap();
    assert!(m.text.contains("importance ≥ 3"), "{m:?}");
    app.update(Action::SeekTo(et("04:00")), Z);
    for _ in 0..6 {
        app.update(Action::Faster, Z);
    }
    let mut wall = Duration::from_secs(1);
    app.update(Action::PlayPause, wall);
    let mut stops = Vec::new();
    for _ in 0..4 {
        wall += Duration::from_secs(20 * 3600);
        app.update(Action::Tick, wall);
        assert!(!app.playing());
        stops.push(app.now());
        app.update(Action::PlayPause, wall);
    }
    let want: Vec<i64> = ["h18", "h23", "h29", "h42"]
        .iter()
        .map(|id| store.headlines[headline(id)].ts)
        .collect();
    assert_eq!(stops, want);

    // Tags: only chip headlines of importance 2 or more.
    app.update(Action::PlayPause, wall);
    app.update(Action::SeekTo(et("04:00")), wall);
    type_line(&mut app, Action::PauseFilter, "2 chips");
    app.update(Action::PlayPause, wall);
    wall += Duration::from_secs(3600 * 20);
    app.update(Action::Tick, wall);
    assert_eq!(app.now(), store.headlines[headline("h19")].ts);

    // Bad filters say what is wrong and change nothing.
    type_line(&mut app, Action::PauseFilter, "chipz");
    let m = app.message().cloned().unwrap();
    assert!(
        m.error
            && m.text.contains("no headline has the tag \"chipz\"")
            && m.text.contains("futures"),
        "{m:?}"
    );
    type_line(&mut app, Action::PauseFilter, "7");
    assert!(
        app.message()
            .unwrap()
            .text
            .contains("importance runs from 1 to 3")
    );
    assert_eq!(app.playback().filter().tags, ["chips"]);
}

#[test]
fn run_to_next_plays_at_top_speed_and_stops_exactly_on_the_headline() {
    let store = &bundled().store;
    let mut app = app_on(bundled());
    app.update(Action::SeekTo(et("04:00")), Z);
    assert_eq!(app.speed(), 60.0);
    press(&mut app, 'N', Z);
    assert!(app.playing());
    assert_eq!(app.speed(), 3600.0);
    // A single late frame overshoots by hours: the clock still stops on the headline.
    app.update(Action::Tick, Duration::from_secs(3600));
    let h18 = headline("h18");
    assert_eq!(app.now(), store.headlines[h18].ts);
    assert!(!app.playing());
    assert_eq!(app.speed(), 60.0, "speed restored");
    assert_eq!(app.news_selected(), Some(h18));
    assert!(app.message().cloned().unwrap().text.contains("04:06:00"));
    // The headline is in the feed: nothing after the clock, everything up to it.
    assert!(app.snap().headlines_seen > h18);

    // With a filter: the next AI-power headline, skipping everything else.
    type_line(&mut app, Action::PauseFilter, "power");
    let wall = Duration::from_secs(4000);
    press(&mut app, 'N', wall);
    app.update(Action::Tick, wall + Duration::from_millis(33));
    assert!(app.playing(), "still running after one frame");
    app.update(Action::Tick, wall + Duration::from_secs(3600));
    assert_eq!(app.now(), store.headlines[headline("h26")].ts);
    // Auto-pause (on with the filter) does not talk over the arrival.
    let m = app.message().cloned().unwrap().text;
    assert!(m.starts_with("at 06:56:00"), "{m}");

    // Space stops a run part-way and puts the speed back.
    let wall = Duration::from_secs(9000);
    press(&mut app, 'N', wall);
    app.update(Action::Tick, wall + Duration::from_millis(100));
    press(&mut app, ' ', wall + Duration::from_millis(100));
    assert!(!app.playing() && app.playback().run_to().is_none());
    assert_eq!(app.speed(), 60.0);

    // Nothing left: said so.
    app.update(Action::SeekTo(store.end), wall);
    press(&mut app, 'N', wall);
    assert!(!app.playing());
    assert!(app.message().unwrap().text.contains("no later headline"));
}

fn fixture_lesson(dir: &Path) -> PathBuf {
    let p = dir.join("small.json");
    std::fs::write(
        &p,
        r#"{"title": "Small day", "steps": [
  {"seek": "2025-01-26 20:00", "select": "NQ"},
  {"play_to": "2025-01-26 21:00", "speed": 3600, "headline": "h2"},
  {"prompt": "Where are futures?"},
  {"reveal": "NQ is {NQ.change_pct} at {NQ.last}."},
  {"play_to": "14:54", "speed": 3600, "select": "CHIP", "pane": "study"},
  {"prompt": "What did CHIP lose?"},
  {"reveal": "CHIP {CHIP.change_pct}, {CHIP.market_cap_change}; all {total.market_cap_change}"}
]}"#,
    )
    .unwrap();
    p
}

#[test]
fn a_lesson_runs_stop_by_stop_with_the_advance_key() {
    let r = tui_fixture::replay();
    let dir = tempfile::tempdir().unwrap();
    let lesson = Lesson::load(&fixture_lesson(dir.path()), r).unwrap();
    let mut app = app_on(r);
    let mut wall = Duration::from_secs(1);
    app.update(
        Startup {
            lesson: Some(lesson),
            ..Startup::default()
        },
        wall,
    );
    // Seeked to 20:00, now playing to 21:00 at 3600×.
    assert!(app.playing());
    assert_eq!(app.speed(), 3600.0);
    assert_eq!(app.selected(), 5);
    let status = tapedeck::tui::lesson::status_text(&app.view(app.area())).unwrap();
    assert_eq!(status, "lesson 1/2 — playing to 21:00:00 (. skips ahead)");
    wall += Duration::from_secs(2);
    app.update(Action::Tick, wall);
    assert_eq!(
        app.now(),
        tui_fixture::mon(-3, 0),
        "stopped at the stop's time"
    );
    assert!(!app.playing());
    assert_eq!(app.news_selected(), Some(1));
    let text = screen(&app, 120, 35).join("\n");
    assert!(text.contains("Where are futures?"), "{text}");
    assert!(
        text.contains("lesson 1/2 — press . to reveal the answer"),
        "{text}"
    );

    press(&mut app, '.', wall);
    let snap = r.store.snapshot(app.now(), 0);
    let nq = &snap.instruments[5];
    let want = format!(
        "NQ is {:+.2}% at {}.",
        round_pct(nq.change_pct.unwrap()),
        nq.last.unwrap().display(2)
    );
    let text = screen(&app, 120, 35).join("\n");
    assert!(
        text.contains("Where are futures?") && text.contains(&want),
        "{want}\n{text}"
    );

    // Next: plays to 14:54 and shows the study; '.' while playing skips ahead.
    press(&mut app, '.', wall);
    assert!(app.playing());
    assert!(app.study() && app.focus() == Pane::Study);
    press(&mut app, '.', wall);
    assert_eq!(app.now(), tui_fixture::mon(14, 54));
    assert!(!app.playing());
    let text = screen(&app, 120, 35).join("\n");
    assert!(text.contains("What did CHIP lose?") && !text.contains("Where are futures?"));
    assert!(text.contains("stop 2 of 2"), "{text}");
    press(&mut app, '.', wall);
    let snap = r.store.snapshot(app.now(), 0);
    let money = tapedeck::lesson::format_money(snap.instruments[0].market_cap_change);
    assert!(money.starts_with("-$"));
    assert!(screen(&app, 120, 35).join("\n").contains(&money));
    press(&mut app, '.', wall);
    assert!(app.lesson().as_ref().unwrap().finished);
    assert!(app.message().unwrap().text.contains("end of the lesson"));
    // In presenter mode the same stop shows in its own box, large.
    app.update(Action::Presenter, Duration::ZERO);
    assert!(
        !screen(&app, 120, 35)
            .join("\n")
            .contains("What did CHIP lose?")
    );
}

#[test]
fn the_back_key_returns_to_the_previous_stop_as_it_was() {
    let r = tui_fixture::replay();
    let dir = tempfile::tempdir().unwrap();
    let lesson = Lesson::load(&fixture_lesson(dir.path()), r).unwrap();
    let mut app = app_on(r);
    let wall = Duration::from_secs(1);
    app.update(
        Startup {
            lesson: Some(lesson),
            ..Startup::default()
        },
        wall,
    );
    // To stop 2 the usual way: skip to 21:00, reveal, go on, skip to 14:54.
    for _ in 0..4 {
        press(&mut app, '.', wall);
    }
    assert_eq!(app.now(), tui_fixture::mon(14, 54));
    let text = screen(&app, 120, 35).join("\n");
    assert!(text.contains("What did CHIP lose?"), "{text}");
    assert!(app.study() && app.selected() == 0);

    // An unanswered question goes back to the one before, with its time and selection.
    press(&mut app, ',', wall);
    assert_eq!(app.now(), tui_fixture::mon(-3, 0));
    assert!(!app.playing(), "rewinding jumps, it does not play");
    assert_eq!(app.selected(), 5, "NQ selected again");
    assert_eq!(app.speed(), 3600.0);
    assert_eq!(app.news_selected(), Some(1));
    let text = screen(&app, 120, 35).join("\n");
    assert!(
        text.contains("Where are futures?") && text.contains("lesson 1/2 — press . to reveal"),
        "{text}"
    );
    assert!(
        !text.contains("NQ is "),
        "the answer is not shown yet:\n{text}"
    );
    // And on from there as before.
    press(&mut app, '.', wall);
    assert!(screen(&app, 120, 35).join("\n").contains("NQ is "));

    // From an answer, back to its own question.
    press(&mut app, ',', wall);
    let text = screen(&app, 120, 35).join("\n");
    assert!(
        text.contains("Where are futures?") && !text.contains("NQ is "),
        "{text}"
    );
    // Before the first stop there is nothing earlier: the lesson starts again.
    press(&mut app, ',', wall);
    assert!(app.playing());
    assert_eq!(
        tapedeck::tui::lesson::status_text(&app.view(app.area())).unwrap(),
        "lesson 1/2 — playing to 21:00:00 (. skips ahead)"
    );

    // From the end, back to the last question.
    for _ in 0..6 {
        press(&mut app, '.', wall);
    }
    assert!(app.lesson().as_ref().unwrap().finished);
    press(&mut app, ',', wall);
    assert!(!app.lesson().as_ref().unwrap().finished);
    assert_eq!(app.now(), tui_fixture::mon(14, 54));
    let text = screen(&app, 120, 35).join("\n");
    assert!(
        text.contains("What did CHIP lose?") && text.contains("stop 2 of 2"),
        "{text}"
    );
}

#[test]
fn notes_are_added_listed_jumped_to_and_saved_as_plain_json() {
    let r = tui_fixture::replay();
    let mut app = app_on(r);
    app.update(Action::SeekTo(tui_fixture::mon(9, 30)), Z);
    let mut effects = type_line(&mut app, Action::Note, "the open: CHIP gaps down");
    app.update(Action::SeekTo(tui_fixture::mon(6, 56)), Z);
    effects.extend(type_line(
        &mut app,
        Action::Note,
        "premarket\u{1b}[31m slide",
    ));
    assert_eq!(effects, [Effect::SaveNotes, Effect::SaveNotes]);
    assert_eq!(app.notes().len(), 2);
    assert_eq!(
        app.notes()[0].ts,
        tui_fixture::mon(6, 56),
        "kept in time order"
    );
    assert_eq!(
        app.notes()[0].text,
        "premarket[31m slide",
        "ESC never gets in"
    );

    // The list: select the 09:30 note and jump to it.
    app.update(Action::SeekTo(tui_fixture::mon(16, 0)), Z);
    press(&mut app, 'L', Z);
    assert!(app.notes_open());
    assert_eq!(app.notes_selected(), 1, "the latest note before the clock");
    let text = screen(&app, 120, 35).join("\n");
    assert!(
        text.contains("Notes (2)") && text.contains("09:30:00") && text.contains("CHIP gaps down"),
        "{text}"
    );
    app.update(Action::Activate, Z);
    assert_eq!(app.now(), tui_fixture::mon(9, 30));
    assert!(!app.notes_open());

    // Saved to a file and read back the same.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sub").join("notes.json");
    let written = notes::save(r, app.notes(), Some(&file)).unwrap();
    assert_eq!(written, file);
    let text = std::fs::read_to_string(&file).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["replay"], "tui-fixture");
    assert_eq!(v["notes"][1]["at"], "2025-01-27T09:30:00-05:00");
    assert_eq!(notes::parse(&text, &file).unwrap(), app.notes());
    // Deleting from the list saves again.
    press(&mut app, 'L', Z);
    let del = app
        .key_action(KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE))
        .unwrap();
    let effects = app.update(del, Z).effects;
    assert_eq!(app.notes().len(), 1);
    assert_eq!(effects, [Effect::SaveNotes]);
    // A damaged file names itself and the note.
    let e = notes::parse(
        "{\"notes\": [\n {\"at\": \"yesterday\", \"text\": \"x\"}]}",
        &file,
    )
    .unwrap_err();
    assert!(
        e.ends_with("notes.json:2: notes[0].at: expected an RFC 3339 time"),
        "{e}"
    );
}

/// Cells of the study pane's row for `symbol`, split on runs of spaces.
fn study_row(lines: &[String], symbol: &str) -> Vec<String> {
    let row = lines
        .iter()
        .find(|l| l[3..].starts_with(&format!("{symbol} ")))
        .unwrap_or_else(|| panic!("no {symbol} row:\n{}", lines.join("\n")));
    row.trim_matches(['│', '┃'])
        .split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn the_study_pane_shows_the_engines_numbers() {
    let r = bundled();
    let store = &r.store;
    let mut app = app_on(r);
    app.update(Action::SeekTo(et("16:30")), Z);
    let h29 = headline("h29");
    app.update(Action::SelectHeadline(h29), Duration::ZERO);
    press(&mut app, 'S', Z);
    assert!(app.study() && app.focus() == Pane::Study);
    let mut buf = Buffer::empty(Rect::new(0, 0, 120, 60));
    ui::render_pane(&app.view(buf.area), Pane::Study, buf.area, &mut buf);
    let lines = buffer_lines(&buf);
    assert!(lines[0].contains("h29 09:30:00"), "{}", lines[0]);
    for sym in ["NVDA", "AAPL", "VST", "QQQ"] {
        let i = store.symbol_index(sym).unwrap();
        let cells = study_row(&lines, sym);
        assert_eq!(cells[0], sym);
        for (k, w) in Window::DEFAULT.iter().enumerate() {
            let re = store.reaction(i, store.headlines[h29].ts, *w);
            let m = re.outcome.expect("window inside the data");
            let want = format!(
                "{:+.2} ({:+.2})",
                round_pct(m.change_pct),
                round_pct(m.max_adverse_pct)
            );
            assert_eq!(cells[k + 1], want, "{sym} {}", w.label());
            assert_eq!(
                study::cell(&re, app.now()).0,
                format!("{:+.2}", round_pct(m.change_pct))
            );
        }
    }
    // Sectors at the bottom, as the engine weighs them.
    let s = store.sectors.iter().position(|s| s == "AI chips").unwrap();
    let row = lines
        .iter()
        .find(|l| l[3..].starts_with("AI chips "))
        .expect("sector row");
    let want = store
        .sector_reaction(s, store.headlines[h29].ts, Window::Minutes(60))
        .change_pct
        .unwrap();
    assert!(row.contains(&format!("{:+.2}", round_pct(want))), "{row}");

    // Before a window has ended it shows … (nothing after the clock); windows past the data
    // say so.
    app.update(
        Action::SeekTo(store.headlines[h29].ts + 10 * 60 * NANOS_PER_SEC),
        Z,
    );
    app.update(Action::SelectHeadline(h29), Duration::ZERO);
    let mut buf = Buffer::empty(Rect::new(0, 0, 120, 60));
    ui::render_pane(&app.view(buf.area), Pane::Study, buf.area, &mut buf);
    let cells = study_row(&buffer_lines(&buf), "NVDA");
    assert!(cells[1].starts_with(['+', '-']) && cells[2].starts_with(['+', '-']));
    assert_eq!(&cells[3..], ["…", "…", "…"]);
    let h46 = headline("h46");
    app.update(Action::SeekTo(store.end), Z);
    app.update(Action::SelectHeadline(h46), Z);
    let mut buf = Buffer::empty(Rect::new(0, 0, 120, 60));
    ui::render_pane(&app.view(buf.area), Pane::Study, buf.area, &mut buf);
    let cells = study_row(&buffer_lines(&buf), "NQH25");
    assert!(cells.contains(&"n/a (past data)".to_string()), "{cells:?}");
}

#[test]
fn the_counters_strip_shows_market_value_lost_and_presenter_mode_shows_it_large() {
    let r = bundled();
    let mut app = app_on(r);
    app.update(Action::SeekTo(et("16:00")), Z);
    let lines = screen(&app, 120, 35);
    let strip = &lines[33];
    assert!(
        strip.starts_with("Market value since prior close  all -$1.18T"),
        "{strip}"
    );
    assert!(strip.contains("NVDA -$592.3B"), "{strip}");

    press(&mut app, 'P', Z);
    assert!(app.presenter());
    let text = screen(&app, 120, 35).join("\n");
    assert!(text.contains("Market value since prior close"), "{text}");
    assert!(text.contains("NVDA  -$592.3B"), "{text}");
    assert!(
        text.contains("AI chips") && text.contains("Megacap platforms"),
        "{text}"
    );
    assert!(text.contains('█'), "big clock");
    assert!(
        !text.contains("Tape") && !text.contains("Quote board"),
        "no tape noise"
    );
    assert!(text.contains("Latest headline"), "{text}");
    // The high-contrast theme is in use while presenting.
    assert_eq!(*app.theme(), Theme::high_contrast());
    press(&mut app, 'P', Z);
    assert_eq!(*app.theme(), Theme::colored());
}

#[test]
fn presenter_mode_renders_at_any_size() {
    let mut app = app_on(bundled());
    app.update(Action::SeekTo(et("14:55")), Z);
    app.update(Action::Presenter, Duration::ZERO);
    for (w, h) in [
        (120, 35),
        (1, 1),
        (0, 0),
        (39, 11),
        (40, 12),
        (60, 16),
        (80, 24),
        (200, 60),
        (300, 20),
        (20, 80),
    ] {
        let mut buf = Buffer::empty(Rect::new(0, 0, 320, 90));
        let area = Rect::new(3, 2, w, h);
        presenter::render(&app.view(area), area, &mut buf);
        for (i, c) in buf.content().iter().enumerate() {
            let (x, y) = buf.pos_of(i);
            if !area.contains((x, y).into()) {
                assert_eq!(c.symbol(), " ", "{w}x{h} wrote outside at ({x},{y})");
            }
        }
    }
    let text = screen(&app, 1, 1).join("");
    assert_eq!(text.chars().count(), 1);
    let small = screen(&app, 30, 8).join(" ");
    assert!(small.contains("presenter mode needs 40×12"), "{small}");
}

#[test]
fn a_manual_seek_leaves_the_lessons_stop_and_the_key_goes_on_from_the_next_stop_after_it() {
    let r = tui_fixture::replay();
    let dir = tempfile::tempdir().unwrap();
    let lesson = Lesson::load(&fixture_lesson(dir.path()), r).unwrap();
    let mut app = app_on(r);
    let mut wall = Duration::from_secs(1);
    app.update(
        Startup {
            lesson: Some(lesson.clone()),
            ..Startup::default()
        },
        wall,
    );
    wall += Duration::from_secs(2);
    app.update(Action::Tick, wall);
    let text = screen(&app, 120, 35).join("\n");
    assert!(text.contains("Where are futures?"), "{text}");

    // `g` to Monday noon: Sunday evening's question must not stay on screen.
    type_line(&mut app, Action::GoTo, "12:00");
    assert_eq!(app.now(), tui_fixture::mon(12, 0));
    let text = screen(&app, 120, 35).join("\n");
    assert!(!text.contains("Where are futures?"), "{text}");
    assert!(!text.contains("stop 1 of 2"), "{text}");
    assert!(
        text.contains("lesson left at a seek — . goes on to its next stop (14:54:00)"),
        "{text}"
    );
    // The key goes on to the first stop after the clock (14:54), not back to Sunday.
    press(&mut app, '.', wall);
    assert!(app.playing(), "plays on to the next stop");
    wall += Duration::from_secs(10);
    app.update(Action::Tick, wall);
    assert_eq!(app.now(), tui_fixture::mon(14, 54));
    assert!(!app.playing());
    let text = screen(&app, 120, 35).join("\n");
    assert!(
        text.contains("What did CHIP lose?") && text.contains("stop 2 of 2"),
        "{text}"
    );

    // A seek past the last stop: the key ends the lesson.
    app.update(Action::End, wall);
    let text = screen(&app, 120, 35).join("\n");
    assert!(!text.contains("What did CHIP lose?"), "{text}");
    assert!(text.contains("no stop after the clock"), "{text}");
    press(&mut app, '.', wall);
    assert!(app.lesson().unwrap().finished);

    // A seek while the lesson plays to its stop also leaves it: the clock is not pulled back.
    let mut app = app_on(r);
    app.update(
        Startup {
            lesson: Some(lesson),
            ..Startup::default()
        },
        wall,
    );
    assert!(app.playing(), "playing to 21:00");
    type_line(&mut app, Action::GoTo, "10:00");
    wall += Duration::from_secs(30);
    app.update(Action::Tick, wall);
    assert!(app.now() > tui_fixture::mon(10, 0), "played on from 10:00");
    assert!(app.lesson().unwrap().prompt.is_none());
}
