//! The command line: a thin shell over the engine. Each subcommand lives in its own file.

pub mod bench;
pub mod bench_fetch;
pub mod bench_import;
pub mod fetch;
pub mod import;
pub mod info;
pub mod practice;
pub mod serve;
pub mod snapshot;
pub mod study;
pub mod synth;
pub mod tape;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, eyre};

use crate::replay::{self, Replay};
use crate::time::{UnixNanos, parse_user_time};

#[derive(Debug, Parser)]
#[command(
    name = "tapedeck",
    version,
    about = "Replay recorded (or reconstructed) market sessions in the terminal",
    long_about = "Replay recorded (or reconstructed) market sessions in the terminal.\n\n\
REPLAY is a replay folder or the name of a bundled replay (default: deepseek-2025-01-27).\n\
TIME is HH:MM[:SS] on the replay's trading date in its time zone, \
'YYYY-MM-DD HH:MM[:SS]' in its time zone, or RFC 3339 with an offset."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Replay to open in the terminal app when no subcommand is given.
    pub replay: Option<String>,
    /// Run a lesson script (JSON; see "Lesson files" in README.md) in the terminal app.
    #[arg(long, value_name = "FILE")]
    pub lesson: Option<PathBuf>,
    /// Start in presenter mode (big clock, counters, high contrast).
    #[arg(long)]
    pub presenter: bool,
    /// Start with auto-pause on: "" for every headline, or a minimum importance and/or tags
    /// ("2", "3 chips").
    #[arg(long, value_name = "FILTER")]
    pub auto_pause: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Span, sessions, instruments, counts and provenance of a replay.
    Info {
        replay: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Validate a replay; exit 0 if clean, 1 with every problem listed.
    Check { replay: String },
    /// The market state at TIME.
    Snapshot {
        replay: Option<String>,
        #[arg(long, value_name = "TIME")]
        at: String,
        #[arg(long)]
        json: bool,
    },
    /// The prints between two times.
    Tape {
        replay: Option<String>,
        #[arg(long, value_name = "TIME")]
        from: String,
        #[arg(long, value_name = "TIME")]
        to: String,
        /// Only these symbols (repeatable).
        #[arg(long = "symbol", value_name = "SYM")]
        symbols: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// How every instrument and sector moved after each headline.
    Study {
        replay: Option<String>,
        /// Only this headline (its id, e.g. h18).
        #[arg(long)]
        headline: Option<String>,
        /// Windows after the headline: minutes (5m), hours (1h) or close.
        #[arg(long, default_value = "1m,5m,15m,60m,close")]
        windows: String,
        /// Only headlines at least this important (1-3) when no --headline is given.
        #[arg(long, default_value_t = 1)]
        min_importance: u8,
        #[arg(long, value_enum, default_value = "table")]
        format: study::Format,
    },
    /// Reconstruct a session from an anchor file (sourced bars and levels), or simulate prints
    /// inside the recorded bars of a replay (--from-bars), and write a replay.
    Synth {
        /// Anchor file.
        #[arg(long, default_value = synth::DEFAULT_ANCHORS)]
        anchors: PathBuf,
        /// Headlines file copied into the replay.
        #[arg(long, default_value = synth::DEFAULT_HEADLINES)]
        headlines: PathBuf,
        /// Replay whose bar-only instruments get simulated prints inside their recorded bars
        /// (its headlines and recorded prints are copied).
        #[arg(long, value_name = "REPLAY", conflicts_with_all = ["anchors", "headlines"])]
        from_bars: Option<String>,
        /// Seed (default: the anchor file's; 1 with --from-bars).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: replays/<name>; with --from-bars, <REPLAY>-synth beside it).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Measure load time, memory per print and seek+snapshot latency on a generated replay.
    Bench {
        /// Number of prints to generate.
        #[arg(long, default_value_t = 30_000_000)]
        prints: usize,
        #[arg(long, default_value_t = 30)]
        instruments: usize,
        /// Random seek+snapshot queries to time.
        #[arg(long, default_value_t = 20_000)]
        queries: usize,
        /// Also write the replay to disk as CSV and time loading it from text.
        #[arg(long)]
        from_disk: bool,
        /// Practice orders kept working beside the seeks (0: none), timed side by side.
        #[arg(long, default_value_t = 10_000)]
        working_orders: usize,
    },
    /// Time importing generated Polygon CSV and DBN.zst trades against polars, DuckDB and the
    /// bare DBN decode loop; reopen-to-first-frame time and resident bytes per print.
    BenchImport(bench_import::BenchImportArgs),
    /// Time a full-market flat file imported with --symbols from disk and from a local S3
    /// server against bare gzip decompression, and DBN.zst import against the bare decode loop.
    BenchFetch(bench_fetch::BenchFetchArgs),
    /// Import vendor files (Databento DBN/CSV/JSON, Polygon flat files, CSV, Parquet) into a
    /// replay folder.
    Import {
        #[command(flatten)]
        args: Box<import::ImportArgs>,
    },
    /// Recorded prints from the vendor: `fetch databento ...` (one request) or `fetch RECIPE`
    /// (a famous session, e.g. deepseek-2025-01-27); quoted, confirmed, cached, imported.
    Fetch(fetch::FetchArgs),
    /// Run a list of orders through the practice engine on a replay: fills, positions, P&L.
    Practice(practice::PracticeArgs),
    /// A class of simulated students on loopback joins and answers every question of a
    /// lesson while the teacher's screen draws: answer latency, frame time, memory, counts.
    BenchClass {
        replay: Option<String>,
        #[arg(long, default_value = "assets/lessons/deepseek-2025-01-27.json")]
        lesson: PathBuf,
        #[arg(long, default_value_t = 200)]
        students: usize,
        /// The teacher's screen, WIDTHxHEIGHT.
        #[arg(long, default_value = "200x50")]
        size: String,
    },
    /// Join a class from a terminal: the app on your copy of the replay follows the teacher's
    /// clock (the keys that move it are off) and shows each stop's question beside it.
    Join {
        /// The join URL on the teacher's screen (`http://HOST:PORT/?code=CODE`).
        url: String,
        /// Your name as the class sees it (default: $USER).
        #[arg(long)]
        name: Option<String>,
        /// Replay folder or name (default: the bundled session, as the teacher's).
        #[arg(long)]
        replay: Option<String>,
    },
    /// Run a lesson for a class: the terminal app plus a web server students join from a
    /// phone, a browser or a terminal (join URL, code and QR code on screen).
    Serve(serve::ServeArgs),
    /// Render the terminal app headlessly at TIME and export the screen (SVG, HTML, text),
    /// the study of the latest headline (CSV, Markdown) and the chart (SVG).
    Export {
        replay: Option<String>,
        #[arg(long, value_name = "TIME")]
        at: String,
        /// Screen size, WIDTHxHEIGHT.
        #[arg(long, default_value = "120x35")]
        size: String,
        #[arg(long, default_value = "export")]
        out: PathBuf,
        /// Presenter layout.
        #[arg(long)]
        presenter: bool,
        /// Study this headline (its id) instead of the latest one.
        #[arg(long)]
        headline: Option<String>,
    },
}

/// What the command line borrows from the terminal app for `export` and `bench-import`. The
/// CLI sits below the app and imports nothing from it: `main`, above both, hands these in
/// with [`use_screen`] before running a subcommand.
#[derive(Clone, Copy)]
pub struct Screen {
    /// `WIDTHxHEIGHT` as columns and rows; the error says what is wrong.
    pub parse_size: fn(&str) -> Result<(u16, u16), String>,
    /// Renders the app headlessly at a time (size, presenter layout, headline id) and writes
    /// the export files under the folder given; returns the paths written.
    pub export: ExportFn,
    /// Draws `frames` frames of the app at `width`×`height` (bench-import's first frame).
    pub draw_frames: fn(replay: &Replay, width: u16, height: u16, frames: usize),
    /// Runs the teacher's app with the classroom server (`serve`); returns the exit code.
    pub serve: fn(replay: Replay, args: &serve::ServeArgs) -> Result<i32>,
    /// Runs a student's terminal in a class (`join`); returns the exit code.
    pub join: fn(replay: Replay, url: &str, name: &str) -> Result<i32>,
    /// Runs the classroom load benchmark and prints it; returns whether its targets are met.
    pub bench_class:
        fn(replay: &Replay, lesson: &Path, students: usize, size: (u16, u16)) -> Result<bool>,
}

pub type ExportFn = fn(
    replay: &Replay,
    at: UnixNanos,
    size: (u16, u16),
    out: &Path,
    presenter: bool,
    headline: Option<&str>,
) -> std::result::Result<Vec<PathBuf>, String>;

static SCREEN: OnceLock<Screen> = OnceLock::new();

/// Hands the CLI the terminal app's entry points (once; later calls are ignored).
pub fn use_screen(screen: Screen) {
    let _ = SCREEN.set(screen);
}

/// The terminal app's entry points, if `main` handed them in.
pub fn screen() -> Option<&'static Screen> {
    SCREEN.get()
}

fn need_screen() -> Result<&'static Screen> {
    screen().ok_or_else(|| eyre!("this build of tapedeck has no terminal app to render with"))
}

/// Loads the replay named on the command line (or the bundled default).
pub fn open(arg: Option<&str>) -> Result<Replay> {
    let dir = replay::resolve(arg).map_err(|e| eyre!(e))?;
    replay::load(&dir).map_err(|e| eyre!("cannot load replay {}:\n{e}", dir.display()))
}

/// Parses TIME for this replay.
pub fn time_arg(replay: &Replay, text: &str) -> Result<UnixNanos> {
    parse_user_time(text, replay.date, replay.tz).map_err(|e| eyre!(e))
}

/// Runs a subcommand; returns the process exit code.
pub fn run(command: Command) -> Result<i32> {
    match command {
        Command::Info { replay, json } => info::run(&open(replay.as_deref())?, json).map(|()| 0),
        Command::Check { replay } => Ok(info::check(&replay)),
        Command::Snapshot { replay, at, json } => {
            let r = open(replay.as_deref())?;
            let t = time_arg(&r, &at)?;
            snapshot::run(&r, t, json).map(|()| 0)
        }
        Command::Tape {
            replay,
            from,
            to,
            symbols,
            json,
        } => {
            let r = open(replay.as_deref())?;
            let (from, to) = (time_arg(&r, &from)?, time_arg(&r, &to)?);
            tape::run(&r, from, to, &symbols, json).map(|()| 0)
        }
        Command::Study {
            replay,
            headline,
            windows,
            min_importance,
            format,
        } => {
            let r = open(replay.as_deref())?;
            let windows = study::parse_windows(&windows)?;
            study::run(&r, headline.as_deref(), &windows, min_importance, format).map(|()| 0)
        }
        Command::Synth {
            from_bars: Some(replay),
            seed,
            out,
            ..
        } => synth::run_from_bars(&replay, seed, out.as_deref()).map(|()| 0),
        Command::Synth {
            anchors,
            headlines,
            seed,
            out,
            from_bars: None,
        } => synth::run(&anchors, &headlines, seed, out.as_deref()).map(|()| 0),
        Command::Bench {
            prints,
            instruments,
            queries,
            from_disk,
            working_orders,
        } => bench::run(prints, instruments, queries, from_disk, working_orders).map(|()| 0),
        Command::BenchImport(args) => bench_import::run(args),
        Command::BenchFetch(args) => bench_fetch::run(args),
        Command::Import { args } => import::run(*args),
        Command::Fetch(args) => fetch::run(args),
        Command::Practice(args) => practice::run(args),
        Command::BenchClass {
            replay,
            lesson,
            students,
            size,
        } => {
            let r = open(replay.as_deref())?;
            let screen = need_screen()?;
            let size = (screen.parse_size)(&size).map_err(|e| eyre!(e))?;
            (screen.bench_class)(&r, &lesson, students.max(1), size).map(|ok| i32::from(!ok))
        }
        Command::Join { url, name, replay } => {
            let r = open(replay.as_deref())?;
            let name = name
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "student".into());
            (need_screen()?.join)(r, &url, &name)
        }
        Command::Serve(args) => {
            let r = open(args.replay.as_deref())?;
            (need_screen()?.serve)(r, &args)
        }
        Command::Export {
            replay,
            at,
            size,
            out,
            presenter,
            headline,
        } => {
            let r = open(replay.as_deref())?;
            let t = time_arg(&r, &at)?;
            let screen = need_screen()?;
            let size = (screen.parse_size)(&size).map_err(|e| eyre!(e))?;
            let files = (screen.export)(&r, t, size, &out, presenter, headline.as_deref())
                .map_err(|e| eyre!(e))?;
            for f in files {
                println!("{}", f.display());
            }
            Ok(0)
        }
    }
}
