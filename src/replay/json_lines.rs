//! serde_json reports lines for syntax errors only. To point a semantic problem (a negative
//! tick size, an unknown sector) at its line, these helpers find where array elements and keys
//! start in the raw text. They track strings and nesting; they do not validate.

/// Line (1-based) where each element of an array starts: the top-level array when `key` is
/// `None`, else the array under the top-level object's `key`.
pub fn array_element_lines(text: &str, key: Option<&str>) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    // Depth at which the wanted array's elements live, once we are inside it.
    let mut target: Option<usize> = None;
    let mut expect_elem = false;
    let mut last_key: Option<(usize, usize)> = None; // (start, end) byte range of last key string at depth 1
    let mut str_start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
                if depth == 1 {
                    last_key = Some((str_start, i));
                }
            }
            i += 1;
            continue;
        }
        if expect_elem && !b.is_ascii_whitespace() && b != b']' {
            lines.push(line);
            expect_elem = false;
        }
        match b {
            b'"' => {
                in_str = true;
                str_start = i + 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if b == b'[' && target.is_none() {
                    let wanted = match key {
                        None => depth == 1,
                        Some(k) => depth == 2 && last_key.is_some_and(|(s, e)| &text[s..e] == k),
                    };
                    if wanted {
                        target = Some(depth);
                        expect_elem = true;
                    }
                }
            }
            b']' | b'}' => {
                if target == Some(depth) {
                    return lines;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if target == Some(depth) => expect_elem = true,
            _ => {}
        }
        i += 1;
    }
    lines
}

/// Line of the first occurrence of `"key":` at the top level of an object.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut line = 1;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            line += 1;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => {
                if depth == 1 && text[i..].starts_with(&needle) {
                    return Some(line);
                }
                in_str = true;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "name": "x [not an array]",
  "instruments": [
    {"symbol": "A", "tags": ["a", "b"]},
    {
      "symbol": "B"
    },
    {"symbol": "C"}
  ],
  "after": [1, 2]
}"#;

    #[test]
    fn finds_elements_of_a_named_array() {
        assert_eq!(array_element_lines(DOC, Some("instruments")), vec![4, 5, 8]);
        assert_eq!(array_element_lines(DOC, Some("after")), vec![10, 10]);
        assert!(array_element_lines(DOC, Some("missing")).is_empty());
    }

    #[test]
    fn finds_elements_of_a_top_level_array() {
        let doc = "[\n {\"a\": \"]\"},\n\n {\"b\": 2}\n]";
        assert_eq!(array_element_lines(doc, None), vec![2, 4]);
    }

    #[test]
    fn finds_keys_at_the_top_level_only() {
        assert_eq!(key_line(DOC, "after"), Some(10));
        assert_eq!(key_line(DOC, "symbol"), None);
        assert_eq!(key_line(DOC, "name"), Some(2));
    }
}
