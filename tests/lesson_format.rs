//! Lesson files: bad ones are reported as `file:line: field: what is wrong`, every problem at
//! once; good ones parse; placeholders show the snapshot's figures as the board shows them;
//! the bundled DeepSeek lesson checks out against the bundled replay.

mod tui_fixture;

use std::path::Path;

use tapedeck::cli::snapshot::round_pct;
use tapedeck::lesson::{Lesson, Template, format_money};
use tapedeck::replay;
use tui_fixture::mon;

fn parse(text: &str) -> Result<Lesson, Vec<String>> {
    Lesson::parse(text, Path::new("class.json"), tui_fixture::replay()).map_err(|e| e.problems)
}

fn problems(text: &str) -> Vec<String> {
    parse(text).expect_err("should not parse")
}

fn has(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "no problem contains {needle:?}:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_problem_is_named_with_file_line_and_field() {
    let text = r#"{
  "title": "Broken",
  "colour": "red",
  "steps": [
    {"seek": "25:00"},
    {"select": "ZZZ", "speed": 99999},
    {"prompt": "CHIP is {CHIP.price} now"},
    {
      "comment": "a multi-line step: the line points at the key",
      "reveal": "sector {sector:Nope.change_pct}"
    },
    {"seek": "09:30", "play_to": "10:00"},
    {"play_to": "2025-01-29 10:00"},
    {"pane": "sideways", "headline": "h99"},
    {"prompt": "a lone } brace"},
    {"prompt": "{total.change_pct} and {CHIP.change_pct"},
    {"wobble": true},
    {},
    "not an object"
  ]
}"#;
    let p = problems(text);
    for needle in [
        "class.json:3: colour: unknown key",
        "class.json:5: steps[0].seek: cannot read time",
        "class.json:6: steps[1].select: no symbol \"ZZZ\"",
        "class.json:6: steps[1].speed: must be a number from 0.25 to 3600",
        "class.json:7: steps[2].prompt: placeholder {CHIP.price}: unknown field \"price\"",
        "class.json:10: steps[3].reveal: placeholder {sector:Nope.change_pct}: no sector \"Nope\"",
        "class.json:12: steps[4].play_to: a step either seeks or plays to a time, not both",
        "class.json:13: steps[5].play_to: \"2025-01-29 10:00\" is outside the replay",
        "class.json:14: steps[6].pane: unknown pane \"sideways\"",
        "class.json:14: steps[6].headline: no headline with id \"h99\"",
        "class.json:15: steps[7].prompt: a lone '}'",
        "class.json:16: steps[8].prompt: placeholder {total.change_pct}: total has only market_cap_change",
        "class.json:17: steps[9].wobble: unknown key",
        "class.json:18: steps[10]: empty step",
        "class.json:19: steps[11]: a step is an object",
    ] {
        has(&p, needle);
    }
    assert_eq!(p.len(), 15, "{}", p.join("\n"));
    // The Display form is one problem a line.
    let e = Lesson::parse(text, Path::new("class.json"), tui_fixture::replay()).unwrap_err();
    assert_eq!(e.to_string().lines().count(), p.len());
}

#[test]
fn file_level_problems() {
    has(
        &problems("{\n  \"title\": \"x\",\n  \"steps\": [\n"),
        "class.json:4: not valid JSON",
    );
    has(&problems("[]"), "class.json:1: a lesson is a JSON object");
    has(
        &problems(r#"{"steps": [{"prompt": "q"}]}"#),
        "class.json:1: title: missing",
    );
    has(
        &problems("{\"title\": \"t\",\n\"steps\": []}"),
        "class.json:2: steps: is empty",
    );
    has(
        &problems("{\"title\": \"t\",\n \"steps\": [{\"seek\": \"09:30\"}]}"),
        "class.json:2: steps: no step has a prompt or a reveal",
    );
    has(
        &problems(
            "{\"title\": \"t\", \"replay\": \"elsewhere\",\n \"steps\": [{\"prompt\": \"q\"}]}",
        ),
        "replay: this lesson is for replay \"elsewhere\", but \"tui-fixture\" is open",
    );
    has(
        &problems("{\"title\": \"t\", \"format\": \"slides\", \"steps\": [{\"prompt\": \"q\"}]}"),
        "format: expected \"tapedeck-lesson\"",
    );
    has(
        &problems("{\"title\": \"t\", \"version\": 2, \"steps\": [{\"prompt\": \"q\"}]}"),
        "version: this tapedeck reads version 1",
    );
    let missing = Lesson::load(Path::new("/no/such/lesson.json"), tui_fixture::replay())
        .unwrap_err()
        .to_string();
    assert!(
        missing.starts_with("/no/such/lesson.json: cannot read lesson"),
        "{missing}"
    );
}

#[test]
fn a_good_lesson_parses_into_steps() {
    let text = r#"{
  "format": "tapedeck-lesson", "version": 1,
  "title": "Small\u001b[2J day", "replay": "tui-fixture",
  "steps": [
    {"comment": "set up"},
    {"seek": "2025-01-26 21:00", "select": "nq", "pane": "Chart"},
    {"play_to": "09:31", "speed": 600, "headline": "h4"},
    {"prompt": "How far is {CHIP.symbol_is_not_a_field_but_this_is_in_braces}?"}
  ]
}"#;
    // One bad placeholder spoils it; fixed, the lesson parses.
    has(&problems(text), "class.json:8: steps[3].prompt");
    let text = text.replace(
        "{CHIP.symbol_is_not_a_field_but_this_is_in_braces}",
        "{{CHIP}} ({CHIP.change_pct}, {sector:chips.market_cap_change})",
    );
    let l = parse(&text).unwrap();
    assert_eq!(l.title, "Small [2J day", "control characters are stripped");
    assert_eq!(l.steps.len(), 4);
    assert_eq!(l.stops(), 1);
    assert_eq!(l.steps[1].seek, Some(mon(-3, 0)));
    assert_eq!(l.steps[1].select, Some(5));
    assert_eq!(l.steps[1].pane.as_deref(), Some("chart"));
    assert_eq!(l.steps[2].play_to, Some(mon(9, 31)));
    assert_eq!(l.steps[2].speed, Some(600.0));
    assert_eq!(l.steps[2].headline, Some(3));
    assert_eq!(l.steps[3].line, 8);
    assert_eq!(
        l.steps[3].prompt.as_ref().unwrap().placeholders().count(),
        2
    );
}

#[test]
fn placeholders_show_the_snapshot_as_the_board_does() {
    let r = tui_fixture::replay();
    let s = &r.store;
    let t = mon(14, 54);
    let snap = s.snapshot(t, 0);
    let tpl = Template::parse(
        "{time} CHIP {CHIP.last} {CHIP.change} {CHIP.change_pct} {CHIP.market_cap_change} \
         vol {CHIP.volume} vwap {CHIP.vwap} {CHIP.high}/{CHIP.low} open {CHIP.open} ref {CHIP.reference} \
         chips {sector:Chips.change_pct} {sector:Chips.market_cap_change} all {total.market_cap_change} \
         IDX {IDX.market_cap_change}",
        s,
    )
    .unwrap();
    let got = tpl.render(s, &snap, r.tz);
    let chip = &snap.instruments[0];
    let d = s.instruments[0].decimals;
    let p = |x: Option<tapedeck::price::Price>| x.unwrap().display(d).to_string();
    let want = format!(
        "14:54:00 CHIP {} {} {:+.2}% {} vol {:.1}k vwap {} {}/{} open {} ref 100.00 chips {:+.2}% {} all {} IDX n/a",
        p(chip.last),
        p(chip.change),
        round_pct(chip.change_pct.unwrap()),
        format_money(chip.market_cap_change),
        chip.volume as f64 / 1e3,
        p(chip.vwap),
        p(chip.high),
        p(chip.low),
        p(chip.open),
        round_pct(snap.sectors[0].change_pct.unwrap()),
        format_money(snap.sectors[0].market_cap_change),
        format_money(snap.total_market_cap_change()),
    );
    assert_eq!(got, want);
    assert!(got.contains("-$"), "losses read -$…: {got}");
    // Before the open a stock has no volume yet: shown as n/a, not 0.
    let early = s.snapshot(mon(2, 0), 0);
    let tpl = Template::parse("{CHIP.volume} {CHIP.open}", s).unwrap();
    assert_eq!(tpl.render(s, &early, r.tz), "n/a n/a");
}

#[test]
fn the_bundled_lesson_checks_out() {
    let dir = replay::resolve(None).expect("bundled replay");
    let r = replay::load(&dir).expect("bundled replay loads");
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/lessons/deepseek-2025-01-27.json");
    let l = Lesson::load(&path, &r).unwrap_or_else(|e| panic!("{e}"));
    let stops = l.stops();
    assert!((8..=12).contains(&stops), "{stops} stops");
    // Every question is answered, with live figures rather than typed-in numbers.
    let prompts: Vec<usize> = (0..l.steps.len())
        .filter(|&i| l.steps[i].prompt.is_some())
        .collect();
    for &i in &prompts {
        let reveal = l.steps[i + 1]
            .reveal
            .as_ref()
            .unwrap_or_else(|| panic!("step {i} has no answer after it"));
        assert!(reveal.placeholders().count() >= 1, "step {}", i + 1);
    }
    // Stops move forward in time.
    let times: Vec<i64> = l
        .steps
        .iter()
        .filter_map(|s| s.play_to.or(s.seek))
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    // At the close, NVDA's market value lost is near the widely reported ~$590 bn.
    let close = tapedeck::time::parse_user_time("16:00", r.date, r.tz).unwrap();
    let snap = r.store.snapshot(close, 0);
    let nvda = r.store.symbol_index("NVDA").unwrap();
    let lost = -snap.instruments[nvda].market_cap_change.unwrap();
    assert!((580e9..600e9).contains(&lost), "{lost}");
}
