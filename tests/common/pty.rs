//! The real binary in a pseudo-terminal (portable-pty + vt100): keys in, screen text out.
//! Shared by the end-to-end tests.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub const ROWS: u16 = 30;
pub const COLS: u16 = 100;

pub struct Session {
    pub child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    pub screen: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn MasterPty + Send>,
    _dirs: [tempfile::TempDir; 2],
}

impl Session {
    /// Starts tapedeck on `replay_arg` (else `$TAPEDECK_TEST_REPLAY`, else the bundled replay)
    /// with extra `args` and environment.
    pub fn start(replay_arg: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Session {
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
        cmd.args(args);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("TAPEDECK_KEYS");
        // No user keymap: the defaults are what the tests type.
        let config = tempfile::tempdir().unwrap();
        cmd.env("XDG_CONFIG_HOME", config.path());
        // Notes go to a scratch file, never into the bundled replay's folder.
        let data = tempfile::tempdir().unwrap();
        cmd.env("TAPEDECK_NOTES", data.path().join("notes.json"));
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
            _dirs: [config, data],
        }
    }

    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    pub fn row(&self, r: u16) -> String {
        self.text()
            .lines()
            .nth(r as usize)
            .unwrap_or_default()
            .to_string()
    }

    pub fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&Session) -> bool) {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if ok(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.text());
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the app read each burst separately, as typing would.
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn exit_code(&mut self, timeout: Duration) -> u32 {
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
    pub fn assert_terminal_restored(&self) {
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
