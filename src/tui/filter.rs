//! Which headlines auto-pause and run-to-next stop at.

use crate::engine::Headline;

/// tags are given, carrying at least one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadlineFilter {
    pub min_importance: u8,
    pub tags: Vec<String>,
}

impl HeadlineFilter {
    /// Reads `2`, `3 chips`, `futures europe`, or nothing (every headline). Tags must occur in
    /// the replay's headlines.
    pub fn parse(text: &str, headlines: &[Headline]) -> Result<HeadlineFilter, String> {
        let mut f = HeadlineFilter::default();
        for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
            if let Ok(n) = word.parse::<u8>() {
                if !(1..=3).contains(&n) {
                    return Err(format!("importance runs from 1 to 3, not {n}"));
                }
                f.min_importance = n;
                continue;
            }
            let tag = word.to_ascii_lowercase();
            if !headlines
                .iter()
                .any(|h| h.tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)))
            {
                let mut known: Vec<&str> = headlines
                    .iter()
                    .flat_map(|h| h.tags.iter().map(String::as_str))
                    .collect();
                known.sort_unstable();
                known.dedup();
                return Err(format!(
                    "no headline has the tag {:?} (tags: {})",
                    crate::text::sanitize(word),
                    known.join(" ")
                ));
            }
            if !f.tags.contains(&tag) {
                f.tags.push(tag);
            }
        }
        Ok(f)
    }

    pub fn matches(&self, h: &Headline) -> bool {
        h.importance >= self.min_importance
            && (self.tags.is_empty()
                || h.tags
                    .iter()
                    .any(|t| self.tags.iter().any(|w| t.eq_ignore_ascii_case(w))))
    }

    pub fn is_all(&self) -> bool {
        self.min_importance <= 1 && self.tags.is_empty()
    }

    /// `every headline`, `importance ≥ 2`, `importance ≥ 2 tagged chips or futures`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.min_importance > 1 {
            parts.push(format!("importance ≥ {}", self.min_importance));
        }
        if !self.tags.is_empty() {
            parts.push(format!("tagged {}", self.tags.join(" or ")));
        }
        if parts.is_empty() {
            "every headline".into()
        } else {
            parts.join(" ")
        }
    }

    /// The filter as typed (what the prompt starts with).
    pub fn text(&self) -> String {
        let mut words = Vec::new();
        if self.min_importance > 1 {
            words.push(self.min_importance.to_string());
        }
        words.extend(self.tags.iter().cloned());
        words.join(" ")
    }
}
