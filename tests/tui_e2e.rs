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
