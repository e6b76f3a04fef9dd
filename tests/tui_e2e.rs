//! The real binary in a pseudo-terminal: keys in, screen text out, and the terminal left as
//! it was found whichever way the app ends. Set TAPEDECK_TEST_REPLAY to open another copy of
//! the bundled replay.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLS: u16 = 100;
/// Generous: a debug build loads the bundled replay in a few seconds on a slow machine.
const STARTUP: Duration = Duration::from_secs(90);
const STEP: Duration = Duration::from_secs(10);

struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn MasterPty + Send>,
    _config: tempfile::TempDir,
}

impl Session {
    fn start(replay_arg: Option<&str>) -> Session {
        Session::start_with(replay_arg, &[])
    }

    fn start_with(replay_arg: Option<&str>, env: &[(&str, &str)]) -> Session {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tapedeck"));
        if let Some(a) = replay_arg {
            cmd.arg(a);
        } else if let Some(dir) = std::env::var_os("TAPEDECK_TEST_REPLAY") {
            cmd.arg(dir);
        } else if let Err(e) = tapedeck::replay::resolve(None) {
            panic!("the bundled replay is missing: {e}");
        }
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("TAPEDECK_KEYS");
        // No user keymap: the defaults are what this test types.
        let config = tempfile::tempdir().unwrap();
        cmd.env("XDG_CONFIG_HOME", config.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn tapedeck");
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            ROWS.try_into().unwrap(),
            COLS.try_into().unwrap(),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Session {
            child,
            writer,
            screen,
            _master: pair.master,
            _config: config,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn row(&self, r: u16) -> String {
        self.text()
            .lines()
            .nth(r as usize)
            .unwrap_or_default()
            .to_string()
    }

    fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&Session) -> bool) {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if ok(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.text());
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the app read each burst separately, as typing would.
        std::thread::sleep(Duration::from_millis(150));
    }

    fn exit_code(&mut self, timeout: Duration) -> u32 {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("tapedeck did not exit; screen:\n{}", self.text());
    }

    /// Raw mode, the alternate screen, mouse reporting and a hidden cursor are all undone.
    fn assert_terminal_restored(&self) {
        let p = self.screen.lock().unwrap();
        let s = p.screen();
        assert!(!s.alternate_screen(), "still on the alternate screen");
        assert_eq!(
            s.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse still captured"
        );
        assert!(!s.hide_cursor(), "cursor still hidden");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

fn started(s: &Session) -> bool {
    s.row(0).contains("RECONSTRUCTED")
}

#[test]
fn go_to_a_time_then_quit_cleanly() {
    let mut s = Session::start(None);
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
    let mut s = Session::start(None);
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
    let mut s = Session::start(None);
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
    let mut s = Session::start(Some(dir.path().to_str().unwrap()));
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
    let mut s = Session::start_with(None, &[("TAPEDECK_KEYS", keys.to_str().unwrap())]);
    assert_ne!(s.exit_code(STARTUP), 0);
    let text = s.text();
    assert!(
        text.contains("keys.json: key Space is bound to both"),
        "{text}"
    );
    s.assert_terminal_restored();
}
