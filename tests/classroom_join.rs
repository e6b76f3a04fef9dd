//! `tapedeck join`: a student's terminal against a real class server on loopback. It follows
//! the teacher's clock, refuses the keys that would move it, and sends answers typed or picked
//! in its panel; the server records them.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use tapedeck::classroom::room::{Tally, Teacher};
use tapedeck::classroom::server::{self, Config, Limits};
use tapedeck::lesson::Placeholder;
use tapedeck::lesson::question::{Kind, Question, Truth};
use tapedeck::tui::action::Action;
use tapedeck::tui::join::{self, JoinLink};

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Polls the student's link until `done` holds for its latest state (2 s at most).
async fn until(j: &mut JoinLink, what: &str, done: impl Fn(&Value, &str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        j.poll();
        if done(&j.current, &j.message) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {} / {}",
            j.current,
            j.message
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn tally_until(
    rx: &mut tokio::sync::watch::Receiver<Tally>,
    done: impl Fn(&Tally) -> bool,
) -> Tally {
    let t = tokio::time::timeout(Duration::from_secs(2), rx.wait_for(|t| done(t)))
        .await
        .expect("tally in time")
        .expect("server running");
    t.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_student_follows_the_clock_and_answers_from_its_panel() {
    let handle = server::start(Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        code: "JOIN42".into(),
        teacher_token: "teacher".into(),
        max_students: 5,
        title: "t".into(),
        lesson: "l".into(),
        replay: "r".into(),
        files: None,
        limits: Limits::default(),
        resumed: None,
    })
    .await
    .unwrap();
    let url = format!("http://{}/?code=join42", handle.addr);
    let mut j = join::connect(&url, "Zoe\u{1b}[31m").await.expect("joined");
    assert_eq!(
        j.name, "Zoe [31m",
        "control characters stripped from the name shown"
    );
    let Err(refused) = join::connect(&format!("http://{}/?code=WRONG1", handle.addr), "x").await
    else {
        panic!("a wrong code joined");
    };
    assert!(
        refused.contains("403") && refused.contains("wrong class code"),
        "{refused}"
    );

    // The clock: the app is told to seek to the teacher's time, and only when it differs.
    let t = 1_737_988_260_000_000_000_i64;
    handle.teacher.send(Teacher::At(t)).await.unwrap();
    handle
        .teacher
        .send(Teacher::Clock {
            text: "09:31:00".into(),
            quotes: Vec::new(),
        })
        .await
        .unwrap();
    until(&mut j, "clock", |s, _| s["clock_ns"].as_i64() == Some(t)).await;
    assert_eq!(j.follow_clock(t - 5), Some(Action::SeekTo(t)));
    assert_eq!(j.follow_clock(t), None);
    assert!(
        Action::PlayPause.moves_clock()
            && Action::GoTo.moves_clock()
            && Action::LessonNext.moves_clock()
    );
    assert!(!Action::Help.moves_clock() && !Action::Quit.moves_clock());

    // A number question: `a`, type, Enter; the server counts it.
    let q = Question {
        ask: "how far?".into(),
        kind: Kind::Number {
            measure: Placeholder::Total,
            unit: "%".into(),
            tolerance: None,
        },
    };
    handle
        .teacher
        .send(Teacher::Ask {
            stop: 1,
            prompt: "p".into(),
            question: Some(q),
            decimals: 2,
        })
        .await
        .unwrap();
    until(&mut j, "question", |s, _| s["phase"] == "question").await;
    assert!(
        !j.key(key(KeyCode::Char(' '))),
        "keys the panel does not use go to the app"
    );
    assert!(j.key(key(KeyCode::Char('a'))));
    for c in "-3x,0".chars() {
        assert!(j.key(key(KeyCode::Char(c))));
    }
    assert_eq!(
        j.typing.as_deref(),
        Some("-3.0"),
        "digits, sign and a comma as the point; letters ignored"
    );
    assert!(j.key(key(KeyCode::Enter)));
    until(&mut j, "answer accepted", |s, m| {
        m.starts_with("answer sent") && s["yours"] == -3.0
    })
    .await;
    let mut tally = handle.tally.clone();
    assert_eq!(
        tally_until(&mut tally, |t| t.answered == 1).await.answered,
        1
    );

    handle
        .teacher
        .send(Teacher::Reveal {
            stop: 1,
            truth: Some(Truth::Number(-3.5)),
            text: "r".into(),
        })
        .await
        .unwrap();
    until(&mut j, "reveal", |s, _| s["phase"] == "reveal").await;
    assert_eq!(j.current["points"], 86);
    // After the reveal the panel takes no answer.
    assert!(!j.key(key(KeyCode::Char('a'))));

    // A choice: a digit picks it (out of range does nothing).
    let c = Question {
        ask: String::new(),
        kind: Kind::Direction {
            measure: Placeholder::Total,
        },
    };
    handle
        .teacher
        .send(Teacher::Ask {
            stop: 2,
            prompt: "p".into(),
            question: Some(c),
            decimals: 0,
        })
        .await
        .unwrap();
    until(&mut j, "choice", |s, _| {
        s["stop"] == 2 && s["phase"] == "question"
    })
    .await;
    assert!(
        j.key(key(KeyCode::Char('3'))),
        "a third choice of two is taken and ignored"
    );
    assert!(j.key(key(KeyCode::Char('2'))));
    until(&mut j, "choice accepted", |s, _| s["yours"] == "down").await;
    assert_eq!(
        tally_until(&mut tally, |t| t.stop == Some(2) && t.answered == 1)
            .await
            .choices[1]
            .1,
        1
    );
}
