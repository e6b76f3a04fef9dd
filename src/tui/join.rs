//! `tapedeck join URL`: a student's terminal in a class. The ordinary app on the student's own
//! copy of the replay, following the teacher's clock (the keys that would move it are off),
//! with the stop's question in a panel. The network runs in tasks of its own: the class's
//! state arrives on a watch channel (only the latest matters), answers leave on a bounded
//! channel, so the screen never waits on the network.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::action::Action;

/// What the student's panel shows, from the latest state.
pub struct JoinLink {
    pub url: String,
    pub name: String,
    state: watch::Receiver<Value>,
    pub current: Value,
    answers: mpsc::Sender<(u64, Value)>,
    replies: watch::Receiver<String>,
    /// The last word from the class (answer accepted or refused, connection lost, a key that
    /// is the teacher's).
    pub message: String,
    /// The number being typed, while typing.
    pub typing: Option<String>,
    woken: bool,
}

/// Joins the class at `url` (`http://HOST:PORT/?code=CODE`) as `name`; must run inside the
/// tokio runtime that will carry the network tasks.
pub async fn connect(url: &str, name: &str) -> Result<JoinLink, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: not a URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("{url}: a class is served over http://"));
    }
    let code = parsed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("{url}: no ?code= in the URL (the teacher's screen shows it)"))?;
    let base = format!(
        "http://{}:{}",
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port_or_known_default().unwrap_or(80)
    );
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let r = client
        .post(format!("{base}/api/join"))
        .header("content-type", "application/json")
        .body(json!({"code": code, "name": name}).to_string())
        .send()
        .await
        .map_err(|e| format!("cannot reach the class at {base}: {e}"))?;
    let status = r.status();
    let v: Value =
        serde_json::from_slice(&r.bytes().await.map_err(|e| e.to_string())?).unwrap_or(Value::Null);
    if !status.is_success() {
        let why = v["error"].as_str().unwrap_or("refused");
        return Err(format!(
            "the class refused to join ({status}): {}",
            crate::text::sanitize(why)
        ));
    }
    let token = v["token"]
        .as_str()
        .ok_or("the class sent no token")?
        .to_string();
    let name = crate::text::sanitize(v["name"].as_str().unwrap_or(name));
    let (state_tx, state) = watch::channel(Value::Null);
    let (reply_tx, replies) = watch::channel(String::new());
    let (answers, answer_rx) = mpsc::channel(8);
    tokio::spawn(follow(
        client.clone(),
        base.clone(),
        token.clone(),
        state_tx,
        reply_tx.clone(),
    ));
    tokio::spawn(send_answers(client, base, token, answer_rx, reply_tx));
    Ok(JoinLink {
        url: url.to_string(),
        name,
        state,
        current: Value::Null,
        answers,
        replies,
        message: String::new(),
        typing: None,
        woken: false,
    })
}

/// Reads the class's event stream, reconnecting after a drop; each state replaces the last.
async fn follow(
    client: reqwest::Client,
    base: String,
    token: String,
    state: watch::Sender<Value>,
    reply: watch::Sender<String>,
) {
    let url = format!("{base}/api/events?token={token}");
    loop {
        match client.get(&url).send().await {
            Ok(mut r) if r.status().is_success() => {
                reply.send_replace(String::new());
                let mut buf: Vec<u8> = Vec::new();
                while let Ok(Some(chunk)) = r.chunk().await {
                    buf.extend_from_slice(&chunk);
                    // Events end with a blank line; a state is one `data:` line of JSON.
                    while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                        let event: Vec<u8> = buf.drain(..end + 2).collect();
                        let text = String::from_utf8_lossy(&event);
                        if let Some(data) = text.lines().find_map(|l| l.strip_prefix("data:"))
                            && let Ok(v) = serde_json::from_str::<Value>(data.trim())
                        {
                            state.send_replace(v);
                        }
                    }
                    if buf.len() > 1 << 20 {
                        buf.clear();
                    }
                }
            }
            Ok(r) if r.status() == reqwest::StatusCode::UNAUTHORIZED => {
                reply.send_replace("the class no longer knows you: join again".into());
                return;
            }
            _ => {}
        }
        reply.send_replace("connection to the class lost: reconnecting…".into());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn send_answers(
    client: reqwest::Client,
    base: String,
    token: String,
    mut rx: mpsc::Receiver<(u64, Value)>,
    reply: watch::Sender<String>,
) {
    while let Some((stop, value)) = rx.recv().await {
        let r = client
            .post(format!("{base}/api/answer"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(json!({"stop": stop, "value": value}).to_string())
            .send()
            .await;
        let msg = match r {
            Ok(r) if r.status().is_success() => format!("answer sent: {}", text_of(&value)),
            Ok(r) => {
                let v: Value = serde_json::from_slice(&r.bytes().await.unwrap_or_default())
                    .unwrap_or(Value::Null);
                format!(
                    "not taken: {}",
                    crate::text::sanitize(v["error"].as_str().unwrap_or("refused"))
                )
            }
            Err(e) => format!("cannot reach the class: {e}"),
        };
        reply.send_replace(msg);
    }
}

/// A JSON value as the student typed or picked it.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => crate::text::sanitize(s),
        v => v.to_string(),
    }
}

impl JoinLink {
    /// Takes the newest state and replies; true when the panel needs drawing.
    pub fn poll(&mut self) -> bool {
        let mut changed = std::mem::take(&mut self.woken);
        if changed || self.state.has_changed().unwrap_or(false) {
            let v = self.state.borrow_and_update().clone();
            if v["stop"] != self.current["stop"] || v["phase"] != self.current["phase"] {
                self.typing = None;
            }
            self.current = v;
            changed = true;
        }
        if self.replies.has_changed().unwrap_or(false) {
            self.message.clone_from(&self.replies.borrow_and_update());
            changed = true;
        }
        changed
    }

    /// Waits until the class's state or a reply changes.
    pub async fn changed(&mut self) {
        tokio::select! {
            r = self.state.changed() => if r.is_ok() { self.woken = true } else { std::future::pending::<()>().await },
            r = self.replies.changed() => if r.is_ok() { self.woken = true } else { std::future::pending::<()>().await },
        }
    }

    /// The seek that puts the app at the teacher's clock, if it is elsewhere.
    pub fn follow_clock(&self, now: i64) -> Option<Action> {
        let t = self.current["clock_ns"].as_i64()?;
        (t != now).then_some(Action::SeekTo(t))
    }

    fn open_question(&self) -> Option<(u64, String)> {
        let c = &self.current;
        if c["phase"] != "question" {
            return None;
        }
        let kind = c["kind"].as_str()?;
        (kind != "open").then_some((c["stop"].as_u64()?, kind.to_string()))
    }

    /// A key, before the app sees it: true if the panel took it (typing an answer, picking a
    /// choice).
    pub fn key(&mut self, k: KeyEvent) -> bool {
        let Some((stop, kind)) = self.open_question() else {
            self.typing = None;
            return false;
        };
        if let Some(buf) = self.typing.as_mut() {
            match k.code {
                KeyCode::Char(c) if (c.is_ascii_digit() || ".-,".contains(c)) && buf.len() < 16 => {
                    buf.push(if c == ',' { '.' } else { c });
                }
                KeyCode::Backspace => {
                    buf.pop();
                }
                KeyCode::Esc => self.typing = None,
                KeyCode::Enter => {
                    let text = self.typing.take().unwrap_or_default();
                    match text.parse::<f64>() {
                        Ok(x) if x.is_finite() => self.send(stop, json!(x)),
                        _ => self.message = format!("{text:?} is not a number"),
                    }
                }
                _ => {}
            }
            return true;
        }
        let kind = kind.as_str();
        match (kind, k.code) {
            ("number", KeyCode::Char('a') | KeyCode::Enter) => {
                self.typing = Some(String::new());
                true
            }
            (_, KeyCode::Char(c)) if kind != "number" && ('1'..='8').contains(&c) => {
                let k = (c as u8 - b'1') as usize;
                let choices = self.current["choices"].as_array().map_or(0, Vec::len);
                if k < choices {
                    self.send(stop, json!(k));
                }
                true
            }
            _ => false,
        }
    }

    fn send(&mut self, stop: u64, value: Value) {
        // Full only if eight answers are already waiting: the student is typing faster than
        // the network answers, and the newest one will follow.
        if self.answers.try_send((stop, value)).is_err() {
            self.message = "still sending the last answers…".into();
        } else {
            self.message = "sending…".into();
        }
    }

    /// A key whose action would move the clock: say why nothing happens.
    pub fn refuse(&mut self) {
        self.message = "the teacher has the clock: it follows the class".into();
    }
}
