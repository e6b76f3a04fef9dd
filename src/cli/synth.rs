//! `tapedeck synth`: writes a reconstructed replay from an anchor file, or (`--from-bars`) from
//! the recorded bars of a replay.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::synth::from_bars::{self, Outcome};
use crate::synth::{self, anchors::AnchorFile};

pub const DEFAULT_ANCHORS: &str = "assets/deepseek-2025-01-27/anchors.json";
pub const DEFAULT_HEADLINES: &str = "assets/deepseek-2025-01-27/headlines.json";

/// Reads and parses an anchor file, naming file and line on error.
pub fn read_anchors(path: &Path) -> Result<AnchorFile> {
    let text = std::fs::read_to_string(path)
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| eyre!("{}:{}: {e}", path.display(), e.line()))
}

/// The label a repository-relative anchor path is recorded under in provenance.
fn label(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let rel = abs.strip_prefix(std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()));
    rel.map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
        .to_string_lossy()
        .replace('\\', "/")
}

pub fn run(anchors: &Path, headlines: &Path, seed: Option<u64>, out: Option<&Path>) -> Result<()> {
    let file = read_anchors(anchors)?;
    let seed = seed.unwrap_or(file.seed);
    let started = std::time::Instant::now();
    let synth = synth::generate(&file, &label(anchors), seed)
        .map_err(|e| eyre!("{}: {e}", anchors.display()))?;
    let out: PathBuf = out.map_or_else(
        || PathBuf::from("replays").join(&file.name),
        Path::to_path_buf,
    );
    synth::write_replay(&synth, headlines, &out).map_err(|e| eyre!("{}: {e}", out.display()))?;
    // Prove the output opens before saying it is done.
    crate::replay::load(&out).map_err(|e| eyre!("the written replay does not load:\n{e}"))?;
    println!(
        "wrote {} ({} prints, {} instruments, seed {seed}) in {:.2?}: a RECONSTRUCTION pinned to {} sourced figures",
        out.display(),
        synth.trades.len(),
        synth.manifest.instruments.len(),
        started.elapsed(),
        synth
            .manifest
            .provenance
            .generator
            .as_ref()
            .map_or(0, |g| g.anchors.len()),
    );
    Ok(())
}

/// `<REPLAY>-synth` beside the source folder.
fn default_from_bars_out(source: &Path) -> PathBuf {
    let name = source
        .file_name()
        .map_or_else(|| "replay".into(), |n| n.to_string_lossy().to_string());
    source.with_file_name(format!("{name}-synth"))
}

/// `path` made absolute without requiring it to exist (its nearest existing ancestor is
/// canonicalized), to compare it with the source folder.
fn absolute(path: &Path) -> PathBuf {
    let mut tail = Vec::new();
    let mut p = path.to_path_buf();
    loop {
        if let Ok(c) = std::fs::canonicalize(&p) {
            return tail.into_iter().rev().fold(c, |acc, t| acc.join(t));
        }
        match (p.file_name().map(std::ffi::OsStr::to_os_string), p.parent()) {
            (Some(n), Some(parent)) => {
                tail.push(n);
                p = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return path.to_path_buf(),
        }
    }
}

pub fn run_from_bars(replay: &str, seed: Option<u64>, out: Option<&Path>) -> Result<()> {
    let dir = crate::replay::resolve(Some(replay)).map_err(|e| eyre!(e))?;
    let out = out.map_or_else(|| default_from_bars_out(&dir), Path::to_path_buf);
    // Writing into the source would replace (or nest inside) the recorded data it is built on.
    let (src_abs, out_abs) = (absolute(&dir), absolute(&out));
    if out_abs.starts_with(&src_abs) {
        return Err(eyre!(
            "--out {} would write over or inside the source replay {}; choose another folder",
            out.display(),
            dir.display()
        ));
    }
    let source = crate::replay::load(&dir)
        .map_err(|e| eyre!("cannot load replay {}:\n{e}", dir.display()))?;
    let seed = seed.unwrap_or(from_bars::DEFAULT_SEED);
    let started = std::time::Instant::now();
    let result = from_bars::from_bars(&source, &label(&dir), seed).map_err(|e| eyre!("{e}"))?;
    from_bars::write_replay(&result, &out).map_err(|e| eyre!("{}: {e}", out.display()))?;
    // Prove the output opens before saying it is done.
    crate::replay::load(&out).map_err(|e| eyre!("the written replay does not load:\n{e}"))?;
    let symbols = |want: fn(&Outcome) -> bool| {
        result
            .manifest
            .instruments
            .iter()
            .zip(&result.outcomes)
            .filter(|(_, o)| want(o))
            .map(|(i, _)| i.symbol.as_str())
            .collect::<Vec<_>>()
    };
    let filled = symbols(|o| matches!(o, Outcome::Filled { .. }));
    let copied = symbols(|o| matches!(o, Outcome::Copied { .. }));
    println!(
        "wrote {} ({} prints: {} SIMULATED inside {} recorded bar(s) of {}{}; seed {seed}) in {:.2?}: a RECONSTRUCTION",
        out.display(),
        result.trades.len(),
        result.simulated_prints(),
        result.pinned_bars(),
        from_bars::symbol_list(&filled),
        if copied.is_empty() {
            String::new()
        } else {
            format!(
                ", recorded prints of {} copied",
                from_bars::symbol_list(&copied)
            )
        },
        started.elapsed(),
    );
    for (inst, o) in result.manifest.instruments.iter().zip(&result.outcomes) {
        match o {
            Outcome::Kept { reason } => {
                println!("  {} stays bar by bar: {reason}", inst.symbol);
            }
            Outcome::Filled { silent, .. } if *silent > 0 => {
                println!(
                    "  {}: {}",
                    inst.symbol,
                    from_bars::zero_volume_note(*silent)
                );
            }
            _ => {}
        }
    }
    Ok(())
}
