//! `tapedeck synth`: reconstructs a session from an anchor file.
//!
//! Every sourced figure (daily and intraday bars, timed levels, windows for extremes) is pinned
//! exactly; everything between is simulated: Poisson arrivals with an intraday shape, a price
//! path that bridges from pin to pin while sharing a market factor (the index future's own
//! path) and a sector factor, and heavy-tailed sizes that sum to each pinned volume. The same
//! anchor file and seed always give the same prints (on a given platform: the few
//! transcendental functions used come from its maths library).
//!
//! [`from_bars`] is the other way in: a replay's recorded bars, each pinned exactly, with
//! simulated prints inside them.

pub mod anchors;
mod arrivals;
mod check;
pub mod from_bars;
mod path;
mod plan;
mod rng;
mod sim;
mod sizes;
mod write;

#[cfg(test)]
mod tests;

pub use write::write_replay;

use crate::replay::manifest::{
    FORMAT_NAME, FORMAT_VERSION, Files, Generator, Instrument, Manifest, Provenance, ProvenanceKind,
};
use crate::replay::trades::TradeRow;
use path::{Factor, Grid};
use rng::Rng;

pub const GENERATOR_VERSION: &str = "1";

/// Sector paths move this much per square-root second (log units): about 1% over a session.
const SECTOR_SIGMA: f64 = 7e-5;
/// Market path used when the anchor file has no future to take it from.
const MARKET_SIGMA: f64 = 1e-4;

/// A generated replay: its manifest and its prints, sorted by (time, instrument).
pub struct Synth {
    pub manifest: Manifest,
    pub trades: Vec<TradeRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A problem with the anchor file as a whole (times, sessions, time zone).
    #[error("anchor file: {field}: {problem}")]
    File { field: String, problem: String },
    /// A figure of one instrument that is malformed or inconsistent with the others.
    #[error("{symbol}: {field}: {problem}")]
    Anchor {
        symbol: String,
        field: String,
        problem: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("replay.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Generates the replay for `anchors`. `anchor_label` is how the anchor file is named in the
/// provenance (e.g. `assets/deepseek-2025-01-27/anchors.json`).
pub fn generate(
    anchors: &anchors::AnchorFile,
    anchor_label: &str,
    seed: u64,
) -> Result<Synth, SynthError> {
    let plan = plan::build(anchors)?;
    let sectors: Vec<Grid> = plan
        .sectors
        .iter()
        .map(|name| {
            let mut rng = Rng::stream(seed, &format!("sector/{name}"));
            Grid::random_walk(plan.start, plan.end, SECTOR_SIGMA, &mut rng)
        })
        .collect();
    let mut trades = Vec::new();
    // The market instrument goes first: everyone else's common factor is its path.
    let market = if let Some(m) = plan.market {
        let alone = Factor {
            beta: 0.0,
            market: None,
            sector: None,
        };
        let rows = sim::simulate(&plan, m, seed, &alone)?;
        let grid = Grid::from_prints(plan.start, plan.end, &rows);
        trades.extend(rows);
        grid
    } else {
        let mut rng = Rng::stream(seed, "market");
        Grid::random_walk(plan.start, plan.end, MARKET_SIGMA, &mut rng)
    };
    for (i, inst) in plan.instruments.iter().enumerate() {
        if plan.market == Some(i) {
            continue;
        }
        // The market's own sector moves with the market: a second factor would only pull,
        // say, ES away from NQ.
        let own_sector = plan.market.map(|m| plan.instruments[m].sector) != Some(inst.sector);
        let factor = Factor {
            beta: inst.beta,
            market: Some(&market),
            sector: sectors.get(inst.sector).filter(|_| own_sector),
        };
        trades.extend(sim::simulate(&plan, i, seed, &factor)?);
    }
    trades.sort_unstable_by_key(|r| (r.ts, r.instrument));
    Ok(Synth {
        manifest: manifest(anchors, &plan, anchor_label, seed),
        trades,
    })
}

fn manifest(a: &anchors::AnchorFile, plan: &plan::Plan, anchor_label: &str, seed: u64) -> Manifest {
    let instruments = a
        .instruments
        .iter()
        .zip(&plan.instruments)
        .map(|(i, p)| Instrument {
            symbol: i.symbol.clone(),
            name: i.name.clone(),
            kind: i.kind,
            sector: i.sector.clone(),
            tick_size: i.tick_size,
            print_increment: i.print_increment,
            reference: i.reference,
            reference_source: Some(i.reference_source.clone()),
            day_session: i.day_session.clone(),
            shares_outstanding: i.shares_outstanding,
            shares_source: i.shares_source.clone(),
            multiplier: i.multiplier,
            note: volume_note(i.note.as_deref(), p.simulated_volume),
        })
        .collect();
    Manifest {
        format: FORMAT_NAME.to_string(),
        version: FORMAT_VERSION,
        name: a.name.clone(),
        title: a.title.clone(),
        trading_date: a.trading_date.clone(),
        time_zone: a.time_zone.clone(),
        start: a.start.clone(),
        end: a.end.clone(),
        sessions: a.sessions.clone(),
        sectors: a.sectors.clone(),
        instruments,
        provenance: Provenance {
            kind: ProvenanceKind::Reconstructed,
            summary: a.summary.clone(),
            sources: a.sources.clone(),
            generator: Some(Generator {
                name: "tapedeck synth".to_string(),
                version: GENERATOR_VERSION.to_string(),
                seed,
                anchor_file: anchor_label.to_string(),
                anchors: plan.records.clone(),
            }),
        },
        files: Files {
            headlines: "headlines.json".to_string(),
            trades: "trades.csv.gz".to_string(),
            bars: None,
        },
    }
}

/// The instrument's note, saying that its volume is simulated unless the note already does.
fn volume_note(note: Option<&str>, simulated: Option<u64>) -> Option<String> {
    let Some(v) = simulated else {
        return note.map(str::to_string);
    };
    match note {
        Some(n) if n.to_lowercase().contains("simulated") => Some(n.to_string()),
        Some(n) => Some(format!("{n} Volume {v} is simulated.")),
        None => Some(format!("Volume {v} is simulated: no sourced figure.")),
    }
}
