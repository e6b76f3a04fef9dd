//! Export for slides: the screen as SVG (valid XML, the same text as the screen, colours
//! kept), HTML and plain text; the study as CSV and Markdown; the chart as SVG; and the
//! `tapedeck export` command that renders headlessly.

mod tui_fixture;

use std::collections::BTreeMap;
use std::time::Duration;

use ratatui::buffer::Buffer;
use tapedeck::tui::app::{Action, App};
use tapedeck::tui::export::{
    CELL_H, CELL_W, buffer_html, buffer_lines, buffer_svg, buffer_text, chart_svg, screen_buffer,
    study_text, write_all,
};
use tapedeck::tui::keymap::Keymap;
use tapedeck::tui::theme::Theme;
use tui_fixture::mon;

const Z: Duration = Duration::ZERO;

fn app_at(t: i64) -> App<'static> {
    let mut app = App::new(tui_fixture::replay(), Keymap::default(), Theme::colored());
    app.update(Action::Resize(120, 35), Z);
    app.update(Action::SeekTo(t), Z);
    app.update(Action::ClearMessage, Duration::ZERO);
    app
}

/// The screen's rows as the SVG shows them: each `<text>` placed at its column.
fn svg_rows(svg: &str, w: u16, h: u16) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("valid SVG (XML)");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let mut rows: Vec<Vec<String>> = vec![vec![" ".to_string(); w as usize]; h as usize];
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let x: u32 = t.attribute("x").unwrap().parse().unwrap();
        let y: u32 = t.attribute("y").unwrap().parse().unwrap();
        let (col, row) = ((x / CELL_W) as usize, (y / CELL_H) as usize);
        let len: u32 = t.attribute("textLength").unwrap().parse().unwrap();
        let text = t.text().unwrap_or_default();
        assert_eq!(
            len / CELL_W,
            text.chars().count() as u32,
            "a run's width matches its cells: {text:?}"
        );
        for (k, c) in text.chars().enumerate() {
            rows[row][col + k] = c.to_string();
        }
    }
    rows.into_iter().map(|r| r.concat()).collect()
}

fn trimmed(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| l.trim_end().to_string()).collect()
}

fn check_svg(buf: &Buffer) -> String {
    let svg = buffer_svg(buf, "a <title> & \"quotes\"");
    let rows = svg_rows(&svg, buf.area.width, buf.area.height);
    assert_eq!(trimmed(&rows), trimmed(&buffer_lines(buf)));
    svg
}

#[test]
fn the_screen_exports_to_valid_svg_with_the_same_text_and_its_colours() {
    let mut app = app_at(mon(16, 0));
    let buf = screen_buffer(&app, 120, 35);
    let svg = check_svg(&buf);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
    assert_eq!(title.text(), Some("a <title> & \"quotes\""));
    // Colours are kept: CHIP's red tile background and the badge's amber.
    let fills: BTreeMap<String, usize> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("fill").map(String::from))
        .fold(BTreeMap::new(), |mut m, f| {
            *m.entry(f).or_default() += 1;
            m
        });
    assert!(fills.contains_key("#f0be3c"), "badge colour: {fills:?}");
    assert!(
        fills
            .keys()
            .any(|f| f.starts_with("#c") || f.starts_with("#b")),
        "{fills:?}"
    );
    let bold = doc
        .descendants()
        .filter(|n| n.attribute("font-weight") == Some("bold"))
        .count();
    assert!(bold > 0);
    // Presenter mode too: big blocks, coloured tiles, the prompt box.
    app.update(Action::Presenter, Duration::ZERO);
    check_svg(&screen_buffer(&app, 120, 35));
    // Tiny and empty screens still make valid documents.
    check_svg(&screen_buffer(&app, 1, 1));
    check_svg(&screen_buffer(&app, 0, 0));
}

#[test]
fn html_and_text_hold_the_same_screen() {
    let app = app_at(mon(9, 35));
    let buf = screen_buffer(&app, 100, 30);
    let lines = trimmed(&buffer_lines(&buf));
    let text = buffer_text(&buf);
    assert_eq!(text.lines().map(String::from).collect::<Vec<_>>(), lines);

    let html = buffer_html(&buf, "screen");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<meta charset=\"utf-8\">"));
    let pre = &html[html.find("<pre>").unwrap() + 5..html.find("</pre>").unwrap()];
    // Strip tags and entities: what a browser shows.
    let mut shown = String::new();
    let mut in_tag = false;
    for c in pre.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => shown.push(c),
            _ => {}
        }
    }
    let shown = shown
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    assert_eq!(
        shown
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>(),
        lines
    );
    assert!(html.contains("background:#"), "colours kept");
}

#[test]
fn the_chart_exports_as_svg_from_its_bars() {
    let mut app = app_at(mon(16, 0));
    app.update(Action::Select(0), Duration::ZERO);
    let svg = chart_svg(&app.view(app.area()));
    let doc = roxmltree::Document::parse(&svg).expect("valid SVG");
    let line = doc
        .descendants()
        .find(|n| n.has_tag_name("polyline"))
        .expect("the price line");
    let bars = tapedeck::tui::chart::bars(
        &tui_fixture::replay().store,
        0,
        tapedeck::tui::chart::window(&app.view(app.area()), &[0]).0,
        app.now(),
    );
    assert_eq!(
        line.attribute("points").unwrap().split(' ').count(),
        bars.len()
    );
    let text: String = doc
        .descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    assert!(text.contains("CHIP 83.00 -17.00%"), "{text}");
    assert!(
        text.contains("prior close") && text.contains("h4"),
        "markers: {text}"
    );
    // Comparing: both lines, in % of each prior close.
    app.update(Action::CompareWith(Some(3)), Duration::ZERO);
    let svg = chart_svg(&app.view(app.area()));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count(),
        2
    );
    assert!(svg.contains("vs PHON"));
}

#[test]
fn study_tables_and_every_export_are_written() {
    let r = tui_fixture::replay();
    let csv_text = study_text(r, 3, tapedeck::cli::study::Format::Csv).unwrap();
    let mut rd = csv::Reader::from_reader(csv_text.as_bytes());
    let header = rd.headers().unwrap().clone();
    assert_eq!(&header[0], "headline_id");
    assert!(header.iter().any(|h| h == "max_adverse_pct"));
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), (6 + 3) * 5);
    let md = study_text(r, 3, tapedeck::cli::study::Format::Md).unwrap();
    assert!(
        md.starts_with("### h4 09:30:00") && md.contains("| CHIP |"),
        "{md}"
    );

    let app = app_at(mon(16, 0));
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(&app, dir.path(), 120, 35).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into())
        .collect();
    assert_eq!(
        names,
        [
            "tui-fixture-160000.svg",
            "tui-fixture-160000.html",
            "tui-fixture-160000.txt",
            "tui-fixture-160000-study-h5.csv",
            "tui-fixture-160000-study-h5.md",
            "tui-fixture-160000-chart-NQ.svg",
        ]
    );
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() > 100, "{f:?}");
    }
}

#[test]
fn tapedeck_export_renders_headlessly() {
    let replay = tempfile::tempdir().unwrap();
    tui_fixture::write(replay.path());
    let out = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"))
            .arg("export")
            .arg(replay.path())
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "--at",
        "09:35",
        "--size",
        "100x30",
        "--headline",
        "h3",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed = String::from_utf8(o.stdout).unwrap();
    assert_eq!(listed.lines().count(), 6, "{listed}");
    let txt = std::fs::read_to_string(out.path().join("tui-fixture-093500.txt")).unwrap();
    assert_eq!(txt.lines().count(), 30);
    assert!(txt.lines().next().unwrap().contains("09:35:00"));
    assert!(out.path().join("tui-fixture-093500-study-h3.md").is_file());
    let svg = std::fs::read_to_string(out.path().join("tui-fixture-093500.svg")).unwrap();
    roxmltree::Document::parse(&svg).unwrap();

    let o = run(&["--at", "09:35", "--size", "wide", "--out", "x"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("use WIDTHxHEIGHT"));
    let o = run(&[
        "--at",
        "09:35",
        "--headline",
        "h5",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("headline h5 comes after"));
}

/// Value-axis labels of a chart SVG (right-aligned dark text left of the plot).
fn svg_axis_labels(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("text")
                && n.attribute("text-anchor") == Some("end")
                && n.attribute("fill") == Some("#333333")
        })
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

/// True when `step` (in hundredths) is 1, 2, 2.5 or 5 × 10ⁿ.
fn is_round_step(step: i64) -> bool {
    let mut s = step * 10;
    while s % 10 == 0 && s >= 100 {
        s /= 10;
    }
    [10, 20, 25, 50].contains(&s)
}

#[test]
fn the_chart_svg_labels_its_price_axis_at_round_steps_on_the_tick_grid() {
    let r = tui_fixture::replay();
    for (t, sel) in [(mon(16, 0), 0), (mon(11, 7), 5), (mon(9, 45), 2)] {
        let mut app = app_at(t);
        app.update(Action::Select(sel), Z);
        let labels = svg_axis_labels(&chart_svg(&app.view(app.area())));
        assert!(labels.len() >= 2, "{labels:?}");
        let tick = r.store.instruments[sel].tick;
        // In hundredths (every fixture price has two decimals at most).
        let cents: Vec<i64> = labels
            .iter()
            .map(|l| (l.parse::<f64>().unwrap() * 100.0).round() as i64)
            .collect();
        let steps: Vec<i64> = cents.windows(2).map(|w| w[0] - w[1]).collect();
        assert!(steps.iter().all(|&s| s == steps[0] && s > 0), "{labels:?}");
        assert!(is_round_step(steps[0]), "step {} in {labels:?}", steps[0]);
        for l in &labels {
            let p = tapedeck::price::Price::parse(l).unwrap();
            assert!(p.is_multiple_of(tick), "{l} is off the tick grid");
            assert!(p.is_multiple_of(tapedeck::price::Price(steps[0] * 10_000_000)));
        }
    }
    // Comparing: percent labels at round steps too.
    let mut app = app_at(mon(16, 0));
    app.update(Action::CompareWith(Some(3)), Z);
    let labels = svg_axis_labels(&chart_svg(&app.view(app.area())));
    assert!(
        labels.len() >= 2 && labels.iter().all(|l| l.ends_with('%')),
        "{labels:?}"
    );
    let tenths: Vec<i64> = labels
        .iter()
        .map(|l| (l.trim_end_matches('%').parse::<f64>().unwrap() * 10.0).round() as i64)
        .collect();
    let steps: Vec<i64> = tenths.windows(2).map(|w| w[0] - w[1]).collect();
    assert!(steps.iter().all(|&s| s == steps[0]), "{labels:?}");
    assert!(is_round_step(steps[0] * 10), "{labels:?}");
}
