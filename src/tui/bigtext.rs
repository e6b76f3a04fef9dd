//! Big text for a projector: the 8×8 bitmap font of `font8x8` drawn with block characters,
//! either two pixel rows per cell (8 columns × 4 rows a character) or 2×2 pixels per cell
//! with quadrant blocks (4 × 4). Only ASCII has glyphs; `−` is drawn as `-`.
//! (tui-big-text offers the same; the two sizes presenter mode needs did not justify the dependency.)

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 8 columns × 4 rows a character.
    Half,
    /// 4 columns × 4 rows a character.
    Quadrant,
    /// A 3×5 font for figures (digits, `+-.,%$:/` and `BTMkna`), 4 columns × 3 rows a
    /// character: crisper than the 8×8 font scaled down.
    Small,
}

impl Size {
    pub fn cell_w(self) -> u16 {
        match self {
            Size::Half => 8,
            Size::Quadrant | Size::Small => 4,
        }
    }

    pub fn height(self) -> u16 {
        match self {
            Size::Half | Size::Quadrant => 4,
            Size::Small => 3,
        }
    }
}

/// The 3×5 figures: five rows of three pixels, the high bit leftmost.
fn small_glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b011, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '-' | '−' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        ',' => [0b000, 0b000, 0b000, 0b010, 0b100],
        ':' => [0b000, 0b010, 0b000, 0b010, 0b000],
        '%' => [0b101, 0b001, 0b010, 0b100, 0b101],
        '$' => [0b011, 0b110, 0b010, 0b011, 0b110],
        '/' => [0b001, 0b001, 0b010, 0b100, 0b100],
        'B' => [0b110, 0b101, 0b110, 0b101, 0b110],
        'T' => [0b111, 0b010, 0b010, 0b010, 0b010],
        'M' => [0b101, 0b111, 0b111, 0b101, 0b101],
        'k' => [0b100, 0b101, 0b110, 0b101, 0b101],
        'n' => [0b000, 0b110, 0b101, 0b101, 0b101],
        'a' => [0b000, 0b011, 0b101, 0b101, 0b011],
        ' ' => [0; 5],
        _ => return None,
    })
}

/// True when the 3×5 font has every character of `text`.
pub fn small_has(text: &str) -> bool {
    text.chars().all(|c| small_glyph(c).is_some())
}

/// Columns `text` takes at `size`.
pub fn width(text: &str, size: Size) -> u16 {
    (text.chars().count() as u16).saturating_mul(size.cell_w())
}

/// The largest size at which `text` fits `max_w` columns (of the 8×8 font).
pub fn fitting(text: &str, max_w: u16) -> Option<Size> {
    [Size::Half, Size::Quadrant]
        .into_iter()
        .find(|&s| width(text, s) <= max_w)
}

fn glyph(c: char) -> [u8; 8] {
    let c = match c {
        '−' | '–' | '—' => '-',
        '×' => 'x',
        c => c,
    };
    let i = c as usize;
    if i < 128 {
        font8x8::legacy::BASIC_LEGACY[i]
    } else {
        font8x8::legacy::BASIC_LEGACY['?' as usize]
    }
}

fn pixel(g: [u8; 8], x: usize, y: usize) -> bool {
    y < 8 && x < 8 && (g[y] >> x) & 1 == 1
}

const QUADRANTS: [&str; 16] = [
    " ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█",
];

/// Draws `text` with its top-left corner at (x, y), clipped to `clip`. Blank pixels keep the
/// cell's background; set pixels take `style`.
pub fn render(text: &str, size: Size, x: u16, y: u16, clip: Rect, style: Style, buf: &mut Buffer) {
    let clip = clip.intersection(buf.area);
    for (k, c) in text.chars().enumerate() {
        let gx = u32::from(x) + k as u32 * u32::from(size.cell_w());
        if size == Size::Small {
            let g = small_glyph(c).unwrap_or([0b111, 0b001, 0b010, 0b000, 0b010]);
            let on = |px: usize, py: usize| py < 5 && px < 3 && (g[py] >> (2 - px)) & 1 == 1;
            for row in 0..3u16 {
                for col in 0..3u16 {
                    let (cx, cy) = (gx + u32::from(col), u32::from(y) + u32::from(row));
                    if cx >= u32::from(clip.right()) || cy >= u32::from(clip.bottom()) {
                        continue;
                    }
                    let (cx, cy) = (cx as u16, cy as u16);
                    if cx < clip.left() || cy < clip.top() {
                        continue;
                    }
                    let (px, py) = (col as usize, row as usize * 2);
                    let sym = match (on(px, py), on(px, py + 1)) {
                        (true, true) => "█",
                        (true, false) => "▀",
                        (false, true) => "▄",
                        (false, false) => continue,
                    };
                    let cell = &mut buf[(cx, cy)];
                    cell.set_symbol(sym);
                    cell.set_style(style);
                }
            }
            continue;
        }
        let g = glyph(c);
        for row in 0..size.height() {
            for col in 0..size.cell_w() {
                let (cx, cy) = (gx + u32::from(col), u32::from(y) + u32::from(row));
                if cx >= u32::from(clip.right()) || cy >= u32::from(clip.bottom()) {
                    continue;
                }
                let (cx, cy) = (cx as u16, cy as u16);
                if cx < clip.left() || cy < clip.top() {
                    continue;
                }
                let (px, py) = (col as usize, row as usize * 2);
                let sym = match size {
                    Size::Half | Size::Small => match (pixel(g, px, py), pixel(g, px, py + 1)) {
                        (true, true) => "█",
                        (true, false) => "▀",
                        (false, true) => "▄",
                        (false, false) => continue,
                    },
                    Size::Quadrant => {
                        let px = px * 2;
                        let bits = usize::from(pixel(g, px, py))
                            | usize::from(pixel(g, px + 1, py)) << 1
                            | usize::from(pixel(g, px, py + 1)) << 2
                            | usize::from(pixel(g, px + 1, py + 1)) << 3;
                        if bits == 0 {
                            continue;
                        }
                        QUADRANTS[bits]
                    }
                };
                let cell = &mut buf[(cx, cy)];
                cell.set_symbol(sym);
                cell.set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_within_the_clip() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 6));
        render(
            "10",
            Size::Half,
            0,
            0,
            Rect::new(0, 0, 20, 4),
            Style::new(),
            &mut buf,
        );
        let text: String = (0..6)
            .flat_map(|y| (0..20).map(move |x| (x, y)))
            .map(|(x, y)| buf[(x, y)].symbol().to_string())
            .collect();
        assert!(text.contains('█'));
        for x in 0..20 {
            assert_eq!(buf[(x, 5)].symbol(), " ");
        }
        // Off the buffer: nothing written, no panic.
        render(
            "88",
            Size::Quadrant,
            18,
            5,
            buf.area,
            Style::new(),
            &mut buf,
        );
        assert_eq!(width("09:30:00", Size::Half), 64);
        assert_eq!(fitting("09:30:00", 40), Some(Size::Quadrant));
        assert_eq!(fitting("09:30:00", 10), None);
    }
}
