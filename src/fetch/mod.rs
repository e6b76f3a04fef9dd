//! Recorded prints straight from the vendor: `tapedeck fetch databento` (one request through
//! Databento's own historical client) and recipes (`tapedeck fetch deepseek-2025-01-27`: every
//! request a famous session needs, from a data file in `assets/recipes/`). Downloads land in a
//! cache of vendor files keyed by the request, then go through the import pipeline unchanged.
//!
//! Layering: this module sits beside `import` and uses it; nothing below it (replay, engine)
//! knows about the network.

pub mod historical;
pub mod key;
pub mod object_storage;
pub mod recipe;
pub mod vendor_cache;

use std::fmt;

use crate::import::ImportError;

/// Why a fetch stopped. Each kind has its own exit code (README, "Fetching from Databento"),
/// and no kind leaves a replay or a cache file behind.
#[derive(Debug)]
pub enum FetchError {
    /// Flags or a recipe that cannot make a request (exit 2).
    Usage(String),
    /// No key, or the vendor refused it (HTTP 401) (exit 3).
    Auth(String),
    /// No credit left, or no licence for the dataset (HTTP 402, 403) (exit 4).
    Payment(String),
    /// The vendor refused the request: unknown symbol, dataset or date range (HTTP 400, 404,
    /// 422), with the vendor's own message (exit 5).
    Request(String),
    /// Still rate limited after the retries (HTTP 429) (exit 6).
    RateLimited(String),
    /// The network or the server failed: no connection, a timeout, a server error, or a stream
    /// closed before its last record (exit 7).
    Network(String),
    /// Dearer than `--max-cost`, or the download was not confirmed (exit 8).
    Declined(String),
    /// Writing the download or the replay failed (exit 1).
    Local(String),
    /// The downloaded files did not import (exit 1; 130 when interrupted).
    Import(ImportError),
}

impl FetchError {
    pub fn exit_code(&self) -> i32 {
        match self {
            FetchError::Usage(_) => 2,
            FetchError::Auth(_) => 3,
            FetchError::Payment(_) => 4,
            FetchError::Request(_) => 5,
            FetchError::RateLimited(_) => 6,
            FetchError::Network(_) => 7,
            FetchError::Declined(_) => 8,
            FetchError::Import(ImportError::Interrupted { .. }) => 130,
            FetchError::Local(_) | FetchError::Import(_) => 1,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Usage(m)
            | FetchError::Auth(m)
            | FetchError::Payment(m)
            | FetchError::Request(m)
            | FetchError::RateLimited(m)
            | FetchError::Network(m)
            | FetchError::Declined(m)
            | FetchError::Local(m) => f.write_str(m),
            FetchError::Import(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FetchError {}

#[cfg(test)]
mod tests {
    #[test]
    fn a_proxy_password_is_not_written_into_the_provenance() {
        let shown = super::without_userinfo("http://me:s3cret@proxy.example:8080/");
        assert_eq!(shown, "http://proxy.example:8080/");
    }
}

use std::path::PathBuf;

use chrono::NaiveDate;
use indicatif::ProgressBar;

use crate::import::{self, ImportOptions, ImportReport};
use crate::replay::manifest::Source;
use historical::Request;
use key::ApiKey;
use vendor_cache::Entry;

/// One request of a plan, with the symbol names the replay should use.
#[derive(Debug, Clone)]
pub struct PlannedRequest {
    pub request: Request,
    pub rename: Vec<(String, String)>,
}

/// What to fetch and how to import it: from `fetch databento` flags or from a recipe.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub requests: Vec<PlannedRequest>,
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    pub instruments: Option<PathBuf>,
    pub headlines: Option<PathBuf>,
    /// The bundled replay whose names, sectors, share counts and headlines are kept.
    pub kept: Option<String>,
}

/// How a plan runs: where the vendor is, what the user agreed to, and the terminal's hooks.
pub struct RunOptions<'a> {
    /// Another server than the vendor's (a proxy, a test's mock).
    pub api_url: Option<String>,
    /// Download without asking.
    pub yes: bool,
    /// Refuse a plan whose quoted cost is above this, in US dollars.
    pub max_cost: Option<f64>,
    /// Asks the user; `false` declines. Not called with `yes`.
    pub confirm: &'a dyn Fn(&str) -> bool,
    /// A progress bar for a download (`label`), hidden where there is no terminal.
    pub progress: &'a dyn Fn(&str) -> ProgressBar,
    /// A line for the user (stderr).
    pub say: &'a dyn Fn(&str),
}

/// What a run fetched: each request's cache entry and whether it was already cached.
#[derive(Debug)]
pub struct Fetched {
    pub entries: Vec<(Entry, bool)>,
    pub report: ImportReport,
}

/// A URL as it may be written into a replay: a proxy's `user:password@` taken out.
fn without_userinfo(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => "(a URL that does not parse)".into(),
    }
}

/// Fetches what the cache lacks (quote, confirm, download), then imports every file of the
/// plan into `opts.out` with the plan's metadata. The key is looked up only when something
/// must be downloaded.
pub fn run(plan: &Plan, mut opts: ImportOptions, o: &RunOptions) -> Result<Fetched, FetchError> {
    let api_url = o.api_url.as_deref();
    let mut files = Vec::new();
    let mut entries: Vec<Option<Entry>> = Vec::new();
    for p in &plan.requests {
        let file = p.request.cache_file(api_url)?;
        entries.push(vendor_cache::lookup(&file));
        files.push(file);
    }
    let missing: Vec<usize> = (0..files.len()).filter(|&i| entries[i].is_none()).collect();
    let cached: Vec<bool> = entries.iter().map(Option::is_some).collect();
    for (i, e) in entries.iter().enumerate() {
        if let Some(e) = e {
            (o.say)(&format!(
                "cached: {} ({} records, ${:.2} when fetched {})",
                plan.requests[i].request.describe(),
                e.records,
                e.cost_usd,
                e.fetched_at
            ));
        }
    }
    if !missing.is_empty() {
        let key = ApiKey::find().map_err(FetchError::Auth)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| FetchError::Local(format!("cannot start the network runtime: {e}")))?;
        let mut client = historical::client(&key, api_url)?;
        let mut quotes = Vec::new();
        for &i in &missing {
            let q = rt.block_on(historical::quote(
                &mut client,
                &key,
                &plan.requests[i].request,
            ))?;
            (o.say)(&format!(
                "{}: {} records, ${:.2} quoted",
                plan.requests[i].request.describe(),
                import::report::thousands(q.records),
                q.cost_usd
            ));
            quotes.push(q);
        }
        let total: f64 = quotes.iter().map(|q| q.cost_usd).sum();
        let records: u64 = quotes.iter().map(|q| q.records).sum();
        let ask = format!(
            "Download {} records for ${total:.2} (the vendor's quote, charged to your Databento account)?",
            import::report::thousands(records)
        );
        if let Some(max) = o.max_cost
            && total > max
        {
            return Err(FetchError::Declined(format!(
                "the quote, ${total:.2}, is above --max-cost {max:.2}: nothing was downloaded"
            )));
        }
        if !o.yes && !(o.confirm)(&ask) {
            return Err(FetchError::Declined(
                "not confirmed: nothing was downloaded (--yes downloads without asking)".into(),
            ));
        }
        for (&i, q) in missing.iter().zip(&quotes) {
            let req = &plan.requests[i].request;
            let bar = (o.progress)(&req.dataset);
            let got = rt.block_on(historical::download(
                &mut client,
                &key,
                req,
                *q,
                &files[i],
                &bar,
            ));
            bar.finish_and_clear();
            entries[i] = Some(got?);
        }
    }
    let entries: Vec<Entry> = entries.into_iter().flatten().collect();
    let cost: f64 = entries.iter().map(|e| e.cost_usd).sum();
    let datasets: Vec<&str> = {
        let mut d: Vec<&str> = plan
            .requests
            .iter()
            .map(|p| p.request.dataset.as_str())
            .collect();
        d.dedup();
        d
    };
    opts.origin = plan
        .requests
        .iter()
        .zip(&entries)
        .map(|(p, e)| Source {
            key: format!("databento:{}:{}", p.request.dataset, p.request.schema),
            what: format!(
                "Databento historical API request {}; {} records; quoted ${:.2}; fetched {}",
                p.request.describe(),
                e.records,
                e.cost_usd,
                e.fetched_at
            ),
            r#where: Some(match api_url {
                Some(u) => format!("tapedeck fetch databento --api-url {}", without_userinfo(u)),
                None => "tapedeck fetch databento (hist.databento.com)".into(),
            }),
        })
        .collect();
    opts.summary = Some(format!(
        "Recorded prints from Databento ({}), fetched with tapedeck fetch (quoted ${cost:.2}).{}",
        datasets.join(", "),
        match &plan.kept {
            Some(r) => format!(
                " Headlines, names, sectors, share counts and reference prices are those of the bundled replay {r}."
            ),
            None => String::new(),
        }
    ));
    opts.rename = plan
        .requests
        .iter()
        .flat_map(|p| p.rename.iter().cloned())
        .collect();
    if plan.title.is_some() {
        opts.title.clone_from(&plan.title);
    }
    if plan.date.is_some() {
        opts.date = plan.date;
    }
    if plan.instruments.is_some() {
        opts.instruments.clone_from(&plan.instruments);
    }
    if plan.headlines.is_some() {
        opts.headlines.clone_from(&plan.headlines);
    }
    let report = import::import(&files, &opts).map_err(FetchError::Import)?;
    Ok(Fetched {
        entries: entries.into_iter().zip(cached).collect(),
        report,
    })
}
