//! Writes a generated replay folder through [`crate::replay::write::atomically`].

use std::fs;
use std::path::Path;

use super::{Synth, SynthError};
use crate::price::decimals_of;
use crate::replay::{trades, write};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `replay.json`, a verbatim copy of `headlines_src` as `headlines.json`, and
/// `trades.csv.gz` into `out_dir`, replacing an existing folder only after all three are written.
pub fn write_replay(synth: &Synth, headlines_src: &Path, out_dir: &Path) -> Result<(), SynthError> {
    write::atomically(
        out_dir,
        |dir| {
            write::write_manifest(dir, &synth.manifest).map_err(io(dir))?;
            fs::copy(headlines_src, dir.join(&synth.manifest.files.headlines))
                .map_err(io(headlines_src))?;
            let (symbols, decimals): (Vec<String>, Vec<u32>) = synth
                .manifest
                .instruments
                .iter()
                .map(|i| (i.symbol.clone(), decimals_of(i.tick_size)))
                .unzip();
            let trades_path = dir.join(&synth.manifest.files.trades);
            trades::write(&trades_path, &synth.trades, &symbols, &decimals)
                .map_err(io(&trades_path))
        },
        |source| SynthError::Io {
            path: out_dir.to_path_buf(),
            source,
        },
    )
}
