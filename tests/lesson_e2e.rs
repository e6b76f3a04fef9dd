//! The bundled lesson end to end: the real binary in a pseudo-terminal with
//! `--lesson assets/lessons/deepseek-2025-01-27.json`. The first stop's question appears with
//! the clock at its time; the key reveals an answer whose figures equal the snapshot's.

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use pty::{ROWS, Session};
use tapedeck::cli::snapshot::round_pct;
use tapedeck::replay;
use tapedeck::time::parse_user_time;

const STARTUP: Duration = Duration::from_secs(90);
const STEP: Duration = Duration::from_secs(30);

#[test]
fn the_bundled_lesson_stops_at_its_first_question_and_reveals_live_figures() {
    let dir = match std::env::var_os("TAPEDECK_TEST_REPLAY") {
        Some(d) => d.into(),
        None => replay::resolve(None).expect("the bundled replay"),
    };
    let r = replay::load(&dir).unwrap();
    let first_stop = parse_user_time("2025-01-26 21:12", r.date, r.tz).unwrap();
    let snap = r.store.snapshot(first_stop, 0);
    let nq = r.store.symbol_index("NQH25").unwrap();
    let es = r.store.symbol_index("ESH25").unwrap();
    let pct = |i: usize| {
        format!(
            "{:+.2}%",
            round_pct(snap.instruments[i].change_pct.unwrap())
        )
    };
    let last = snap.instruments[nq].last.unwrap().display(2).to_string();

    let mut s = Session::start(
        None,
        &["--lesson", "assets/lessons/deepseek-2025-01-27.json"],
        &[],
    );
    s.wait_for("the first question", STARTUP, |s| {
        s.text().contains("Asian markets have been open")
    });
    // It appears at its time, paused there.
    let header = s.row(0);
    assert!(
        header.contains("Sun 26 Jan 2025 21:12:00") && header.contains("paused"),
        "{header}"
    );
    assert!(s.text().contains("stop 1 of 11"), "{}", s.text());
    assert!(
        s.row(ROWS - 1)
            .starts_with("lesson 1/11 — press . to reveal the answer"),
        "{}",
        s.row(ROWS - 1)
    );

    s.send(".");
    s.wait_for("the answer", STEP, |s| {
        s.text().contains("Nasdaq-100 futures are at")
    });
    let text = s.text();
    let row = text
        .lines()
        .find(|l| l.contains("Nasdaq-100 futures are at"))
        .unwrap();
    assert!(
        row.contains(&format!("{last}, {} against Friday's mark", pct(nq))),
        "want {last} and {} in {row:?}",
        pct(nq)
    );
    // The overlay's text, its wrapped lines joined again.
    let overlay: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let a = l.find('║')?;
            let b = l.rfind('║')?;
            (b > a).then(|| l[a + '║'.len_utf8()..b].trim())
        })
        .collect();
    let overlay = overlay.join(" ");
    assert!(
        overlay.contains(&format!("S&P 500 futures are {}.", pct(es))),
        "{overlay}"
    );
    assert!(
        text.contains("Asian markets have been open"),
        "the question stays"
    );

    // Next: the lesson plays on to 04:06; the presenter key switches layouts on the way.
    s.send(".");
    s.send("P");
    s.wait_for("the second question", STEP, |s| {
        s.text().contains("Europe's stock exchanges opened")
    });
    assert!(s.row(0).contains("04:06:00"), "{}", s.row(0));
    assert!(
        s.text().contains("Market value since prior close"),
        "presenter counters"
    );
    s.send("q");
    assert_eq!(s.exit_code(STEP), 0);
    s.assert_terminal_restored();
}

#[test]
fn a_bad_lesson_is_reported_with_file_and_line_before_the_screen_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(
        &file,
        "{\n  \"title\": \"Broken\",\n  \"steps\": [\n    {\"seek\": \"09:30\"},\n    {\"select\": \"NOPE\"}\n  ]\n}\n",
    )
    .unwrap();
    let mut s = Session::start(None, &["--lesson", file.to_str().unwrap()], &[]);
    assert_ne!(s.exit_code(STARTUP), 0);
    s.assert_terminal_restored();
    let text = s.text();
    let want = format!("{}:5: steps[1].select: no symbol \"NOPE\"", file.display());
    assert!(text.replace('\n', "").contains(&want), "{text}");
    assert!(!s.screen.lock().unwrap().screen().alternate_screen());
}
