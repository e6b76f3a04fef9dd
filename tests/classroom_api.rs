//! Classroom mode's HTTP API (`tapedeck serve`) over real loopback: the server runs in-process
//! on 127.0.0.1 in a tokio runtime, the test plays the teacher through `Handle.teacher` and the
//! students through `reqwest`. The whole flow of a stop and its scores, every refusal, names
//! that cannot inject anything, live updates by server-sent events, a crash and `--resume`
//! that lose no acknowledged answer, and the bundled lesson's questions against its replay.

#[path = "common/bundled.rs"]
mod bundled;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::{self, HeaderMap};
use serde_json::{Value, json};
use tapedeck::classroom::files::{self, ClassFiles};
use tapedeck::classroom::room::{NAME_MAX, Phase, Quote, Teacher};
use tapedeck::classroom::server::{self, Config, Handle, Limits};
use tapedeck::lesson::question::{Kind, Owner, Question, Truth};
use tapedeck::lesson::{Lesson, Placeholder};
use tapedeck::replay::Replay;

const CODE: &str = "TEST42";
const TEACHER: &str = "feedfacefeedfacefeedfacefeedface";
/// Longest wait for anything the server does asynchronously.
const WAIT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// The server and a client for it.

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Limits that no test's polling reaches.
fn roomy() -> Limits {
    Limits {
        body_bytes: 1024,
        per_second: 1000.0,
        burst: 1000.0,
    }
}

fn config(max_students: usize, limits: Limits, files: Option<ClassFiles>) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        code: CODE.into(),
        teacher_token: TEACHER.into(),
        max_students,
        title: "Test class".into(),
        lesson: "deepseek-2025-01-27.json".into(),
        replay: "deepseek-2025-01-27".into(),
        files,
        limits,
        resumed: None,
    }
}

/// A response, its body read whole (and as JSON when it is JSON).
struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
    json: Value,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }

    /// The status, and the body for the assertion's message.
    fn expect(&self, status: u16, what: &str) -> &Value {
        assert_eq!(self.status, status, "{what}: {}", self.text);
        &self.json
    }
}

struct Class {
    handle: Handle,
    base: String,
    http: reqwest::Client,
}

impl Class {
    async fn start(cfg: Config) -> Class {
        let handle = server::start(cfg)
            .await
            .expect("the server binds on loopback");
        assert!(handle.addr.ip().is_loopback(), "{}", handle.addr);
        let base = format!("http://{}", handle.addr);
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Class { handle, base, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends and reads the reply; every reply, refusals included, carries the CSP.
    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("the server answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let reply = Reply {
            status,
            headers,
            text,
            json,
        };
        let csp = reply.header(header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "status {status}: CSP {csp:?}"
        );
        assert_eq!(reply.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        reply
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: String) -> Reply {
        let mut req = self
            .http
            .post(self.url(path))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    async fn join_with(&self, code: &str, name: &str) -> Reply {
        let body = serde_json::to_string(&json!({"code": code, "name": name})).unwrap();
        self.post("/api/join", None, body).await
    }

    /// Joins and returns the token.
    async fn join(&self, name: &str) -> String {
        let r = self.join_with(CODE, name).await;
        let v = r.expect(200, &format!("join {name:?}"));
        let token = v["token"].as_str().unwrap().to_string();
        assert_eq!(token.len(), 32, "{v}");
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{v}");
        token
    }

    async fn answer(&self, token: Option<&str>, stop: usize, value: Value) -> Reply {
        let body = serde_json::to_string(&json!({"stop": stop, "value": value})).unwrap();
        self.post("/api/answer", token, body).await
    }

    /// An answer that must be accepted.
    async fn answer_ok(&self, token: &str, stop: usize, value: Value) {
        let r = self.answer(Some(token), stop, value.clone()).await;
        let v = r.expect(200, &format!("answer {value} to stop {stop}"));
        assert_eq!(v["accepted"], json!(true), "{v}");
    }

    async fn state(&self, token: &str) -> Value {
        self.get("/api/state", Some(token))
            .await
            .expect(200, "state")
            .clone()
    }

    async fn results(&self) -> Value {
        let v = self
            .get("/api/results", Some(TEACHER))
            .await
            .expect(200, "results with the teacher's token")
            .clone();
        assert_eq!(v["format"], json!(files::RESULTS_FORMAT), "{v}");
        v
    }

    async fn teacher(&self, cmd: Teacher) {
        self.handle
            .teacher
            .send(cmd)
            .await
            .expect("the server takes commands");
    }

    /// Polls `token`'s state until `done` holds (commands are applied asynchronously).
    async fn wait_for(&self, token: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let s = self.state(token).await;
            if done(&s) {
                return s;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: not within {WAIT:?}; last state {s}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The teacher asks `stop`; returns the state once `token` sees it.
    async fn ask(&self, token: &str, stop: usize, question: Option<Question>) -> Value {
        self.teacher(Teacher::Ask {
            stop,
            prompt: format!("Stop {stop}: what happened?"),
            question,
            decimals: 2,
        })
        .await;
        self.wait_for(token, &format!("stop {stop} asked"), |s| {
            s["phase"] == "question" && s["stop"] == json!(stop)
        })
        .await
    }

    async fn reveal(&self, token: &str, stop: usize, truth: Truth) -> Value {
        self.teacher(Teacher::Reveal {
            stop,
            truth: Some(truth),
            text: format!("Stop {stop} revealed"),
        })
        .await;
        self.wait_for(token, &format!("stop {stop} revealed"), |s| {
            s["phase"] == "reveal" && s["stop"] == json!(stop)
        })
        .await
    }
}

/// `round(100 × max(0, 1 − |g − t| / s))`, `s` the tolerance or `max(|t|, 1)`: the README's
/// formula, written again here.
fn formula(g: f64, t: f64, tolerance: Option<f64>) -> u64 {
    let s = tolerance.unwrap_or_else(|| t.abs().max(1.0));
    (100.0 * (1.0 - (g - t).abs() / s).max(0.0)).round() as u64
}

fn number_question() -> Question {
    Question {
        ask: "How far is the market from Friday, in percent?".into(),
        kind: Kind::Number {
            measure: Placeholder::Total,
            unit: "%".into(),
            tolerance: None,
        },
    }
}

fn choice_question() -> Question {
    Question {
        ask: "Which is down most?".into(),
        kind: Kind::Choice {
            choices: vec!["NVDA".into(), "MU".into(), "AAPL".into()],
            owners: vec![
                Owner::Instrument(0),
                Owner::Instrument(1),
                Owner::Instrument(2),
            ],
            highest: false,
            field: "change_pct".into(),
        },
    }
}

fn lesson_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/lessons/deepseek-2025-01-27.json")
}

/// The bundled replay and lesson, read once per test binary.
fn bundled_lesson() -> (&'static Replay, &'static Lesson) {
    static L: OnceLock<Lesson> = OnceLock::new();
    let replay = bundled::bundled();
    let lesson = L.get_or_init(|| {
        Lesson::load(&lesson_path(), replay)
            .unwrap_or_else(|e| panic!("the bundled lesson does not load: {e:?}"))
    });
    (replay, lesson)
}

/// Server-sent events as they arrive.
struct Events {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl Events {
    /// The next `state` event's data, waiting at most `within`.
    async fn next_state(&mut self, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("events are UTF-8");
                let mut event = "";
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.strip_prefix(' ').unwrap_or(d));
                    }
                }
                if event == "state" {
                    return serde_json::from_str(&data)
                        .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {data}"));
                }
                // A keep-alive comment or another event: read on.
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .unwrap_or_else(|_| panic!("no state event within {within:?}"))
                .expect("the event stream reads")
                .expect("the event stream stays open");
            self.buf.extend_from_slice(&chunk);
        }
    }
}

fn results_csv_rows(dir: &Path) -> Vec<csv::StringRecord> {
    let text = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().unwrap(),
        vec![
            "stop", "kind", "student", "name", "answer", "truth", "points"
        ]
    );
    r.records().map(Result::unwrap).collect()
}

fn results_on_disk(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// The answers of `stop` in a results document, as (student, value, points).
fn answers_of(results: &Value, stop: usize) -> Vec<(u64, Value, Value)> {
    let stops = results["stops"].as_array().expect("stops");
    let Some(s) = stops.iter().find(|s| s["stop"] == json!(stop)) else {
        return Vec::new();
    };
    s["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["student"].as_u64().unwrap(),
                a["value"].clone(),
                a["points"].clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. A whole class.

#[test]
fn a_class_answers_a_stop_and_scores_by_the_formula() {
    let (replay, lesson) = bundled_lesson();
    let number = lesson
        .steps
        .iter()
        .find_map(|s| s.question.clone())
        .expect("the lesson has a question");
    assert_eq!(number.kind_name(), "number");
    assert_eq!(number.unit(), "%");
    let decimals = number.decimals(&replay.store);
    let choice = lesson
        .steps
        .iter()
        .filter_map(|s| s.question.clone())
        .find(|q| q.kind_name() == "choice")
        .expect("the lesson has a choice question");
    let labels = choice.choices();
    assert!(labels.len() >= 2, "{labels:?}");

    runtime().block_on(async {
        let class = Class::start(config(30, roomy(), None)).await;
        let ada = class.join("Ada").await;
        let bob = class.join("Bob").await;
        let s = class.state(&ada).await;
        assert_eq!(s["phase"], "playing", "{s}");
        assert_eq!(s["name"], "Ada", "{s}");
        assert_eq!(s["score"], 0, "{s}");
        assert_eq!(s["students"], 2, "{s}");

        // Between stops the clock and the prices reach the class.
        class
            .teacher(Teacher::Clock {
                text: "21:12:00".into(),
                quotes: vec![Quote {
                    symbol: "NQH25".into(),
                    last: "21100.00".into(),
                    change: "-3.50%".into(),
                }],
            })
            .await;
        let s = class
            .wait_for(&bob, "the clock", |s| s["clock"] == "21:12:00")
            .await;
        assert_eq!(s["quotes"][0]["symbol"], "NQH25", "{s}");
        assert_eq!(s["quotes"][0]["change"], "-3.50%", "{s}");

        // Stop 1: the lesson's first question.
        class
            .teacher(Teacher::Ask {
                stop: 1,
                prompt: "Asian markets have been open".into(),
                question: Some(number.clone()),
                decimals,
            })
            .await;
        let s = class
            .wait_for(&ada, "stop 1 asked", |s| s["phase"] == "question")
            .await;
        assert_eq!(s["stop"], 1, "{s}");
        assert_eq!(s["kind"], "number", "{s}");
        assert_eq!(s["ask"], json!(number.ask), "{s}");
        assert_eq!(s["unit"], "%", "{s}");
        assert_eq!(s["choices"], json!([]), "{s}");
        assert_eq!(s["prompt"], "Asian markets have been open", "{s}");
        for k in ["answer", "points", "error", "spread", "yours"] {
            assert!(s.get(k).is_none(), "{k} before any answer: {s}");
        }

        // Ada changes her mind: the last answer counts. Bob answers as typed, with the unit.
        class.answer_ok(&ada, 1, json!(-1.25)).await;
        assert_eq!(class.state(&ada).await["yours"], json!(-1.25));
        class.answer_ok(&ada, 1, json!(-3.0)).await;
        class.answer_ok(&bob, 1, json!("-5 %")).await;
        let s = class.state(&ada).await;
        assert_eq!(s["yours"], json!(-3.0), "{s}");
        assert!(
            s.get("answer").is_none() && s.get("points").is_none(),
            "{s}"
        );
        assert_eq!(class.state(&bob).await["yours"], json!(-5.0));
        // Another stop than the one asked: refused, and nothing changes.
        class
            .answer(Some(&ada), 2, json!(-9.0))
            .await
            .expect(409, "an answer to a stop not asked");
        class
            .answer(Some(&ada), 0, json!(-9.0))
            .await
            .expect(409, "an answer to stop 0");
        assert_eq!(class.state(&ada).await["yours"], json!(-3.0));
        assert_eq!(class.handle.tally.borrow().answered, 2);

        // The reveal: -3.5 %.
        let truth = -3.5;
        let ada_points = formula(-3.0, truth, None);
        let bob_points = formula(-5.0, truth, None);
        assert_eq!((ada_points, bob_points), (86, 57), "by hand");
        let s = class.reveal(&ada, 1, Truth::Number(truth)).await;
        assert_eq!(s["answer"], json!(-3.5), "{s}");
        assert_eq!(s["points"], json!(ada_points), "{s}");
        assert_eq!(s["score"], json!(ada_points), "{s}");
        assert_eq!(s["error"], json!(0.5), "{s}");
        assert_eq!(s["yours"], json!(-3.0), "{s}");
        assert_eq!(s["reveal"], "Stop 1 revealed", "{s}");
        assert_eq!(s["spread"]["count"], 2, "{s}");
        assert_eq!(s["spread"]["median"], json!(-4.0), "{s}");
        assert_eq!(s["spread"]["min"], json!(-5.0), "{s}");
        assert_eq!(s["spread"]["max"], json!(-3.0), "{s}");
        let s = class.state(&bob).await;
        assert_eq!(s["points"], json!(bob_points), "{s}");
        assert_eq!(s["error"], json!(-1.5), "{s}");

        // After the reveal, answers are closed; the points stay.
        let r = class.answer(Some(&bob), 1, json!(-3.5)).await;
        r.expect(409, "an answer after the reveal");
        assert!(
            r.json["error"].as_str().unwrap().contains("revealed"),
            "{}",
            r.text
        );
        let s = class.state(&bob).await;
        assert_eq!(s["points"], json!(bob_points), "{s}");
        assert_eq!(s["yours"], json!(-5.0), "{s}");

        // The teacher's results: both answers with their points; Ada leads.
        let v = class.results().await;
        assert_eq!(v["code"], CODE, "{v}");
        let stop = &v["stops"][0];
        assert_eq!(stop["stop"], 1, "{v}");
        assert_eq!(stop["revealed"], true, "{v}");
        assert_eq!(stop["truth"], json!(-3.5), "{v}");
        assert_eq!(stop["kind"], "number", "{v}");
        assert_eq!(
            answers_of(&v, 1),
            vec![
                (0, json!(-3.0), json!(ada_points)),
                (1, json!(-5.0), json!(bob_points)),
            ],
            "{v}"
        );
        assert_eq!(stop["answers"][0]["name"], "Ada", "{v}");
        let board = |v: &Value| -> Vec<(String, u64)> {
            v["leaderboard"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["name"].as_str().unwrap().to_string(),
                        r["points"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(
            board(&v),
            vec![("Ada".into(), ada_points), ("Bob".into(), bob_points)]
        );

        // Stop 2, a choice: Bob is right, Ada is not; the order turns.
        class.resume_and_wait(&ada).await;
        let s = class.ask(&ada, 2, Some(choice.clone())).await;
        assert_eq!(s["kind"], "choice", "{s}");
        assert_eq!(s["choices"], json!(labels), "{s}");
        assert!(s.get("answer").is_none(), "{s}");
        class.answer_ok(&ada, 2, json!(0)).await; // by index
        class
            .answer_ok(&bob, 2, json!(labels[1].to_lowercase()))
            .await; // by label, any case
        assert_eq!(class.state(&ada).await["yours"], json!(labels[0]));
        let s = class.reveal(&bob, 2, Truth::Choice(1)).await;
        assert_eq!(s["answer"], json!(labels[1]), "{s}");
        assert_eq!(s["points"], 100, "{s}");
        assert!(s.get("error").is_none(), "no error for a choice: {s}");
        assert_eq!(s["spread"]["counts"][0], 1, "{s}");
        assert_eq!(s["spread"]["counts"][1], 1, "{s}");
        assert_eq!(s["score"], json!(bob_points + 100), "{s}");
        assert_eq!(class.state(&ada).await["points"], 0);
        let v = class.results().await;
        assert_eq!(
            board(&v),
            vec![("Bob".into(), bob_points + 100), ("Ada".into(), ada_points)]
        );
        assert_eq!(v["stops"][1]["truth"], json!(labels[1]), "{v}");
        assert_eq!(v["leaderboard"][0]["answered"], 2, "{v}");
        let tally = class.handle.tally.borrow().clone();
        assert_eq!(tally.phase, Phase::Reveal);
        assert_eq!(tally.true_choice, Some(1));
        assert_eq!(tally.leaderboard[0], ("Bob".to_string(), 157));

        // The end of the lesson.
        class.teacher(Teacher::Ended).await;
        let s = class
            .wait_for(&ada, "the end", |s| s["phase"] == "ended")
            .await;
        assert!(s.get("prompt").is_none(), "{s}");
        assert_eq!(s["score"], json!(ada_points), "{s}");
        class
            .answer(Some(&ada), 2, json!(1))
            .await
            .expect(409, "an answer after the end");
    });
}

impl Class {
    async fn resume_and_wait(&self, token: &str) {
        self.teacher(Teacher::Resume).await;
        let s = self
            .wait_for(token, "playing again", |s| s["phase"] == "playing")
            .await;
        assert!(s["stop"].is_null() && s.get("prompt").is_none(), "{s}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Refusals.

#[test]
fn every_refusal_has_its_status() {
    runtime().block_on(async {
        let class = Class::start(config(2, roomy(), None)).await;

        // Joining.
        let r = class.join_with("WRONG1", "Ada").await;
        r.expect(403, "a wrong code");
        assert!(r.json["error"].is_string(), "{}", r.text);
        class.join_with(CODE, "").await.expect(422, "no name");
        class
            .join_with(CODE, " \u{1b}\t\r\n ")
            .await
            .expect(422, "a name of control characters only");
        class
            .post("/api/join", None, "{not json".into())
            .await
            .expect(400, "a body that is not JSON");
        class
            .post("/api/join", None, "[1, 2]".into())
            .await
            .expect(400, "a body that is not an object");
        let ada = class.join("Ada").await;
        // The code is read in any case, with spaces around it.
        let r = class
            .join_with(&format!(" {} ", CODE.to_lowercase()), "Bob")
            .await;
        let bob = r.expect(200, "the code in lower case")["token"]
            .as_str()
            .unwrap()
            .to_string();
        let r = class.join_with(CODE, "Cy").await;
        r.expect(409, "a third student in a class of 2");
        assert!(
            r.json["error"].as_str().unwrap().contains("full"),
            "{}",
            r.text
        );
        assert_eq!(class.state(&ada).await["students"], 2);

        // Tokens: missing or unknown is 401 everywhere; a student's token is not the teacher's.
        let unknown = "0123456789abcdef0123456789abcdef";
        for (what, r) in [
            ("state, no token", class.get("/api/state", None).await),
            (
                "state, unknown",
                class.get("/api/state", Some(unknown)).await,
            ),
            (
                "state, not bearer",
                class
                    .send(
                        class
                            .http
                            .get(class.url("/api/state"))
                            .header(header::AUTHORIZATION, format!("Basic {ada}")),
                    )
                    .await,
            ),
            ("answer, no token", class.answer(None, 1, json!(1.0)).await),
            (
                "answer, unknown",
                class.answer(Some(unknown), 1, json!(1.0)).await,
            ),
            ("events, no token", class.get("/api/events", None).await),
            (
                "events, unknown",
                class
                    .get(&format!("/api/events?token={unknown}"), None)
                    .await,
            ),
            (
                "events, a bearer header only",
                class.get("/api/events", Some(&ada)).await,
            ),
            ("results, no token", class.get("/api/results", None).await),
            (
                "results, unknown",
                class.get("/api/results", Some(unknown)).await,
            ),
        ] {
            r.expect(401, what);
            assert!(r.json["error"].is_string(), "{what}: {}", r.text);
        }
        let r = class.get("/api/results", Some(&bob)).await;
        r.expect(403, "results with a student's token");
        assert!(r.json.get("stops").is_none(), "{}", r.text);

        // Too large a body: 413, whatever the route.
        let big = "x".repeat(5000);
        class
            .join_with(CODE, &big)
            .await
            .expect(413, "a 5000-byte name");
        class
            .answer(Some(&ada), 1, json!(big))
            .await
            .expect(413, "a 5000-byte answer");
        // Within the body limit but past the name limit: refused, not cut.
        class
            .join_with(CODE, &"y".repeat(300))
            .await
            .expect(422, "a 300-byte name");

        // Answers: nothing asked yet.
        class
            .answer(Some(&ada), 1, json!(1.0))
            .await
            .expect(409, "an answer while playing");
        // A number question: a word, nothing, a non-finite or huge number, no stop.
        class.ask(&ada, 1, Some(number_question())).await;
        for (what, value) in [
            ("a word", json!("ten")),
            ("null", Value::Null),
            ("a list", json!([1])),
            ("a huge number", json!(1e300)),
            ("an empty string", json!("")),
        ] {
            let r = class.answer(Some(&ada), 1, value).await;
            r.expect(422, what);
            assert!(r.json["error"].is_string(), "{what}: {}", r.text);
        }
        class
            .post("/api/answer", Some(&ada), r#"{"value": 1}"#.into())
            .await
            .expect(422, "no stop");
        class
            .post(
                "/api/answer",
                Some(&ada),
                r#"{"stop": "1", "value": 1}"#.into(),
            )
            .await
            .expect(422, "the stop as a string");
        assert!(
            class.state(&ada).await.get("yours").is_none(),
            "no refused answer is kept"
        );
        // A choice question: a label not listed, an index past the end.
        class.ask(&ada, 2, Some(choice_question())).await;
        for (what, value) in [
            ("a choice not listed", json!("GOOG")),
            ("an index past the end", json!(3)),
            ("a negative index", json!(-1)),
            ("a number as text", json!("1.5")),
        ] {
            let r = class.answer(Some(&bob), 2, value).await;
            r.expect(422, what);
            assert!(
                r.json["error"].as_str().unwrap().contains("NVDA, MU, AAPL"),
                "{what}: {}",
                r.text
            );
        }
        // A discussion stop: nothing to answer.
        class.ask(&ada, 3, None).await;
        assert_eq!(class.state(&ada).await["kind"], "open");
        class
            .answer(Some(&ada), 3, json!("anything"))
            .await
            .expect(409, "an answer to a discussion stop");
        assert_eq!(class.handle.tally.borrow().answers_received, 0);

        // Unknown routes are 404, with the same headers.
        class
            .get("/api/nope", None)
            .await
            .expect(404, "no such route");
    });
}

#[test]
fn a_client_past_its_bucket_is_told_to_wait() {
    runtime().block_on(async {
        let limits = Limits {
            body_bytes: 1024,
            per_second: 0.001,
            burst: 3.0,
        };
        let class = Class::start(config(30, limits, None)).await;
        // The address's bucket: one join, two pages, then 429.
        let ada = class.join("Ada").await;
        class
            .get("/", None)
            .await
            .expect(200, "the page, 2nd request");
        class
            .get("/", None)
            .await
            .expect(200, "the page, 3rd request");
        let r = class.get("/", None).await;
        r.expect(429, "the 4th request from one address");
        assert_eq!(r.header(header::RETRY_AFTER), "1");
        // An invented token is not a bucket of its own: still the address's, still empty.
        let r = class
            .get("/api/state", Some("0123456789abcdef0123456789abcdef"))
            .await;
        r.expect(429, "an unknown token from the same address");
        let r = class.join_with(CODE, "Bob").await;
        r.expect(429, "a join from the same address");
        // A student's token is its own bucket: three requests, the fourth refused.
        for k in 1..=3 {
            class
                .get("/api/state", Some(&ada))
                .await
                .expect(200, &format!("the student's request {k}"));
        }
        let r = class.get("/api/state", Some(&ada)).await;
        r.expect(429, "the student's 4th request");
        assert!(
            r.header(header::RETRY_AFTER).parse::<u64>().unwrap() >= 1,
            "Retry-After {:?}",
            r.header(header::RETRY_AFTER)
        );
        let r = class.answer(Some(&ada), 1, json!(1.0)).await;
        r.expect(429, "an answer past the bucket");
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Names and the page.

#[test]
fn names_are_cleaned_and_capped_and_the_page_never_renders_html() {
    let dir = tempfile::tempdir().unwrap();
    let files = ClassFiles {
        dir: dir.path().join("class"),
    };
    runtime().block_on(async {
        let class = Class::start(config(30, roomy(), Some(files.clone()))).await;
        let raw = "\u{1b}[31m<script>alert(1)</script>\u{7}\r\n\u{202e}Eve";
        let r = class.join_with(CODE, raw).await;
        let v = r.expect(200, "a name with controls").clone();
        let name = v["name"].as_str().unwrap().to_string();
        // Controls become one space; the text is kept as text (the page shows it as text) and
        // cut at NAME_MAX characters.
        assert_eq!(name, "[31m<script>alert(1)</sc");
        assert_eq!(name.chars().count(), NAME_MAX);
        assert!(!name.chars().any(char::is_control), "{name:?}");
        let eve = v["token"].as_str().unwrap().to_string();
        assert_eq!(class.state(&eve).await["name"], json!(name));

        // The same name again is told apart within the cap (the name gives way to " (2)");
        // a name that is a spreadsheet formula is quoted in the CSV.
        let r = class.join_with(CODE, raw).await;
        let short: String = name.chars().take(20).collect();
        assert_eq!(
            r.expect(200, "the same name")["name"],
            json!(format!("{} (2)", short.trim_end()))
        );
        let formula_name = "=HYPERLINK(\"http://x\")";
        let mallory = class.join(formula_name).await;
        let r = class.join_with(CODE, "  Zoë\u{0}\u{85}Ng  ").await;
        assert_eq!(r.expect(200, "non-ASCII")["name"], "Zoë Ng");

        class.ask(&eve, 1, Some(number_question())).await;
        class.answer_ok(&eve, 1, json!(1.0)).await;
        class.answer_ok(&mallory, 1, json!(2.0)).await;
        let v = class.results().await;
        assert_eq!(v["students"][0]["name"], json!(name), "{v}");
        assert_eq!(
            v["students"][1]["name"],
            json!(format!("{} (2)", short.trim_end())),
            "{v}"
        );
        assert_eq!(v["stops"][0]["answers"][0]["name"], json!(name), "{v}");
        let on_disk = results_on_disk(&files.dir);
        assert_eq!(on_disk["students"][0]["name"], json!(name));
        let rows = results_csv_rows(&files.dir);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(&rows[0][3], name.as_str());
        assert_eq!(&rows[1][3], format!("'{formula_name}").as_str());

        // The page: HTML, its script from the same origin only, and a script that never
        // turns text into HTML.
        let r = class.get("/", None).await;
        r.expect(200, "the student page");
        assert!(
            r.header(header::CONTENT_TYPE).starts_with("text/html"),
            "{:?}",
            r.headers
        );
        assert!(r.text.contains("<script src=\"/student.js\""), "{}", r.text);
        assert_eq!(
            r.text.matches("<script").count(),
            r.text.matches("<script src=").count(),
            "no inline script: {}",
            r.text
        );
        let csp = r.header(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let js = class.get("/student.js", None).await;
        js.expect(200, "the script");
        assert!(
            js.header(header::CONTENT_TYPE)
                .starts_with("text/javascript"),
            "{:?}",
            js.headers
        );
        assert!(js.text.contains("textContent"), "the script writes text");
        for bad in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ] {
            assert!(!js.text.contains(bad), "student.js uses {bad}");
        }
        class
            .get("/student.css", None)
            .await
            .expect(200, "the style sheet");
    });
}

// ---------------------------------------------------------------------------------------------
// 4. Live updates.

#[test]
fn the_event_stream_sends_the_state_at_once_and_on_every_change() {
    runtime().block_on(async {
        let class = Class::start(config(30, roomy(), None)).await;
        let ada = class.join("Ada").await;
        let resp = class
            .http
            .get(class.url(&format!("/api/events?token={ada}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(
            resp.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"),
            "{:?}",
            resp.headers()
        );
        assert!(resp.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        let mut events = Events {
            resp,
            buf: Vec::new(),
        };
        let first = events.next_state(WAIT).await;
        assert_eq!(first["phase"], "playing", "{first}");
        assert_eq!(first["name"], "Ada", "{first}");
        assert_eq!(
            first,
            class.state(&ada).await,
            "the same JSON as /api/state"
        );

        class
            .teacher(Teacher::Ask {
                stop: 1,
                prompt: "Look at the futures".into(),
                question: Some(number_question()),
                decimals: 2,
            })
            .await;
        let s = events.next_state(WAIT).await;
        assert_eq!(s["phase"], "question", "{s}");
        assert_eq!(s["stop"], 1, "{s}");
        assert_eq!(s["prompt"], "Look at the futures", "{s}");
        assert!(
            s["version"].as_u64() > first["version"].as_u64(),
            "{first} then {s}"
        );

        // Her own answer and the reveal come the same way.
        class.answer_ok(&ada, 1, json!(-2.0)).await;
        let s = events.next_state(WAIT).await;
        assert_eq!(s["yours"], json!(-2.0), "{s}");
        class
            .teacher(Teacher::Reveal {
                stop: 1,
                truth: Some(Truth::Number(-2.5)),
                text: "It was -2.5 %".into(),
            })
            .await;
        let s = events.next_state(WAIT).await;
        assert_eq!(s["phase"], "reveal", "{s}");
        assert_eq!(s["points"], json!(formula(-2.0, -2.5, None)), "{s}");

        // Each clock tick reaches the page, and so does the end of the lesson.
        for text in ["10:00:01", "10:00:02"] {
            class
                .teacher(Teacher::Clock {
                    text: text.into(),
                    quotes: Vec::new(),
                })
                .await;
            let s = events.next_state(WAIT).await;
            assert_eq!(s["clock"], text, "{s}");
        }
        class.teacher(Teacher::Ended).await;
        let s = events.next_state(WAIT).await;
        assert_eq!(s["phase"], "ended", "{s}");
    });
}

// ---------------------------------------------------------------------------------------------
// 5. A crash and --resume.

#[test]
fn a_crash_and_resume_lose_no_acknowledged_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let files = ClassFiles {
        dir: tmp.path().join("deepseek-2025-01-27-TEST42"),
    };
    let names = ["Ada", "Bob", "Cy"];
    let guesses = [json!(-3.0), json!(-5.0), json!("-3.5")];

    // The first run: three students answer stop 1; each acknowledgement means it is on disk.
    let rt = runtime();
    let tokens: Vec<String> = rt.block_on(async {
        let class = Class::start(config(30, roomy(), Some(files.clone()))).await;
        let mut tokens = Vec::new();
        for n in names {
            tokens.push(class.join(n).await);
        }
        class.ask(&tokens[0], 1, Some(number_question())).await;
        for (k, (t, g)) in tokens.iter().zip(&guesses).enumerate() {
            class.answer_ok(t, 1, g.clone()).await;
            let on_disk = answers_of(&results_on_disk(&files.dir), 1);
            assert_eq!(on_disk.len(), k + 1, "after answer {k}: {on_disk:?}");
            assert_eq!(on_disk[k].0, k as u64);
        }
        tokens
    });
    // The crash: every task stops where it is, the port closes, nothing is flushed after.
    drop(rt);

    let mode = std::fs::metadata(files.session())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "session.json holds the tokens: {mode:o}"
    );
    assert!(
        !files.dir.join("session.tmp").exists() && !files.dir.join("results.tmp").exists(),
        "no temporary file is left"
    );
    let rows = results_csv_rows(&files.dir);
    assert_eq!(rows.len(), 3, "one row per answer: {rows:?}");
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(&row[0], "1");
        assert_eq!(&row[1], "number");
        assert_eq!(&row[2], k.to_string().as_str());
        assert_eq!(&row[3], names[k]);
        assert_eq!(&row[6], "", "not revealed: no points");
    }
    assert_eq!(&rows[2][4], "-3.5");

    let resumed = files::load(&files).unwrap();
    assert_eq!(resumed.code, CODE);
    assert_eq!(resumed.teacher_token, TEACHER);
    let students: Vec<(String, String)> = names
        .iter()
        .map(|n| (*n).to_string())
        .zip(tokens.iter().cloned())
        .collect();
    assert_eq!(resumed.students, students);
    assert_eq!(resumed.answers.len(), 3, "{:?}", resumed.answers);

    // The second run, as `serve --resume` starts it.
    let rt = runtime();
    rt.block_on(async {
        let cfg = Config {
            code: resumed.code.clone(),
            teacher_token: resumed.teacher_token.clone(),
            resumed: Some(resumed.clone()),
            ..config(30, roomy(), Some(files.clone()))
        };
        let class = Class::start(cfg).await;
        // Every old token still works: the pages reconnect.
        for (t, n) in tokens.iter().zip(names) {
            let s = class.state(t).await;
            assert_eq!(s["name"], n, "{s}");
            assert_eq!(s["phase"], "playing", "{s}");
        }
        let dan = class.join("Dan").await;
        assert_eq!(class.state(&dan).await["students"], 4);
        // Until the teacher reaches stop 1 again its answers are not in the room yet, but
        // every write must keep them on disk: another crash now would otherwise lose them.
        // Dan's acknowledged answer below proves a write after the resume has happened.
        // The teacher starts at another stop first; Dan's answer there is acknowledged.
        class.ask(&dan, 2, Some(choice_question())).await;
        class.answer_ok(&dan, 2, json!("MU")).await;
        let on_disk = results_on_disk(&files.dir);
        assert_eq!(
            answers_of(&on_disk, 1).len(),
            3,
            "stop 1's answers are still on disk before it is asked again: {on_disk}"
        );
        assert_eq!(answers_of(&on_disk, 2).len(), 1, "{on_disk}");
        // Kept as it was written: its prompt and kind, in stop order.
        assert_eq!(on_disk["stops"][0]["stop"], 1, "{on_disk}");
        assert_eq!(on_disk["stops"][0]["prompt"], "Stop 1: what happened?");
        assert_eq!(on_disk["stops"][0]["kind"], "number");
        assert_eq!(answers_of(&class.results().await, 1).len(), 3);
        assert_eq!(results_csv_rows(&files.dir).len(), 4);
        assert_eq!(files::load(&files).unwrap().answers.len(), 4);

        // Back to stop 1: the answers are there, each student's own.
        let s = class.ask(&tokens[0], 1, Some(number_question())).await;
        assert_eq!(s["yours"], json!(-3.0), "{s}");
        assert_eq!(class.state(&tokens[2]).await["yours"], json!(-3.5));
        assert!(class.state(&dan).await.get("yours").is_none());
        let truth = -3.5;
        let s = class.reveal(&tokens[1], 1, Truth::Number(truth)).await;
        assert_eq!(s["points"], json!(formula(-5.0, truth, None)), "{s}");
        assert_eq!(s["spread"]["count"], 3, "{s}");
        let v = class.results().await;
        assert_eq!(
            answers_of(&v, 1),
            vec![
                (0, json!(-3.0), json!(86)),
                (1, json!(-5.0), json!(57)),
                (2, json!(-3.5), json!(100)),
            ],
            "{v}"
        );
        assert_eq!(
            answers_of(&v, 2),
            vec![(3, json!("MU"), Value::Null)],
            "{v}"
        );
        assert_eq!(v["leaderboard"][0]["name"], "Cy", "{v}");

        // The reveal is written too (no acknowledgement to wait for: poll the file).
        let deadline = std::time::Instant::now() + WAIT;
        let rows = loop {
            let rows = results_csv_rows(&files.dir);
            if rows.iter().filter(|r| !r[6].is_empty()).count() == 3 {
                break rows;
            }
            assert!(std::time::Instant::now() < deadline, "{rows:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert_eq!(rows.len(), 4, "one row per answer: {rows:?}");
        let points: Vec<&str> = rows.iter().map(|r| &r[6]).collect();
        assert_eq!(points, ["86", "57", "100", ""]);
        assert_eq!(&rows[0][5], "-3.5", "the truth");
    });
    drop(rt);
    let mode = std::fs::metadata(files.session())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "still private after rewrites: {mode:o}"
    );
    let again = files::load(&files).unwrap();
    assert_eq!(again.students.len(), 4);
    assert_eq!(again.answers.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// 6. The bundled lesson's questions.

#[test]
fn every_question_of_the_bundled_lesson_has_a_true_value_at_its_stop() {
    let (replay, lesson) = bundled_lesson();
    let asked = lesson.steps.iter().filter(|s| s.question.is_some()).count();
    assert!(asked >= 6, "{asked} questions");
    assert_eq!(asked, lesson.questions());
    let mut t = replay.store.start;
    let mut kinds = Vec::new();
    for (k, step) in lesson.steps.iter().enumerate() {
        // A step seeks or plays first, then stops: its clock is the last time set so far.
        if let Some(to) = step.seek.or(step.play_to) {
            t = to;
        }
        let Some(q) = &step.question else { continue };
        assert!(
            step.prompt.is_some(),
            "step {k}: a question without a prompt"
        );
        let snap = replay.store.snapshot(t, 0);
        let truth = q
            .truth(&replay.store, &snap)
            .unwrap_or_else(|| panic!("step {k} (line {}): no true value at {t}", step.line));
        match (&q.kind, &truth) {
            (Kind::Number { .. }, Truth::Number(x)) => {
                assert!(x.is_finite(), "step {k}: {x}");
                assert!(
                    q.points(&tapedeck::lesson::question::Guess::Number(*x), &truth) == 100,
                    "step {k}: the exact value earns 100"
                );
            }
            (Kind::Choice { choices, .. }, Truth::Choice(c)) => {
                assert!(*c < choices.len(), "step {k}: {c}");
            }
            (Kind::Direction { .. }, Truth::Choice(c)) => assert!(*c < 2, "step {k}: {c}"),
            _ => panic!("step {k}: a {} question got {truth:?}", q.kind_name()),
        }
        kinds.push(q.kind_name());
    }
    for kind in ["number", "choice", "direction"] {
        assert!(kinds.contains(&kind), "no {kind} question: {kinds:?}");
    }
}
