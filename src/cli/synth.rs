//! `tapedeck synth`: writes a reconstructed replay from an anchor file.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, eyre};

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
    rel.map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
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
