//! Each pane rendered into a buffer: content, colour where colour carries meaning, every
//! size down to nothing without a panic, and whole-screen snapshots.

mod tui_fixture;

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use tapedeck::tui::app::{Action, App, Input, Pane};
use tapedeck::tui::keymap::{COMMANDS, Keymap};
use tapedeck::tui::theme::Theme;
use tapedeck::tui::ui;
use tui_fixture::{MIN, mon};

const Z: Duration = Duration::ZERO;

fn app_at(t: i64) -> App<'static> {
    app_with(Keymap::default(), Theme::colored(), t)
}

#[allow(clippy::large_types_passed_by_value)]
fn app_with(keymap: Keymap, theme: Theme, t: i64) -> App<'static> {
    let mut app = App::new(tui_fixture::replay(), keymap, theme);
    app.update(Action::SeekTo(t), Z);
    app
}

fn type_in(app: &mut App, action: Action, text: &str) {
    app.update(action, Z);
    for c in text.chars() {
        app.update(Action::Input(Input::Char(c)), Z);
    }
    app.update(Action::Input(Input::Submit), Z);
}

fn draw(w: u16, h: u16, f: impl FnOnce(&mut Buffer, Rect)) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|frame| {
        let area = frame.area();
        f(frame.buffer_mut(), area);
    })
    .unwrap();
    term.backend().buffer().clone()
}

fn pane(app: &App, pane: Pane, w: u16, h: u16) -> Buffer {
    draw(w, h, |buf, area| {
        ui::render_pane(&app.view(area), pane, area, buf);
    })
}

fn screen(app: &App, w: u16, h: u16) -> Buffer {
    draw(w, h, |buf, area| ui::render(&app.view(area), area, buf))
}

fn rows(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn text(buf: &Buffer) -> String {
    rows(buf).join("\n")
}

/// Cell position of the first occurrence of `needle`.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let n: Vec<char> = needle.chars().collect();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let hit = n.iter().enumerate().all(|(k, c)| {
                let xx = x + k as u16;
                xx < buf.area.width && buf[(xx, y)].symbol().starts_with(*c)
            });
            if hit {
                return Some((x, y));
            }
        }
    }
    None
}

fn rgb(c: Color) -> (u8, u8, u8) {
    match c {
        Color::Rgb(r, g, b) => (r, g, b),
        other => panic!("expected an RGB colour, found {other:?}"),
    }
}

fn reddish(c: Color) -> bool {
    let (r, g, b) = rgb(c);
    i32::from(r) > i32::from(g) + 15 && r > b
}

fn greenish(c: Color) -> bool {
    let (r, g, b) = rgb(c);
    i32::from(g) > i32::from(r) + 15 && g > b
}

#[test]
fn header_shows_badge_clock_phase_play_state_and_speed() {
    let mut app = app_at(mon(9, 35));
    let t = text(&pane_header(&app));
    for needle in [
        "RECONSTRUCTED",
        "TUI fixture",
        "Mon 27 Jan 2025 09:35:00 EST",
        "regular",
        "paused",
        "60×",
    ] {
        assert!(t.contains(needle), "{needle:?} not in {t:?}");
    }
    app.update(Action::Zone, Z);
    app.update(Action::Faster, Z);
    app.update(Action::PlayPause, Z);
    app.update(Action::AutoPause, Z);
    let t = text(&pane_header(&app));
    for needle in ["14:35:00 UTC", "300×", "playing", "auto-pause"] {
        assert!(t.contains(needle), "{needle:?} not in {t:?}");
    }
    // Narrow: the clock and the badge survive, the title goes.
    let t = text(&draw(60, 1, |buf, area| {
        tapedeck::tui::header::render(&app.view(area), area, buf);
    }));
    assert!(
        t.contains("RECONSTRUCTED") && t.contains("14:35:00 UTC"),
        "{t}"
    );
    app.update(Action::SeekTo(mon(2, 0)), Z);
    assert!(text(&pane_header(&app)).contains("overnight"));
}

fn pane_header(app: &App) -> Buffer {
    draw(140, 1, |buf, area| {
        tapedeck::tui::header::render(&app.view(area), area, buf);
    })
}

#[test]
fn tape_colours_upticks_and_downticks_and_highlights_large_prints() {
    // CHIP's 750th print (10:14:30) is one of its large ones.
    let mut app = app_at(mon(10, 15));
    let buf = pane(&app, Pane::Tape, 44, 60);
    let t = text(&buf);
    assert!(t.contains("10:14:30.000 CHIP"), "{t}");
    let (mut ups, mut downs, mut larges) = (0, 0, 0);
    for (row, p) in app.tape().iter().take(58).enumerate() {
        let y = row as u16 + 1;
        assert!(p.ts <= app.now(), "a print after the clock");
        let line = &rows(&buf)[y as usize];
        let arrow_x = line
            .chars()
            .position(|c| "▲▼·".contains(c))
            .expect("a tick mark");
        let cell = &buf[(arrow_x as u16, y)];
        match p.prev_price.map(|q| p.price.0.cmp(&q.0)) {
            Some(std::cmp::Ordering::Greater) => {
                assert_eq!(cell.symbol(), "▲");
                assert!(greenish(cell.fg), "uptick not green: {:?}", cell.fg);
                ups += 1;
            }
            Some(std::cmp::Ordering::Less) => {
                assert_eq!(cell.symbol(), "▼");
                assert!(reddish(cell.fg), "downtick not red: {:?}", cell.fg);
                downs += 1;
            }
            _ => assert_eq!(cell.symbol(), "·"),
        }
        if p.size >= 50_000 {
            assert!(line.contains("50.0k"));
            assert_eq!(
                buf[(1, y)].bg,
                app.theme().large_print.bg.unwrap(),
                "large print not highlighted"
            );
            larges += 1;
        }
    }
    assert!(ups > 0 && downs > 0 && larges > 0, "{ups} {downs} {larges}");

    // Filter by symbol and size; freeze holds the tape while the clock moves.
    type_in(&mut app, Action::Filter, "fab nq");
    app.update(Action::MinSize, Z);
    let t = text(&pane(&app, Pane::Tape, 44, 30));
    assert!(t.contains("FAB,NQ") && t.contains("≥100"), "{t}");
    assert!(!t.contains("CHIP") && t.contains(" FAB "), "{t}");
    assert!(app.tape().iter().all(|p| p.size >= 100));
    app.update(Action::Freeze, Z);
    let frozen = app.tape().to_vec();
    app.update(Action::MinuteForward, Z);
    assert_eq!(app.tape(), frozen);
    assert!(text(&pane(&app, Pane::Tape, 44, 5)).contains("FROZEN"));
    // Seeking back before the freeze never shows prints after the clock.
    app.update(Action::SeekTo(mon(9, 0)), Z);
    assert!(app.tape().iter().all(|p| p.ts <= mon(9, 0)));
    app.update(Action::Back, Z);
    assert!(app.tape_frozen().is_none());
}

#[test]
fn heatmap_groups_sectors_and_colours_tiles_on_a_diverging_scale() {
    let mut app = app_at(mon(16, 0));
    let buf = pane(&app, Pane::Heatmap, 100, 20);
    let t = text(&buf);
    // Market-value weighted: (-340.0B - 8.0B) / (2000B + 100B).
    assert!(t.contains("Chips -16.57%"), "{t}");
    assert!(t.contains("vs prior close"), "{t}");
    for (sym, pct) in [("CHIP", "-17.00%"), ("PHON", "+3.00%")] {
        assert!(t.contains(pct), "{pct} missing:\n{t}");
        let (x, y) = find(&buf, sym).unwrap_or_else(|| panic!("{sym} tile missing:\n{t}"));
        let bg = buf[(x, y)].bg;
        if pct.starts_with('-') {
            assert!(reddish(bg), "{sym} not red: {bg:?}");
        } else {
            assert!(greenish(bg), "{sym} not green: {bg:?}");
        }
    }
    // Tiles sized by market value: CHIP (2T) gets more room than FAB (100B).
    let heat = tapedeck::tui::heatmap::layout(&app.view(app.area()), Rect::new(1, 1, 78, 18));
    assert!(!heat.flow);
    let area = |sym: &str| {
        let i = app.replay().store.symbol_index(sym).unwrap();
        heat.tiles
            .iter()
            .find(|t| t.instrument == i)
            .unwrap()
            .rect
            .area()
    };
    assert!(
        area("CHIP") > 2 * area("FAB"),
        "{} vs {}",
        area("CHIP"),
        area("FAB")
    );

    // Baselines: today's open, then the selected headline's time.
    app.update(Action::Baseline, Z);
    assert!(text(&pane(&app, Pane::Heatmap, 80, 20)).contains("vs today's open"));
    app.update(Action::Baseline, Z);
    app.update(Action::FocusNext, Z);
    assert_eq!(app.focus(), Pane::News);
    app.update(Action::Down, Z);
    app.update(Action::Down, Z);
    let t = text(&pane(&app, Pane::Heatmap, 80, 20));
    assert!(t.contains("since the 09:30:00 headline"), "{t}");
    // PHON went from 220.00-ish at 09:30 to 226.60: up since that headline too.
    let (x, y) = find(&pane(&app, Pane::Heatmap, 80, 20), "PHON").unwrap();
    assert!(greenish(pane(&app, Pane::Heatmap, 80, 20)[(x, y)].bg));
}

#[test]
fn heatmap_without_colour_keeps_the_sign() {
    let app = app_with(Keymap::default(), Theme::mono(), mon(16, 0));
    let buf = pane(&app, Pane::Heatmap, 80, 20);
    let t = text(&buf);
    assert!(t.contains("▼CHIP") && t.contains("▲PHON"), "{t}");
    assert!(buf.content().iter().all(|c| c.bg == Color::Reset));
}

#[test]
fn news_shows_only_headlines_up_to_the_clock_newest_first() {
    let mut app = app_at(mon(9, 35));
    let buf = pane(&app, Pane::News, 60, 20);
    let t = text(&buf);
    let open = find(&buf, "Chip Co opens 12% lower.").expect("09:30 headline");
    let early = find(&buf, "Chip Co down sharply").expect("06:56 headline");
    assert!(open.1 < early.1, "not newest first:\n{t}");
    assert!(!t.contains("Afternoon"), "a headline after the clock:\n{t}");
    assert!(
        t.contains("Fri 16:00") && t.contains("09:30:00 Exchange CHIP"),
        "{t}"
    );
    // The 09:30 headline is important: its time is highlighted.
    assert_eq!(
        buf[(open.0 - 2 + 2, open.1 - 1)].fg,
        app.theme().important.fg.unwrap()
    );

    // Crossing a headline by moving forward marks it new; jumping back unmarks it.
    app.update(Action::SeekTo(mon(14, 53) + 30 * tui_fixture::SEC), Z);
    app.update(Action::MinuteForward, Z);
    let t = text(&pane(&app, Pane::News, 60, 20));
    assert!(t.contains("NEW 14:54:00 Wire PHON"), "{t}");
    app.update(Action::SeekTo(mon(14, 0)), Z);
    assert!(!text(&pane(&app, Pane::News, 60, 20)).contains("NEW"));
}

#[test]
fn board_lists_every_instrument_and_sorts() {
    let mut app = app_at(mon(16, 0));
    let buf = pane(&app, Pane::Board, 100, 12);
    let t = text(&buf);
    for sym in ["CHIP", "FAB", "SOFT", "PHON", "IDX", "NQ"] {
        assert!(t.contains(sym), "{sym}:\n{t}");
    }
    let row = rows(&buf).into_iter().find(|r| r.contains("CHIP")).unwrap();
    assert!(
        row.contains("83.00")
            && row.contains("-17.00")
            && row.contains("-17.00%")
            && row.contains("-340.0B"),
        "{row}"
    );
    let (x, y) = find(&buf, "-17.00%").unwrap();
    assert!(reddish(buf[(x, y)].fg));
    let (x, y) = find(&buf, "+3.00%").unwrap();
    assert!(greenish(buf[(x, y)].fg));
    assert!(
        t.contains("VWAP") && t.contains("High") && t.contains("Low") && t.contains("MV chg"),
        "{t}"
    );

    app.update(Action::Sort, Z);
    let buf = pane(&app, Pane::Board, 100, 12);
    assert!(
        rows(&buf)[2].contains("CHIP"),
        "biggest loser first:\n{}",
        text(&buf)
    );
    assert!(text(&buf).contains("%Chg↓"));
    app.update(Action::SortReverse, Z);
    assert!(rows(&pane(&app, Pane::Board, 100, 12))[2].contains("PHON"));
}

#[test]
fn chart_draws_bars_up_to_the_clock_with_levels_and_markers() {
    let mut app = app_at(mon(12, 0));
    let buf = pane(&app, Pane::Chart, 90, 16);
    let t = text(&buf);
    assert!(
        t.contains("NQ") && t.contains("21908.00"),
        "prior close label:\n{t}"
    );
    assert!(t.contains('▼'), "headline markers:\n{t}");
    assert!(t.contains("18:00") && t.contains("line · day"), "{t}");
    assert!(
        buf.content()
            .iter()
            .any(|c| ('\u{2800}'..='\u{28ff}').contains(&c.symbol().chars().next().unwrap_or(' ')))
    );
    // Premarket is shaded, regular hours are not.
    let axis = rows(&buf)[13].clone();
    assert!(axis.contains('┄') && axis.contains('─'), "{axis}");
    let shaded = buf
        .content()
        .iter()
        .filter(|c| c.bg == app.theme().shade.bg.unwrap())
        .count();
    assert!(shaded > 0);

    app.update(Action::ChartStyle, Z);
    let t = text(&pane(&app, Pane::Chart, 90, 16));
    assert!(t.contains("candles") && t.contains('█'), "{t}");
    type_in(&mut app, Action::ChartSymbol, "chip phon");
    let t = text(&pane(&app, Pane::Chart, 90, 16));
    assert!(
        t.contains("CHIP") && t.contains("vs PHON") && t.contains("% vs prior close"),
        "{t}"
    );
    type_in(&mut app, Action::Compare, "");
    assert_eq!(app.compare(), None);
    app.update(Action::ChartWindow, Z);
    assert!(text(&pane(&app, Pane::Chart, 90, 16)).contains("· 4h"));
}

#[test]
fn chart_vwap_is_the_running_day_vwap_not_a_level() {
    let app = app_at(mon(15, 0));
    let store = &app.replay().store;
    let i = app.selected();
    let (x0, _) = tapedeck::tui::chart::window(&app.view(app.area()), &[i]);
    let bars = tapedeck::tui::chart::bars(store, i, x0, app.now());
    let path = tapedeck::tui::chart::vwap_path(store, i, &bars, app.now(), usize::MAX);
    let info = &store.instruments[i];
    let day_bars = bars
        .iter()
        .filter(|b| (info.day_start..info.day_end).contains(&b.start))
        .count();
    assert!(day_bars > 2);
    assert_eq!(path.len(), day_bars, "a point per day-session minute");
    // Fewer points asked: evenly spaced, the first and last minutes kept.
    let few = tapedeck::tui::chart::vwap_path(store, i, &bars, app.now(), 3);
    assert!((2..=4).contains(&few.len()), "{few:?}");
    assert_eq!(few.first(), path.first());
    assert_eq!(few.last(), path.last());
    // Each point is the VWAP of the day prints up to the end of its minute, the last one the
    // board's VWAP at the clock.
    for &(start, v) in &path {
        assert!((info.day_start..info.day_end).contains(&start));
        let end = (start + MIN - 1).min(app.now());
        assert_eq!(store.snapshot(end, 0).instruments[i].vwap, Some(v));
    }
    assert_eq!(path.last().map(|p| p.1), app.snap().instruments[i].vwap);
    let distinct: std::collections::BTreeSet<_> = path.iter().map(|p| p.1).collect();
    assert!(
        distinct.len() > 1,
        "the VWAP moves through the day: {path:?}"
    );

    // Drawn as a path: VWAP-coloured dots on more than one row of the plot.
    let buf = pane(&app, Pane::Chart, 90, 16);
    let vwap_fg = app.theme().vwap.fg.unwrap();
    let vwap_rows: std::collections::BTreeSet<u16> = (1..buf.area.height - 1)
        .filter(|&y| {
            (0..buf.area.width).any(|x| {
                let c = &buf[(x, y)];
                c.fg == vwap_fg
                    && ('\u{2801}'..='\u{28ff}').contains(&c.symbol().chars().next().unwrap_or(' '))
            })
        })
        .collect();
    assert!(
        vwap_rows.len() > 1,
        "VWAP on rows {vwap_rows:?}:\n{}",
        text(&buf)
    );
}

#[test]
fn status_line_and_help_come_from_the_keymap() {
    let mut app = app_at(mon(9, 35));
    let status = |app: &App| {
        text(&draw(150, 1, |buf, area| {
            tapedeck::tui::status::render(&app.view(area), area, buf);
        }))
    };
    let s = status(&app);
    for needle in [
        "? help",
        "q quit",
        "Space play",
        "-/+ speed",
        "←/→ step",
        "n/p news",
        "g go to",
    ] {
        assert!(s.contains(needle), "{needle:?} not in {s:?}");
    }
    let remapped = Keymap::from_json(
        r#"{"quit": "x", "help": "h"}"#,
        std::path::Path::new("k.json"),
    )
    .unwrap();
    let s = status(&app_with(remapped, Theme::colored(), mon(9, 35)));
    assert!(
        s.contains("x quit") && s.contains("h help") && !s.contains("q quit"),
        "{s}"
    );

    app.update(Action::GoTo, Z);
    app.update(Action::Input(Input::Char('1')), Z);
    assert!(status(&app).contains("go to: 1█"));
    app.update(Action::Input(Input::Char('x')), Z);
    app.update(Action::Input(Input::Submit), Z);
    let s = status(&app);
    assert!(s.contains("cannot read time"), "{s}");
    let (x, _) = find(
        &draw(150, 1, |buf, area| {
            tapedeck::tui::status::render(&app.view(area), area, buf);
        }),
        "cannot",
    )
    .unwrap();
    assert!(reddish(
        draw(150, 1, |buf, area| tapedeck::tui::status::render(
            &app.view(area),
            area,
            buf
        ))[(x, 0)]
            .fg
    ));

    app.update(Action::Help, Z);
    let buf = screen(&app, 120, 60);
    let t = text(&buf);
    for c in COMMANDS {
        let head: String = c.help.chars().take(24).collect();
        assert!(t.contains(&head), "help lacks {:?}:\n{t}", c.help);
    }
    assert!(
        t.contains("Shift+→") && t.contains("Space") && t.contains("RECONSTRUCTED: A made-up"),
        "{t}"
    );
}

#[test]
fn every_pane_survives_every_size() {
    let mut app = app_at(mon(10, 0));
    app.update(Action::MinuteForward, Z);
    let sizes = [
        (0, 0),
        (1, 1),
        (2, 3),
        (3, 2),
        (1, 7),
        (7, 1),
        (4, 4),
        (9, 3),
        (13, 5),
        (17, 6),
        (25, 7),
        (33, 9),
        (61, 3),
    ];
    for theme in [Theme::colored(), Theme::mono()] {
        app = app_with(Keymap::default(), theme, mon(10, 0));
        app.update(Action::MinuteForward, Z);
        for p in Pane::ALL {
            for compare in ["", "chip"] {
                app.update(Action::ChartStyle, Z);
                app.update(Action::Compare, Z);
                for c in compare.chars() {
                    app.update(Action::Input(Input::Char(c)), Z);
                }
                app.update(Action::Input(Input::Submit), Z);
                for &(w, h) in &sizes {
                    pane(&app, p, w, h);
                    // Offset inside a bigger buffer: nothing may be written outside the area.
                    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 20));
                    let area = Rect::new(5, 3, w, h).intersection(buf.area);
                    ui::render_pane(&app.view(area), p, area, &mut buf);
                    for (i, cell) in buf.content().iter().enumerate() {
                        let (x, y) = buf.pos_of(i);
                        if !area.contains((x, y).into()) {
                            assert_eq!(
                                cell.symbol(),
                                " ",
                                "{p:?} at {w}x{h} wrote outside at ({x},{y})"
                            );
                        }
                    }
                }
            }
        }
    }
    for &(w, h) in &sizes {
        draw(w, h, |buf, area| {
            tapedeck::tui::header::render(&app.view(area), area, buf);
        });
        draw(w, h, |buf, area| {
            tapedeck::tui::status::render(&app.view(area), area, buf);
        });
        draw(w, h, |buf, area| {
            tapedeck::tui::help::render(&app.view(area), area, buf);
        });
    }
}

#[test]
fn the_whole_screen_reflows_at_any_size_and_says_when_too_small() {
    let mut app = app_at(mon(9, 35));
    // Plain, with help open, zoomed with help, zoomed.
    for toggle in [
        None,
        Some(Action::Help),
        Some(Action::Zoom),
        Some(Action::Help),
    ] {
        if let Some(a) = toggle {
            app.update(a, Z);
        }
        for w in (0..=140).step_by(7) {
            for h in (0..=50).step_by(5) {
                screen(&app, w, h);
            }
        }
    }
    app.update(Action::Zoom, Z);
    assert!(!app.help() && !app.zoom());
    let t = text(&screen(&app, 59, 20));
    assert!(
        t.contains("terminal too small (need 60×16, have 59×20)"),
        "{t}"
    );
    let t = text(&screen(&app, 60, 16));
    assert!(t.contains("RECONSTRUCTED") && t.contains("Heatmap"), "{t}");
}

#[test]
fn no_color_means_no_colour_anywhere() {
    let app = app_with(Keymap::default(), Theme::mono(), mon(16, 0));
    let buf = screen(&app, 120, 40);
    for c in buf.content() {
        assert_eq!(
            (c.fg, c.bg),
            (Color::Reset, Color::Reset),
            "coloured cell {c:?}"
        );
    }
    // Up and down still differ: the tape marks ticks, the board signs, the tiles arrows.
    let t = text(&buf);
    assert!(
        t.contains('▲') && t.contains('▼') && t.contains("-17.00%"),
        "{t}"
    );
    assert!(
        buf.content()
            .iter()
            .any(|c| c.modifier.contains(Modifier::REVERSED)),
        "selection shown"
    );
}

fn snapshot_app() -> App<'static> {
    let mut app = app_at(mon(9, 35) + 12 * tui_fixture::SEC);
    app.update(Action::Resize(0, 0), Z);
    app
}

#[test]
fn screen_80x24() {
    insta::assert_snapshot!(text(&screen(&snapshot_app(), 80, 24)));
}

#[test]
fn screen_120x40() {
    insta::assert_snapshot!(text(&screen(&snapshot_app(), 120, 40)));
}

#[test]
fn screen_120x40_help_and_zoom() {
    let mut app = snapshot_app();
    while app.focus() != Pane::Chart {
        app.update(Action::FocusNext, Z);
    }
    app.update(Action::Zoom, Z);
    app.update(Action::SeekTo(mon(16, 30) + 3 * MIN), Z);
    insta::assert_snapshot!("zoomed_chart", text(&screen(&app, 120, 40)));
    app.update(Action::Help, Z);
    insta::assert_snapshot!("help", text(&screen(&app, 120, 40)));
}

#[test]
fn the_terminal_chart_labels_its_price_axis_at_round_steps_on_the_tick_grid() {
    let app = app_at(mon(15, 0));
    let tick = app.replay().store.instruments[app.selected()].tick;
    for (w, h) in [(90, 16), (60, 30), (140, 45)] {
        let t = text(&pane(&app, Pane::Chart, w, h));
        // The gutter: the first word of each plot row, where it reads as a price.
        let labels: Vec<tapedeck::price::Price> = t
            .lines()
            .skip(1)
            .filter_map(|l| l.trim_start_matches(['│', '┃']).split_whitespace().next())
            .filter_map(|w| tapedeck::price::Price::parse(w).ok())
            .collect();
        assert!(labels.len() >= 2, "{w}x{h}:\n{t}");
        let steps: Vec<i64> = labels.windows(2).map(|p| p[0].0 - p[1].0).collect();
        assert!(
            steps.iter().all(|&s| s == steps[0] && s > 0),
            "{w}x{h}:\n{t}"
        );
        let step = tapedeck::price::Price(steps[0]);
        assert!(step.is_multiple_of(tick), "{w}x{h}: step off the tick grid");
        let mut m = steps[0] / 1_000_000; // in thousandths
        while m % 10 == 0 && m >= 100 {
            m /= 10;
        }
        assert!(
            [10, 20, 25, 50].contains(&m),
            "{w}x{h}: step {step:?} is not round\n{t}"
        );
        assert!(labels.iter().all(|p| p.is_multiple_of(step)));
    }
}
