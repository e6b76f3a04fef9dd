//! What an import did: rows read, imported, rejected and skipped by reason, the first problems
//! as `file:line: field: what is wrong`, and notes (such as where a reference price came from).
//!
//! Rejected rows are malformed (they count against `--max-rejected-pct`); skipped rows are
//! well-formed but not part of the replay (another day, a duplicate, a book update).

use std::fmt;

/// Problems listed before the rest are only counted.
pub const FIRST_PROBLEMS: usize = 10;

/// Why a malformed row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    Timestamp,
    Symbol,
    Price,
    Size,
    Bar,
    Columns,
    Utf8,
    Corrupt,
}

impl Reject {
    pub const ALL: [Reject; 8] = [
        Reject::Timestamp,
        Reject::Symbol,
        Reject::Price,
        Reject::Size,
        Reject::Bar,
        Reject::Columns,
        Reject::Utf8,
        Reject::Corrupt,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Reject::Timestamp => "missing or unreadable timestamp",
            Reject::Symbol => "missing or invalid symbol",
            Reject::Price => "missing, NaN, zero or negative price",
            Reject::Size => "missing, zero, negative or fractional size",
            Reject::Bar => "inconsistent bar (high below low, open or close outside them)",
            Reject::Columns => "wrong number of columns",
            Reject::Utf8 => "not UTF-8 text",
            Reject::Corrupt => "truncated or corrupt data",
        }
    }
}

/// Why a well-formed row is not in the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Before the trading date: only used to derive reference prices.
    EarlierDay,
    LaterDay,
    /// On the trading date but outside the replay's sessions (e.g. 20:00–24:00).
    OutsideSessions,
    Duplicate,
    /// A quote or book update, a status message: nothing the replay holds.
    NotATrade,
    /// Not among `--symbols`.
    NotAsked,
    /// Bars of an instrument that also has prints: the prints are the finer record.
    BarsWithPrints,
    /// Bars longer than the instrument's shortest bars (a replay shows one bar length).
    CoarserBars,
}

impl Skip {
    pub const ALL: [Skip; 8] = [
        Skip::EarlierDay,
        Skip::LaterDay,
        Skip::OutsideSessions,
        Skip::Duplicate,
        Skip::NotATrade,
        Skip::NotAsked,
        Skip::BarsWithPrints,
        Skip::CoarserBars,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Skip::EarlierDay => "before the trading date (used for reference prices only)",
            Skip::LaterDay => "after the trading date",
            Skip::OutsideSessions => "outside the replay's sessions",
            Skip::Duplicate => "exact duplicates",
            Skip::NotATrade => "quotes, book updates and other non-trade records",
            Skip::NotAsked => "symbols not asked for (--symbols)",
            Skip::BarsWithPrints => "bars of instruments that have prints",
            Skip::CoarserBars => "bars longer than the instrument's shortest bars",
        }
    }
}

/// Counts and first problems of one import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Data rows (or records) read from every input.
    pub read: u64,
    pub trades: u64,
    pub bars: u64,
    pub instruments: usize,
    /// The trading date the replay covers, `YYYY-MM-DD`.
    pub date: Option<String>,
    pub rejected: [u64; Reject::ALL.len()],
    pub skipped: [u64; Skip::ALL.len()],
    /// `file:line: field: what is wrong`, the first [`FIRST_PROBLEMS`].
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more_problems: u64,
    /// Things a person should know, e.g. a reference price taken from the first print.
    pub notes: Vec<String>,
}

impl ImportReport {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.iter().sum()
    }

    pub fn rejected_count(&self, r: Reject) -> u64 {
        self.rejected[r as usize]
    }

    pub fn skipped_count(&self, s: Skip) -> u64 {
        self.skipped[s as usize]
    }

    /// Rejected rows as a percentage of rows read.
    pub fn rejected_pct(&self) -> f64 {
        if self.read == 0 {
            0.0
        } else {
            self.rejected_total() as f64 * 100.0 / self.read as f64
        }
    }

    pub(crate) fn reject(&mut self, r: Reject) {
        self.rejected[r as usize] += 1;
    }

    pub(crate) fn skip(&mut self, s: Skip, n: u64) {
        self.skipped[s as usize] += n;
    }

    /// Lists a problem if fewer than [`FIRST_PROBLEMS`] are listed; `text` is only built then.
    pub(crate) fn problem(&mut self, text: impl FnOnce() -> String) {
        if self.problems.len() < FIRST_PROBLEMS {
            self.problems.push(text());
        } else {
            self.more_problems += 1;
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "read {} rows: imported {} prints and {} bars for {} instruments{}",
            thousands(self.read),
            thousands(self.trades),
            thousands(self.bars),
            self.instruments,
            self.date
                .as_deref()
                .map_or(String::new(), |d| format!(" on {d}")),
        )?;
        let rejected = self.rejected_total();
        if rejected > 0 {
            writeln!(
                f,
                "rejected {} rows ({:.3}%):",
                thousands(rejected),
                self.rejected_pct()
            )?;
            for r in Reject::ALL {
                let n = self.rejected_count(r);
                if n > 0 {
                    writeln!(f, "  {:>12}  {}", thousands(n), r.label())?;
                }
            }
        }
        if self.skipped_total() > 0 {
            writeln!(f, "skipped {} rows:", thousands(self.skipped_total()))?;
            for s in Skip::ALL {
                let n = self.skipped_count(s);
                if n > 0 {
                    writeln!(f, "  {:>12}  {}", thousands(n), s.label())?;
                }
            }
        }
        if !self.problems.is_empty() {
            writeln!(f, "first problems:")?;
            for p in &self.problems {
                writeln!(f, "  {p}")?;
            }
            if self.more_problems > 0 {
                writeln!(f, "  ... and {} more", thousands(self.more_problems))?;
            }
        }
        if !self.notes.is_empty() {
            writeln!(f, "notes:")?;
            for n in &self.notes {
                writeln!(f, "  {n}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn problems_beyond_the_first_are_counted() {
        let mut r = ImportReport::default();
        for i in 0..FIRST_PROBLEMS + 3 {
            r.problem(|| format!("p{i}"));
        }
        assert_eq!(r.problems.len(), FIRST_PROBLEMS);
        assert_eq!(r.more_problems, 3);
        assert!(r.to_string().contains("... and 3 more"));
    }
}
