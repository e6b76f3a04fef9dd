//! `tapedeck fetch` against a local mock of Databento's historical HTTP API (loopback, started
//! by each test; DBN from the `dbn` crate's encoder): the fetched replay equals a fold of the
//! served prints, a rerun is served from the cache, every vendor failure has its exit code and
//! leaves nothing behind, the key shows up nowhere, and the DeepSeek recipe gives a RECORDED
//! replay on which the bundled lesson runs end to end.

#[path = "common/mock_databento.rs"]
mod mock;
#[path = "common/pty.rs"]
mod pty;
#[path = "fixtures/import/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mock::{Mock, Scenario};
use support::{Print, assert_same_state, date, fold, ny, px};
use tapedeck::price::Price;
use tapedeck::replay::{self, manifest::ProvenanceKind};

const KEY: &str = "db-TestKey0123456789abcdefghijkl";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with the key in the environment, a private cache and no user config.
fn tapedeck(args: &[&str], home: &Path, key: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TAPEDECK_CACHE_DIR", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TAPEDECK_NO_CACHE", "1")
        .env("TAPEDECK_FETCH_BACKOFF_MS", "1")
        .env("RUST_LOG", "trace")
        .env_remove("DATABENTO_API_KEY")
        .env_remove("TAPEDECK_CONFIG");
    if let Some(k) = key {
        cmd.env("DATABENTO_API_KEY", k);
    }
    let o = cmd.output().unwrap();
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn stock_args<'a>(url: &'a str, out: &'a str, symbols: &'a str) -> Vec<&'a str> {
    vec![
        "fetch",
        "databento",
        "--dataset",
        "XNAS.ITCH",
        "--schema",
        "trades",
        "--symbols",
        symbols,
        "--start",
        "2025-01-27T09:00:00Z",
        "--end",
        "2025-01-28T01:00:00Z",
        "--set",
        "NVDA.reference=142.62",
        "--set",
        "AAPL.reference=222.78",
        "--out",
        out,
        "--api-url",
        url,
        "--yes",
    ]
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Downloads kept in the cache (complete or not).
fn cached_downloads(home: &Path) -> Vec<PathBuf> {
    files_under(&home.join("cache"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".dbn.zst"))
        .collect()
}

#[test]
fn a_fetched_replay_equals_the_fold_of_the_served_prints_and_a_rerun_pays_nothing() {
    let m = Mock::start(Scenario::ok(KEY));
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("replay");
    let r = tapedeck(
        &stock_args(&m.url, out.to_str().unwrap(), "NVDA,AAPL"),
        home.path(),
        Some(KEY),
    );
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("800 records, $0.02 quoted"),
        "{}",
        r.stderr
    );
    assert_eq!(
        m.paths(),
        [
            "metadata.get_record_count",
            "metadata.get_cost",
            "timeseries.get_range"
        ]
    );

    let replay = replay::load(&out).unwrap();
    assert_eq!(replay.manifest.provenance.kind, ProvenanceKind::Recorded);
    let source = replay
        .manifest
        .provenance
        .sources
        .iter()
        .find(|s| s.key == "databento:XNAS.ITCH:trades")
        .expect("the request in the provenance");
    assert!(
        source
            .what
            .contains("XNAS.ITCH trades raw_symbol [NVDA,AAPL]")
            && source.what.contains("800 records; quoted $0.02"),
        "{}",
        source.what
    );

    let served: Vec<Print> = m
        .served()
        .iter()
        .map(|p| Print {
            symbol: p.symbol,
            ts: p.ts,
            price: Price(p.price),
            size: p.size,
        })
        .collect();
    assert_eq!(served.len(), 800);
    let day = date("2025-01-27");
    for at in ["10:00:00", "12:00:00", "16:00:00"] {
        let t = ny(&format!("2025-01-27 {at}"));
        let snap = replay.store.snapshot(t, 0);
        for (sym, reference) in [("NVDA", "142.62"), ("AAPL", "222.78")] {
            let i = replay.store.symbol_index(sym).unwrap();
            let want = fold(&served, sym, t, day, px(reference));
            assert_same_state(&snap.instruments[i], &want, &format!("{sym} at {at}"));
        }
    }

    // The same request again, into another folder: from the cache, no call to the vendor.
    let calls = m.calls();
    let again = home.path().join("again");
    let r = tapedeck(
        &stock_args(&m.url, again.to_str().unwrap(), "NVDA,AAPL"),
        home.path(),
        Some(KEY),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("cached: XNAS.ITCH trades"),
        "{}",
        r.stderr
    );
    assert_eq!(m.calls(), calls, "a cached request is not paid twice");
    assert_eq!(
        replay::load(&again).unwrap().store.print_count(),
        replay.store.print_count()
    );
}

/// One failure: its exit code, a message containing `says`, and nothing written.
fn fails(scenario: Scenario, symbols: &str, extra: &[&str], code: i32, says: &str) -> Run {
    let m = Mock::start(scenario);
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("replay");
    let mut args = stock_args(&m.url, out.to_str().unwrap(), symbols);
    args.extend_from_slice(extra);
    if extra.contains(&"--no-yes") {
        args.retain(|a| *a != "--yes" && *a != "--no-yes");
    }
    let r = tapedeck(&args, home.path(), Some(KEY));
    assert_eq!(r.code, Some(code), "{says}: {}", r.stderr);
    assert!(r.stderr.contains(says), "want {says:?} in {}", r.stderr);
    assert!(!out.exists(), "{says}: no replay is written");
    assert!(
        cached_downloads(home.path()).is_empty(),
        "{says}: nothing cached: {:?}",
        cached_downloads(home.path())
    );
    r
}

#[test]
fn each_vendor_failure_has_its_exit_code_and_leaves_nothing_behind() {
    let ok = || Scenario::ok(KEY);
    // A key the vendor refuses.
    let mut s = ok();
    s.key = "db-SomeOtherKey0123456789abcdefg".into();
    fails(s, "NVDA", &[], 3, "the API key was refused (HTTP 401");
    // No credit, no licence.
    let mut s = ok();
    s.fail = Some((402, "Your account has insufficient credit."));
    fails(
        s,
        "NVDA",
        &[],
        4,
        "no credit left for this request (HTTP 402: Your account has insufficient credit.)",
    );
    let mut s = ok();
    s.fail = Some((403, "No license for dataset XNAS.ITCH."));
    fails(
        s,
        "NVDA",
        &[],
        4,
        "no licence for this dataset (HTTP 403: No license for dataset XNAS.ITCH.)",
    );
    // A symbol the vendor does not know: its own words.
    fails(
        ok(),
        "NVDA,NOPE",
        &[],
        5,
        "Symbol 'NOPE' not found in dataset XNAS.ITCH for the requested range.",
    );
    // Rate limited on every try: five tries, then exit 6.
    let mut s = ok();
    s.rate_limited_first = 1000;
    fails(s, "NVDA", &[], 6, "rate limited by the vendor (HTTP 429");
    // The server drops the connection halfway through the download.
    let mut s = ok();
    s.cut_at = Some(0.5);
    s.per_symbol = 20_000;
    fails(s, "NVDA", &[], 7, "the server closed the stream after");
    // Dearer than --max-cost, and no terminal to confirm on without --yes.
    fails(
        ok(),
        "NVDA",
        &["--max-cost", "0.001"],
        8,
        "above --max-cost 0.00",
    );
    fails(
        ok(),
        "NVDA",
        &["--no-yes"],
        8,
        "not confirmed: nothing was downloaded",
    );
}

#[test]
fn rate_limits_are_retried_and_a_dead_server_is_a_network_error() {
    let mut s = Scenario::ok(KEY);
    s.rate_limited_first = 2;
    let m = Mock::start(s);
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("replay");
    let r = tapedeck(
        &stock_args(&m.url, out.to_str().unwrap(), "NVDA"),
        home.path(),
        Some(KEY),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(m.calls(), 5, "two 429s retried, then three calls answered");

    // Nothing listens on the port: the network error, with nothing written.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = tapedeck(
        &stock_args(&url, out.with_extension("x").to_str().unwrap(), "NVDA"),
        home.path(),
        Some(KEY),
    );
    assert_eq!(r.code, Some(7), "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot connect to the vendor"),
        "{}",
        r.stderr
    );
    assert!(!out.with_extension("x").exists());

    // No key at all: exit 3, saying where to put one.
    let r = tapedeck(
        &stock_args(&m.url, out.with_extension("y").to_str().unwrap(), "AAPL"),
        home.path(),
        None,
    );
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("set $DATABENTO_API_KEY"), "{}", r.stderr);
}

/// The bytes of a file, and of its zstd or gzip decompression where it is one.
fn readable_bytes(p: &Path) -> Vec<Vec<u8>> {
    let raw = std::fs::read(p).unwrap();
    let mut out = vec![raw.clone()];
    if let Ok(d) = zstd::decode_all(&raw[..]) {
        out.push(d);
    }
    let mut gz = flate2::read::GzDecoder::new(&raw[..]);
    let mut d = Vec::new();
    if std::io::Read::read_to_end(&mut gz, &mut d).is_ok() {
        out.push(d);
    }
    out
}

#[test]
fn the_key_appears_in_no_output_replay_or_cache() {
    let m = Mock::start(Scenario::ok(KEY));
    let home = tempfile::tempdir().unwrap();
    // The key also in the config file, to cover that path.
    let config = home.path().join("config/tapedeck");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!("{{\"databento\": {{\"api_key\": \"{KEY}\"}}}}"),
    )
    .unwrap();
    let out = home.path().join("replay");
    let mut runs = vec![tapedeck(
        &stock_args(&m.url, out.to_str().unwrap(), "NVDA,AAPL"),
        home.path(),
        Some(KEY),
    )];
    assert_eq!(runs[0].code, Some(0), "{}", runs[0].stderr);
    // From the config file (no environment variable), a new request.
    let out2 = home.path().join("replay2");
    runs.push(tapedeck(
        &stock_args(&m.url, out2.to_str().unwrap(), "NVDA"),
        home.path(),
        None,
    ));
    assert_eq!(runs[1].code, Some(0), "{}", runs[1].stderr);
    // Failures that quote the vendor and the HTTP stack.
    runs.push(tapedeck(
        &stock_args(&m.url, home.path().join("x").to_str().unwrap(), "NOPE"),
        home.path(),
        Some(KEY),
    ));
    let wrong = "db-WrongKey0123456789abcdefghijk";
    runs.push(tapedeck(
        &stock_args(&m.url, home.path().join("y").to_str().unwrap(), "AAPL,TSLA"),
        home.path(),
        Some(wrong),
    ));
    runs.push(tapedeck(
        &stock_args(
            "http://127.0.0.1:9",
            home.path().join("z").to_str().unwrap(),
            "MSFT",
        ),
        home.path(),
        Some(KEY),
    ));
    runs.push(tapedeck(
        &[
            "fetch",
            "databento",
            "--dataset",
            "XNAS.ITCH",
            "--symbols",
            "NVDA",
            "--start",
            "bad",
            "--end",
            "x",
            "--out",
            "w",
        ],
        home.path(),
        Some(KEY),
    ));
    let bucket = &KEY[KEY.len() - 5..];
    for (i, r) in runs.iter().enumerate() {
        for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(!text.contains(KEY), "run {i}: the key in {what}: {text}");
            assert!(!text.contains(wrong), "run {i}: the wrong key in {what}");
            assert!(!text.contains(bucket), "run {i}: the key's tail in {what}");
        }
    }
    let written: Vec<PathBuf> = [out, out2, home.path().join("cache")]
        .iter()
        .flat_map(|d| files_under(d))
        .collect();
    assert!(written.len() >= 6, "{written:?}");
    for f in written {
        for bytes in readable_bytes(&f) {
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the key in {}",
                f.display()
            );
        }
    }
}

#[test]
fn the_deepseek_recipe_gives_a_recorded_replay_on_which_the_bundled_lesson_runs() {
    let mut s = Scenario::ok(KEY);
    s.per_symbol = 300;
    let m = Mock::start(s);
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("deepseek-recorded");
    let r = tapedeck(
        &[
            "fetch",
            "deepseek-2025-01-27",
            "--from",
            "databento",
            "--api-url",
            &m.url,
            "--yes",
            "--out",
            out.to_str().unwrap(),
        ],
        home.path(),
        Some(KEY),
    );
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    let bundled = replay::load(&replay::resolve(None).unwrap()).unwrap();
    let fetched = replay::load(&out).unwrap();
    let p = &fetched.manifest.provenance;
    assert_eq!(p.kind, ProvenanceKind::Recorded);
    assert!(p.summary.contains("GLBX.MDP3, XNAS.ITCH"), "{}", p.summary);
    assert!(
        p.summary.contains("bundled replay deepseek-2025-01-27"),
        "{}",
        p.summary
    );
    // Every bundled instrument, under the bundled symbol (NQH5 → NQH25), with its metadata.
    assert_eq!(
        fetched.manifest.instruments.len(),
        bundled.manifest.instruments.len()
    );
    for b in &bundled.manifest.instruments {
        let f = fetched
            .manifest
            .instruments
            .iter()
            .find(|i| i.symbol == b.symbol)
            .unwrap_or_else(|| panic!("{} missing", b.symbol));
        assert_eq!(
            (
                &f.name,
                &f.sector,
                f.kind,
                f.reference,
                f.shares_outstanding,
                f.multiplier
            ),
            (
                &b.name,
                &b.sector,
                b.kind,
                b.reference,
                b.shares_outstanding,
                b.multiplier
            ),
            "{}",
            b.symbol
        );
    }
    assert_eq!(fetched.store.headlines.len(), bundled.store.headlines.len());
    assert_eq!(fetched.store.print_count(), 30 * 300);

    // The bundled lesson, end to end, on the fetched replay.
    let t = tapedeck::time::parse_user_time("2025-01-26 21:12", fetched.date, fetched.tz).unwrap();
    let snap = fetched.store.snapshot(t, 0);
    let nq = fetched.store.symbol_index("NQH25").unwrap();
    let last = snap.instruments[nq].last.unwrap().display(2).to_string();
    let mut s = pty::Session::start(
        Some(out.to_str().unwrap()),
        &["--lesson", "assets/lessons/deepseek-2025-01-27.json"],
        &[("TAPEDECK_NO_CACHE", "1")],
    );
    let status = |s: &pty::Session| s.row(pty::ROWS - 1);
    for k in 1..=11 {
        s.wait_for(
            &format!("stop {k}'s question"),
            Duration::from_secs(90),
            |s| {
                let row = status(s);
                if row.contains("playing to") {
                    return false;
                }
                row.starts_with(&format!("lesson {k}/11 — press . to reveal"))
            },
        );
        assert!(s.row(0).contains("RECORDED"), "{}", s.row(0));
        s.send(".");
        s.wait_for(
            &format!("stop {k}'s answer"),
            Duration::from_secs(30),
            |s| status(s).starts_with(&format!("lesson {k}/11 — press . to continue")),
        );
        let text = s.text();
        assert!(
            !text.contains("{NQH25") && !text.contains("{NVDA"),
            "stop {k}: {text}"
        );
        if k == 1 {
            assert!(
                text.contains(&format!("Nasdaq-100 futures are at {last},")),
                "{text}"
            );
        }
        s.send(".");
        // Skip ahead through the play to the next stop.
        std::thread::sleep(Duration::from_millis(300));
        if status(&s).contains("playing to") {
            s.send(".");
        }
    }
    s.wait_for("the end of the lesson", Duration::from_secs(30), |s| {
        s.text().contains("end of the lesson") || status(s).contains("lesson over")
    });
    s.send("q");
    assert_eq!(s.exit_code(Duration::from_secs(30)), 0);
    s.assert_terminal_restored();
}
