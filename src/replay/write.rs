//! Writing replay folders atomically: everything goes into a sibling temp folder that is renamed
//! into place only once complete, so a failed or interrupted run never leaves a half-written
//! replay where a good one was (or where none was). Used by `synth` and `import`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::Manifest;

/// The sibling folder a replay for `out_dir` is staged in (`<name>.tmp-<pid>`).
pub fn staging_dir(out_dir: &Path) -> io::Result<PathBuf> {
    sibling(out_dir, "tmp")
}

fn sibling(out_dir: &Path, tag: &str) -> io::Result<PathBuf> {
    let name = out_dir.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a folder name", out_dir.display()),
        )
    })?;
    let mut n = name.to_os_string();
    n.push(format!(".{tag}-{}", std::process::id()));
    Ok(out_dir.with_file_name(n))
}

/// Calls `fill` on an empty staging folder, then moves it to `out_dir`, replacing an existing
/// folder only after `fill` succeeded. On error nothing is left behind and `out_dir` is as it was.
/// `io_error` turns a failure of the staging itself into the caller's error type.
pub fn atomically<E>(
    out_dir: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
    io_error: impl Fn(io::Error) -> E,
) -> Result<(), E> {
    let tmp = staging_dir(out_dir).map_err(&io_error)?;
    let prepare = || -> io::Result<()> {
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        if let Some(parent) = tmp.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        fs::create_dir(&tmp)
    };
    prepare().map_err(&io_error)?;
    let result = fill(&tmp).and_then(|()| swap_in(&tmp, out_dir).map_err(&io_error));
    if result.is_err() {
        // Best effort: the error being returned matters more than a leftover temp folder.
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn swap_in(tmp: &Path, out_dir: &Path) -> io::Result<()> {
    if !out_dir.exists() {
        return fs::rename(tmp, out_dir);
    }
    let old = sibling(out_dir, "old")?;
    fs::rename(out_dir, &old)?;
    if let Err(e) = fs::rename(tmp, out_dir) {
        // Put the previous replay back rather than leave nothing.
        let _ = fs::rename(&old, out_dir);
        return Err(e);
    }
    fs::remove_dir_all(&old)
}

/// `replay.json`, pretty-printed with a trailing newline (stable bytes for the same manifest).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> io::Result<()> {
    let mut json = serde_json::to_string_pretty(manifest).map_err(io::Error::other)?;
    json.push('\n');
    fs::write(dir.join(super::load::MANIFEST_FILE), json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fill_leaves_nothing_and_keeps_the_old_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("r");
        atomically(&out, |d| fs::write(d.join("a"), "1"), |e| e).unwrap();
        let err = atomically(
            &out,
            |d| {
                fs::write(d.join("a"), "2")?;
                Err(io::Error::other("interrupted"))
            },
            |e| e,
        );
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "1");
        let left: Vec<_> = fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temp folder left behind");
        atomically(&out, |d| fs::write(d.join("a"), "3"), |e| e).unwrap();
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "3");
    }
}
