//! `tapedeck import s3://bucket/key...`: objects in S3 or an S3-compatible store (MinIO, moto,
//! Ceph, R2) through the `object_store` crate. Single objects and prefixes are streamed into
//! the import as they download (a full-market flat file with `--symbols` keeps only those);
//! Parquet, which is read by seeking, is downloaded into a scratch folder first, keeping the
//! key's folders so that a hive-partitioned lake imports as the local folder import reads it,
//! and only the partitions `--symbols` and `--date` ask for are downloaded.
//!
//! Credentials: the usual AWS environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`), else the profile (`AWS_PROFILE`,
//! else `default`) in `~/.aws/credentials` and `~/.aws/config`. Secrets are never shown.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::import::Remote;

/// Downloaded chunks in flight per object: bounded, so a slow parser holds back the network.
const CHUNKS_IN_FLIGHT: usize = 16;

/// An `s3://bucket/key` split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub key: String,
}

impl S3Url {
    pub fn parse(text: &str) -> Option<S3Url> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Url {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Whether a command-line input names an object.
pub fn is_s3(p: &Path) -> bool {
    p.to_str().is_some_and(|s| s.starts_with("s3://"))
}

/// The stores of the buckets named, a runtime to drive them, and the objects found.
#[derive(Debug)]
pub struct S3Inputs {
    rt: tokio::runtime::Runtime,
    stores: HashMap<String, Arc<AmazonS3>>,
    sizes: HashMap<String, u64>,
}

/// What the command line's `s3://` inputs became.
#[derive(Debug)]
pub struct Expanded {
    /// Objects to stream, as `s3://bucket/key` inputs of the import.
    pub streamed: Vec<PathBuf>,
    /// Local copies of Parquet objects (and the folders of hive-partitioned lakes).
    pub downloaded: Vec<PathBuf>,
}

fn profile_settings() -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return out;
    };
    let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let files = [
        (
            std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
                .map_or_else(|| home.join(".aws/credentials"), PathBuf::from),
            profile.clone(),
        ),
        (
            std::env::var_os("AWS_CONFIG_FILE")
                .map_or_else(|| home.join(".aws/config"), PathBuf::from),
            if profile == "default" {
                profile.clone()
            } else {
                format!("profile {profile}")
            },
        ),
    ];
    for (file, section) in files {
        let Ok(ini) = ini::Ini::load_from_file(&file) else {
            continue;
        };
        if let Some(props) = ini.section(Some(section.as_str())) {
            for (k, v) in props {
                out.entry(k.to_string()).or_insert_with(|| v.to_string());
            }
        }
    }
    out
}

impl S3Inputs {
    /// Stores for the buckets of `urls`; `endpoint` points them at an S3-compatible store.
    pub fn new(urls: &[S3Url], endpoint: Option<&str>) -> Result<S3Inputs, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("td-s3")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the network runtime: {e}"))?;
        let profile = if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            HashMap::new()
        } else {
            profile_settings()
        };
        let mut stores = HashMap::new();
        for u in urls {
            if stores.contains_key(&u.bucket) {
                continue;
            }
            let mut b = AmazonS3Builder::from_env().with_bucket_name(&u.bucket);
            if let (Some(id), Some(secret)) = (
                profile.get("aws_access_key_id"),
                profile.get("aws_secret_access_key"),
            ) {
                b = b.with_access_key_id(id).with_secret_access_key(secret);
                if let Some(t) = profile.get("aws_session_token") {
                    b = b.with_token(t);
                }
            }
            if std::env::var_os("AWS_REGION").is_none()
                && std::env::var_os("AWS_DEFAULT_REGION").is_none()
            {
                b = b.with_region(profile.get("region").map_or("us-east-1", String::as_str));
            }
            if let Some(e) = endpoint
                .map(str::to_string)
                .or_else(|| profile.get("endpoint_url").cloned())
            {
                b = b.with_allow_http(e.starts_with("http://")).with_endpoint(e);
            }
            let store = b
                .build()
                .map_err(|e| format!("s3://{}: {}", u.bucket, scrub(&e.to_string())))?;
            stores.insert(u.bucket.clone(), Arc::new(store));
        }
        Ok(S3Inputs {
            rt,
            stores,
            sizes: HashMap::new(),
        })
    }

    /// Every object the URLs name: an object itself, or everything under a prefix (a URL
    /// ending in `/`, or one with no object of its own). Parquet objects are downloaded into
    /// `scratch` (only the `symbol=`/`date=` partitions asked for); the rest are streamed.
    pub fn expand(
        &mut self,
        urls: &[S3Url],
        symbols: &[String],
        date: Option<chrono::NaiveDate>,
        scratch: &Path,
    ) -> Result<Expanded, String> {
        let mut out = Expanded {
            streamed: Vec::new(),
            downloaded: Vec::new(),
        };
        for u in urls {
            let store = self.stores[&u.bucket].clone();
            let one = if u.key.is_empty() || u.key.ends_with('/') {
                None
            } else {
                self.rt
                    .block_on(store.head(&ObjectPath::from(u.key.as_str())))
                    .ok()
            };
            let objects = if let Some(meta) = one {
                vec![meta]
            } else {
                let prefix = ObjectPath::from(u.key.trim_end_matches('/'));
                let listed: Vec<_> = self
                    .rt
                    .block_on(async { store.list(Some(&prefix)).collect::<Vec<_>>().await });
                let mut metas = Vec::new();
                for m in listed {
                    metas.push(m.map_err(|e| format!("{}: {}", u.url(), scrub(&e.to_string())))?);
                }
                metas.sort_by(|a, b| a.location.as_ref().cmp(b.location.as_ref()));
                if metas.is_empty() {
                    return Err(format!(
                        "{}: no such object, and no objects under it",
                        u.url()
                    ));
                }
                metas
            };
            let lake = scratch.join(&u.bucket).join(u.key.trim_end_matches('/'));
            let mut lake_used = false;
            let parquet: Vec<String> = objects
                .iter()
                .map(|m| m.location.as_ref().to_string())
                .filter(|k| k.ends_with(".parquet"))
                .collect();
            let keep = wanted(&parquet, symbols, date);
            for m in objects {
                let key = m.location.as_ref().to_string();
                if key.ends_with(".parquet") {
                    let i = parquet.iter().position(|k| *k == key).unwrap_or(0);
                    if !keep[i] {
                        continue;
                    }
                    let local = scratch.join(&u.bucket).join(&key);
                    self.download(&store, &m.location, &local)
                        .map_err(|e| format!("s3://{}/{key}: {e}", u.bucket))?;
                    if u.key == key {
                        out.downloaded.push(local);
                    } else {
                        lake_used = true;
                    }
                } else {
                    let name = format!("s3://{}/{key}", u.bucket);
                    self.sizes.insert(name.clone(), m.size);
                    out.streamed.push(PathBuf::from(name));
                }
            }
            if lake_used {
                out.downloaded.push(lake);
            }
        }
        Ok(out)
    }

    fn download(&self, store: &Arc<AmazonS3>, loc: &ObjectPath, to: &Path) -> io::Result<()> {
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let bytes = self
            .rt
            .block_on(async { store.get(loc).await?.bytes().await })
            .map_err(|e| io::Error::other(scrub(&e.to_string())))?;
        std::fs::write(to, &bytes)
    }
}

/// A Parquet object's `name=value` folder value for `names`, if it has one.
fn partition<'a>(key: &'a str, names: &[&str]) -> Option<&'a str> {
    key.split('/').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        names.iter().any(|n| k.eq_ignore_ascii_case(n)).then_some(v)
    })
}

/// Which Parquet objects to download, as the local folder import reads a lake: only the
/// `symbol=` partitions of `--symbols`, and of `date=` partitions the trading date (`--date`,
/// else the latest) and the latest day before it (its reference prices).
fn wanted(keys: &[String], symbols: &[String], date: Option<chrono::NaiveDate>) -> Vec<bool> {
    let by_symbol: Vec<bool> = keys
        .iter()
        .map(|k| {
            symbols.is_empty()
                || partition(k, &["symbol", "ticker"])
                    .is_none_or(|v| symbols.iter().any(|s| s.eq_ignore_ascii_case(v)))
        })
        .collect();
    let day = |k: &str| {
        partition(k, &["date", "day"])
            .and_then(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    };
    let mut days: Vec<chrono::NaiveDate> = keys
        .iter()
        .zip(&by_symbol)
        .filter(|(_, w)| **w)
        .filter_map(|(k, _)| day(k))
        .collect();
    days.sort_unstable();
    days.dedup();
    let target = date.or_else(|| days.last().copied());
    let before = target.and_then(|t| days.iter().rev().find(|d| **d < t).copied());
    keys.iter()
        .zip(by_symbol)
        .map(|(k, w)| w && day(k).is_none_or(|d| Some(d) == target || Some(d) == before))
        .collect()
}

/// Error text with anything that looks like a secret access key or signature cut out.
fn scrub(text: &str) -> String {
    let mut s = text.to_string();
    for var in ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            s = s.replace(&v, "[hidden]");
        }
    }
    s
}

impl Remote for S3Inputs {
    fn owns(&self, name: &Path) -> bool {
        is_s3(name)
    }

    fn len(&self, name: &Path) -> io::Result<u64> {
        Ok(name
            .to_str()
            .and_then(|n| self.sizes.get(n))
            .copied()
            .unwrap_or(0))
    }

    fn open(&self, name: &Path) -> io::Result<Box<dyn Read + Send>> {
        let text = name.to_str().unwrap_or_default();
        let u = S3Url::parse(text).ok_or_else(|| io::Error::other("not an s3:// URL"))?;
        let store = self
            .stores
            .get(&u.bucket)
            .cloned()
            .ok_or_else(|| io::Error::other("no store for this bucket"))?;
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<bytes::Bytes>>(CHUNKS_IN_FLIGHT);
        let loc = ObjectPath::from(u.key.as_str());
        // The download runs on the runtime's thread; the parser pulls chunks as it goes and
        // a full channel pauses the download.
        self.rt.spawn(async move {
            let mut stream = match store.get(&loc).await {
                Ok(r) => r.into_stream(),
                Err(e) => {
                    let _ = tx.send(Err(io::Error::other(scrub(&e.to_string())))).await;
                    return;
                }
            };
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| io::Error::other(scrub(&e.to_string())));
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    return;
                }
            }
        });
        Ok(Box::new(ChunkReader {
            rx,
            chunk: bytes::Bytes::new(),
        }))
    }
}

/// Reads the chunks a download task sends.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<io::Result<bytes::Bytes>>,
    chunk: bytes::Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            // The import reads on its own threads, never inside the runtime.
            match self.rx.blocking_recv() {
                Some(Ok(c)) => self.chunk = c,
                Some(Err(e)) => return Err(e),
                // The task ended: the end of the object.
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_partitions() {
        assert_eq!(
            S3Url::parse("s3://flatfiles/us_stocks_sip/trades_v1/2025/01/2025-01-27.csv.gz"),
            Some(S3Url {
                bucket: "flatfiles".into(),
                key: "us_stocks_sip/trades_v1/2025/01/2025-01-27.csv.gz".into()
            })
        );
        assert_eq!(S3Url::parse("s3://"), None);
        assert_eq!(S3Url::parse("/tmp/x"), None);
        let keys: Vec<String> = [
            "lake/date=2025-01-21/symbol=NVDA/p.parquet",
            "lake/date=2025-01-24/symbol=NVDA/p.parquet",
            "lake/date=2025-01-24/symbol=AMD/p.parquet",
            "lake/date=2025-01-27/symbol=nvda/p.parquet",
            "lake/date=2025-01-28/symbol=NVDA/p.parquet",
            "lake/notes.parquet",
        ]
        .map(String::from)
        .to_vec();
        let syms = ["NVDA".to_string()];
        let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 27);
        assert_eq!(
            wanted(&keys, &syms, d),
            [false, true, false, true, false, true]
        );
        // Without --date: the latest day and the one before.
        assert_eq!(
            wanted(&keys, &syms, None),
            [false, false, false, true, true, true]
        );
        assert_eq!(
            wanted(&keys, &[], d),
            [false, true, true, true, false, true]
        );
    }
}
