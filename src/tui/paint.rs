//! The small drawing helpers every pane uses: clipped text, a pane's frame, wrapping and the
//! number formats shown on screen. Everything here clips to the area it is given, so no size
//! can make it write outside.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::format;
use crate::price::Price;

use super::model::Pane;
use super::view::View;

/// Writes `text` at (x, y), clipped to `clip`; returns the column after it.
pub fn put(buf: &mut Buffer, clip: Rect, x: u16, y: u16, text: &str, style: Style) -> u16 {
    let clip = clip.intersection(buf.area);
    if y < clip.top() || y >= clip.bottom() || x < clip.left() || x >= clip.right() {
        return x;
    }
    buf.set_stringn(x, y, text, (clip.right() - x) as usize, style)
        .0
}

/// Writes `text` right-aligned so that it ends at `right` (exclusive).
pub fn put_right(buf: &mut Buffer, clip: Rect, right: u16, y: u16, text: &str, style: Style) {
    let w = text.width() as u16;
    let x = right.saturating_sub(w).max(clip.x);
    put(buf, clip, x, y, text, style);
}

/// Draws a pane's frame with its title and returns the area inside it.
pub fn pane_block(
    v: &View,
    pane: Pane,
    title: Vec<Span<'_>>,
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return area;
    }
    let focused = v.focus == pane;
    let t = v.theme;
    let mut spans = vec![Span::styled(
        format!(" {} ", pane.title()),
        if focused { t.border_focus } else { t.title },
    )];
    spans.extend(title);
    spans.push(Span::raw(" "));
    let block = Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused { t.border_focus } else { t.border })
        .title(Line::from(spans));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// Word-wraps `text` to `width` columns (long words are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if width == 0 {
        return lines;
    }
    let mut line = String::new();
    let mut line_w = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        loop {
            let ww = word.width();
            let gap = usize::from(line_w > 0);
            if line_w + gap + ww <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += gap + ww;
                break;
            }
            if line_w > 0 {
                lines.push(std::mem::take(&mut line));
                line_w = 0;
                continue;
            }
            // A word longer than the line: cut it.
            let mut cut = 0;
            let mut w = 0;
            for (i, c) in word.char_indices() {
                let cw = c.width().unwrap_or(0);
                if w + cw > width {
                    break;
                }
                w += cw;
                cut = i + c.len_utf8();
            }
            if cut == 0 {
                return lines;
            }
            lines.push(word[..cut].to_string());
            word = &word[cut..];
            if word.is_empty() {
                break;
            }
        }
    }
    if line_w > 0 {
        lines.push(line);
    }
    lines
}

/// Cuts `text` to `width` columns, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

pub fn price(p: Option<Price>, decimals: u32) -> String {
    p.map_or_else(|| "-".into(), |p| p.display(decimals).to_string())
}

/// A signed change with the instrument's digits, e.g. `-24.20`.
pub fn change(p: Option<Price>, decimals: u32) -> String {
    match p {
        Some(p) if p.0 > 0 => format!("+{}", p.display(decimals)),
        Some(p) => p.display(decimals).to_string(),
        None => "-".into(),
    }
}

/// A percent as published: two decimals with a sign, e.g. `-16.97%`.
pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), format::pct)
}

/// The most precise form of a percent that fits `width`: `-7.57%`, `-7.57`, `-7.6`, `-8`.
pub fn pct_fit(v: Option<f64>, width: usize) -> String {
    let Some(p) = v.map(format::round_pct) else {
        return "-".into();
    };
    let full = format::pct(p);
    if full.width() <= width {
        return full;
    }
    [format!("{p:+.2}"), format!("{p:+.1}"), format!("{p:+.0}")]
        .into_iter()
        .find(|s| s.width() <= width)
        .unwrap_or_default()
}

pub fn money(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), format::money)
}

pub use crate::format::volume;

/// `▲`, `▼` or `·` for a signed value: the sign survives without colour.
pub fn arrow(v: Option<f64>) -> &'static str {
    match v {
        Some(v) if v > 0.0 => "▲",
        Some(v) if v < 0.0 => "▼",
        _ => "·",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert!(wrap("anything", 0).is_empty());
        assert_eq!(fit("Nasdaq", 4), "Nas…");
        assert_eq!(fit("Nasdaq", 6), "Nasdaq");
    }

    #[test]
    fn numbers() {
        assert_eq!(pct(Some(-16.9684)), "-16.97%");
        assert_eq!(pct(Some(-0.001)), "0.00%");
        assert_eq!(pct(Some(3.18)), "+3.18%");
        assert_eq!(pct_fit(Some(-7.5712), 5), "-7.57");
        assert_eq!(pct_fit(Some(-7.5712), 4), "-7.6");
        assert_eq!(pct_fit(Some(-17.5712), 3), "-18");
        assert_eq!(pct_fit(Some(-17.5712), 2), "");
        assert_eq!(volume(820_927_045), "820.9M");
        assert_eq!(change(Some(Price::parse("-24.2").unwrap()), 2), "-24.20");
        assert_eq!(change(Some(Price::parse("1.5").unwrap()), 2), "+1.50");
    }

    #[test]
    fn put_clips() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 2));
        let clip = Rect::new(1, 0, 3, 1);
        assert_eq!(put(&mut buf, clip, 1, 0, "abcdef", Style::new()), 4);
        put(&mut buf, clip, 1, 1, "zz", Style::new());
        put(&mut buf, clip, 9, 0, "zz", Style::new());
        assert_eq!(buf, Buffer::with_lines([" abc ", "     "]));
    }
}
