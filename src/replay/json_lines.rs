//! serde_json reports lines for syntax errors only. To point a semantic problem (a negative
//! tick size, an unknown sector) at its line, these helpers find where array elements and keys
//! start in the raw text. They track strings and nesting; they do not validate.

/// A JSON file that does not parse into what it should hold: where, in which field, and what
/// is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    pub line: usize,
    /// The field as a path (`instruments[3].tick_size`, `[1].text`); empty for a syntax error.
    pub field: String,
    pub message: String,
}

/// Parses `text` as a `T`. A syntax error is told with its line and column; a value that does
/// not fit its field (out of range, of the wrong type, unknown, missing) names the field.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, JsonProblem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        problem(text, e.inner(), &path)
    })?;
    de.end().map_err(|e| problem(text, &e, ""))?;
    Ok(value)
}

fn problem(text: &str, e: &serde_json::Error, path: &str) -> JsonProblem {
    // serde_json appends " at line L column C"; the line is told apart.
    let full = e.to_string();
    let bare = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i]);
    if !e.is_data() {
        let bare = match bare {
            "trailing characters" => "unexpected text after the end of the JSON",
            other => other,
        };
        return JsonProblem {
            line: e.line(),
            field: String::new(),
            message: format!("{bare} (column {})", e.column()),
        };
    }
    let (field, message) = data_problem(text, e, path, bare);
    JsonProblem {
        line: e.line(),
        field,
        message,
    }
}

/// `a.b` + `c` = `a.b.c`.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else if path.ends_with(&format!(".{key}")) || path == key {
        path.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The text between the first pair of backticks in `s`.
fn ticked(s: &str) -> Option<&str> {
    let a = s.find('`')? + 1;
    let b = a + s[a..].find('`')?;
    Some(&s[a..b])
}

/// Backticked names after `expected`, as a plain list: `stock, etf, future, index`.
fn expected_names(s: &str) -> String {
    let tail = s.find("expected").map_or("", |i| &s[i..]);
    tail.split('`')
        .skip(1)
        .step_by(2)
        .collect::<Vec<_>>()
        .join(", ")
}

/// serde's name of an expected type in plain words.
fn plain_expected(what: &str) -> String {
    let whole = |max: &str| format!("a whole number from 0 to {max}");
    match what {
        "u8" => whole("255"),
        "u16" => whole("65535"),
        "u32" => whole("4294967295"),
        "u64" => whole("18446744073709551615"),
        "i64" => "a whole number".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list [...]".into(),
        w if w.starts_with("struct ") => "an object {...}".into(),
        w => w.into(),
    }
}

/// What a price field must hold, for the message when its value does not fit.
fn price_rule(field: &str) -> String {
    let max = crate::price::Price(i64::MAX).display(0);
    let leaf = field.rsplit('.').next().unwrap_or(field);
    let what = match leaf {
        "tick_size" => "a tick size",
        "print_increment" => "a print increment",
        "reference" => "a reference price",
        _ => "a price",
    };
    format!("{what} must be a positive number below {max}, with at most 9 decimals")
}

/// The JSON value that ends just before `line`:`column` (where serde_json stops after reading
/// it), as written in the file.
fn token_before(text: &str, line: usize, column: usize) -> Option<&str> {
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let row = &text[start..];
    let row = &row[..row.find('\n').unwrap_or(row.len())];
    let end = row.char_indices().nth(column).map_or(row.len(), |(i, _)| i);
    let before = row[..end].trim_end_matches([',', '}', ']', ' ', '\t', '\r']);
    if let Some(inner) = before.strip_suffix('"') {
        let open = inner.rfind('"')?;
        return Some(&before[open..]);
    }
    // After the last character that cannot be part of a number (which may be several bytes
    // long: a fuzzed file put an en dash there).
    let from = before
        .char_indices()
        .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    Some(&before[from..]).filter(|t| !t.is_empty())
}

/// A value that does not fit its field: the field's path and the message in plain words.
fn data_problem(text: &str, e: &serde_json::Error, path: &str, bare: &str) -> (String, String) {
    if let Some(rest) = bare.strip_prefix("missing field ") {
        let key = ticked(rest).unwrap_or(rest);
        return (join(path, key), "missing: this field is required".into());
    }
    if let Some(rest) = bare.strip_prefix("duplicate field ") {
        let key = ticked(rest).unwrap_or(rest);
        return (join(path, key), "given twice; give it once".into());
    }
    if let Some(rest) = bare.strip_prefix("unknown field ") {
        let key = ticked(rest).unwrap_or(rest);
        let known = expected_names(rest);
        let message = if known.is_empty() {
            "unknown field".into()
        } else {
            format!("unknown field; the fields here are: {known}")
        };
        return (join(path, key), message);
    }
    if let Some(rest) = bare.strip_prefix("unknown variant ") {
        let value = ticked(rest).unwrap_or(rest);
        return (
            path.to_string(),
            format!("{value:?} is not one of: {}", expected_names(rest)),
        );
    }
    if let Some(rest) = bare.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let number = found.starts_with("floating point") || found.starts_with("integer");
        let written = token_before(text, e.line(), e.column()).filter(|_| number);
        let found = found.replace('`', "");
        let found = if let Some(t) = written {
            format!("the number {t}")
        } else if let Some(t) = found.strip_prefix("string ") {
            format!("the text {t}")
        } else if let Some(t) = found
            .strip_prefix("floating point ")
            .or_else(|| found.strip_prefix("integer "))
        {
            format!("the number {t}")
        } else {
            found
        };
        return (
            path.to_string(),
            format!("expected {}, found {found}", plain_expected(expected)),
        );
    }
    if let Some(rest) = bare.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let value = ticked(found).unwrap_or(found);
        let wrong = if found.starts_with("integer") {
            "is out of range"
        } else {
            "does not fit"
        };
        return (
            path.to_string(),
            format!("{value} {wrong}: expected {}", plain_expected(expected)),
        );
    }
    // A price the `Price` type refused: say which value, what is wrong and what would do.
    let value = token_before(text, e.line(), e.column()).unwrap_or("the value");
    let what = match bare {
        "out of range" | "price out of range" => format!("{value} is out of range"),
        "more than 9 decimal places" => format!("{value} has more than 9 decimal places"),
        "not a finite number" => format!("{value} is not a finite number"),
        "not a decimal number" => format!("{value} is not a decimal number"),
        "empty price" => "empty".into(),
        _ => return (path.to_string(), bare.to_string()),
    };
    (path.to_string(), format!("{what} ({})", price_rule(path)))
}

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

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        tick_size: crate::price::Price,
        count: u32,
        #[serde(default)]
        on: bool,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
    }

    fn fails(text: &str) -> JsonProblem {
        parse::<Doc>(text).unwrap_err()
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_field() {
        let p = fails(
            "{\"items\": [\n {\"tick_size\": 0.01, \"count\": 1},\n {\"tick_size\": 1e308, \"count\": 1}]}",
        );
        assert_eq!((p.line, p.field.as_str()), (3, "items[1].tick_size"));
        assert!(p.message.starts_with("1e308 is out of range (a tick size must be a positive number below 9223372036.854775807"), "{}", p.message);

        let p = fails("{\"items\": [{\"tick_size\": \"1.0000000001\", \"count\": 1}]}");
        assert_eq!(p.field, "items[0].tick_size");
        assert!(
            p.message
                .starts_with("\"1.0000000001\" has more than 9 decimal places"),
            "{}",
            p.message
        );

        let p = fails("{\"items\": [{\"tick_size\": 1, \"count\": 5000000000}]}");
        assert_eq!(p.field, "items[0].count");
        assert_eq!(
            p.message,
            "5000000000 is out of range: expected a whole number from 0 to 4294967295"
        );

        let p = fails("{\"items\": [{\"tick_size\": 1, \"count\": 2.5}]}");
        assert_eq!(
            p.message,
            "expected a whole number from 0 to 4294967295, found the number 2.5"
        );

        let p = fails("{\"items\": [{\"tick_size\": 1, \"count\": 1, \"on\": \"yes\"}]}");
        assert_eq!(p.field, "items[0].on");
        assert_eq!(p.message, "expected true or false, found the text \"yes\"");

        let p = fails("{\"items\": [{\"tick_size\": 1}]}");
        assert_eq!(
            (p.field.as_str(), p.message.as_str()),
            ("items[0].count", "missing: this field is required")
        );

        let p = fails("{\"items\": [{\"tick_size\": 1, \"count\": 1, \"count\": 2}]}");
        assert_eq!(
            (p.field.as_str(), p.message.as_str()),
            ("items[0].count", "given twice; give it once")
        );

        let p = fails("{\"items\": [{\"tick_size\": 1, \"count\": 1, \"cnt\": 1}]}");
        assert_eq!(p.field, "items[0].cnt");
        assert_eq!(
            p.message,
            "unknown field; the fields here are: tick_size, count, on"
        );
    }

    #[test]
    fn a_syntax_error_keeps_its_line_and_column() {
        let p = fails("{\"items\": [\n{\"tick_size\": 1 \"count\": 1}]}");
        assert_eq!(p.line, 2);
        assert_eq!(p.field, "");
        assert_eq!(p.message, "expected `,` or `}` (column 17)");
        let p = fails("{\"items\": []} x");
        assert!(
            p.message
                .starts_with("unexpected text after the end of the JSON (column "),
            "{}",
            p.message
        );
    }

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
