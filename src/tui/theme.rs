//! One colour theme, and a monochrome one for `NO_COLOR` that still tells up from down by
//! sign and markers (every pane prints a `+`/`-` or `▲`/`▼` next to a colour).

use ratatui::style::{Color, Modifier, Style};

/// Percent move at which the heat scale saturates.
pub const HEAT_SATURATION: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub color: bool,
    pub up: Style,
    pub down: Style,
    pub flat: Style,
    pub dim: Style,
    pub text: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub large_print: Style,
    pub header: Style,
    pub badge_reconstructed: Style,
    pub badge_recorded: Style,
    pub fresh: Style,
    pub important: Style,
    pub error: Style,
    pub prompt: Style,
    /// Background of the chart outside the regular session.
    pub shade: Style,
    pub prior_close: Style,
    pub vwap: Style,
    pub compare: Style,
    pub marker: Style,
}

impl Theme {
    /// The theme for this process: monochrome when `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::mono(),
            _ => Theme::colored(),
        }
    }

    pub fn colored() -> Theme {
        let fg = |c| Style::new().fg(c);
        Theme {
            color: true,
            up: fg(UP),
            down: fg(DOWN),
            flat: fg(Color::Rgb(170, 170, 170)),
            dim: fg(Color::Rgb(130, 130, 140)),
            text: Style::new(),
            title: Style::new().add_modifier(Modifier::BOLD),
            border: fg(Color::Rgb(90, 90, 100)),
            border_focus: fg(Color::Rgb(90, 170, 255)).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(50, 60, 90))
                .add_modifier(Modifier::BOLD),
            large_print: Style::new()
                .bg(Color::Rgb(70, 60, 0))
                .add_modifier(Modifier::BOLD),
            header: Style::new().bg(Color::Rgb(30, 34, 44)),
            badge_reconstructed: Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(240, 190, 60))
                .add_modifier(Modifier::BOLD),
            badge_recorded: Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(100, 200, 120))
                .add_modifier(Modifier::BOLD),
            fresh: Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(240, 190, 60))
                .add_modifier(Modifier::BOLD),
            important: fg(Color::Rgb(240, 190, 60)).add_modifier(Modifier::BOLD),
            error: fg(Color::Rgb(255, 110, 110)).add_modifier(Modifier::BOLD),
            prompt: fg(Color::Rgb(90, 170, 255)).add_modifier(Modifier::BOLD),
            shade: Style::new().bg(Color::Rgb(28, 30, 40)),
            prior_close: fg(Color::Rgb(200, 200, 90)),
            vwap: fg(Color::Rgb(200, 120, 230)),
            compare: fg(Color::Rgb(90, 170, 255)),
            marker: fg(Color::Rgb(240, 190, 60)),
        }
    }

    /// For a projector: black background, white bold text, saturated up/down colours and
    /// strong borders (washed-out greys vanish on a projected screen).
    pub fn high_contrast() -> Theme {
        let fg = |c| Style::new().fg(c).add_modifier(Modifier::BOLD);
        let yellow = Color::Rgb(255, 220, 0);
        Theme {
            color: true,
            up: fg(Color::Rgb(0, 230, 90)),
            down: fg(Color::Rgb(255, 60, 60)),
            flat: fg(Color::White),
            dim: Style::new().fg(Color::Rgb(200, 200, 200)),
            text: Style::new().fg(Color::White),
            title: fg(Color::White),
            border: Style::new().fg(Color::White),
            border_focus: fg(yellow),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(Modifier::BOLD),
            large_print: Style::new()
                .fg(Color::Black)
                .bg(yellow)
                .add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::White).bg(Color::Black),
            badge_reconstructed: Style::new()
                .fg(Color::Black)
                .bg(yellow)
                .add_modifier(Modifier::BOLD),
            badge_recorded: Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(0, 230, 90))
                .add_modifier(Modifier::BOLD),
            fresh: Style::new()
                .fg(Color::Black)
                .bg(yellow)
                .add_modifier(Modifier::BOLD),
            important: fg(yellow),
            error: fg(Color::Rgb(255, 80, 80)),
            prompt: fg(Color::Rgb(120, 200, 255)),
            shade: Style::new().bg(Color::Rgb(20, 20, 20)),
            prior_close: fg(yellow),
            vwap: fg(Color::Rgb(230, 130, 255)),
            compare: fg(Color::Rgb(120, 200, 255)),
            marker: fg(yellow),
        }
    }

    pub fn mono() -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let rev = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            color: false,
            up: bold,
            down: plain,
            flat: plain,
            dim: Style::new().add_modifier(Modifier::DIM),
            text: plain,
            title: bold,
            border: plain,
            border_focus: bold,
            selected: rev,
            large_print: bold.add_modifier(Modifier::UNDERLINED),
            header: plain,
            badge_reconstructed: rev,
            badge_recorded: rev,
            fresh: rev,
            important: bold,
            error: bold,
            prompt: bold,
            shade: plain,
            prior_close: plain,
            vwap: plain,
            compare: plain,
            marker: bold,
        }
    }

    /// Style for a signed move.
    pub fn signed(&self, v: Option<f64>) -> Style {
        match v {
            Some(v) if v > 0.0 => self.up,
            Some(v) if v < 0.0 => self.down,
            _ => self.flat,
        }
    }

    /// Tile colours for a % move on a diverging red ↔ grey ↔ green scale, with the text colour
    /// picked for contrast. Monochrome: no fill; the tile's text carries the sign.
    pub fn heat(&self, pct: Option<f64>) -> Style {
        if !self.color {
            return Style::new();
        }
        let Some(p) = pct.filter(|p| p.is_finite()) else {
            return Style::new().bg(NEUTRAL_TILE).fg(Color::Rgb(200, 200, 200));
        };
        let k = (p.abs() / HEAT_SATURATION).min(1.0);
        let to = if p < 0.0 { HEAT_DOWN } else { HEAT_UP };
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * k).round() as u8;
        let (r, g, b) = (
            mix(NEUTRAL.0, to.0),
            mix(NEUTRAL.1, to.1),
            mix(NEUTRAL.2, to.2),
        );
        // Relative luminance (sRGB weights) decides black or white text.
        let lum = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
        let fg = if lum > 140.0 {
            Color::Black
        } else {
            Color::White
        };
        Style::new().bg(Color::Rgb(r, g, b)).fg(fg)
    }
}

const UP: Color = Color::Rgb(80, 210, 120);
const DOWN: Color = Color::Rgb(255, 95, 95);
const NEUTRAL: (u8, u8, u8) = (64, 66, 74);
const NEUTRAL_TILE: Color = Color::Rgb(NEUTRAL.0, NEUTRAL.1, NEUTRAL.2);
const HEAT_DOWN: (u8, u8, u8) = (200, 30, 40);
const HEAT_UP: (u8, u8, u8) = (20, 160, 70);

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(s: Style) -> (u8, u8, u8) {
        match s.bg {
            Some(Color::Rgb(r, g, b)) => (r, g, b),
            other => panic!("not rgb: {other:?}"),
        }
    }

    #[test]
    fn heat_diverges_and_saturates() {
        let t = Theme::colored();
        let (r, g, _) = rgb(t.heat(Some(-17.0)));
        assert!(r > 150 && g < 60);
        assert_eq!(t.heat(Some(-17.0)), t.heat(Some(-10.0)));
        let (r, g, _) = rgb(t.heat(Some(3.0)));
        assert!(g > r);
        assert_eq!(rgb(t.heat(Some(0.0))), NEUTRAL);
    }

    #[test]
    fn mono_has_no_colour() {
        let t = Theme::mono();
        assert_eq!(t.heat(Some(-17.0)), Style::new());
        for s in [t.up, t.down, t.selected, t.header] {
            assert!(s.fg.is_none() && s.bg.is_none());
        }
    }
}
