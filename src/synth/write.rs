//! Writes a generated replay folder atomically: everything goes into a sibling temp folder that
//! is renamed into place only once complete, so a failed or interrupted run never leaves a
//! half-written replay where a good one was.

use std::fs;
use std::path::Path;

use super::{Synth, SynthError};
use crate::price::decimals_of;
use crate::replay::trades;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `replay.json`, a verbatim copy of `headlines_src` as `headlines.json`, and
/// `trades.csv.gz` into `out_dir`, replacing an existing folder only after all three are written.
pub fn write_replay(synth: &Synth, headlines_src: &Path, out_dir: &Path) -> Result<(), SynthError> {
    let name = out_dir.file_name().ok_or_else(|| SynthError::Io {
        path: out_dir.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder name"),
    })?;
    let sibling = |tag: &str| {
        let mut n = name.to_os_string();
        n.push(format!(".{tag}-{}", std::process::id()));
        out_dir.with_file_name(n)
    };
    let tmp = sibling("tmp");
    let result =
        fill(synth, headlines_src, &tmp).and_then(|()| swap_in(&tmp, out_dir, &sibling("old")));
    if result.is_err() {
        // Best effort: the error being returned matters more than a leftover temp folder.
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn fill(synth: &Synth, headlines_src: &Path, dir: &Path) -> Result<(), SynthError> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    fs::create_dir_all(dir).map_err(io(dir))?;
    let manifest = dir.join("replay.json");
    let mut json = serde_json::to_string_pretty(&synth.manifest)?;
    json.push('\n');
    fs::write(&manifest, json).map_err(io(&manifest))?;
    fs::copy(headlines_src, dir.join(&synth.manifest.files.headlines))
        .map_err(io(headlines_src))?;
    let (symbols, decimals): (Vec<String>, Vec<u32>) = synth
        .manifest
        .instruments
        .iter()
        .map(|i| (i.symbol.clone(), decimals_of(i.tick_size)))
        .unzip();
    let trades_path = dir.join(&synth.manifest.files.trades);
    trades::write(&trades_path, &synth.trades, &symbols, &decimals).map_err(io(&trades_path))
}

fn swap_in(tmp: &Path, out_dir: &Path, old: &Path) -> Result<(), SynthError> {
    if !out_dir.exists() {
        return fs::rename(tmp, out_dir).map_err(io(out_dir));
    }
    fs::rename(out_dir, old).map_err(io(out_dir))?;
    if let Err(e) = fs::rename(tmp, out_dir) {
        // Put the previous replay back rather than leave nothing.
        let _ = fs::rename(old, out_dir);
        return Err(io(out_dir)(e));
    }
    fs::remove_dir_all(old).map_err(io(old))
}
