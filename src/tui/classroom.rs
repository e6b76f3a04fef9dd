//! The teacher's side of a class (`tapedeck serve`): watches the app's lesson and clock after
//! every update and tells the server what is on screen — a stop's question, its reveal with the
//! true value from the snapshot at the teacher's clock, the clock and a few prices. Sends with
//! `try_send` on a bounded channel and reads the tally from a watch channel: the app never
//! waits on the network. Its own state and update function; the app knows nothing of it.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::error::TrySendError;

use crate::classroom::room::{Phase, Quote, Tally, Teacher};
use crate::classroom::server::Handle;
use crate::engine::Snapshot;

use super::app::App;

/// How often the clock and prices go to the class while playing.
const CLOCK_EVERY: Duration = Duration::from_millis(250);
/// Prices on the students' page between stops.
const QUOTES: usize = 6;

/// What the class was last told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Playing,
    Asked(usize),
    Revealed(usize),
    Ended,
}

pub struct ClassLink {
    handle: Handle,
    pub url: String,
    pub token_file: String,
    pub qr: Option<qrcode::QrCode>,
    sent: Sent,
    clock_at: Option<Instant>,
    clock_text: String,
    pub tally: Tally,
    /// Commands the full channel refused (the class missed a clock tick; stops are retried).
    pub dropped: u64,
    pub write_error: Option<String>,
    /// The tally changed while the loop waited on it.
    woken: bool,
}

/// The panel's data, drawn by `class_panel`.
#[derive(Clone)]
pub struct ClassView<'a> {
    pub url: &'a str,
    pub code: &'a str,
    pub teacher_token: &'a str,
    pub token_file: &'a str,
    pub qr: Option<&'a qrcode::QrCode>,
    pub tally: &'a Tally,
    pub write_error: Option<&'a str>,
}

impl ClassLink {
    pub fn new(handle: Handle, url: String, token_file: String) -> ClassLink {
        let qr = qrcode::QrCode::new(url.as_bytes()).ok();
        let tally = handle.tally.borrow().clone();
        ClassLink {
            handle,
            url,
            token_file,
            qr,
            sent: Sent::Playing,
            clock_at: None,
            clock_text: String::new(),
            tally,
            dropped: 0,
            write_error: None,
            woken: false,
        }
    }

    pub fn view(&self) -> ClassView<'_> {
        ClassView {
            url: &self.url,
            code: &self.handle.code,
            teacher_token: &self.handle.teacher_token,
            token_file: &self.token_file,
            qr: self.qr.as_ref(),
            tally: &self.tally,
            write_error: self.write_error.as_deref(),
        }
    }

    /// Takes the newest tally if the class changed; true when the panel needs drawing.
    pub fn poll(&mut self) -> bool {
        let mut changed = std::mem::take(&mut self.woken);
        if changed || self.handle.tally.has_changed().unwrap_or(false) {
            self.tally = self.handle.tally.borrow_and_update().clone();
            changed = true;
        }
        if self.handle.write_error.has_changed().unwrap_or(false) {
            self.write_error
                .clone_from(&self.handle.write_error.borrow_and_update());
            changed = true;
        }
        changed
    }

    /// Waits until the class changes (for the event loop's select).
    pub async fn changed(&mut self) {
        // `changed` marks the value seen, so remember to take it in `poll`.
        if self.handle.tally.changed().await.is_ok() {
            self.woken = true;
        } else {
            // The server is gone: nothing more will change.
            std::future::pending::<()>().await;
        }
    }

    /// After every update of the app: tell the class what is on screen now.
    pub fn sync(&mut self, app: &App) {
        let now = Self::on_screen(app);
        if now != self.sent {
            let replay = app.replay();
            let snap = replay.store.snapshot(app.now(), 0);
            let ok = match now {
                Sent::Playing => self.send(Teacher::Resume),
                Sent::Ended => self.send(Teacher::Ended),
                Sent::Asked(stop) => self.ask(app, &snap, stop),
                Sent::Revealed(stop) => {
                    // A reveal the class has not seen asked (a jump, a restart) is asked first.
                    let asked = matches!(self.sent, Sent::Asked(s) if s == stop)
                        || self.ask(app, &snap, stop);
                    asked && self.reveal(app, &snap, stop)
                }
            };
            if ok {
                self.sent = now;
            }
        }
        let text = crate::time::clock_seconds(app.now(), app.replay().tz).to_string();
        let due = self.clock_at.is_none_or(|t| t.elapsed() >= CLOCK_EVERY);
        if text != self.clock_text && due {
            let snap = app.replay().store.snapshot(app.now(), 0);
            if self.send(Teacher::At(app.now()))
                && self.send(Teacher::Clock {
                    text: text.clone(),
                    quotes: quotes(app, &snap),
                })
            {
                self.clock_text = text;
                self.clock_at = Some(Instant::now());
            }
        }
    }

    fn on_screen(app: &App) -> Sent {
        let Some(run) = app.lesson() else {
            return Sent::Playing;
        };
        if run.finished {
            Sent::Ended
        } else if run.reveal.is_some() && run.stop > 0 {
            Sent::Revealed(run.stop)
        } else if run.prompt.is_some() {
            Sent::Asked(run.stop)
        } else {
            Sent::Playing
        }
    }

    /// The step whose prompt is the current stop's (the prompt on screen, or for a reveal on
    /// its own, the last prompt before it).
    fn question_step(app: &App) -> Option<usize> {
        let run = app.lesson()?;
        run.prompt.or_else(|| {
            let j = run.reveal?;
            (0..=j)
                .rev()
                .find(|&i| run.lesson.steps[i].prompt.is_some())
        })
    }

    fn ask(&mut self, app: &App, snap: &Snapshot, stop: usize) -> bool {
        let replay = app.replay();
        let Some(step) = Self::question_step(app).and_then(|i| app.lesson()?.lesson.steps.get(i))
        else {
            return true;
        };
        let prompt = step
            .prompt
            .as_ref()
            .map(|t| t.render(&replay.store, snap, replay.tz))
            .unwrap_or_default();
        let decimals = step
            .question
            .as_ref()
            .map_or(2, |q| q.decimals(&replay.store));
        self.send(Teacher::Ask {
            stop,
            prompt,
            question: step.question.clone(),
            decimals,
        })
    }

    fn reveal(&mut self, app: &App, snap: &Snapshot, stop: usize) -> bool {
        let replay = app.replay();
        let Some(run) = app.lesson() else { return true };
        let text = run
            .reveal
            .and_then(|j| run.lesson.steps.get(j))
            .and_then(|s| s.reveal.as_ref())
            .map(|t| t.render(&replay.store, snap, replay.tz))
            .unwrap_or_default();
        let truth = Self::question_step(app)
            .and_then(|i| run.lesson.steps[i].question.as_ref())
            .and_then(|q| q.truth(&replay.store, snap));
        self.send(Teacher::Reveal { stop, truth, text })
    }

    fn send(&mut self, cmd: Teacher) -> bool {
        match self.handle.teacher.try_send(cmd) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Closed(_)) => {
                self.dropped += 1;
                false
            }
        }
    }
}

/// The first instruments of the board, at the teacher's clock.
fn quotes(app: &App, snap: &Snapshot) -> Vec<Quote> {
    let store = &app.replay().store;
    store
        .instruments
        .iter()
        .zip(&snap.instruments)
        .take(QUOTES)
        .map(|(info, st)| Quote {
            symbol: info.symbol.clone(),
            last: crate::format::price_or(st.last, info.decimals, "-"),
            change: st.change_pct.map_or_else(|| "-".into(), crate::format::pct),
        })
        .collect()
}

/// The phase's name for the panel.
pub fn phase_text(p: Phase) -> &'static str {
    match p {
        Phase::Playing => "playing",
        Phase::Question => "question open",
        Phase::Reveal => "answer revealed",
        Phase::Ended => "lesson over",
    }
}
