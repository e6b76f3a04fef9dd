//! Writes each fuzz target's seed inputs into `fuzz/corpus/<target>/` (or the folder given),
//! so libFuzzer starts from valid files: `cargo run --example fuzz_seeds`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("fuzz/corpus"), PathBuf::from);
    for (name, _) in tapedeck::fuzz_targets::TARGETS {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir)?;
        for (k, seed) in tapedeck::fuzz_targets::seeds(name).iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{k}")), seed)?;
        }
        println!("{}", dir.display());
    }
    Ok(())
}
