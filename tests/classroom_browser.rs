//! The classroom's student page in a real browser: Debian's chromium, headless, driven through
//! chromedriver (WebDriver) at a phone's 390×844. A student joins with a name that looks like
//! HTML, answers a number question and a choice question the test (as the teacher) asks, and
//! sees each reveal; the answers must reach the server, the name must stay text, and the page
//! must fit the phone (nothing off screen, taps ≥ 44 px, text ≥ 14 px at WCAG AA contrast).
//! The choice reveal is saved as `target/classroom-student-390x844.png`, the number question
//! and its reveal beside it (`…-question.png`, `…-number.png`).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (`apt-get install chromium
//! chromium-driver`; `.ci/run` installs them, or set TAPEDECK_CHROMIUM / TAPEDECK_CHROMEDRIVER);
//! without them the test prints SKIPPED and returns.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tapedeck::classroom::room::{Quote, Teacher};
use tapedeck::classroom::server::{self, Config, Handle, Limits};
use tapedeck::lesson::question::{Kind, Owner, Question, Truth};
use tapedeck::lesson::{InstrumentField, Placeholder};

const CODE: &str = "ABC234";
const TEACHER_TOKEN: &str = "teacher-secret-for-the-browser-test";
const NAME: &str = "Ana <b>bold</b>";
const WIDTH: u32 = 390;
const HEIGHT: u32 = 844;
/// How long the page may take to show what the teacher sent.
const PATIENCE: Duration = Duration::from_secs(20);

/// chromedriver (and the chromium it starts) in a process group of their own, killed on drop,
/// also when the test fails; then its log is shown.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group's id is chromedriver's pid (`process_group(0)`): this ends the browser too.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let mut text = String::new();
            if let Ok(mut f) = std::fs::File::open(&self.log) {
                let _ = f.read_to_string(&mut text);
            }
            // Its commands' first lines (each in full would repeat the scripts).
            let tail: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with('['))
                .rev()
                .take(20)
                .collect();
            eprintln!("--- chromedriver log (last lines) ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// Starts chromedriver on a free loopback port, or says why the test is skipped.
fn start_driver() -> Option<(Driver, PathBuf)> {
    let chromium = binary("TAPEDECK_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = binary("TAPEDECK_CHROMEDRIVER", "/usr/bin/chromedriver");
    for (what, path) in [("chromium", &chromium), ("chromedriver", &chromedriver)] {
        if !path.is_file() {
            eprintln!(
                "SKIPPED: the student-page browser test needs {what} at {}: install it with \
                 `apt-get install -y chromium chromium-driver` (`.ci/run` does), or set \
                 TAPEDECK_CHROMIUM / TAPEDECK_CHROMEDRIVER",
                path.display()
            );
            return None;
        }
    }
    let profile = tempfile::tempdir().unwrap();
    let log = profile.path().join("chromedriver.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
    let driver = Driver {
        child,
        port,
        log,
        profile,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port} in 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((driver, chromium))
}

async fn connect(driver: &Driver, chromium: &Path) -> Client {
    let profile = driver.profile.path().join("profile");
    let args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-extensions".into(),
        "--hide-scrollbars".into(),
        format!("--window-size={WIDTH},{HEIGHT}"),
        format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        // Headless chromium keeps a window at least 500 px wide: the phone's screen is
        // emulated (as devtools does), which also makes the page's viewport tag count.
        "goog:chromeOptions": {
            "binary": chromium,
            "args": args,
            "mobileEmulation": {"deviceMetrics": {
                "width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0, "mobile": true, "touch": true,
            }},
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::rustls()
        .expect("the WebDriver client's TLS setup (ca-certificates installed?)")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a chromium session through chromedriver")
}

async fn start_server() -> Handle {
    server::start(Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        code: CODE.into(),
        teacher_token: TEACHER_TOKEN.into(),
        max_students: 40,
        title: "DeepSeek Monday".into(),
        lesson: "deepseek-2025-01-27".into(),
        replay: "deepseek-2025-01-27".into(),
        files: None,
        limits: Limits::default(),
        resumed: None,
    })
    .await
    .expect("the classroom server starts on loopback")
}

async fn teach(h: &Handle, cmd: Teacher) {
    h.teacher.send(cmd).await.expect("the room takes commands");
}

/// Runs `script` (a function body; `arguments` as given) in the page.
async fn js(c: &Client, script: &str, args: Vec<Value>) -> Value {
    c.execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

async fn text_of(c: &Client, id: &str) -> String {
    let v = js(
        c,
        "const e = document.getElementById(arguments[0]); return e ? e.textContent : null;",
        vec![json!(id)],
    )
    .await;
    v.as_str().unwrap_or_default().to_string()
}

/// Whether the element is on screen (not hidden itself or by a parent).
async fn shown(c: &Client, id: &str) -> bool {
    js(
        c,
        "const e = document.getElementById(arguments[0]); return !!e && e.getClientRects().length > 0;",
        vec![json!(id)],
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

/// Waits until element `id` is on screen and its text contains `needle`; returns the text.
async fn wait_text(c: &Client, id: &str, needle: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let t = text_of(c, id).await;
        if t.contains(needle) && shown(c, id).await {
            return t;
        }
        if Instant::now() > deadline {
            let body = js(c, "return document.body.innerText;", vec![]).await;
            panic!(
                "#{id} never showed {needle:?} (it shows {t:?}); the page reads:\n{}",
                body.as_str().unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The choice buttons: label, and its classes.
async fn choice_buttons(c: &Client) -> Vec<(String, String, bool)> {
    let v = js(
        c,
        "return [...document.querySelectorAll('#choices button')].map(b => [b.textContent, b.className, b.disabled]);",
        vec![],
    )
    .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|b| {
                    (
                        b[0].as_str().unwrap_or_default().to_string(),
                        b[1].as_str().unwrap_or_default().to_string(),
                        b[2].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_choices(c: &Client, what: &str, ok: impl Fn(&[(String, String, bool)]) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let b = choice_buttons(c).await;
        if ok(&b) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the choice buttons never {what}: {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What does not fit a phone: anything wider than the screen, any button too small to tap,
/// any visible text below 14 px or with less contrast than WCAG's AA (4.5 : 1).
const LAYOUT_PROBLEMS: &str = r"
const w = window.innerWidth, out = [];
const rgba = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c); if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const behind = (e) => { for (; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) return c; } return [255, 255, 255, 1]; };
if (document.documentElement.scrollWidth > w) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' px wide');
for (const e of document.querySelectorAll('body *')) {
  if (e.getClientRects().length === 0) continue;
  const r = e.getBoundingClientRect(), name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
  if (r.right > w + 0.5 || r.left < -0.5) out.push(name + ' runs off the screen (' + r.left + '..' + r.right + ')');
  if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible') out.push(name + ' clips its text');
  if ((e.tagName === 'BUTTON' || e.tagName === 'INPUT') && r.height < 44) out.push(name + ' is ' + r.height + ' px tall: too small to tap');
  const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
  if (own && parseFloat(getComputedStyle(e).fontSize) < 14) out.push(name + ' text is ' + getComputedStyle(e).fontSize);
  if (own) {
    const a = lum(rgba(getComputedStyle(e).color)), b = lum(behind(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push(name + ' (' + JSON.stringify(e.textContent.trim()) + ') has contrast ' + ratio.toFixed(2) + ' : 1');
  }
}
return out;
";

async fn assert_fits(c: &Client, when: &str) {
    let v = js(c, LAYOUT_PROBLEMS, vec![]).await;
    let problems: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        problems.is_empty(),
        "at {when} the page does not fit {WIDTH} px:\n{}",
        problems.join("\n")
    );
}

/// The teacher's view of the results (GET /api/results).
async fn results(h: &Handle) -> Value {
    let r = reqwest::Client::new()
        .get(format!("http://{}/api/results", h.addr))
        .bearer_auth(TEACHER_TOKEN)
        .send()
        .await
        .expect("GET /api/results");
    assert_eq!(r.status().as_u16(), 200, "GET /api/results");
    serde_json::from_str(&r.text().await.unwrap()).expect("results are JSON")
}

fn answers_at(results: &Value, stop: usize) -> Vec<Value> {
    results["stops"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["stop"] == json!(stop))
        .and_then(|s| s["answers"].as_array().cloned())
        .unwrap_or_default()
}

async fn screenshot(c: &Client, name: &str) -> PathBuf {
    let png = c.screenshot().await.expect("a screenshot");
    // CARGO_TARGET_TMPDIR is `<target>/tmp`: the picture goes beside it, in the target dir.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf);
    let path = dir.join(name);
    std::fs::write(&path, png).expect("the screenshot is saved");
    eprintln!("screenshot: {}", path.display());
    path
}

fn quote(symbol: &str, last: &str, change: &str) -> Quote {
    Quote {
        symbol: symbol.into(),
        last: last.into(),
        change: change.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_joins_answers_and_sees_the_reveals_on_a_phone() {
    let Some((driver, chromium)) = start_driver() else {
        return;
    };
    let h = start_server().await;
    let c = connect(&driver, &chromium).await;

    // Join from the link the teacher's QR code holds: the code is filled in already.
    c.goto(&format!("http://{}/?code={CODE}", h.addr))
        .await
        .unwrap();
    // The viewport is a phone's (the page's viewport tag makes it so).
    let size = js(
        &c,
        "return [window.innerWidth, window.innerHeight];",
        vec![],
    )
    .await;
    assert_eq!(size, json!([WIDTH, HEIGHT]), "the viewport");
    let code = c.find(Locator::Id("code")).await.unwrap();
    assert_eq!(code.prop("value").await.unwrap().as_deref(), Some(CODE));
    assert_fits(&c, "the join form").await;
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(NAME)
        .await
        .unwrap();
    c.find(Locator::Css("#join button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = wait_text(&c, "status", NAME).await;
    assert!(status.contains("1 in the class"), "status: {status:?}");
    assert!(!shown(&c, "join").await, "the join form is put away");

    // Playing: the teacher's clock and prices.
    teach(
        &h,
        Teacher::Clock {
            text: "10:31:05".into(),
            quotes: vec![
                quote("NVDA", "118.42", "-16.97%"),
                quote("AVGO", "199.00", "-17.40%"),
                quote("AAPL", "229.86", "+3.18%"),
            ],
        },
    )
    .await;
    wait_text(&c, "clock", "10:31:05").await;
    wait_text(&c, "quotes", "AAPL229.86+3.18%").await;

    // A number question: type -3 and send it.
    teach(
        &h,
        Teacher::Ask {
            stop: 2,
            prompt: "NVIDIA opened sharply lower on the DeepSeek news.".into(),
            question: Some(Question {
                ask: "Where will NVDA's change be at the close, in %?".into(),
                kind: Kind::Number {
                    measure: Placeholder::Instrument(0, InstrumentField::ChangePct),
                    unit: "%".into(),
                    tolerance: None,
                },
            }),
            decimals: 2,
        },
    )
    .await;
    wait_text(&c, "ask", "NVDA's change be at the close").await;
    wait_text(&c, "prompt", "DeepSeek news").await;
    assert!(shown(&c, "value").await, "the number field is shown");
    assert_fits(&c, "the number question").await;
    let value = c.find(Locator::Id("value")).await.unwrap();
    value.send_keys("-3").await.unwrap();
    // The ± key (an iPhone's decimal keypad has no minus) flips the sign both ways.
    let sign = c.find(Locator::Id("sign")).await.unwrap();
    sign.click().await.unwrap();
    assert_eq!(value.prop("value").await.unwrap().as_deref(), Some("3"));
    sign.click().await.unwrap();
    assert_eq!(value.prop("value").await.unwrap().as_deref(), Some("-3"));
    c.find(Locator::Css("#answer button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "sent", "your answer: -3").await;
    screenshot(&c, "classroom-student-390x844-question.png").await;
    assert_eq!(text_of(&c, "answer-error").await, "", "no error on sending");

    // The answer reached the server, as the teacher's results have it.
    let r = results(&h).await;
    let a = answers_at(&r, 2);
    assert_eq!(a.len(), 1, "one answer at stop 2: {r}");
    assert_eq!(a[0]["name"], json!(NAME));
    assert_eq!(a[0]["value"].as_f64(), Some(-3.0), "{r}");
    assert_eq!(h.tally.borrow().answered, 1);

    // The reveal: -3 against -3.5 is off by 0.5 of a scale of 3.5, so round(100 × 6/7) = 86.
    teach(
        &h,
        Teacher::Reveal {
            stop: 2,
            truth: Some(Truth::Number(-3.5)),
            text: "NVDA closed down 3.5% from where the lesson stopped.".into(),
        },
    )
    .await;
    wait_text(&c, "truth", "-3.5").await;
    let yours = wait_text(&c, "yours", "86 points").await;
    assert!(yours.contains("-3"), "yours: {yours:?}");
    wait_text(&c, "score", "86").await;
    assert!(
        !shown(&c, "answer").await,
        "answers are closed at the reveal"
    );
    assert_fits(&c, "the number reveal").await;
    screenshot(&c, "classroom-student-390x844-number.png").await;

    // The name is text on the page, never markup.
    let body = js(&c, "return document.body.textContent;", vec![]).await;
    assert!(
        body.as_str().unwrap_or_default().contains(NAME),
        "the name shows literally"
    );
    let bold = js(&c, "return document.querySelectorAll('b').length;", vec![]).await;
    assert_eq!(bold, json!(0), "the name made no <b> element");

    // A choice question: the student taps AVGO; NVDA was the answer.
    teach(&h, Teacher::Resume).await;
    wait_text(&c, "phase", "playing").await;
    assert!(!shown(&c, "stop").await, "no stop while playing");
    teach(
        &h,
        Teacher::Ask {
            stop: 3,
            prompt: "Chip stocks all fell on the news.".into(),
            question: Some(Question {
                ask: "Which fell the most by the close?".into(),
                kind: Kind::Choice {
                    choices: vec!["NVDA".into(), "AVGO".into(), "AAPL".into()],
                    owners: vec![
                        Owner::Instrument(0),
                        Owner::Instrument(1),
                        Owner::Instrument(2),
                    ],
                    highest: false,
                    field: "change_pct".into(),
                },
            }),
            decimals: 0,
        },
    )
    .await;
    wait_text(&c, "ask", "fell the most").await;
    wait_choices(&c, "appeared", |b| {
        b.iter().map(|x| x.0.as_str()).eq(["NVDA", "AVGO", "AAPL"]) && b.iter().all(|x| !x.2)
    })
    .await;
    assert!(!shown(&c, "answer").await, "no number field for a choice");
    let value = c.find(Locator::Id("value")).await.unwrap();
    assert_eq!(
        value.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the last stop's answer is cleared"
    );
    assert_fits(&c, "the choice question").await;
    c.find(Locator::XPath("//div[@id='choices']/button[text()='AVGO']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "sent", "your answer: AVGO").await;
    wait_choices(&c, "marked AVGO as picked", |b| {
        b.iter()
            .any(|x| x.0 == "AVGO" && x.1.split(' ').any(|k| k == "picked"))
    })
    .await;
    assert_fits(&c, "the picked choice").await;
    let r = results(&h).await;
    let a = answers_at(&r, 3);
    assert_eq!(a.len(), 1, "one answer at stop 3: {r}");
    assert_eq!(a[0]["value"], json!("AVGO"), "{r}");

    teach(
        &h,
        Teacher::Reveal {
            stop: 3,
            truth: Some(Truth::Choice(0)),
            text: "NVDA lost the most: about $590B of market value, a record for one day.".into(),
        },
    )
    .await;
    wait_text(&c, "truth", "NVDA").await;
    wait_text(&c, "yours", "0 points").await;
    wait_choices(&c, "marked the reveal", |b| {
        let has = |label: &str, class: &str| {
            b.iter()
                .any(|x| x.0 == label && x.1.split(' ').any(|k| k == class))
        };
        has("NVDA", "right")
            && has("AVGO", "picked")
            && !has("AVGO", "right")
            && !has("NVDA", "picked")
            && b.iter().all(|x| x.2)
    })
    .await;
    wait_text(&c, "reveal-text", "record for one day").await;
    wait_text(&c, "spread", "AVGO 1").await;
    wait_text(&c, "score", "86").await;
    assert_fits(&c, "the choice reveal").await;
    let path = screenshot(&c, "classroom-student-390x844.png").await;
    assert!(path.is_file());

    // Nothing but the class's own server was asked for anything.
    let origin = format!("http://{}", h.addr);
    let fetched = js(
        &c,
        "return performance.getEntriesByType('resource').map(e => e.name);",
        vec![],
    )
    .await;
    for url in fetched.as_array().into_iter().flatten() {
        let url = url.as_str().unwrap_or_default();
        assert!(url.starts_with(&origin), "the page fetched {url}");
    }

    c.close().await.unwrap();
    drop(driver);
}
