//! The event loop: one current-thread tokio runtime selecting over terminal events, a frame
//! deadline and signals. Frames tick only while playing; paused, the loop sleeps on events.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};

use super::app::{Action, App, Effect, Msg, Startup};
use super::classroom::ClassLink;
use super::join::JoinLink;
use super::{class_panel, export, join_panel, notes, ui};

/// Frame period while playing (30 fps).
pub const FRAME: Duration = Duration::from_millis(33);
/// Redraws never come closer than this (caps input-driven redraws near 60 fps).
const MIN_FRAME: Duration = Duration::from_millis(16);

/// Frame timings, kept when `$TAPEDECK_STATS` names a file to write them to on exit.
struct FrameLog {
    path: PathBuf,
    draws: Vec<Duration>,
    frames_playing: u64,
    played: Duration,
}

impl FrameLog {
    fn from_env() -> Option<FrameLog> {
        let path = std::env::var_os("TAPEDECK_STATS").filter(|p| !p.is_empty())?;
        Some(FrameLog {
            path: path.into(),
            draws: Vec::new(),
            frames_playing: 0,
            played: Duration::ZERO,
        })
    }

    fn write(mut self) -> std::io::Result<()> {
        self.draws.sort_unstable();
        let q = |p: f64| {
            self.draws
                .get(((self.draws.len().saturating_sub(1)) as f64 * p) as usize)
                .copied()
                .unwrap_or_default()
        };
        let fps = self.frames_playing as f64 / self.played.as_secs_f64().max(1e-9);
        let text = format!(
            "frames {}\nframes while playing {} in {:.2} s = {:.1} fps\ndraw p50 {:?} p99 {:?} max {:?}\n",
            self.draws.len(),
            self.frames_playing,
            self.played.as_secs_f64(),
            fps,
            q(0.5),
            q(0.99),
            self.draws.last().copied().unwrap_or_default(),
        );
        std::fs::write(&self.path, text)
    }
}

/// The action a terminal event stands for.
fn action_of(app: &App, event: Event) -> Option<Action> {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => app.key_action(k),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::ScrollDown => Some(Action::Scroll {
                x: m.column,
                y: m.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(Action::Scroll {
                x: m.column,
                y: m.row,
                down: false,
            }),
            _ => None,
        },
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// Where `x` writes: `$TAPEDECK_EXPORT_DIR`, else `export/` in the working directory.
pub fn export_dir() -> PathBuf {
    std::env::var_os("TAPEDECK_EXPORT_DIR")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("export"), PathBuf::from)
}

/// Applies `msg`, then carries out the input and output the app asked for, feeding each
/// outcome back; returns whether the screen needs drawing.
pub fn apply(app: &mut App, msg: impl Into<Msg>, wall: Duration) -> bool {
    let mut out = app.update(msg, wall);
    let mut redraw = out.redraw;
    while !out.effects.is_empty() {
        let mut next = Vec::new();
        for effect in out.effects {
            let result = match effect {
                Effect::SaveNotes => {
                    Msg::NotesSaved(notes::save(app.replay(), app.notes(), app.notes_path()))
                }
                Effect::SaveJournal => Msg::JournalSaved(match app.trading().path() {
                    Some(path) => {
                        crate::practice::journal::save(path, &app.trading().to_json(app.replay()))
                            .map(|()| path.to_path_buf())
                            .map_err(|e| format!("{}: {e}", path.display()))
                    }
                    None => Err("no journal file".into()),
                }),
                Effect::Export => {
                    let area = app.area();
                    let (w, h) = (area.width.max(1), area.height.max(1));
                    let dir = export_dir();
                    Msg::Exported {
                        result: export::write_all(app, &dir, w, h),
                        dir,
                    }
                }
            };
            let o = app.update(result, wall);
            redraw |= o.redraw;
            next.extend(o.effects);
        }
        out.effects = next;
    }
    redraw
}

/// While serving a class, the loop wakes at least this often to tell it the clock.
const CLASS_TICK: Duration = Duration::from_millis(250);

/// What shares the screen with the app: the teacher's class panel (`serve`) or the
/// student's (`join`).
pub enum Companion<'c> {
    Class(&'c mut ClassLink),
    Join(&'c mut JoinLink),
}

/// Where the app draws: the whole screen, or beside the class panel.
fn app_area(size: ratatui::layout::Size, side: Option<&Companion>) -> ratatui::layout::Rect {
    let full = ratatui::layout::Rect::new(0, 0, size.width, size.height);
    match side {
        None => full,
        Some(Companion::Class(_)) => class_panel::split(full).0,
        Some(Companion::Join(_)) => join_panel::split(full, false).0,
    }
}

/// Draws the app beside the teacher's class panel (or alone).
pub(crate) fn draw(f: &mut ratatui::Frame, app: &App, class: Option<&ClassLink>) {
    let Some(class) = class else {
        ui::draw(f, app);
        return;
    };
    let (left, panel) = class_panel::split(f.area());
    let view = app.view(left);
    ui::render(&view, left, f.buffer_mut());
    class_panel::render(&class.view(), app.theme(), panel, f.buffer_mut());
}

fn draw_with(f: &mut ratatui::Frame, app: &App, side: Option<&Companion>) {
    match side {
        None => ui::draw(f, app),
        Some(Companion::Class(c)) => draw(f, app, Some(c)),
        Some(Companion::Join(j)) => {
            let stop_on = matches!(j.current["phase"].as_str(), Some("question" | "reveal"));
            let (left, panel) = join_panel::split(f.area(), stop_on);
            let view = app.view(left);
            ui::render(&view, left, f.buffer_mut());
            if let Some(panel) = panel {
                join_panel::render(j, app.theme(), panel, f.buffer_mut());
            }
        }
    }
}

/// Runs until the app quits or a signal arrives; returns the exit code. With `class`, the
/// screen also shows the class panel and every update is passed on to the class.
pub async fn event_loop(
    term: &mut DefaultTerminal,
    app: &mut App<'_>,
    startup: Startup,
    mut side: Option<Companion<'_>>,
) -> Result<i32> {
    let start = Instant::now();
    let mut log = FrameLog::from_env();
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let size = term.size()?;
    let mut dirty = apply(app, startup, start.elapsed());
    let area = app_area(size, side.as_ref());
    dirty |= apply(
        app,
        Action::Resize(area.width, area.height),
        start.elapsed(),
    );
    let mut last_draw: Option<Instant> = None;
    let mut next_tick = Instant::now();
    let mut last_loop = Instant::now();
    let code = loop {
        match side.as_mut() {
            Some(Companion::Class(c)) => {
                c.sync(app);
                dirty |= c.poll();
            }
            Some(Companion::Join(j)) => {
                dirty |= j.poll();
                if let Some(a) = j.follow_clock(app.now()) {
                    dirty |= apply(app, a, start.elapsed());
                }
            }
            None => {}
        }
        let now = Instant::now();
        if let Some(l) = log.as_mut()
            && app.playing()
        {
            l.played += now - last_loop;
        }
        last_loop = now;
        if let Some(code) = app.exit_code() {
            break code;
        }
        if dirty && last_draw.is_none_or(|d| now - d >= MIN_FRAME) {
            let t = Instant::now();
            term.draw(|f| draw_with(f, app, side.as_ref()))?;
            dirty = false;
            last_draw = Some(now);
            if let Some(l) = log.as_mut() {
                l.draws.push(t.elapsed());
                l.frames_playing += u64::from(app.playing());
            }
        }
        // Wake for the next frame while playing, or to draw a change the rate limit held back;
        // otherwise sleep until something happens.
        let wake = if app.playing() {
            Some(next_tick)
        } else if dirty {
            last_draw.map(|d| d + MIN_FRAME)
        } else {
            None
        };
        let wake = match (&side, wake) {
            (Some(_), None) => Some(now + CLASS_TICK),
            (_, w) => w,
        };
        let sleep = tokio::time::sleep_until(wake.unwrap_or(now).into());
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    let ev = match ev {
                        Event::Resize(w, h) => {
                            let a = app_area(ratatui::layout::Size::new(w, h), side.as_ref());
                            Event::Resize(a.width, a.height)
                        }
                        ev => ev,
                    };
                    if let (Some(Companion::Join(j)), Event::Key(k)) = (side.as_mut(), &ev)
                        && k.kind != KeyEventKind::Release
                        && j.key(*k)
                    {
                        dirty = true;
                    } else if let Some(a) = action_of(app, ev) {
                        if let Some(Companion::Join(j)) = side.as_mut()
                            && a.moves_clock()
                        {
                            j.refuse();
                            dirty = true;
                        } else {
                            dirty |= apply(app, a, start.elapsed());
                        }
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => break 0,
            },
            () = sleep, if wake.is_some() => {
                let now = Instant::now();
                next_tick = (next_tick + FRAME).max(now);
                dirty |= apply(app, Action::Tick, start.elapsed());
            }
            () = async {
                match side.as_mut() {
                    Some(Companion::Class(c)) => c.changed().await,
                    Some(Companion::Join(j)) => j.changed().await,
                    None => std::future::pending().await,
                }
            } => {}
            _ = sigterm.recv() => break 143,
            _ = sighup.recv() => break 129,
            _ = sigint.recv() => break 130,
        }
    };
    if let Some(l) = log {
        l.write()?;
    }
    Ok(code)
}
