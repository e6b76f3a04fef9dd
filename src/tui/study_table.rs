//! The reaction study of one headline, computed once from the store while it stays in focus:
//! the data behind the study pane (see study.rs), kept by the app and handed to the view.

use crate::engine::Store;
use crate::engine::study::{Reaction, SectorReaction, Window};
use crate::time::UnixNanos;

/// The windows shown, as in `tapedeck study`.
pub const WINDOWS: [Window; 5] = Window::DEFAULT;

/// One headline's study, computed once and kept while it stays in focus.
#[derive(Debug, Clone)]
pub struct StudyTable {
    pub headline: usize,
    /// Per instrument, one reaction per window.
    pub rows: Vec<Vec<Reaction>>,
    /// Per sector, one reaction per window, and the last window end among its members.
    pub sectors: Vec<Vec<(SectorReaction, UnixNanos)>>,
}

impl StudyTable {
    pub fn compute(store: &Store, headline: usize) -> StudyTable {
        let t = store.headlines[headline].ts;
        let rows: Vec<Vec<Reaction>> = (0..store.instruments.len())
            .map(|i| WINDOWS.iter().map(|&w| store.reaction(i, t, w)).collect())
            .collect();
        let sectors = (0..store.sectors.len())
            .map(|s| {
                WINDOWS
                    .iter()
                    .enumerate()
                    .map(|(k, &w)| {
                        let end = rows
                            .iter()
                            .enumerate()
                            .filter(|(i, r)| {
                                store.instruments[*i].sector == s && r[k].outcome.is_ok()
                            })
                            .map(|(_, r)| r[k].to_ts)
                            .max()
                            .unwrap_or(t);
                        (store.sector_reaction(s, t, w), end)
                    })
                    .collect()
            })
            .collect();
        StudyTable {
            headline,
            rows,
            sectors,
        }
    }
}
