//! Text that comes from a file is shown in a terminal only after this: a replay must not be
//! able to move the cursor, change colours or retitle the window.

/// True when `s` holds a character that could drive a terminal (C0/C1 controls, DEL).
pub fn has_control(s: &str) -> bool {
    s.chars().any(is_control)
}

fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Replaces every control character (including ESC, CR, tabs and bidi overrides) with a space
/// and folds runs of spaces, so the text keeps its words but cannot drive the terminal.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.chars() {
        let c = if is_control(c) { ' ' } else { c };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_defused() {
        let evil = "Nvidia falls\x1b]0;pwned\x07\x1b[2J\r\nagain\u{202e}";
        assert!(has_control(evil));
        let clean = sanitize(evil);
        assert!(!has_control(&clean));
        assert!(!clean.contains('\x1b'));
        assert_eq!(clean, "Nvidia falls ]0;pwned [2J again");
    }

    #[test]
    fn plain_text_is_untouched() {
        assert_eq!(
            sanitize("Apple rises 3.2% — “wake-up call”"),
            "Apple rises 3.2% — “wake-up call”"
        );
        assert!(!has_control("Nasdaq-100 −2.97%"));
    }
}
