//! A local stand-in for Databento's historical HTTP API on loopback, for the fetch tests: the
//! three endpoints `fetch` calls (record count, cost, timeseries range), answering with DBN
//! written by the `dbn` crate's own encoder, zstd-compressed as the vendor sends it. A
//! [`Scenario`] makes it fail as the vendor can: refused key, no credit, no licence, bad
//! symbol, rate limits, a stream cut midway. It records every print it served.
#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::c_char;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use base64::Engine;
use dbn::encode::{DbnEncoder, EncodeRecord};
use dbn::{
    FlagSet, MappingInterval, Metadata, RecordHeader, SType, Schema, SymbolMapping, TradeMsg, rtype,
};

/// A print the mock served: the vendor's symbol, event time, price (1e-9) and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Served {
    pub symbol: &'static str,
    pub ts: i64,
    pub price: i64,
    pub size: u32,
}

/// How the mock behaves.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The key it accepts (anything else: 401).
    pub key: String,
    /// Every call fails with this status and vendor message.
    pub fail: Option<(u16, &'static str)>,
    /// The first N calls answer 429.
    pub rate_limited_first: u32,
    /// The range download sends this share of its bytes, then drops the connection.
    pub cut_at: Option<f64>,
    /// Cost per record, US dollars.
    pub cost_per_record: f64,
    /// Prints per symbol per request.
    pub per_symbol: usize,
}

impl Scenario {
    pub fn ok(key: &str) -> Scenario {
        Scenario {
            key: key.into(),
            fail: None,
            rate_limited_first: 0,
            cut_at: None,
            cost_per_record: 0.000_02,
            per_symbol: 400,
        }
    }
}

struct Shared {
    scenario: Scenario,
    calls: AtomicU32,
    served: Mutex<Vec<Served>>,
    paths: Mutex<Vec<String>>,
}

/// A running mock; it stops with the test process.
pub struct Mock {
    pub url: String,
    shared: Arc<Shared>,
}

impl Mock {
    pub fn start(scenario: Scenario) -> Mock {
        let shared = Arc::new(Shared {
            scenario,
            calls: AtomicU32::new(0),
            served: Mutex::new(Vec::new()),
            paths: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v0/metadata.get_record_count", post(record_count))
            .route("/v0/metadata.get_cost", post(cost))
            .route("/v0/timeseries.get_range", post(range))
            .with_state(shared.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        Mock {
            url: format!("http://{addr}"),
            shared,
        }
    }

    /// Every print served by range downloads so far.
    pub fn served(&self) -> Vec<Served> {
        self.shared.served.lock().unwrap().clone()
    }

    /// Calls answered so far (any endpoint).
    pub fn calls(&self) -> u32 {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// The endpoints called, in order.
    pub fn paths(&self) -> Vec<String> {
        self.shared.paths.lock().unwrap().clone()
    }
}

fn vendor_error(code: u16, detail: &str) -> Response {
    (
        StatusCode::from_u16(code).unwrap(),
        [("content-type", "application/json")],
        serde_json::json!({ "detail": detail }).to_string(),
    )
        .into_response()
}

/// Authenticates and applies the scenario's failures; `None` lets the call through.
fn gate(s: &Shared, headers: &HeaderMap, path: &str) -> Option<Response> {
    let n = s.calls.fetch_add(1, Ordering::SeqCst);
    s.paths.lock().unwrap().push(path.to_string());
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:", s.scenario.key))
    );
    if headers.get("authorization").and_then(|h| h.to_str().ok()) != Some(want.as_str()) {
        return Some(vendor_error(401, "Authentication failed."));
    }
    if n < s.scenario.rate_limited_first {
        return Some(vendor_error(429, "Too many requests: slow down."));
    }
    if let Some((code, detail)) = s.scenario.fail {
        return Some(vendor_error(code, detail));
    }
    None
}

/// The vendor's symbols and a plausible price for each (1e-9 units) and tick.
fn base_price(symbol: &str) -> (i64, i64) {
    const D: i64 = 1_000_000_000;
    match symbol {
        "NQH5" => (21_500 * D, D / 4),
        "ESH5" => (6_050 * D, D / 4),
        "NVDA" => (125 * D, D / 100),
        "AAPL" => (226 * D, D / 100),
        s => (
            (40 + (s.len() as i64 * 17) + i64::from(s.as_bytes()[0] % 50)) * D,
            D / 100,
        ),
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The prints of `symbols` in [start, end): `per` each, spread evenly, a deterministic walk.
fn prints(symbols: &[&str], start: i64, end: i64, per: usize) -> Vec<(u32, Served)> {
    let mut out = Vec::new();
    for (k, sym) in symbols.iter().enumerate() {
        let (mut px, tick) = base_price(sym);
        let step = (end - start) / (per as i64 + 1);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ (k as u64 + 1);
        for i in 0..per {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            px += (x % 9) as i64 * tick - 4 * tick;
            out.push((
                1000 + k as u32,
                Served {
                    symbol: leak(sym),
                    ts: start + step * (i as i64 + 1),
                    price: px,
                    size: 1 + (x % 300) as u32,
                },
            ));
        }
    }
    // The vendor sends records in time order.
    out.sort_by_key(|(_, p)| p.ts);
    out
}

struct Asked {
    dataset: String,
    symbols: Vec<String>,
    start: i64,
    end: i64,
}

fn asked(form: &HashMap<String, String>) -> Result<Asked, Response> {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("schema") != "trades" {
        return Err(vendor_error(422, "The mock serves the trades schema only."));
    }
    let symbols: Vec<String> = get("symbols").split(',').map(str::to_string).collect();
    if let Some(bad) = symbols.iter().find(|s| s.as_str() == "NOPE") {
        return Err(vendor_error(
            422,
            leak(&format!(
                "Symbol '{bad}' not found in dataset {} for the requested range.",
                get("dataset")
            )),
        ));
    }
    Ok(Asked {
        dataset: get("dataset"),
        symbols,
        start: get("start").parse().unwrap_or(0),
        end: get("end").parse().unwrap_or(0),
    })
}

fn request_prints(s: &Shared, a: &Asked) -> Vec<(u32, Served)> {
    let syms: Vec<&str> = a.symbols.iter().map(String::as_str).collect();
    prints(&syms, a.start, a.end, s.scenario.per_symbol)
}

async fn record_count(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&s, &headers, "metadata.get_record_count") {
        return r;
    }
    match asked(&form) {
        Ok(a) => axum::Json(request_prints(&s, &a).len() as u64).into_response(),
        Err(r) => r,
    }
}

async fn cost(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&s, &headers, "metadata.get_cost") {
        return r;
    }
    match asked(&form) {
        Ok(a) => axum::Json(request_prints(&s, &a).len() as f64 * s.scenario.cost_per_record)
            .into_response(),
        Err(r) => r,
    }
}

async fn range(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = gate(&s, &headers, "timeseries.get_range") {
        return r;
    }
    let a = match asked(&form) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let recs = request_prints(&s, &a);
    let ids: Vec<(String, u32)> = a
        .symbols
        .iter()
        .enumerate()
        .map(|(k, sym)| (sym.clone(), 1000 + k as u32))
        .collect();
    let day = |ns: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
            .unwrap()
            .date()
    };
    let md = Metadata::builder()
        .dataset(a.dataset.clone())
        .schema(Some(Schema::Trades))
        .start(a.start as u64)
        .end(NonZeroU64::new(a.end as u64))
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .symbols(a.symbols.clone())
        .mappings(
            ids.iter()
                .map(|(sym, id)| SymbolMapping {
                    raw_symbol: sym.clone(),
                    intervals: vec![MappingInterval {
                        start_date: day(a.start),
                        end_date: day(a.end).next_day().unwrap(),
                        symbol: id.to_string(),
                    }],
                })
                .collect(),
        )
        .build();
    let msgs: Vec<TradeMsg> = recs
        .iter()
        .enumerate()
        .map(|(seq, (id, p))| TradeMsg {
            hd: RecordHeader::new::<TradeMsg>(rtype::MBP_0, 1, *id, p.ts as u64),
            price: p.price,
            size: p.size,
            action: b'T' as c_char,
            side: b'A' as c_char,
            flags: FlagSet::default(),
            depth: 0,
            ts_recv: p.ts as u64 + 1_000,
            ts_in_delta: 0,
            sequence: seq as u32,
        })
        .collect();
    let mut bytes = Vec::new();
    {
        let mut enc = DbnEncoder::with_zstd(&mut bytes, &md).unwrap();
        enc.encode_records(&msgs).unwrap();
    }
    match s.scenario.cut_at {
        None => {
            s.served
                .lock()
                .unwrap()
                .extend(recs.iter().map(|(_, p)| *p));
            ([("content-type", "application/octet-stream")], bytes).into_response()
        }
        Some(share) => {
            let cut = (bytes.len() as f64 * share) as usize;
            let first = bytes[..cut].to_vec();
            // The first part is sent (and flushed, during the pause), then the connection
            // drops.
            let first = futures::stream::iter([Ok::<_, std::io::Error>(first)]);
            let drop = futures::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                Err(std::io::Error::other("the mock drops the connection"))
            });
            use futures::StreamExt;
            Response::builder()
                .header("content-type", "application/octet-stream")
                .body(Body::from_stream(first.chain(drop)))
                .unwrap()
        }
    }
}
