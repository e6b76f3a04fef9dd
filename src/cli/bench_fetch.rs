//! `tapedeck bench-fetch`: the object-storage and vendor-file import paths against their floors,
//! in one run, side by side. A generated full-market Polygon day file (gzip) is imported with
//! `--symbols` of 30 names from local disk and from a local S3 server (moto, started here),
//! against the bare gzip decompression of the same bytes; a generated DBN.zst file is imported
//! against the bare `dbn` decode loop.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use super::bench_import::{bare_dbn_loop, generate, ticker, write_dbn_zst, write_polygon_csv_to};
use crate::fetch::object_storage::{S3Inputs, S3Url};
use crate::import::{self, ImportOptions, report::thousands};

#[derive(Debug, Args)]
pub struct BenchFetchArgs {
    /// Rows in the full-market day file.
    #[arg(long, default_value_t = 30_000_000)]
    pub rows: usize,
    /// Tickers in it.
    #[arg(long, default_value_t = 5_000)]
    pub tickers: usize,
    /// Symbols imported (`--symbols`), the first N tickers.
    #[arg(long, default_value_t = 30)]
    pub symbols: usize,
    /// Trades in the DBN.zst file.
    #[arg(long, default_value_t = 10_000_000)]
    pub dbn_trades: usize,
    /// An S3-compatible server to use (default: start moto_server from target/venv-moto,
    /// $TAPEDECK_MOTO_SERVER or PATH on a free loopback port).
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// Folder for the generated files (default: a new one under the temp dir; removed after).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

struct Moto(std::process::Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> Result<(Moto, String)> {
    let bin = std::env::var_os("TAPEDECK_MOTO_SERVER")
        .map(PathBuf::from)
        .or_else(|| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv-moto/bin/moto_server");
            p.is_file().then_some(p)
        })
        .unwrap_or_else(|| PathBuf::from("moto_server"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = std::process::Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            eyre!(
                "cannot start {} ({e}); give --s3-endpoint, or run .ci/run once to install moto",
                bin.display()
            )
        })?;
    let moto = Moto(child);
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t.elapsed() > Duration::from_secs(30) {
            return Err(eyre!("moto_server did not listen within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((moto, format!("http://127.0.0.1:{port}")))
}

/// Creates the bucket (unsigned, as moto allows) and uploads `file` in 64 MiB parts.
fn upload(endpoint: &str, bucket: &str, key: &str, file: &Path) -> Result<()> {
    use object_store::{ObjectStoreExt, WriteMultipart};
    let hostport = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(hostport)?;
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id(std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "bench".into()))
        .with_secret_access_key(
            std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "bench".into()),
        )
        .build()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let up = store
            .put_multipart(&object_store::path::Path::from(key))
            .await?;
        let mut w = WriteMultipart::new_with_chunk_size(up, 64 << 20);
        let mut f = std::fs::File::open(file)?;
        let mut buf = vec![0u8; 8 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            w.wait_for_capacity(2).await?;
            w.write(&buf[..n]);
        }
        w.finish().await?;
        let _ = store.head(&object_store::path::Path::from(key)).await?;
        Ok::<_, color_eyre::Report>(())
    })
}

fn import_timed(
    files: &[PathBuf],
    out: &Path,
    symbols: &[String],
    remote: Option<Arc<S3Inputs>>,
) -> Result<(u64, Duration)> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    let mut opts = ImportOptions::new(out);
    opts.symbols = symbols.to_vec();
    opts.remote = remote.map(|r| r as Arc<dyn import::Remote>);
    let t = Instant::now();
    let report = import::import(files, &opts).map_err(|e| eyre!("import: {e}"))?;
    Ok((report.trades, t.elapsed()))
}

fn line(what: &str, rows: u64, bytes: u64, took: Duration) {
    println!(
        "  {what:<44} {:>12} rows {:>9.3} s {:>8.1} MB/s (of gzip input)",
        thousands(rows),
        took.as_secs_f64(),
        bytes as f64 / 1e6 / took.as_secs_f64()
    );
}

fn verdict(name: &str, got: Duration, floor: Duration, target: f64) {
    let x = floor.as_secs_f64() / got.as_secs_f64();
    println!(
        "  {}  {name} >= {target}x the floor: {x:.2}x",
        if x >= target { "PASS" } else { "FAIL" }
    );
}

pub fn run(a: BenchFetchArgs) -> Result<i32> {
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("tapedeck-bench-fetch-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let result = measure(&a, &dir);
    if a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.map(|()| 0)
}

fn measure(a: &BenchFetchArgs, dir: &Path) -> Result<()> {
    println!(
        "tapedeck bench-fetch: a {}-row day file over {} tickers, --symbols of {}; DBN.zst of {} trades",
        thousands(a.rows as u64),
        a.tickers,
        a.symbols,
        thousands(a.dbn_trades as u64)
    );
    let flat = dir.join("2025-01-27.csv.gz");
    let t = Instant::now();
    {
        let rows = generate(a.rows, a.tickers);
        let f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&flat)?);
        // Level 1: Polygon's files are level 6; the level barely changes how fast they inflate.
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        write_polygon_csv_to(&mut gz, &rows, a.tickers)?;
        gz.finish()?.flush()?;
    }
    let bytes = std::fs::metadata(&flat)?.len();
    println!(
        "  generated {:.1} MB of gzip in {:.1?}",
        bytes as f64 / 1e6,
        t.elapsed()
    );
    let symbols: Vec<String> = (0..a.symbols).map(ticker).collect();

    // The floor: inflating the same bytes and nothing else.
    let t = Instant::now();
    let mut gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(&flat)?,
    ));
    let mut buf = vec![0u8; 1 << 20];
    let mut inflated = 0u64;
    loop {
        let n = gz.read(&mut buf)?;
        if n == 0 {
            break;
        }
        inflated += n as u64;
    }
    let floor = t.elapsed();
    println!(
        "\n  {:<44} {:>12}      {:>9} {:>8}",
        "reader", "rows kept", "seconds", ""
    );
    println!(
        "  {:<44} {:>12} {:>9.3} s {:>8.1} MB/s (of gzip input; {:.0} MB inflated)",
        "bare gzip decompression (the floor)",
        "-",
        floor.as_secs_f64(),
        bytes as f64 / 1e6 / floor.as_secs_f64(),
        inflated as f64 / 1e6
    );
    let (kept, local) = import_timed(
        std::slice::from_ref(&flat),
        &dir.join("replay-local"),
        &symbols,
        None,
    )?;
    line("import --symbols, local disk", kept, bytes, local);

    let (moto, endpoint) = if let Some(e) = &a.s3_endpoint {
        (None, e.clone())
    } else {
        // moto takes any credentials; without them the AWS chain would ask the
        // instance-metadata service. SAFETY: no other thread reads the environment now.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            unsafe {
                std::env::set_var("AWS_ACCESS_KEY_ID", "bench");
                std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench");
            }
        }
        let (m, e) = start_moto()?;
        (Some(m), e)
    };
    let key = "us_stocks_sip/trades_v1/2025/01/2025-01-27.csv.gz";
    let t = Instant::now();
    upload(&endpoint, "bench", key, &flat)?;
    println!("  (uploaded to {endpoint} in {:.1?})", t.elapsed());
    let url = S3Url::parse(&format!("s3://bench/{key}")).ok_or_else(|| eyre!("bad url"))?;
    let mut inputs =
        S3Inputs::new(std::slice::from_ref(&url), Some(&endpoint)).map_err(|e| eyre!(e))?;
    let found = inputs
        .expand(std::slice::from_ref(&url), &symbols, None, dir)
        .map_err(|e| eyre!(e))?;
    // The network's own floor: the object read from the server and thrown away.
    let t = Instant::now();
    let mut body = import::Remote::open(&inputs, &found.streamed[0])?;
    let mut fetched = 0u64;
    loop {
        let n = body.read(&mut buf)?;
        if n == 0 {
            break;
        }
        fetched += n as u64;
    }
    drop(body);
    let download = t.elapsed();
    println!(
        "  {:<44} {:>12} {:>9.3} s {:>8.1} MB/s ({} bytes)",
        "bare download from local S3 (no inflate)",
        "-",
        download.as_secs_f64(),
        fetched as f64 / 1e6 / download.as_secs_f64(),
        thousands(fetched)
    );
    let (kept_s3, s3) = import_timed(
        &found.streamed,
        &dir.join("replay-s3"),
        &symbols,
        Some(Arc::new(inputs)),
    )?;
    line(
        "import --symbols, streamed from local S3",
        kept_s3,
        bytes,
        s3,
    );
    drop(moto);
    if kept_s3 != kept {
        return Err(eyre!(
            "the S3 import kept {kept_s3} rows, the local one {kept}"
        ));
    }

    // DBN.zst: the import against the bare decode loop of the same file.
    let dbn = dir.join("trades.dbn.zst");
    {
        let rows = generate(a.dbn_trades, 30);
        write_dbn_zst(&dbn, &rows, 30)?;
    }
    let t = Instant::now();
    let sums = bare_dbn_loop(&dbn)?;
    let bare = t.elapsed();
    let (n, dbn_import) = import_timed(
        std::slice::from_ref(&dbn),
        &dir.join("replay-dbn"),
        &[],
        None,
    )?;
    println!(
        "  {:<44} {:>12} rows {:>9.3} s {:>8.2} M rows/s",
        "bare dbn decode loop (the floor)",
        thousands(sums.rows),
        bare.as_secs_f64(),
        sums.rows as f64 / 1e6 / bare.as_secs_f64()
    );
    println!(
        "  {:<44} {:>12} rows {:>9.3} s {:>8.2} M rows/s",
        "DBN.zst import",
        thousands(n),
        dbn_import.as_secs_f64(),
        n as f64 / 1e6 / dbn_import.as_secs_f64()
    );
    println!("targets:");
    verdict("flat file import --symbols, local disk", local, floor, 0.8);
    verdict("flat file import --symbols, from S3", s3, floor, 0.8);
    println!(
        "        (the download alone took {:.2} s of the {:.2} s from S3: inflating sets the pace)",
        download.as_secs_f64(),
        s3.as_secs_f64()
    );
    verdict("DBN.zst import", dbn_import, bare, 0.9);
    Ok(())
}
