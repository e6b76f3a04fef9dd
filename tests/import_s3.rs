//! `tapedeck import s3://...` against a real S3-compatible server on loopback: moto in server
//! mode, started here (`.ci/run` installs it into `target/venv-moto`; elsewhere set
//! `TAPEDECK_MOTO_SERVER` or put `moto_server` on PATH). Without it each test says so and
//! skips. A full-market Polygon day file streamed with `--symbols`, a prefix of day files,
//! and a hive-partitioned Parquet lake each import exactly as the same bytes do from disk.

#[path = "fixtures/import/support.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use support::{folder_bytes, ny};

/// A moto server on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TAPEDECK_MOTO_SERVER") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv-moto/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("moto_server"))
            .find(|p| p.is_file())
    })
}

fn start_moto() -> Option<Moto> {
    let Some(bin) = moto_binary() else {
        eprintln!(
            "SKIPPED: no moto_server (an S3-compatible test server): `bash .ci/run` installs it into target/venv-moto, or set TAPEDECK_MOTO_SERVER"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        eprintln!("SKIPPED: {} would not start", bin.display());
        return None;
    };
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// One raw HTTP request (moto takes unsigned requests for bucket creation).
fn http(url: &str, method: &str, path: &str) -> String {
    let hostport = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(hostport).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn put(m: &Moto, bucket: &str, key: &str, bytes: Vec<u8>) {
    use object_store::ObjectStoreExt;
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(&m.url)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(store.put(&object_store::path::Path::from(key), bytes.into()))
        .unwrap();
}

/// A Polygon trades flat file of a whole market day: `tickers` symbols, `rows` prints each,
/// NVDA and AMD among them, gzip-compressed.
fn polygon_day(day: &str, tickers: usize, rows: usize) -> Vec<u8> {
    let mut text = String::from(
        "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n",
    );
    let open = ny(&format!("{day} 09:30:00"));
    let names: Vec<String> = (0..tickers)
        .map(|i| match i {
            0 => "NVDA".into(),
            1 => "AMD".into(),
            i => format!("T{i:04}"),
        })
        .collect();
    let mut seq = 0u64;
    for r in 0..rows {
        for (i, name) in names.iter().enumerate() {
            seq += 1;
            let ts = open + (r as i64 * 60 + i as i64) * 1_000_000_000 / 4;
            let price = 100.0 + i as f64 * 0.5 + (r % 17) as f64 * 0.01;
            text.push_str(&format!(
                "{name},\"12,37\",0,4,{seq},{ts},{price:.2},{seq},{},{},3,,\n",
                ts + 500,
                1 + (r * 7 + i) % 400
            ));
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

/// `tapedeck import` with test credentials for the server.
fn import(m: &Moto, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .arg("import")
        .args(args)
        .args(["--endpoint", &m.url])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret-never-shown")
        .env("AWS_REGION", "us-east-1")
        .env("TAPEDECK_NO_CACHE", "1")
        .output()
        .unwrap()
}

fn local_import(files: &[PathBuf], out: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .arg("import")
        .args(files)
        .args(["--out", out.to_str().unwrap()])
        .args(extra)
        .env("TAPEDECK_NO_CACHE", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The replay folders' files, but for the provenance's source keys (object vs file path).
fn same_replay(a: &Path, b: &Path) {
    let strip = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        folder_bytes(dir)
            .into_iter()
            .map(|(name, bytes)| {
                if name == "replay.json" {
                    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    v["provenance"]["sources"] = serde_json::Value::Null;
                    // Named after the --out folder.
                    v["name"] = serde_json::Value::Null;
                    (name, v.to_string().into_bytes())
                } else {
                    (name, bytes)
                }
            })
            .collect()
    };
    let (x, y) = (strip(a), strip(b));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&x), names(&y));
    for ((name, p), (_, q)) in x.iter().zip(&y) {
        assert!(p == q, "{name} differs: {} vs {}", a.display(), b.display());
    }
}

#[test]
fn a_full_market_day_file_streamed_from_s3_with_symbols_equals_the_local_import() {
    let Some(m) = start_moto() else { return };
    assert!(http(&m.url, "PUT", "/flatfiles").contains("200"));
    let dir = tempfile::tempdir().unwrap();
    let mut local = Vec::new();
    for day in ["2025-01-24", "2025-01-27"] {
        let bytes = polygon_day(day, 300, 40);
        let key = format!("us_stocks_sip/trades_v1/2025/01/{day}.csv.gz");
        let path = dir.path().join(format!("{day}.csv.gz"));
        std::fs::write(&path, &bytes).unwrap();
        local.push(path);
        put(&m, "flatfiles", &key, bytes);
    }

    // One object.
    let s3_out = dir.path().join("s3");
    let o = import(
        &m,
        &[
            "s3://flatfiles/us_stocks_sip/trades_v1/2025/01/2025-01-27.csv.gz",
            "--symbols",
            "NVDA,AMD",
            "--out",
            s3_out.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let local_out = dir.path().join("local");
    local_import(&local[1..], &local_out, &["--symbols", "NVDA,AMD"]);
    same_replay(&s3_out, &local_out);
    let r = tapedeck::replay::load(&s3_out).unwrap();
    assert_eq!(r.manifest.instruments.len(), 2, "only the symbols asked");
    assert_eq!(r.store.print_count(), 80);
    let sources = &r.manifest.provenance.sources;
    assert_eq!(sources[0].key, "2025-01-27.csv.gz");

    // A prefix: both days, the first giving the reference prices.
    let prefix_out = dir.path().join("prefix");
    let o = import(
        &m,
        &[
            "s3://flatfiles/us_stocks_sip/trades_v1/2025/01/",
            "--symbols",
            "NVDA,AMD",
            "--out",
            prefix_out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let both = dir.path().join("both");
    local_import(&local, &both, &["--symbols", "NVDA,AMD"]);
    same_replay(&prefix_out, &both);

    // An object that is not there: the error names it; nothing is written; no secret shown.
    let missing = dir.path().join("missing");
    let o = import(
        &m,
        &[
            "s3://flatfiles/us_stocks_sip/trades_v1/2025/02/",
            "--out",
            missing.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("s3://flatfiles/us_stocks_sip/trades_v1/2025/02/: no such object"),
        "{stderr}"
    );
    assert!(!stderr.contains("test-secret-never-shown"));
    assert!(!missing.exists());
}

fn write_parquet(path: &Path, ts: i64, price: f64) -> Vec<u8> {
    let schema = Arc::new(
        parse_message_type(
            "message t { required int64 ts_event; required double price; required int64 size; }",
        )
        .unwrap(),
    );
    let mut buf = Vec::new();
    {
        let mut w = SerializedFileWriter::new(
            &mut buf,
            schema,
            Arc::new(WriterProperties::builder().build()),
        )
        .unwrap();
        let mut rg = w.next_row_group().unwrap();
        let mut k = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            match k {
                0 => col
                    .typed::<Int64Type>()
                    .write_batch(&[ts], None, None)
                    .unwrap(),
                1 => col
                    .typed::<DoubleType>()
                    .write_batch(&[price], None, None)
                    .unwrap(),
                _ => col
                    .typed::<Int64Type>()
                    .write_batch(&[10], None, None)
                    .unwrap(),
            };
            col.close().unwrap();
            k += 1;
        }
        rg.close().unwrap();
        w.close().unwrap();
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, &buf).unwrap();
    buf
}

#[test]
fn a_hive_partitioned_parquet_lake_in_s3_imports_as_the_local_folder_does() {
    let Some(m) = start_moto() else { return };
    assert!(http(&m.url, "PUT", "/lake").contains("200"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("trades");
    for (day, symbol, price) in [
        ("2025-01-24", "NVDA", 142.62),
        ("2025-01-24", "AMD", 122.84),
        ("2025-01-27", "NVDA", 124.80),
        ("2025-01-27", "AMD", 118.42),
        ("2025-01-28", "NVDA", 128.99),
    ] {
        let rel = format!("date={day}/symbol={symbol}/part-0.parquet");
        let bytes = write_parquet(&root.join(&rel), ny(&format!("{day} 15:00:00")), price);
        put(&m, "lake", &format!("trades/{rel}"), bytes);
    }
    // A damaged partition that is not asked for: never downloaded, so never opened.
    put(
        &m,
        "lake",
        "trades/date=2025-01-21/symbol=NVDA/part-0.parquet",
        b"PAR1 not really".to_vec(),
    );
    let s3_out = dir.path().join("s3");
    let o = import(
        &m,
        &[
            "s3://lake/trades/",
            "--symbols",
            "NVDA",
            "--date",
            "2025-01-27",
            "--out",
            s3_out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let local_out = dir.path().join("local");
    local_import(
        &[root],
        &local_out,
        &["--symbols", "NVDA", "--date", "2025-01-27"],
    );
    same_replay(&s3_out, &local_out);
    let r = tapedeck::replay::load(&s3_out).unwrap();
    assert_eq!(r.store.print_count(), 1);
    assert_eq!(r.manifest.instruments[0].reference.to_string(), "142.62");
}
