//! Practice trading in the terminal app, driven headlessly on the bundled replay: orders from
//! keys and the ticket, fills only from prints after the clock, P&L in the header and the
//! orders pane, the seek rule, the journal it asks to save, and continuing it next time.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tapedeck::practice::fills::{Kind, Side};
use tapedeck::time::parse_user_time;
use tapedeck::tui::app::{Action, App, Effect, Msg, Pane, Startup};
use tapedeck::tui::keymap::Keymap;
use tapedeck::tui::model::PromptKind;
use tapedeck::tui::theme::Theme;
use tapedeck::tui::{trading, ui};

#[path = "common/bundled.rs"]
mod common_bundled;
use common_bundled::bundled;

fn app() -> App<'static> {
    let mut app = App::new(bundled(), Keymap::default(), Theme::colored());
    app.update(Action::Resize(160, 45), Duration::ZERO);
    app
}

/// Presses a key; returns the effects asked for.
fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let a = app
        .key_action(KeyEvent::new(code, KeyModifiers::NONE))
        .expect("bound");
    app.update(a, Duration::ZERO).effects
}

fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn type_line(app: &mut App, opener: char, text: &str) -> Vec<Effect> {
    press(app, KeyCode::Char(opener));
    chars(app, text);
    press(app, KeyCode::Enter)
}

fn et(text: &str) -> i64 {
    let r = bundled();
    parse_user_time(text, r.date, r.tz).unwrap()
}

fn seek(app: &mut App, t: &str) {
    app.update(Action::SeekTo(et(t)), Duration::ZERO);
}

fn screen(app: &App) -> Vec<String> {
    let area = Rect::new(0, 0, 160, 45);
    let mut buf = Buffer::empty(area);
    ui::render(&app.view(area), area, &mut buf);
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

fn nvda_app() -> App<'static> {
    let mut a = app();
    type_line(&mut a, 's', "NVDA");
    assert_eq!(a.selected(), bundled().store.symbol_index("NVDA").unwrap());
    a
}

/// The first NVDA print strictly after `t`.
fn next_print(t: i64) -> (i64, i64) {
    let s = &bundled().store;
    let series = s.series(s.symbol_index("NVDA").unwrap());
    let k = series.ts.partition_point(|&x| x <= t);
    (series.ts[k], series.price[k])
}

#[test]
fn a_market_buy_fills_at_the_first_print_after_the_clock_and_flatten_closes_it() {
    let mut a = nvda_app();
    seek(&mut a, "09:31");
    let effects = press(&mut a, KeyCode::Char(']'));
    assert!(effects.contains(&Effect::SaveJournal), "{effects:?}");
    // Sent, not filled: the clock has not passed a print yet.
    assert_eq!(a.trading().working().len(), 1);
    assert!(a.trading().fills().is_empty());
    assert_eq!(
        a.trading().positions().iter().map(|p| p.qty).sum::<i64>(),
        0
    );
    assert!(
        a.message()
            .unwrap()
            .text
            .contains("order 1: buy 100 NVDA market")
    );

    let (t1, p1) = next_print(et("09:31"));
    a.update(Action::SeekTo(t1), Duration::ZERO);
    let fills = a.trading().fills();
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].ts, fills[0].price, fills[0].qty), (t1, p1, 100));
    assert!(a.trading().working().is_empty());

    // The header shows the P&L, and it moves with the tape.
    seek(&mut a, "09:45");
    let last = a.snap().instruments[a.selected()].last.unwrap().0;
    let want = (i128::from(last - p1) * 100) as f64 / 1e9;
    let header = &screen(&a)[0];
    assert!(header.contains("P&L "), "{header}");
    let shown = tapedeck::format::pnl((i128::from(last - p1)) * 100);
    assert!(header.contains(&shown), "{header} lacks {shown} ({want})");
    // The orders pane is on screen with the position.
    let text = screen(&a).join("\n");
    assert!(
        text.contains("Orders and positions") && text.contains("+100"),
        "{text}"
    );

    let effects = press(&mut a, KeyCode::Char('F'));
    assert!(effects.contains(&Effect::SaveJournal));
    let (t2, p2) = next_print(et("09:45"));
    a.update(Action::SeekTo(t2), Duration::ZERO);
    let p = a.trading().positions()[a.selected()];
    assert_eq!(p.qty, 0);
    assert_eq!(p.realized, i128::from(p2 - p1) * 100);
    let (realized, unrealized) = a.trading().pnl(&bundled().store, |_| None);
    assert_eq!((realized, unrealized), (p.realized, 0));
}

#[test]
fn the_ticket_sends_limits_and_stops_and_refuses_what_is_off_the_tick() {
    let mut a = nvda_app();
    seek(&mut a, "10:00");
    type_line(&mut a, 'T', "buy 50 limit 100.005");
    let m = a.message().unwrap();
    assert!(m.error && m.text.contains("not on NVDA's tick"), "{m:?}");
    assert!(!a.trading().active());

    type_line(&mut a, 'T', "buy 50 limit 100");
    type_line(&mut a, 'T', "sell 2 NQH25 stop 20000");
    let w = a.trading().working();
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(
        w[0].order.kind,
        Kind::Limit {
            price: 100_000_000_000
        }
    );
    assert_eq!((w[1].order.side, w[1].order.qty), (Side::Sell, 2));
    // `]` now uses the ticket's last quantity for NVDA.
    press(&mut a, KeyCode::Char(']'));
    assert_eq!(a.trading().working()[2].order.qty, 50);

    press(&mut a, KeyCode::Char('C'));
    assert!(a.trading().working().is_empty());
    assert!(
        a.message()
            .unwrap()
            .text
            .contains("3 working orders cancelled")
    );
    // Cancelled at 10:00: the market buy never fills, however far the clock goes.
    seek(&mut a, "15:00");
    assert!(a.trading().fills().is_empty());
}

#[test]
fn seeking_back_drops_what_came_after_and_forward_again_refills_from_the_tape() {
    let mut a = nvda_app();
    seek(&mut a, "09:31");
    press(&mut a, KeyCode::Char(']'));
    seek(&mut a, "11:00");
    assert_eq!(a.trading().fills().len(), 1);
    // Back before the fill: the order works again, nothing from the future is kept.
    seek(&mut a, "09:31:00");
    assert!(a.trading().fills().is_empty());
    assert_eq!(a.trading().working().len(), 1);
    // Back before the order: it is gone from the branch in use.
    seek(&mut a, "09:30");
    assert!(!a.trading().active());
    let journal: serde_json::Value = serde_json::from_str(&a.trading().to_json(bundled())).unwrap();
    let branches = journal["branches"].as_array().unwrap();
    assert!(branches.len() >= 2, "{journal}");
    assert_eq!(branches[0]["entries"].as_array().unwrap().len(), 2); // order, fill
    assert!(journal["resume"]["orders"].as_array().unwrap().is_empty());
}

#[test]
fn reopening_offers_the_last_journal_and_continues_it() {
    let mut a = nvda_app();
    seek(&mut a, "09:31");
    press(&mut a, KeyCode::Char(']'));
    type_line(&mut a, 'B', "bought the open");
    seek(&mut a, "10:15");
    let saved_fill = a.trading().fills()[0];
    let text = a.trading().to_json(bundled());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.json");
    let saved = trading::parse_saved(&text, &path, bundled()).unwrap();
    let mut b = app();
    b.update(
        Msg::Start(Box::new(Startup {
            journal: Some((path.clone(), Some(saved.clone()))),
            ..Startup::default()
        })),
        Duration::ZERO,
    );
    assert_eq!(
        b.prompt().map(|p| p.kind),
        Some(PromptKind::ContinueJournal)
    );
    assert!(b.message().unwrap().text.contains("1 order and 1 note"));
    chars(&mut b, "y");
    let effects = press(&mut b, KeyCode::Enter);
    assert!(effects.contains(&Effect::SaveJournal));
    assert_eq!(b.now(), et("10:15"));
    assert_eq!(b.trading().fills(), &[saved_fill]);
    let again: serde_json::Value = serde_json::from_str(&b.trading().to_json(bundled())).unwrap();
    let notes = again["resume"]["notes"].as_array().unwrap();
    assert_eq!(notes[0]["text"], "bought the open");
    assert_eq!(again["branches"].as_array().unwrap().len(), 1);

    // Declining keeps the old branch in the file and starts empty.
    let mut c = app();
    c.update(
        Msg::Start(Box::new(Startup {
            journal: Some((path, Some(saved))),
            ..Startup::default()
        })),
        Duration::ZERO,
    );
    press(&mut c, KeyCode::Esc);
    assert!(!c.trading().active());
    let fresh: serde_json::Value = serde_json::from_str(&c.trading().to_json(bundled())).unwrap();
    assert_eq!(fresh["branches"].as_array().unwrap().len(), 2);
}

#[test]
fn a_damaged_journal_names_the_file_and_field() {
    let path = std::path::Path::new("j.json");
    let r = bundled();
    let e = trading::parse_saved("{", path, r).unwrap_err();
    assert!(e.starts_with("j.json:1: not valid JSON"), "{e}");
    let e = trading::parse_saved(
        r#"{"format": "tapedeck-journal", "branches": [], "resume": {"clock": "2025-01-27T10:00:00-05:00", "orders": [{"ts": "10:00", "symbol": "ZZZ", "side": "buy", "qty": 1, "type": "market"}]}}"#,
        path,
        r,
    )
    .unwrap_err();
    assert!(e.contains("j.json: resume.orders[0]: symbol:"), "{e}");
}

#[test]
fn fills_are_marked_on_the_chart_and_the_tape() {
    let mut a = nvda_app();
    seek(&mut a, "09:31");
    press(&mut a, KeyCode::Char(']'));
    let (t1, _) = next_print(et("09:31"));
    a.update(Action::SeekTo(t1), Duration::ZERO);
    let area = Rect::new(0, 0, 80, 20);
    let draw = |pane| {
        let mut buf = Buffer::empty(area);
        ui::render_pane(&a.view(area), pane, area, &mut buf);
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(draw(Pane::Chart).contains('▲'), "{}", draw(Pane::Chart));
    let tape = draw(Pane::Tape);
    assert!(tape.contains('◆'), "{tape}");
}
