//! What a symbol may be and what it says by itself: the rules both the metadata table
//! ([`super::instruments`]) and the sink ([`super::sink`]) apply, kept here so that neither
//! depends on the other for them.

use crate::replay::manifest::InstrumentKind;

/// What the replay format accepts as a symbol.
pub fn valid_symbol(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'^' | b'=')
        })
}

/// Root of an E-mini or Micro E-mini Nasdaq-100 / S&P 500 contract (`NQH25`, `ESZ4`,
/// `MNQ.c.0`), whose tick is 0.25.
pub fn quarter_tick_root(symbol: &str) -> Option<&'static str> {
    let upper = symbol.to_ascii_uppercase();
    ["MNQ", "MES", "NQ", "ES"].into_iter().find(|root| {
        upper.strip_prefix(root).is_some_and(|rest| {
            let b = rest.as_bytes();
            b.first() == Some(&b'.')
                || (b.len() >= 2
                    && b"FGHJKMNQUVXZ".contains(&b[0])
                    && b[1..].iter().all(u8::is_ascii_digit))
        })
    })
}

/// The kind a symbol without metadata is taken for.
pub fn guess_kind(symbol: &str) -> InstrumentKind {
    if quarter_tick_root(symbol).is_some() {
        InstrumentKind::Future
    } else {
        InstrumentKind::Stock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_roots() {
        assert_eq!(quarter_tick_root("NQH25"), Some("NQ"));
        assert_eq!(quarter_tick_root("ESZ4"), Some("ES"));
        assert_eq!(quarter_tick_root("MNQ.c.0"), Some("MNQ"));
        assert_eq!(quarter_tick_root("MESM5"), Some("MES"));
        assert_eq!(quarter_tick_root("ESTC"), None);
        assert_eq!(quarter_tick_root("ES"), None);
        assert_eq!(quarter_tick_root("NVDA"), None);
    }
}
