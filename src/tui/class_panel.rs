//! The class panel beside the teacher's screen in `tapedeck serve`: the join URL and code, a
//! QR code of the URL while students join, then per stop the answers counted as they arrive,
//! a histogram of the guesses with the true value and the median marked at the reveal, and the
//! leaderboard. A pure function of the class's view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Widget};

use crate::classroom::room::{Phase, Tally};

use super::classroom::{ClassView, phase_text};
use super::paint::{fit, put, put_right, wrap};
use super::theme::Theme;

/// Columns the panel takes beside the app.
pub const WIDTH: u16 = 38;
/// Narrower screens than this show the class in a strip under the app instead.
pub const SIDE_FROM: u16 = 110;
/// Rows of that strip.
pub const STRIP: u16 = 3;

/// Where the app and the panel go on a screen of `area`.
pub fn split(area: Rect) -> (Rect, Rect) {
    if area.width >= SIDE_FROM {
        let app = Rect {
            width: area.width - WIDTH,
            ..area
        };
        let panel = Rect {
            x: area.x + app.width,
            width: WIDTH,
            ..area
        };
        (app, panel)
    } else {
        let h = STRIP.min(area.height / 4);
        let app = Rect {
            height: area.height - h,
            ..area
        };
        let panel = Rect {
            y: area.y + app.height,
            height: h,
            ..area
        };
        (app, panel)
    }
}

pub fn render(v: &ClassView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = v.tally;
    if area.width < WIDTH || area.height < 12 {
        strip(v, theme, area, buf);
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(format!(
            " Class {} · {}/{} ",
            v.code, t.students, t.max_students
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut y = inner.y;
    let w = inner.width as usize;
    for line in wrap(&format!("join {}", v.url), w) {
        put(buf, inner, inner.x, y, &line, theme.title);
        y += 1;
    }
    put(
        buf,
        inner,
        inner.x,
        y,
        &format!("code {}", v.code),
        theme.title.add_modifier(Modifier::BOLD),
    );
    y += 1;
    let status = match t.stop {
        Some(s) => format!("stop {s} · {}", phase_text(t.phase)),
        None => phase_text(t.phase).to_string(),
    };
    put(buf, inner, inner.x, y, &status, theme.text);
    y += 1;
    if let Some(e) = v.write_error {
        for line in wrap(e, w).into_iter().take(2) {
            put(buf, inner, inner.x, y, &line, theme.error);
            y += 1;
        }
    }
    let rest = Rect {
        y,
        height: inner.bottom().saturating_sub(y),
        ..inner
    };
    // The QR code while students are still joining: between stops, and at a question until
    // the first answer comes in; then the answers take its place.
    let joining = t.phase == Phase::Playing || (t.phase == Phase::Question && t.answered == 0);
    let mut y = rest.y;
    if matches!(t.phase, Phase::Question | Phase::Reveal) {
        y = answers(t, theme, rest, buf);
    }
    if joining && let Some(qr) = v.qr {
        y = draw_qr(
            qr,
            Rect {
                y,
                height: inner.bottom().saturating_sub(y + 2),
                ..inner
            },
            buf,
        );
    }
    let y = leaderboard(
        t,
        theme,
        Rect {
            y,
            height: inner.bottom().saturating_sub(y),
            ..inner
        },
        buf,
    );
    if y + 1 < inner.bottom() {
        put(
            buf,
            inner,
            inner.x,
            inner.bottom() - 2,
            "teacher token (GET /api/results):",
            theme.dim,
        );
        put(
            buf,
            inner,
            inner.x,
            inner.bottom() - 1,
            v.teacher_token,
            theme.dim,
        );
    }
}

/// One or a few lines under the app on a narrow screen.
fn strip(v: &ClassView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = v.tally;
    let mut line = format!(
        "Class {} · {}/{} · {}",
        v.code,
        t.students,
        t.max_students,
        phase_text(t.phase)
    );
    if let Some(s) = t.stop {
        line.push_str(&format!(" · stop {s}: {} answered", t.answered));
    }
    put(
        buf,
        area,
        area.x,
        area.y,
        &fit(&line, area.width as usize),
        theme.title,
    );
    if area.height > 1 {
        put(
            buf,
            area,
            area.x,
            area.y + 1,
            &fit(&format!("join {}", v.url), area.width as usize),
            theme.text,
        );
    }
}

/// Draws the QR code with two modules per cell (upper half block), dark on light whatever the
/// terminal's colours, with a quiet zone of two modules; returns the row after it.
fn draw_qr(qr: &qrcode::QrCode, area: Rect, buf: &mut Buffer) -> u16 {
    const QUIET: usize = 2;
    let n = qr.width();
    let side = n + 2 * QUIET;
    let rows = side.div_ceil(2);
    if side > area.width as usize || rows > area.height as usize {
        return area.y;
    }
    let colors = qr.to_colors();
    let dark = |x: usize, y: usize| {
        x >= QUIET
            && y >= QUIET
            && x < n + QUIET
            && y < n + QUIET
            && colors[(y - QUIET) * n + (x - QUIET)] == qrcode::Color::Dark
    };
    let shade = |d: bool| if d { Color::Black } else { Color::White };
    let x0 = area.x + ((area.width as usize - side) / 2) as u16;
    for r in 0..rows {
        for x in 0..side {
            let (top, bottom) = (dark(x, 2 * r), dark(x, 2 * r + 1));
            if let Some(cell) = buf.cell_mut((x0 + x as u16, area.y + r as u16)) {
                cell.set_symbol("▀")
                    .set_style(Style::default().fg(shade(top)).bg(shade(bottom)));
            }
        }
    }
    area.y + rows as u16
}

/// Answers so far: a count, then the guesses' histogram (numbers) or counts per choice, with
/// the true value and the median at the reveal; returns the row after it.
fn answers(t: &Tally, theme: &Theme, area: Rect, buf: &mut Buffer) -> u16 {
    let mut y = area.y;
    let bottom = area.bottom();
    let unit = if t.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", t.unit)
    };
    put(
        buf,
        area,
        area.x,
        y,
        &format!("answers {}/{}", t.answered, t.students),
        theme.text.add_modifier(Modifier::BOLD),
    );
    y += 1;
    if t.kind.is_empty() {
        put(
            buf,
            area,
            area.x,
            y,
            "discussion: nothing to answer",
            theme.dim,
        );
        return y + 1;
    }
    // Label (9 columns), bar, then " 123 ◀◆".
    let bar_room = area.width.saturating_sub(9 + 7) as usize;
    if let Some(h) = &t.bins {
        let max = h.counts.iter().copied().max().unwrap_or(0).max(1) as usize;
        let step = (h.hi - h.lo) / h.counts.len() as f64;
        let truth_bin = t.truth.map(|x| h.bin(x));
        let median_bin = t.median.filter(|_| t.truth.is_some()).map(|x| h.bin(x));
        for (k, &c) in h.counts.iter().enumerate() {
            if y >= bottom {
                break;
            }
            let from = h.lo + step * k as f64;
            put(
                buf,
                area,
                area.x,
                y,
                &format!("{from:>8.*}", t.decimals.min(2)),
                theme.dim,
            );
            let bar = "█".repeat(c as usize * bar_room / max);
            let x = put(buf, area, area.x + 9, y, &bar, theme.title);
            let mut mark = if c > 0 {
                format!(" {c}")
            } else {
                String::new()
            };
            if truth_bin == Some(k) || median_bin == Some(k) {
                mark.push(' ');
            }
            if truth_bin == Some(k) {
                mark.push('◀');
            }
            if median_bin == Some(k) {
                mark.push('◆');
            }
            put(buf, area, x, y, &mark, theme.important);
            y += 1;
        }
        if y < bottom
            && let Some(x) = t.truth
        {
            let med = t
                .median
                .map_or_else(|| "-".into(), |m| format!("{m:.*}", t.decimals));
            put(
                buf,
                area,
                area.x,
                y,
                &format!("◀ true {x:.*}{unit} · ◆ median {med}", t.decimals),
                theme.important,
            );
            y += 1;
        }
    } else if !t.choices.is_empty() {
        let max = t.choices.iter().map(|c| c.1).max().unwrap_or(0).max(1) as usize;
        for (k, (label, c)) in t.choices.iter().enumerate() {
            if y >= bottom {
                break;
            }
            put(buf, area, area.x, y, &fit(label, 12), theme.text);
            let bar = "█".repeat(*c as usize * bar_room.saturating_sub(2) / max);
            let x = put(buf, area, area.x + 13, y, &bar, theme.title);
            let right = if t.true_choice == Some(k) {
                " ✓ right"
            } else {
                ""
            };
            put(buf, area, x, y, &format!(" {c}{right}"), theme.important);
            y += 1;
        }
    } else {
        put(
            buf,
            area,
            area.x,
            y,
            "waiting for the first answer",
            theme.dim,
        );
        y += 1;
    }
    y
}

fn leaderboard(t: &Tally, theme: &Theme, area: Rect, buf: &mut Buffer) -> u16 {
    // Room for the title, at least one name, and the token's two lines below.
    if t.leaderboard.is_empty() || area.height < 5 {
        return area.y;
    }
    let mut y = area.y + 1;
    put(
        buf,
        area,
        area.x,
        y,
        "leaderboard",
        theme.text.add_modifier(Modifier::BOLD),
    );
    y += 1;
    let last = area.bottom().saturating_sub(2);
    for (k, (name, points)) in t.leaderboard.iter().enumerate() {
        if y >= last {
            break;
        }
        put(
            buf,
            area,
            area.x,
            y,
            &format!("{:>2}. {}", k + 1, fit(name, 24)),
            theme.text,
        );
        put_right(buf, area, area.right(), y, &points.to_string(), theme.title);
        y += 1;
    }
    y
}
