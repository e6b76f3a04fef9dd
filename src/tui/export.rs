//! Export for slides: the screen as SVG, HTML (colours kept) and plain text; the reaction
//! study of the headline in focus as CSV and Markdown (the same writer as `tapedeck study`);
//! the chart as SVG drawn from its bars. The screen is rendered again from the app's state,
//! which is exactly what was last drawn (rendering is a pure read of state).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

use crate::cli::study::Format;
use crate::engine::study::Window;
use crate::replay::Replay;
use crate::time::{NANOS_PER_MIN, UnixNanos, to_utc};

use super::app::{Action, App, Startup};
use super::ui;
use super::view::{ChartData, View};

/// Size of one terminal cell in the SVG, in pixels.
pub const CELL_W: u32 = 9;
pub const CELL_H: u32 = 18;
const FONT_SIZE: u32 = 15;
const FONT: &str = "'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace";
const DEFAULT_FG: &str = "#d4d4d4";
const DEFAULT_BG: &str = "#101216";

/// The whole screen at `w`×`h`, as the app would draw it.
pub fn screen_buffer(app: &App, w: u16, h: u16) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    ui::render(&app.view(area), area, &mut buf);
    buf
}

/// Each row's text, as a terminal shows it (cells hidden behind a wide character skipped).
pub fn buffer_lines(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| {
            let mut s = String::new();
            let mut skip = 0;
            for x in 0..buf.area.width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf[(buf.area.x + x, buf.area.y + y)].symbol();
                skip = sym.width().saturating_sub(1);
                s.push_str(sym);
            }
            s
        })
        .collect()
}

pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for l in buffer_lines(buf) {
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out
}

/// An xterm colour as CSS.
pub fn css(c: Color) -> Option<String> {
    const BASIC: [&str; 16] = [
        "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
        "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
    ];
    Some(match c {
        Color::Reset => return None,
        Color::Black => BASIC[0].into(),
        Color::Red => BASIC[1].into(),
        Color::Green => BASIC[2].into(),
        Color::Yellow => BASIC[3].into(),
        Color::Blue => BASIC[4].into(),
        Color::Magenta => BASIC[5].into(),
        Color::Cyan => BASIC[6].into(),
        Color::Gray => BASIC[7].into(),
        Color::DarkGray => BASIC[8].into(),
        Color::LightRed => BASIC[9].into(),
        Color::LightGreen => BASIC[10].into(),
        Color::LightYellow => BASIC[11].into(),
        Color::LightBlue => BASIC[12].into(),
        Color::LightMagenta => BASIC[13].into(),
        Color::LightCyan => BASIC[14].into(),
        Color::White => BASIC[15].into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(n) => match n {
            0..=15 => BASIC[n as usize].into(),
            16..=231 => {
                let n = n - 16;
                let v = |k: u8| if k == 0 { 0 } else { 55 + k * 40 };
                format!("#{:02x}{:02x}{:02x}", v(n / 36), v((n / 6) % 6), v(n % 6))
            }
            _ => {
                let g = 8 + (n - 232) * 10;
                format!("#{g:02x}{g:02x}{g:02x}")
            }
        },
    })
}

/// The look of a cell: foreground, background, bold, italic, underlined, dim.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Look {
    fg: String,
    bg: Option<String>,
    bold: bool,
    italic: bool,
    underline: bool,
    dim: bool,
}

fn look(c: &Cell) -> Look {
    let (mut fg, mut bg) = (css(c.fg), css(c.bg));
    if c.modifier.contains(Modifier::REVERSED) {
        let f = fg.take().unwrap_or_else(|| DEFAULT_FG.into());
        fg = Some(bg.take().unwrap_or_else(|| DEFAULT_BG.into()));
        bg = Some(f);
    }
    Look {
        fg: fg.unwrap_or_else(|| DEFAULT_FG.into()),
        bg,
        bold: c.modifier.contains(Modifier::BOLD),
        italic: c.modifier.contains(Modifier::ITALIC),
        underline: c.modifier.contains(Modifier::UNDERLINED),
        dim: c.modifier.contains(Modifier::DIM),
    }
}

/// A run of cells in one row with one look: starting column, width in cells, text.
struct Run {
    col: u16,
    cols: u16,
    text: String,
    look: Look,
}

fn runs(buf: &Buffer, y: u16) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut skip = 0;
    for x in 0..buf.area.width {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let c = &buf[(buf.area.x + x, buf.area.y + y)];
        let w = c.symbol().width().max(1) as u16;
        skip = w - 1;
        let l = look(c);
        match out.last_mut() {
            Some(r) if r.look == l => {
                r.text.push_str(c.symbol());
                r.cols += w;
            }
            _ => out.push(Run {
                col: x,
                cols: w,
                text: c.symbol().to_string(),
                look: l,
            }),
        }
    }
    out
}

pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// The screen as SVG: a rectangle per background run, a `<text>` per styled run of text,
/// each placed at its cell (`x` = column × [`CELL_W`]) and stretched to its cells' width so
/// columns line up in any monospace font.
pub fn buffer_svg(buf: &Buffer, title: &str) -> String {
    let (w, h) = (u32::from(buf.area.width), u32::from(buf.area.height));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{pw}" height="{ph}" viewBox="0 0 {pw} {ph}" font-family="{FONT}" font-size="{FONT_SIZE}" xml:space="preserve">"#,
        pw = w * CELL_W,
        ph = h * CELL_H,
    );
    let _ = writeln!(s, "<title>{}</title>", xml_escape(title));
    let _ = writeln!(
        s,
        r#"<rect x="0" y="0" width="{}" height="{}" fill="{DEFAULT_BG}"/>"#,
        w * CELL_W,
        h * CELL_H
    );
    for y in 0..buf.area.height {
        for r in runs(buf, y) {
            if let Some(bg) = &r.look.bg {
                let _ = writeln!(
                    s,
                    r#"<rect x="{}" y="{}" width="{}" height="{CELL_H}" fill="{bg}"/>"#,
                    u32::from(r.col) * CELL_W,
                    u32::from(y) * CELL_H,
                    u32::from(r.cols) * CELL_W,
                );
            }
        }
    }
    for y in 0..buf.area.height {
        for r in runs(buf, y) {
            if r.text.trim().is_empty() {
                continue;
            }
            let mut attrs = format!(r#" fill="{}""#, r.look.fg);
            if r.look.bold {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if r.look.italic {
                attrs.push_str(r#" font-style="italic""#);
            }
            if r.look.underline {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            if r.look.dim {
                attrs.push_str(r#" opacity="0.6""#);
            }
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" textLength="{}" lengthAdjust="spacingAndGlyphs"{attrs}>{}</text>"#,
                u32::from(r.col) * CELL_W,
                u32::from(y) * CELL_H + CELL_H - 5,
                u32::from(r.cols) * CELL_W,
                xml_escape(&r.text)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The screen as an HTML page: one `<pre>`, a `<span>` per styled run.
pub fn buffer_html(buf: &Buffer, title: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{margin:0;background:{DEFAULT_BG}}} pre{{margin:0;padding:12px;font-family:{FONT};font-size:{FONT_SIZE}px;line-height:{CELL_H}px;color:{DEFAULT_FG};background:{DEFAULT_BG}}}</style></head>\n<body><pre>",
        xml_escape(title)
    );
    for y in 0..buf.area.height {
        for r in runs(buf, y) {
            let mut style = String::new();
            if r.look.fg != DEFAULT_FG {
                let _ = write!(style, "color:{};", r.look.fg);
            }
            if let Some(bg) = &r.look.bg {
                let _ = write!(style, "background:{bg};");
            }
            if r.look.bold {
                style.push_str("font-weight:bold;");
            }
            if r.look.italic {
                style.push_str("font-style:italic;");
            }
            if r.look.underline {
                style.push_str("text-decoration:underline;");
            }
            if r.look.dim {
                style.push_str("opacity:0.6;");
            }
            if style.is_empty() {
                s.push_str(&xml_escape(&r.text));
            } else {
                let _ = write!(s, "<span style=\"{style}\">{}</span>", xml_escape(&r.text));
            }
        }
        s.push('\n');
    }
    s.push_str("</pre></body></html>\n");
    s
}

/// The chart of the selected instrument (and its comparison, both then in % of the prior
/// close) from its one-minute bars up to the clock, as SVG: a polyline, the prior close,
/// hour ticks, regular hours left unshaded, and a marker for each headline so far.
pub fn chart_svg(v: &View) -> String {
    let tz = v.tz();
    let ChartData {
        ids,
        x0,
        x1,
        series,
        ..
    } = &v.chart;
    let (x0, x1) = (*x0, *x1);
    let main = ids[0];
    let cmp = ids.get(1).copied();
    let now = v.now();
    let normalised = cmp.is_some();
    let value = |i: usize, p: crate::price::Price| {
        let r = v.instruments[i].reference;
        if normalised {
            (p.0 - r.0) as f64 / r.0 as f64 * 100.0
        } else {
            p.to_f64()
        }
    };
    let reference = if normalised {
        0.0
    } else {
        v.instruments[main].reference.to_f64()
    };
    let (mut lo, mut hi) = (reference, reference);
    for (k, bs) in series.iter().enumerate() {
        for b in bs {
            lo = lo.min(value(ids[k], b.low));
            hi = hi.max(value(ids[k], b.high));
        }
    }
    if hi - lo < 1e-9 {
        hi += 0.5;
        lo -= 0.5;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let (w, h) = (1000.0, 500.0);
    let (ml, mr, mt, mb) = (80.0, 20.0, 50.0, 60.0);
    let pw = w - ml - mr;
    let ph = h - mt - mb;
    let xs = |ts: UnixNanos| ml + (ts - x0) as f64 / (x1 - x0).max(1) as f64 * pw;
    let ys = |v: f64| mt + (hi - v) / (hi - lo) * ph;
    let info = &v.instruments[main];
    let st = &v.snap.instruments[main];
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="13">"#
    );
    let title = format!(
        "{} {} {}{} — {} [{}]",
        info.symbol,
        st.last
            .map_or_else(|| "-".into(), |p| p.display(info.decimals).to_string()),
        crate::lesson::format_pct(st.change_pct),
        cmp.map_or_else(String::new, |c| format!(
            " vs {} {}",
            v.instruments[c].symbol,
            crate::lesson::format_pct(v.snap.instruments[c].change_pct)
        )),
        to_utc(now)
            .with_timezone(&tz)
            .format("%a %d %b %Y %H:%M:%S %Z"),
        v.provenance.kind.badge()
    );
    let _ = writeln!(s, "<title>{}</title>", xml_escape(&title));
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##
    );
    // Outside regular hours: shaded.
    if let Some(reg) = v.phases.iter().find(|p| p.name == "regular") {
        for (a, b) in [(x0, reg.start.min(x1)), (reg.end.max(x0), x1)] {
            if b > a {
                let _ = writeln!(
                    s,
                    r##"<rect x="{:.1}" y="{mt}" width="{:.1}" height="{ph}" fill="#f0f0f4"/>"##,
                    xs(a),
                    xs(b) - xs(a)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="{ml}" y="28" font-size="18" font-weight="bold" fill="#111111">{}</text>"##,
        xml_escape(&title)
    );
    // Axes.
    let _ = writeln!(
        s,
        r##"<path d="M{ml} {mt} V{} H{}" stroke="#333333" fill="none"/>"##,
        mt + ph,
        ml + pw
    );
    // Labels at round steps (on the tick grid for prices), as the terminal chart has them.
    let labels = super::axis::labels(normalised, (lo, hi), info.tick, info.decimals, 6);
    for (v, label) in labels {
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#333333">{label}</text>"##,
            ml - 6.0,
            ys(v) + 4.0
        );
        let _ = writeln!(
            s,
            r##"<line x1="{ml}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#e4e4e4"/>"##,
            ml + pw,
            y = ys(v)
        );
    }
    let span_h = (x1 - x0) / (60 * NANOS_PER_MIN);
    let step_h = [1, 2, 3, 4, 6, 12]
        .into_iter()
        .find(|s| span_h / s <= 12)
        .unwrap_or(12);
    let step = step_h * 60 * NANOS_PER_MIN;
    let offset = {
        use chrono::Offset;
        i64::from(
            to_utc(x0)
                .with_timezone(&tz)
                .offset()
                .fix()
                .local_minus_utc(),
        ) * 1_000_000_000
    };
    let mut ts = (x0 + offset).div_euclid(step) * step - offset;
    while ts <= x1 {
        if ts >= x0 {
            let x = xs(ts);
            let _ = writeln!(
                s,
                r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#333333"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="#333333">{}</text>"##,
                mt + ph,
                mt + ph + 5.0,
                mt + ph + 20.0,
                to_utc(ts).with_timezone(&tz).format("%H:%M")
            );
        }
        ts += step;
    }
    // Prior close.
    let _ = writeln!(
        s,
        r##"<line x1="{ml}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#b8a000" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" text-anchor="end" fill="#8a7800">prior close</text>"##,
        ml + pw,
        ml + pw - 4.0,
        ys(reference) - 4.0,
        y = ys(reference)
    );
    // Headline markers; labels that would touch step down a row.
    let (mut last_x, mut level) = (f64::NEG_INFINITY, 0u8);
    for h in &v.headlines[..v.snap.headlines_seen] {
        if h.ts < x0 || h.ts > x1 {
            continue;
        }
        let x = xs(h.ts);
        level = if x - last_x < 26.0 {
            (level + 1) % 3
        } else {
            0
        };
        last_x = x;
        let label_y = mt + ph + 34.0 + f64::from(level) * 10.0;
        let _ = writeln!(
            s,
            r##"<g><title>{}</title><line x1="{x:.1}" y1="{mt}" x2="{x:.1}" y2="{}" stroke="#e09000" stroke-dasharray="2 3"/><text x="{x:.1}" y="{}" text-anchor="middle" font-size="10" fill="#b06000">{}</text></g>"##,
            xml_escape(&format!("{} {}", h.id, h.text)),
            mt + ph,
            label_y,
            xml_escape(&h.id)
        );
    }
    // The series.
    for (k, bs) in series.iter().enumerate() {
        if bs.is_empty() {
            continue;
        }
        let colour = if k == 0 {
            match st.change_pct {
                Some(p) if p < 0.0 => "#c81e28",
                Some(p) if p > 0.0 => "#14a046",
                _ => "#333333",
            }
        } else {
            "#2472c8"
        };
        let mut pts = String::new();
        for b in bs {
            let _ = write!(pts, "{:.1},{:.1} ", xs(b.start), ys(value(ids[k], b.close)));
        }
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.6"/>"#,
            pts.trim_end()
        );
    }
    s.push_str("</svg>\n");
    s
}

/// `<replay>-<HHMMSS>` for the clock's time.
pub fn stem(v: &View) -> String {
    format!(
        "{}-{}",
        v.name,
        to_utc(v.now()).with_timezone(&v.tz()).format("%H%M%S")
    )
}

/// The study of one headline in `format`, via `tapedeck study`'s writer.
pub fn study_text(replay: &Replay, headline: usize, format: Format) -> Result<String, String> {
    let id = &replay.store.headlines[headline].id;
    let mut out: Vec<u8> = Vec::new();
    crate::cli::study::write(&mut out, replay, Some(id), &Window::DEFAULT, 1, format)
        .map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Writes everything into `dir`: the screen (`.svg`, `.html`, `.txt`), the study of the
/// headline in focus (`-study-<id>.csv`, `.md`), the chart (`-chart-<SYM>.svg`). Returns
/// the files written.
pub fn write_all(app: &App, dir: &Path, w: u16, h: u16) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let area = Rect::new(0, 0, w, h);
    let v = app.view(area);
    let stem = stem(&v);
    let mut buf = Buffer::empty(area);
    ui::render(&v, area, &mut buf);
    let title = format!(
        "{} at {}",
        v.title,
        to_utc(v.now())
            .with_timezone(&v.tz())
            .format("%Y-%m-%d %H:%M:%S %Z")
    );
    let mut files: Vec<(PathBuf, String)> = vec![
        (dir.join(format!("{stem}.svg")), buffer_svg(&buf, &title)),
        (dir.join(format!("{stem}.html")), buffer_html(&buf, &title)),
        (dir.join(format!("{stem}.txt")), buffer_text(&buf)),
    ];
    if let Some(i) = v
        .headline_in_focus()
        .filter(|&i| v.headlines[i].ts >= v.start)
    {
        let id = &v.headlines[i].id;
        for (ext, format) in [("csv", Format::Csv), ("md", Format::Md)] {
            files.push((
                dir.join(format!("{stem}-study-{id}.{ext}")),
                study_text(app.replay(), i, format)?,
            ));
        }
    }
    // The practice journal's branch in use, when there is one.
    if let Some((csv, md)) = app.trading().exports(app.replay()) {
        files.push((dir.join(format!("{stem}-journal.csv")), csv));
        files.push((dir.join(format!("{stem}-journal.md")), md));
    }
    let sym = &v.instruments[v.selected].symbol;
    files.push((dir.join(format!("{stem}-chart-{sym}.svg")), chart_svg(&v)));
    let mut written = Vec::new();
    for (path, text) in files {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `tapedeck export`: renders the app headlessly at a time (optionally in presenter mode, or
/// at a lesson's stop) and writes every export into `out`.
pub fn run_cli(
    replay: &Replay,
    at: UnixNanos,
    size: (u16, u16),
    out: &Path,
    presenter: bool,
    headline: Option<&str>,
) -> Result<Vec<PathBuf>, String> {
    let z = std::time::Duration::ZERO;
    let mut app = App::new(
        replay,
        super::keymap::Keymap::default(),
        super::theme::Theme::colored(),
    );
    app.update(
        Startup {
            presenter,
            ..Startup::default()
        },
        z,
    );
    app.update(Action::Resize(size.0, size.1), z);
    app.update(Action::SeekTo(at), z);
    if let Some(id) = headline {
        let i = replay
            .store
            .headlines
            .iter()
            .position(|h| h.id == id)
            .ok_or_else(|| format!("no headline {id:?}"))?;
        if replay.store.headlines[i].ts > at {
            return Err(format!(
                "headline {id} comes after {}",
                crate::time::rfc3339_in(at, replay.tz)
            ));
        }
        app.update(Action::SelectHeadline(i), z);
    }
    app.update(Action::ClearMessage, z);
    write_all(&app, out, size.0, size.1)
}

/// Parses `120x35`.
pub fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let (w, h) = text
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("size {text:?}: use WIDTHxHEIGHT, e.g. 120x35"))?;
    let p = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| format!("size {text:?}: width and height are 1 to 1000"))
    };
    Ok((p(w)?, p(h)?))
}
