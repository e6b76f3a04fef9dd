use clap::Parser;
use color_eyre::eyre::Result;

use tapedeck::cli::{self, Cli, Screen};
use tapedeck::tui;

fn main() {
    // color-eyre first: its panic hook (and ratatui's, installed on top) restore the terminal
    // and report panics with a backtrace.
    if let Err(e) = color_eyre::install() {
        eprintln!("tapedeck: {e}");
    }
    // A damaged Parquet file can make the parquet crate panic; the import catches that and
    // reports it as the file's error, so it is no crash to report.
    let crash_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !tapedeck::import::parquet::is_decoder_panic(info) {
            crash_report(info);
        }
    }));
    let code = match run() {
        Ok(code) => code,
        // Output piped into `head` and closed early: not an error.
        Err(e)
            if e.root_cause()
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            0
        }
        Err(e) => {
            // Bad input is the user's to fix: say what and where, without a backtrace.
            eprintln!("tapedeck: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            1
        }
    };
    std::process::exit(code);
}

fn run() -> Result<i32> {
    let args = Cli::parse();
    // The CLI renders through the terminal app only by what it is handed here: it sits below
    // the app and imports nothing from it.
    cli::use_screen(Screen {
        parse_size: tui::export::parse_size,
        export: tui::export::run_cli,
        draw_frames: |replay, width, height, frames| {
            tui::bench::bench_frame(replay, width, height, frames);
        },
        serve: |replay, args| {
            let opts = tui::Options {
                lesson: Some(args.lesson.clone()),
                presenter: args.presenter,
                auto_pause: None,
            };
            tui::serve::run(replay, opts, &args.options())
        },
        join: tui::serve::join,
        bench_class: |replay, lesson, students, (w, h)| {
            let stats = tui::bench_class::run(replay, lesson, students, w, h)?;
            Ok(tui::bench_class::print(&stats, w, h))
        },
    });
    match args.command {
        Some(command) => cli::run(command),
        // Load before the screen changes: a replay that fails to load prints plainly.
        None => tui::run_with(
            cli::open(args.replay.as_deref())?,
            tui::Options {
                lesson: args.lesson,
                presenter: args.presenter,
                auto_pause: args.auto_pause,
            },
        ),
    }
}
