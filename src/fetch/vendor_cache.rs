//! Downloaded vendor files, kept under the user's cache folder and keyed by the request (and
//! the server asked), so that a rerun, or a re-import with other flags, does not pay twice.
//! A download is written under a temporary name, checked, and renamed: a file with the final
//! name is always complete.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

/// What is known of a cached download, kept beside it as JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// The request in the vendor's terms (dataset, schema, symbols, span).
    pub request: String,
    /// Records the vendor quoted and the file holds.
    pub records: u64,
    /// The cost in US dollars the vendor quoted when it was downloaded.
    pub cost_usd: f64,
    /// When it was downloaded (RFC 3339, UTC).
    pub fetched_at: String,
}

/// The folder of vendor downloads: `$TAPEDECK_CACHE_DIR`, else `$XDG_CACHE_HOME/tapedeck`,
/// else `~/.cache/tapedeck`, then `vendor/<vendor>`.
pub fn folder(vendor: &str) -> Option<PathBuf> {
    let base = std::env::var_os("TAPEDECK_CACHE_DIR")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("tapedeck")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tapedeck")))?;
    Some(base.join("vendor").join(vendor))
}

/// The cached file for a request: `<stem>-<hash of key>.<ext>` in `dir`.
pub fn path_for(dir: &Path, stem: &str, key: &str, ext: &str) -> PathBuf {
    let stem: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    dir.join(format!("{stem}-{:016x}.{ext}", xxh3_64(key.as_bytes())))
}

fn entry_path(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".json");
    PathBuf::from(p)
}

/// The entry of a complete cached file, if there is one.
pub fn lookup(file: &Path) -> Option<Entry> {
    if !file.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(entry_path(file)).ok()?;
    serde_json::from_str(&text).ok()
}

/// A temporary name beside `file` for a download in progress (unique to this process).
pub fn partial(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(format!(".part-{}", std::process::id()));
    PathBuf::from(p)
}

/// Makes a checked download at `part` the cached `file`: the entry first, then the rename,
/// so that a file under its final name always has its entry.
pub fn commit(part: &Path, file: &Path, entry: &Entry) -> std::io::Result<()> {
    let json = serde_json::to_string_pretty(entry).map_err(std::io::Error::other)?;
    let tmp = partial(&entry_path(file));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, entry_path(file))?;
    std::fs::File::open(part)?.sync_all()?;
    std::fs::rename(part, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_counts_as_cached_only_once_committed() {
        let dir = tempfile::tempdir().unwrap();
        let file = path_for(dir.path(), "XNAS.ITCH trades", "request one", "dbn.zst");
        assert!(
            file.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("XNAS-ITCH-trades-")
        );
        let part = partial(&file);
        std::fs::write(&part, b"half").unwrap();
        assert!(lookup(&file).is_none(), "a partial download is not cached");
        let e = Entry {
            request: "r".into(),
            records: 3,
            cost_usd: 0.5,
            fetched_at: "2026-12-07T00:00:00Z".into(),
        };
        commit(&part, &file, &e).unwrap();
        assert_eq!(lookup(&file), Some(e));
        assert!(!part.exists());
        let other = path_for(dir.path(), "XNAS.ITCH trades", "request two", "dbn.zst");
        assert_ne!(file, other);
    }
}
