//! The terminal app: a full-screen ratatui/crossterm view of a replay on a tokio event loop.
//! Every pane draws from one engine snapshot at the clock's time, so panes always agree and
//! nothing after the clock is ever shown.

pub mod action;
pub mod app;
pub mod axis;
pub mod bench;
pub mod bench_class;
pub mod bigtext;
pub mod board;
pub mod chart;
pub mod class_panel;
pub mod classroom;
pub mod counters;
pub mod export;
pub mod filter;
pub mod header;
pub mod heatmap;
pub mod help;
pub mod hit;
pub mod join;
pub mod join_panel;
pub mod key;
pub mod keymap;
pub mod layout;
pub mod lesson;
pub mod model;
pub mod news;
pub mod notes;
pub mod orders;
pub mod paint;
pub mod playback;
pub mod presenter;
pub mod runner;
pub mod serve;
pub mod status;
pub mod study;
pub mod study_table;
pub mod tape;
pub mod theme;
pub mod trading;
pub mod ui;
pub mod view;

use std::io::stdout;
use std::path::PathBuf;

use color_eyre::eyre::Result;
use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;

use crate::replay::Replay;

pub use app::{Action, App};
pub use keymap::Keymap;
pub use theme::Theme;

/// Puts the terminal back (mouse off, cursor shown, cooked mode, main screen) when dropped,
/// and on panic through the hook installed with it.
struct Restore;

impl Restore {
    fn install() -> Restore {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture);
            previous(info);
        }));
        Restore
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        // A panic has restored the terminal already; restoring twice would move the cursor back
        // over the panic message.
        if std::thread::panicking() {
            return;
        }
        let _ = execute!(stdout(), DisableMouseCapture, Show);
        ratatui::restore();
    }
}

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A lesson file to run.
    pub lesson: Option<PathBuf>,
    /// Start in presenter mode.
    pub presenter: bool,
    /// Turn auto-pause on with this filter (`""` for every headline, `2 chips`…).
    pub auto_pause: Option<String>,
}

/// Runs the app on a loaded replay until the user quits; returns the exit code. The keymap
/// is read before the screen changes, so its errors print plainly.
pub fn run(replay: Replay) -> Result<i32> {
    run_with(replay, Options::default())
}

/// [`run`] with a lesson, presenter mode or an auto-pause filter. The lesson, the filter and
/// the notes are read before the screen changes, so their errors print plainly.
pub fn run_with(replay: Replay, opts: Options) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    run_on(&runtime, &replay, &opts, None)
}

/// Reads what the app starts with (before the screen changes), then runs it on `runtime`,
/// with the class panel when `class` is given.
pub(crate) fn run_on(
    runtime: &tokio::runtime::Runtime,
    replay: &Replay,
    opts: &Options,
    side: Option<runner::Companion<'_>>,
) -> Result<i32> {
    let keymap = Keymap::load()?;
    let lesson = match &opts.lesson {
        Some(path) => Some(load_lesson(path, replay)?),
        None => None,
    };
    let notes = notes::load(replay).map_err(|e| color_eyre::eyre::eyre!(e))?;
    let journal = load_journal(replay, notes.as_ref().map(|n| n.0.as_path()))
        .map_err(|e| color_eyre::eyre::eyre!(e))?;
    let pause_filter = match &opts.auto_pause {
        Some(text) => Some(
            app::HeadlineFilter::parse(text, &replay.store.headlines)
                .map_err(|e| color_eyre::eyre::eyre!("--auto-pause: {e}"))?,
        ),
        None => None,
    };
    let mut app = App::new(replay, keymap, Theme::from_env());
    let startup = app::Startup {
        lesson,
        presenter: opts.presenter,
        pause_filter,
        notes,
        journal,
    };
    let mut terminal = ratatui::try_init()?;
    let restore = Restore::install();
    execute!(stdout(), EnableMouseCapture)?;
    let result = runtime.block_on(runner::event_loop(&mut terminal, &mut app, startup, side));
    drop(restore);
    result
}

/// A lesson file read and checked against the replay, its problems listed plainly.
pub fn load_lesson(path: &std::path::Path, replay: &Replay) -> Result<crate::lesson::Lesson> {
    crate::lesson::Lesson::load(path, replay).map_err(|e| {
        color_eyre::eyre::eyre!(
            "lesson {} has {} problem{}:\n{e}",
            path.display(),
            e.problems.len(),
            if e.problems.len() == 1 { "" } else { "s" }
        )
    })
}

/// The practice journal's file (beside the notes; see `trading::journal_path`) and what it
/// holds, read before the screen changes so a damaged one is reported plainly.
pub fn load_journal(
    replay: &Replay,
    notes_file: Option<&std::path::Path>,
) -> Result<Option<(PathBuf, Option<trading::Saved>)>, String> {
    let Some(notes) = notes_file
        .map(std::path::Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("TAPEDECK_NOTES")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| notes::data_path(replay))
    else {
        return Ok(None);
    };
    let path = trading::journal_path(&notes);
    match std::fs::read_to_string(&path) {
        Ok(text) => trading::parse_saved(&text, &path, replay).map(|s| Some((path, Some(s)))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some((path, None))),
        Err(e) => Err(format!("{}: cannot read the journal: {e}", path.display())),
    }
}
