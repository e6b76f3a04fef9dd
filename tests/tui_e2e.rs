//! The real binary in a pseudo-terminal: keys in, screen text out, and the terminal left as
//! it was found whichever way the app ends. Set TAPEDECK_TEST_REPLAY to open another copy of
//! the bundled replay.

#[path = "common/pty.rs"]
mod pty;

use std::time::Duration;

use pty::{ROWS, Session};
/// Generous: a debug build loads the bundled replay in a few seconds on a slow machine.
const STARTUP: Duration = Duration::from_secs(90);
const STEP: Duration = Duration::from_secs(10);

fn started(s: &Session) -> bool {
    s.row(0).contains("RECONSTRUCTED")
}

#[test]
fn go_to_a_time_then_quit_cleanly() {
    let mut s = Session::start(None, &[], &[]);
    s.wait_for("the header's RECONSTRUCTED badge", STARTUP, started);
    assert!(s.screen.lock().unwrap().screen().alternate_screen());
    s.send("g");
    s.wait_for("the go-to prompt", STEP, |s| {
        s.row(ROWS - 1).contains("go to:")
    });
    s.send("09:35");
    s.send("\r");
    s.wait_for("the clock at 09:35", STEP, |s| {
        s.row(0).contains("09:35:00")
    });
    let header = s.row(0);
    assert!(
        header.contains("27 Jan") && header.contains("regular") && header.contains("paused"),
        "{header}"
    );
    // The board is drawn at the new time too.
    assert!(s.text().contains("NVDA"), "{}", s.text());

    s.send("?");
    s.wait_for("the help overlay", STEP, |s| {
        s.text().contains("Help: ? or Esc closes")
    });
    s.send("?");
    s.wait_for("help to close", STEP, |s| {
        !s.text().contains("Help: ? or Esc closes")
    });

    s.send("q");
    assert_eq!(s.exit_code(STEP), 0);
    s.assert_terminal_restored();
}

#[test]
fn play_runs_the_clock_and_ctrl_c_restores_the_terminal() {
    let mut s = Session::start(None, &[], &[]);
    s.wait_for("startup", STARTUP, started);
    s.send(" ");
    s.wait_for("playing", STEP, |s| s.row(0).contains("playing"));
    let first = s.row(0);
    s.wait_for("the clock to move", STEP, |s| s.row(0) != first);
    s.send("\x03");
    assert_eq!(s.exit_code(STEP), 130);
    s.assert_terminal_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut s = Session::start(None, &[], &[]);
    s.wait_for("startup", STARTUP, started);
    let pid = s.child.process_id().expect("pid");
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(s.exit_code(STEP), 143);
    s.assert_terminal_restored();
}

#[test]
fn a_replay_that_fails_to_load_prints_the_error_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("replay.json"), "{ not json").unwrap();
    let mut s = Session::start(Some(dir.path().to_str().unwrap()), &[], &[]);
    let code = s.exit_code(STARTUP);
    assert_ne!(code, 0);
    let text = s.text();
    assert!(
        text.contains("cannot load replay") && text.contains("replay.json"),
        "{text}"
    );
    s.assert_terminal_restored();
}

#[test]
fn a_bad_keymap_is_reported_before_the_screen_changes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, r#"{"quit": "space"}"#).unwrap();
    let mut s = Session::start(None, &[], &[("TAPEDECK_KEYS", keys.to_str().unwrap())]);
    assert_ne!(s.exit_code(STARTUP), 0);
    let text = s.text();
    assert!(
        text.contains("keys.json: key Space is bound to both"),
        "{text}"
    );
    s.assert_terminal_restored();
}

/// Practice trading in the real binary: buy NVDA at market at 09:31, watch the P&L move as
/// the replay plays, flatten, and find the journal saved with both orders and both fills.
#[test]
fn buy_nvda_at_the_open_watch_the_pnl_flatten_and_find_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.json");
    let mut s = Session::start(
        None,
        &[],
        &[("TAPEDECK_JOURNAL", journal.to_str().unwrap())],
    );
    s.wait_for("startup", STARTUP, started);
    s.send("s");
    s.send("NVDA\r");
    s.send("g");
    s.send("09:31\r");
    s.wait_for("the clock at 09:31", STEP, |s| {
        s.row(0).contains("09:31:00")
    });
    s.send("]");
    s.wait_for("the order sent", STEP, |s| {
        s.text().contains("order 1: buy 100 NVDA market")
    });
    assert!(s.text().contains("Orders and positions"), "{}", s.text());
    assert!(journal.exists(), "the order is journaled at once");
    let pnl = |s: &Session| {
        let h = s.row(0);
        h.find("P&L ")
            .map(|i| h[i..].split_whitespace().nth(1).unwrap_or("").to_string())
    };
    s.send(" ");
    s.wait_for("a fill and a P&L that is not zero", STEP, |s| {
        pnl(s).is_some_and(|p| p != "$0.00")
    });
    let first = pnl(&s).unwrap();
    s.wait_for("the P&L to move", STEP * 3, |s| {
        pnl(s).is_some_and(|p| p != first)
    });
    s.send(" ");
    s.wait_for("paused", STEP, |s| s.row(0).contains("paused"));
    s.send("F");
    s.wait_for("flatten", STEP, |s| {
        s.text().contains("flatten: 0 orders cancelled, 1 position")
    });
    s.send(" ");
    s.wait_for("the position closed", STEP, |_| {
        std::fs::read_to_string(&journal)
            .is_ok_and(|j| j.matches("\"kind\": \"fill\"").count() == 2)
    });
    s.send("q");
    assert_eq!(s.exit_code(STEP), 0);
    s.assert_terminal_restored();
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    let entries = j["branches"][0]["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["order", "fill", "order", "fill"], "{j}");
    assert_eq!(entries[1]["symbol"], "NVDA");
    assert!(entries[1]["latest_headline"].is_string(), "{j}");
    assert!(j["resume"]["orders"].as_array().unwrap().len() == 2);
}
