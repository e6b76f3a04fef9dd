//! `tapedeck fetch`: recorded prints from the vendor, one command away. `fetch databento`
//! makes one request; `fetch RECIPE` makes every request a famous session needs. Both quote
//! the cost first, ask, download into the vendor cache and import (see [`crate::fetch`]).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::import::MetadataFlags;
use crate::fetch::historical::Request;
use crate::fetch::{self, FetchError, Plan, PlannedRequest, RunOptions, recipe};
use crate::import::ImportOptions;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FetchArgs {
    #[command(subcommand)]
    pub source: Option<FetchSource>,
    /// List the shipped recipes.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Subcommand)]
pub enum FetchSource {
    /// One request to Databento's historical API, imported into a replay.
    Databento(Box<DatabentoArgs>),
    /// A recipe: `tapedeck fetch deepseek-2025-01-27 [--from databento] [--out DIR] [--yes]`.
    #[command(external_subcommand)]
    Recipe(Vec<String>),
}

/// What every fetch shares: the cost guard and where the vendor is.
#[derive(Debug, Args)]
pub struct VendorFlags {
    /// Download without asking (the quote is still shown).
    #[arg(long)]
    pub yes: bool,
    /// Refuse, downloading nothing, when the quoted cost is above this (US dollars).
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// Send the vendor's API requests to this server instead (a proxy; the tests' mock).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct DatabentoArgs {
    /// Dataset code, e.g. XNAS.ITCH (Nasdaq), GLBX.MDP3 (CME Globex).
    #[arg(long)]
    pub dataset: String,
    /// trades, mbp-1 (its trades), tbbo, or ohlcv-1s/1m/1h/1d bars.
    #[arg(long, default_value = "trades")]
    pub schema: String,
    /// Symbols, comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_name = "SYM,...")]
    pub symbols: Vec<String>,
    /// How the symbols are written: raw_symbol (NVDA, NQH5), continuous (NQ.c.0), parent (NQ.FUT).
    #[arg(long = "stype", default_value = "raw_symbol")]
    pub stype_in: String,
    /// Start (inclusive): RFC 3339, e.g. 2025-01-27T09:00:00Z, or a date (its midnight UTC).
    #[arg(long, value_name = "TIME")]
    pub start: String,
    /// End (exclusive), as --start.
    #[arg(long, value_name = "TIME")]
    pub end: String,
    /// Replay folder to write (replaced only once the import succeeded).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub meta: MetadataFlags,
    #[command(flatten)]
    pub vendor: VendorFlags,
}

/// `tapedeck fetch RECIPE ...`, parsed from the words after `fetch`.
#[derive(Debug, Parser)]
#[command(name = "tapedeck fetch RECIPE", no_binary_name = false)]
struct RecipeArgs {
    /// A shipped recipe's name (`tapedeck fetch --list`) or a recipe file.
    recipe: String,
    /// The vendor to fetch from.
    #[arg(long, default_value = "databento", value_parser = ["databento"])]
    from: String,
    /// Replay folder to write (default: replays/<recipe>-recorded).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    vendor: VendorFlags,
}

/// Parses `A=B` pairs.
pub fn renames(flags: &[String]) -> Result<Vec<(String, String)>, FetchError> {
    flags
        .iter()
        .map(|f| {
            f.split_once('=')
                .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| FetchError::Usage(format!("--rename {f:?}: expected VENDOR=REPLAY")))
        })
        .collect()
}

pub fn run(args: FetchArgs) -> Result<i32> {
    if args.list || args.source.is_none() {
        for name in recipe::list() {
            let about = recipe::resolve(&name)
                .and_then(|p| recipe::load(&p))
                .map_or_else(|e| format!("(cannot read: {e})"), |r| r.title);
            println!("{name:28} {about}");
        }
        return Ok(0);
    }
    let result = match args.source {
        Some(FetchSource::Databento(a)) => run_databento(*a),
        Some(FetchSource::Recipe(words)) => run_recipe(&words),
        None => Ok(()),
    };
    match result {
        Ok(()) => Ok(0),
        Err(e) => {
            if let FetchError::Import(ie) = &e
                && let Some(report) = ie.report()
            {
                eprint!("{report}");
            }
            eprintln!("tapedeck fetch: {e}");
            Ok(e.exit_code())
        }
    }
}

fn run_databento(a: DatabentoArgs) -> Result<(), FetchError> {
    let request = Request::parse(
        &a.dataset,
        &a.schema,
        &a.stype_in,
        &a.symbols,
        &a.start,
        &a.end,
    )
    .map_err(FetchError::Usage)?;
    let mut opts = ImportOptions::new(&a.out);
    a.meta
        .apply(&mut opts)
        .map_err(|e| FetchError::Usage(e.to_string()))?;
    let plan = Plan {
        requests: vec![PlannedRequest {
            request,
            rename: std::mem::take(&mut opts.rename),
        }],
        ..Plan::default()
    };
    execute(&plan, opts, &a.vendor)
}

fn run_recipe(words: &[String]) -> Result<(), FetchError> {
    let args = RecipeArgs::try_parse_from(
        std::iter::once("tapedeck fetch".to_string()).chain(words.iter().cloned()),
    )
    .map_err(|e| FetchError::Usage(e.to_string().trim_end().to_string()))?;
    let path = recipe::resolve(&args.recipe)?;
    let r = recipe::load(&path)?;
    eprintln!("{}: {}", r.name, r.about);
    // The instruments and headlines files the recipe hands the importer; removed on drop.
    let scratch = tempfile::Builder::new()
        .prefix("tapedeck-fetch-")
        .tempdir()
        .map_err(|e| FetchError::Local(format!("cannot create a scratch folder: {e}")))?;
    let plan = recipe::plan(&r, &path, scratch.path())?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("replays").join(format!("{}-recorded", r.name)));
    let mut opts = ImportOptions::new(&out);
    // The session's own name, so that its lessons (written for the bundled replay of the
    // same session) open on it; the title and the RECORDED badge tell the two apart.
    opts.name = Some(r.name.clone());
    execute(&plan, opts, &args.vendor)
}

fn execute(plan: &Plan, opts: ImportOptions, v: &VendorFlags) -> Result<(), FetchError> {
    let out = opts.out.clone();
    let say = |line: &str| eprintln!("{line}");
    let confirm = |question: &str| {
        if !std::io::stdin().is_terminal() {
            eprintln!("{question} (no terminal to ask on: pass --yes to download)");
            return false;
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    };
    let progress = |label: &str| {
        if !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:10} {wide_bar} {human_pos}/{human_len} records {per_sec} eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(label.to_string());
        bar
    };
    let o = RunOptions {
        api_url: v.api_url.clone(),
        yes: v.yes,
        max_cost: v.max_cost,
        confirm: &confirm,
        progress: &progress,
        say: &say,
    };
    let fetched = fetch::run(plan, opts, &o)?;
    print!("{}", fetched.report);
    println!("wrote {}", out.display());
    Ok(())
}
