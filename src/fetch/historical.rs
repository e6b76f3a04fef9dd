//! One Databento historical request through the vendor's own client (`databento` crate):
//! the quote (record count and cost), then the download, streamed record by record into a
//! zstd DBN file in the vendor cache with a progress bar. Rate limits and server errors are
//! retried a bounded number of times with backoff; everything the vendor or the HTTP stack
//! says is scrubbed of the key before it is shown.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use databento::HistoricalClient;
use databento::historical::metadata::GetQueryParams;
use databento::historical::timeseries::GetRangeParams;
use dbn::decode::DbnMetadata;
use dbn::encode::{AsyncDbnEncoder, AsyncEncodeRecordRef};
use dbn::{SType, Schema};
use indicatif::ProgressBar;
use tokio::io::AsyncWriteExt;

use super::FetchError;
use super::key::ApiKey;
use super::vendor_cache::{self, Entry};

/// Tries of one call before a rate limit or a server error is final.
const ATTEMPTS: u32 = 5;
/// The first wait between tries (doubling each time): 1, 2, 4, 8 s.
const BACKOFF: Duration = Duration::from_secs(1);

/// One timeseries request, as `fetch databento` flags or a recipe give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub dataset: String,
    pub schema: Schema,
    pub stype_in: SType,
    pub symbols: Vec<String>,
    /// Inclusive start and exclusive end, UTC nanoseconds.
    pub start: i64,
    pub end: i64,
}

impl Request {
    /// Builds a request from its text fields; errors name the flag.
    pub fn parse(
        dataset: &str,
        schema: &str,
        stype_in: &str,
        symbols: &[String],
        start: &str,
        end: &str,
    ) -> Result<Request, String> {
        let schema = match schema {
            "trades" | "mbp-1" | "tbbo" | "ohlcv-1s" | "ohlcv-1m" | "ohlcv-1h" | "ohlcv-1d" => {
                Schema::from_str(schema).map_err(|e| format!("--schema {schema}: {e}"))?
            }
            other => {
                return Err(format!(
                    "--schema {other:?}: the importer reads trades, mbp-1, tbbo and ohlcv-1s/1m/1h/1d"
                ));
            }
        };
        let stype_in = match stype_in {
            "raw_symbol" | "continuous" | "parent" => {
                SType::from_str(stype_in).map_err(|e| format!("--stype {stype_in}: {e}"))?
            }
            other => {
                return Err(format!(
                    "--stype {other:?}: one of raw_symbol, continuous, parent"
                ));
            }
        };
        if dataset.is_empty()
            || !dataset
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        {
            return Err(format!(
                "--dataset {dataset:?}: a Databento dataset code such as XNAS.ITCH or GLBX.MDP3"
            ));
        }
        let symbols: Vec<String> = symbols
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if symbols.is_empty() {
            return Err("--symbols: give at least one symbol".into());
        }
        let start = parse_time(start).map_err(|e| format!("--start {start:?}: {e}"))?;
        let end = parse_time(end).map_err(|e| format!("--end {end:?}: {e}"))?;
        if end <= start {
            return Err("--end must be after --start".into());
        }
        Ok(Request {
            dataset: dataset.to_string(),
            schema,
            stype_in,
            symbols,
            start,
            end,
        })
    }

    /// The request in the vendor's words, for the provenance and the cache entry.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {} [{}] {} to {}",
            self.dataset,
            self.schema,
            self.stype_in,
            self.symbols.join(","),
            rfc3339(self.start),
            rfc3339(self.end)
        )
    }

    fn range(&self) -> std::ops::Range<time::OffsetDateTime> {
        let t = |ns: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        };
        t(self.start)..t(self.end)
    }

    fn query(&self) -> GetQueryParams {
        GetQueryParams::builder()
            .dataset(&self.dataset)
            .symbols(self.symbols.clone())
            .schema(self.schema)
            .stype_in(self.stype_in)
            .date_time_range(self.range())
            .build()
    }

    /// The file this request is cached in, for the server at `api_url`.
    pub fn cache_file(&self, api_url: Option<&str>) -> Result<PathBuf, FetchError> {
        let dir = vendor_cache::folder("databento").ok_or_else(|| {
            FetchError::Local("no cache folder: set $TAPEDECK_CACHE_DIR or $HOME".into())
        })?;
        let key = format!("v1 {} {}", api_url.unwrap_or("default"), self.describe());
        Ok(vendor_cache::path_for(
            &dir,
            &format!("{}-{}", self.dataset, self.schema),
            &key,
            "dbn.zst",
        ))
    }
}

/// RFC 3339 (`2025-01-27T14:30:00Z`, any offset), a date and time without an offset (UTC, as
/// the vendor reads it), or a date (its midnight UTC).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let utc = if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        d.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
    {
        d.and_utc()
    } else if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    } else {
        return Err("expected RFC 3339 (2025-01-27T14:30:00Z), or YYYY-MM-DD".into());
    };
    utc.timestamp_nanos_opt()
        .ok_or_else(|| "out of range".to_string())
}

fn rfc3339(ns: i64) -> String {
    DateTime::<Utc>::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The vendor client for `key`, pointed at `api_url` when given (a proxy, or a test's mock).
pub fn client(key: &ApiKey, api_url: Option<&str>) -> Result<HistoricalClient, FetchError> {
    let mut b = HistoricalClient::builder()
        .key(key.expose())
        .map_err(|e| FetchError::Auth(key.scrub(&e.to_string())))?
        .http_client_builder(
            reqwest::ClientBuilder::new()
                .connect_timeout(Duration::from_secs(10))
                .read_timeout(Duration::from_secs(60)),
        )
        .user_agent_extension(format!("tapedeck/{}", env!("CARGO_PKG_VERSION")));
    if let Some(url) = api_url {
        let url = url::Url::parse(url)
            .map_err(|e| FetchError::Usage(format!("--api-url {url:?}: {e}")))?;
        b = b.base_url(url);
    }
    b.build()
        .map_err(|e| FetchError::Local(key.scrub(&e.to_string())))
}

/// A call's failure as the user should read it; `None` for a failure worth another try.
fn classify(e: &databento::Error, key: &ApiKey, what: &str) -> (FetchError, bool) {
    use databento::Error as E;
    let msg = |m: String| key.scrub(&format!("{what}: {m}"));
    match e {
        E::Api(api) => {
            let code = api.status_code.as_u16();
            let vendor = api.message.clone();
            match code {
                401 => (
                    FetchError::Auth(msg(format!(
                        "the API key was refused (HTTP 401: {vendor}); check ${} or your config file",
                        super::key::ENV
                    ))),
                    false,
                ),
                402 => (
                    FetchError::Payment(msg(format!(
                        "no credit left for this request (HTTP 402: {vendor})"
                    ))),
                    false,
                ),
                403 => (
                    FetchError::Payment(msg(format!(
                        "no licence for this dataset (HTTP 403: {vendor})"
                    ))),
                    false,
                ),
                429 => (
                    FetchError::RateLimited(msg(format!(
                        "rate limited by the vendor (HTTP 429: {vendor}) after {ATTEMPTS} tries; wait a minute and run it again"
                    ))),
                    true,
                ),
                500..=599 => (
                    FetchError::Network(msg(format!(
                        "the vendor's server failed (HTTP {code}: {vendor}) after {ATTEMPTS} tries"
                    ))),
                    true,
                ),
                _ => (
                    FetchError::Request(msg(format!(
                        "the vendor refused the request (HTTP {code}): {vendor}"
                    ))),
                    false,
                ),
            }
        }
        E::Http(h) => {
            let retry = h.is_connect() || h.is_timeout();
            let why = if h.is_connect() {
                "cannot connect to the vendor (is the network up?)"
            } else if h.is_timeout() {
                "the vendor did not answer in time"
            } else {
                "the HTTP exchange failed"
            };
            (
                FetchError::Network(msg(format!("{why}: {}", error_chain(h)))),
                retry,
            )
        }
        E::Io(io) => (FetchError::Network(msg(format!("{io}"))), false),
        E::Dbn(d) => (
            FetchError::Network(msg(format!("the stream could not be decoded: {d}"))),
            false,
        ),
        E::BadArgument { .. } => (FetchError::Usage(msg(e.to_string())), false),
        other => (FetchError::Local(msg(other.to_string())), false),
    }
}

/// An error with its causes, as one line (reqwest hides the useful part in the source).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The wait before try `attempt + 1`: doubling from [`BACKOFF`] (`TAPEDECK_FETCH_BACKOFF_MS`
/// sets the first wait; the tests use it to keep their retries quick).
fn backoff(attempt: u32) -> Duration {
    let base = std::env::var("TAPEDECK_FETCH_BACKOFF_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(BACKOFF, Duration::from_millis);
    base * 2u32.pow(attempt.min(6))
}

/// `$call` (an `.await`ed vendor call) until it succeeds, fails for good, or has had
/// [`ATTEMPTS`] tries; a failure is returned from the enclosing function as a [`FetchError`].
macro_rules! with_retries {
    ($key:expr, $what:expr, $call:expr) => {{
        let mut attempt = 0;
        loop {
            match $call {
                Ok(v) => break v,
                Err(e) => {
                    let (err, retry) = classify(&e, $key, $what);
                    attempt += 1;
                    if !retry || attempt >= ATTEMPTS {
                        return Err(err);
                    }
                    tokio::time::sleep(backoff(attempt - 1)).await;
                }
            }
        }
    }};
}

/// The vendor's quote for a request: how many records, at what cost in US dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    pub records: u64,
    pub cost_usd: f64,
}

/// Asks the vendor for the record count and the cost of `req`, retrying rate limits.
pub async fn quote(
    client: &mut HistoricalClient,
    key: &ApiKey,
    req: &Request,
) -> Result<Quote, FetchError> {
    let params = req.query();
    let records = with_retries!(
        key,
        "asking the record count",
        client.metadata().get_record_count(&params).await
    );
    let cost_usd = with_retries!(
        key,
        "asking the cost",
        client.metadata().get_cost(&params).await
    );
    Ok(Quote { records, cost_usd })
}

/// Downloads `req` into the cached `file`: streamed into a temporary file with `progress`
/// advanced per record, checked against the quoted record count, then renamed. On any error
/// the temporary file is removed and nothing is cached.
pub async fn download(
    client: &mut HistoricalClient,
    key: &ApiKey,
    req: &Request,
    quote: Quote,
    file: &Path,
    progress: &ProgressBar,
) -> Result<Entry, FetchError> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| FetchError::Local(format!("cannot create {}: {e}", dir.display())))?;
    }
    let part = vendor_cache::partial(file);
    let result = stream_to(client, key, req, quote, &part, progress).await;
    match result {
        Ok(records) => {
            let entry = Entry {
                request: req.describe(),
                records,
                cost_usd: quote.cost_usd,
                fetched_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            vendor_cache::commit(&part, file, &entry).map_err(|e| {
                let _ = std::fs::remove_file(&part);
                FetchError::Local(format!("cannot keep the download {}: {e}", file.display()))
            })?;
            Ok(entry)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

async fn stream_to(
    client: &mut HistoricalClient,
    key: &ApiKey,
    req: &Request,
    quote: Quote,
    part: &Path,
    progress: &ProgressBar,
) -> Result<u64, FetchError> {
    let params = GetRangeParams::builder()
        .dataset(&req.dataset)
        .symbols(req.symbols.clone())
        .schema(req.schema)
        .stype_in(req.stype_in)
        .date_time_range(req.range())
        .build();
    // Retried only until the stream starts: a stream cut midway is reported, not fetched
    // again behind the user's back (each try is billed).
    let mut decoder = with_retries!(
        key,
        "starting the download",
        client.timeseries().get_range(&params).await
    );
    let local =
        |e: std::io::Error| FetchError::Local(format!("cannot write {}: {e}", part.display()));
    let out = tokio::fs::File::create(part).await.map_err(local)?;
    let mut encoder =
        AsyncDbnEncoder::with_zstd(tokio::io::BufWriter::new(out), decoder.metadata())
            .await
            .map_err(|e| FetchError::Local(format!("cannot write {}: {e}", part.display())))?;
    progress.set_length(quote.records);
    let mut n: u64 = 0;
    loop {
        match decoder.decode_record_ref().await {
            Ok(Some(rec)) => {
                encoder.encode_record_ref(rec).await.map_err(|e| {
                    FetchError::Local(format!("cannot write {}: {e}", part.display()))
                })?;
                n += 1;
                if n.is_multiple_of(4096) {
                    progress.set_position(n);
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(FetchError::Network(key.scrub(&format!(
                    "the server closed the stream after {n} of {} records ({e}); nothing was kept: run the command again",
                    quote.records
                ))));
            }
        }
    }
    progress.set_position(n);
    if n < quote.records {
        return Err(FetchError::Network(format!(
            "the stream ended after {n} of the {} records quoted; nothing was kept: run the command again",
            quote.records
        )));
    }
    encoder.get_mut().shutdown().await.map_err(local)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_refuse_with_the_flag_named() {
        let r = Request::parse(
            "GLBX.MDP3",
            "trades",
            "raw_symbol",
            &["NQH5".into(), " ESH5".into()],
            "2025-01-26T23:00:00Z",
            "2025-01-27T22:00",
        )
        .unwrap();
        assert_eq!(r.symbols, ["NQH5", "ESH5"]);
        assert_eq!(r.start, 1_737_932_400_000_000_000);
        assert_eq!(r.end - r.start, 23 * 3600 * 1_000_000_000);
        assert!(
            r.describe()
                .contains("GLBX.MDP3 trades raw_symbol [NQH5,ESH5]")
        );
        let bad = |schema: &str, stype: &str, start: &str| {
            Request::parse(
                "XNAS.ITCH",
                schema,
                stype,
                &["NVDA".into()],
                start,
                "2025-01-28",
            )
            .unwrap_err()
        };
        assert!(bad("mbo", "raw_symbol", "2025-01-27").contains("--schema"));
        assert!(bad("trades", "isin", "2025-01-27").contains("--stype"));
        assert!(bad("trades", "raw_symbol", "yesterday").contains("--start"));
        assert!(bad("trades", "raw_symbol", "2025-01-29").contains("--end must be after"));
    }

    #[test]
    fn backoff_doubles() {
        assert_eq!(backoff(1), backoff(0) * 2);
        assert_eq!(backoff(3), backoff(0) * 8);
    }
}
