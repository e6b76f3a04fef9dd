use clap::Parser;
use color_eyre::eyre::Result;

use tapedeck::cli::{self, Cli};

fn main() -> Result<()> {
    color_eyre::install()?;
    let args = Cli::parse();
    let code = match args.command {
        Some(command) => cli::run(command)?,
        // The terminal app lands with its own issue; until then, describe the replay.
        None => cli::run(cli::Command::Info {
            replay: args.replay,
            json: false,
        })?,
    };
    std::process::exit(code);
}
