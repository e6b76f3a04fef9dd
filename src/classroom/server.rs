//! The classroom's HTTP server (axum): the student page, and the JSON API the page, `join`
//! and course scripts use (README "Classroom API"). It holds the [`Room`] behind a lock held
//! only for short, allocation-light work; the teacher's app talks to it through a bounded
//! channel (commands in) and a watch channel (the tally out), so the app never waits on it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};

use super::files::{ClassFiles, Resumed};
use super::room::{AnswerError, JoinError, Room, Tally, Teacher};

const PAGE: &str = include_str!("../../assets/classroom/student.html");
const SCRIPT: &str = include_str!("../../assets/classroom/student.js");
const STYLE: &str = include_str!("../../assets/classroom/student.css");

/// Caps on what one client may send.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes (larger: 413).
    pub body_bytes: usize,
    /// Requests per second each client may make on average, and in a burst (more: 429).
    pub per_second: f64,
    pub burst: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: 1024,
            per_second: 5.0,
            burst: 20.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub code: String,
    pub teacher_token: String,
    pub max_students: usize,
    pub title: String,
    pub lesson: String,
    pub replay: String,
    /// Where results are written after each batch of answers (none in some tests).
    pub files: Option<ClassFiles>,
    pub limits: Limits,
    pub resumed: Option<Resumed>,
}

/// What the teacher's app holds of a running server.
pub struct Handle {
    pub addr: SocketAddr,
    pub code: String,
    pub teacher_token: String,
    /// Commands to the class; the app sends with `try_send` and never waits.
    pub teacher: mpsc::Sender<Teacher>,
    /// The latest tally; the app reads it each frame without waiting.
    pub tally: watch::Receiver<Tally>,
    /// The last error writing the results, if any.
    pub write_error: watch::Receiver<Option<String>>,
}

impl Handle {
    /// The join URL for a phone on the same network (the bind address, as given).
    pub fn url(&self) -> String {
        format!("http://{}/?code={}", self.addr, self.code)
    }
}

struct Shared {
    room: Mutex<Room>,
    version: watch::Sender<u64>,
    tally: watch::Sender<Tally>,
    dirty: Notify,
    flushed: watch::Sender<u64>,
    buckets: Mutex<HashMap<Client, Bucket>>,
    streams: AtomicUsize,
    limits: Limits,
    files: Option<ClassFiles>,
    lesson: String,
    replay: String,
    write_error: watch::Sender<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Client {
    Token(String),
    Ip(IpAddr),
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Shared {
    fn room(&self) -> MutexGuard<'_, Room> {
        // A handler that panicked mid-change leaves the room as it was between statements;
        // every change below is one assignment, so the data is whole.
        self.room
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// After a change: wake the pages, refresh the teacher's tally, schedule a write.
    fn changed(&self, room: &Room) {
        self.version.send_replace(room.version);
        self.tally.send_replace(room.tally());
        if self.files.is_some() {
            self.dirty.notify_one();
        } else {
            self.flushed.send_replace(room.version);
        }
    }

    /// Takes one request from `client`'s bucket; false when it is empty.
    fn allow(&self, client: Client) -> bool {
        let now = Instant::now();
        let mut b = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if b.len() > 50_000 {
            // Forget clients whose buckets have refilled: they would start full anyway.
            let (rate, burst) = (self.limits.per_second, self.limits.burst);
            b.retain(|_, v| v.tokens + now.duration_since(v.at).as_secs_f64() * rate < burst);
        }
        let e = b.entry(client).or_insert(Bucket {
            tokens: self.limits.burst,
            at: now,
        });
        e.tokens = (e.tokens + now.duration_since(e.at).as_secs_f64() * self.limits.per_second)
            .min(self.limits.burst);
        e.at = now;
        if e.tokens >= 1.0 {
            e.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Binds, starts serving on the current tokio runtime, and returns at once.
pub async fn start(cfg: Config) -> std::io::Result<Handle> {
    let listener = tokio::net::TcpListener::bind(cfg.bind).await?;
    let addr = listener.local_addr()?;
    let mut room = Room::new(
        cfg.code.clone(),
        cfg.teacher_token.clone(),
        cfg.max_students,
        cfg.title.clone(),
    );
    if let Some(r) = &cfg.resumed {
        for (name, token) in &r.students {
            room.add_student(name.clone(), token.clone());
        }
        for (stop, student, v) in &r.answers {
            room.restore_answer(*stop, *student, v.clone());
        }
        for (stop, written) in &r.stops {
            room.restore_stop(*stop, written.clone());
        }
    }
    let (version, _) = watch::channel(room.version);
    let (tally, tally_rx) = watch::channel(room.tally());
    let (flushed, _) = watch::channel(room.version);
    let (write_error, write_error_rx) = watch::channel(None);
    let (teacher, mut commands) = mpsc::channel::<Teacher>(64);
    let shared = Arc::new(Shared {
        room: Mutex::new(room),
        version,
        tally,
        dirty: Notify::new(),
        flushed,
        buckets: Mutex::new(HashMap::new()),
        streams: AtomicUsize::new(0),
        limits: cfg.limits,
        files: cfg.files.clone(),
        lesson: cfg.lesson.clone(),
        replay: cfg.replay.clone(),
        write_error,
    });
    if shared.files.is_some() {
        // Write once at the start, so the session (and its tokens) exist before anyone joins.
        shared.dirty.notify_one();
        tokio::spawn(writer(shared.clone()));
    }
    let s = shared.clone();
    tokio::spawn(async move {
        while let Some(cmd) = commands.recv().await {
            let mut room = s.room();
            room.apply(cmd);
            s.changed(&room);
        }
    });
    let app = router(shared);
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Ok(Handle {
        addr,
        code: cfg.code,
        teacher_token: cfg.teacher_token,
        teacher,
        tally: tally_rx,
        write_error: write_error_rx,
    })
}

/// Writes the class's files whenever it changed, one write at a time: answers that arrive
/// during a write go into the next one (a group commit), and each answer is acknowledged only
/// once a write holding it is on disk.
async fn writer(s: Arc<Shared>) {
    let Some(files) = s.files.clone() else { return };
    loop {
        s.dirty.notified().await;
        let (version, room) = {
            let room = s.room();
            (room.version, room.clone())
        };
        let (files, lesson, replay) = (files.clone(), s.lesson.clone(), s.replay.clone());
        let result =
            tokio::task::spawn_blocking(move || files.write(&room, &lesson, &replay)).await;
        match result {
            Ok(Ok(())) => {
                s.write_error.send_replace(None);
                s.flushed.send_replace(version);
            }
            Ok(Err(e)) => {
                s.write_error
                    .send_replace(Some(format!("cannot write the results: {e}")));
            }
            Err(e) => {
                s.write_error
                    .send_replace(Some(format!("the results writer stopped: {e}")));
            }
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let body = shared.limits.body_bytes;
    Router::new()
        .route(
            "/",
            get(|| async { page(PAGE, "text/html; charset=utf-8") }),
        )
        .route(
            "/student.js",
            get(|| async { page(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/student.css",
            get(|| async { page(STYLE, "text/css; charset=utf-8") }),
        )
        .route("/api/join", post(join))
        .route("/api/state", get(state))
        .route("/api/answer", post(answer))
        .route("/api/events", get(events))
        .route("/api/results", get(results))
        .layer(middleware::from_fn_with_state(shared.clone(), limit))
        .layer(DefaultBodyLimit::max(body))
        .layer(middleware::from_fn(headers))
        .with_state(shared)
}

fn page(text: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], text).into_response()
}

/// Every response: nothing from elsewhere may load or frame the page, nothing is cached.
async fn headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Rate limit per client: a known token is its own client, anything else is its address.
async fn limit(
    State(s): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let token = bearer(req.headers())
        .or_else(|| query_token(req.uri().query()))
        .filter(|t| {
            let room = s.room();
            room.student(t).is_some() || room.is_teacher(t)
        });
    let client = token.map_or(Client::Ip(peer.ip()), Client::Token);
    if !s.allow(client) {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests: slow down",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    next.run(req).await
}

fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn query_token(q: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(q?.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

fn error(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(json!({"error": msg}))).into_response()
}

/// The student a request's bearer token belongs to, or 401.
fn student_of(s: &Shared, h: &HeaderMap) -> Result<usize, Response> {
    let t = bearer(h).ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "missing token: join first (POST /api/join)",
        )
    })?;
    s.room()
        .student(&t)
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "unknown token: join again"))
}

/// A refusal: the status and the message the client is shown.
pub type Refusal = (StatusCode, String);

fn refuse(status: StatusCode, msg: &str) -> Refusal {
    (status, msg.to_string())
}

/// Reads a join body and joins the room; the student's index. Pure: the handler and the
/// `classroom_request` fuzz target both call it.
pub fn join_request(room: &mut Room, body: &[u8], token: String) -> Result<usize, Refusal> {
    let v = request_json(body)?;
    let code = v.get("code").and_then(Value::as_str).unwrap_or("");
    let name = v.get("name").and_then(Value::as_str).unwrap_or("");
    if name.len() > 200 {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the name is too long",
        ));
    }
    room.join(code, name, token).map_err(|e| match e {
        JoinError::WrongCode => refuse(StatusCode::FORBIDDEN, "wrong class code"),
        JoinError::Full(n) => (
            StatusCode::CONFLICT,
            format!("the class is full ({n} students): ask the teacher"),
        ),
        JoinError::BadName(m) => refuse(StatusCode::UNPROCESSABLE_ENTITY, m),
    })
}

/// Reads an answer body and records it for `student`; the stop it answered.
pub fn answer_request(room: &mut Room, student: usize, body: &[u8]) -> Result<usize, Refusal> {
    let v = request_json(body)?;
    let Some(stop) = v.get("stop").and_then(Value::as_u64) else {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "stop: missing or not a number",
        ));
    };
    let stop = usize::try_from(stop).unwrap_or(usize::MAX);
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    room.answer(student, stop, &value).map_err(|e| match e {
        AnswerError::NotAsked => refuse(StatusCode::CONFLICT, "that stop is not being asked now"),
        AnswerError::Revealed => refuse(
            StatusCode::CONFLICT,
            "the answer has been revealed: answers are closed",
        ),
        AnswerError::NoQuestion => refuse(
            StatusCode::CONFLICT,
            "this stop is for discussion: nothing to answer",
        ),
        AnswerError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
    })?;
    Ok(stop)
}

fn request_json(body: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "the body must be a JSON object"))
}

async fn join(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(token) = super::files::new_token() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
    };
    let mut room = s.room();
    match join_request(&mut room, &body, token.clone()) {
        Ok(i) => {
            let name = room.students[i].name.clone();
            s.changed(&room);
            axum::Json(json!({"token": token, "name": name, "student": i})).into_response()
        }
        Err((status, msg)) => error(status, &msg),
    }
}

async fn state(State(s): State<Arc<Shared>>, h: HeaderMap) -> Response {
    match student_of(&s, &h) {
        Ok(i) => axum::Json(s.room().state_for(Some(i))).into_response(),
        Err(r) => r,
    }
}

async fn answer(State(s): State<Arc<Shared>>, h: HeaderMap, body: Bytes) -> Response {
    let i = match student_of(&s, &h) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let (stop, version) = {
        let mut room = s.room();
        match answer_request(&mut room, i, &body) {
            Ok(stop) => {
                s.changed(&room);
                (stop, room.version)
            }
            Err((status, msg)) => return error(status, &msg),
        }
    };
    // Acknowledge once the answer is on disk (see `writer`).
    let mut flushed = s.flushed.subscribe();
    let on_disk =
        tokio::time::timeout(Duration::from_secs(5), flushed.wait_for(|v| *v >= version)).await;
    if !matches!(on_disk, Ok(Ok(_))) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the answer is in, but the teacher's machine could not save it yet",
        );
    }
    axum::Json(json!({"accepted": true, "stop": stop})).into_response()
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Server-sent events: the student's state now and after every change (EventSource cannot
/// send headers, so the token comes in the query).
async fn events(State(s): State<Arc<Shared>>, Query(q): Query<TokenQuery>) -> Response {
    let Some(i) = q.token.as_deref().and_then(|t| s.room().student(t)) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "missing or unknown token: join first",
        );
    };
    let cap = s.room().max_students * 3 + 8;
    if s.streams.fetch_add(1, Ordering::SeqCst) >= cap {
        s.streams.fetch_sub(1, Ordering::SeqCst);
        return error(StatusCode::TOO_MANY_REQUESTS, "too many open event streams");
    }
    let guard = StreamGuard(s.clone());
    let rx = s.version.subscribe();
    let stream = futures::stream::unfold(
        (rx, guard, true),
        move |(mut rx, guard, first)| async move {
            if !first && rx.changed().await.is_err() {
                return None;
            }
            rx.borrow_and_update();
            let data = guard.0.room().state_for(Some(i)).to_string();
            let ev = Event::default().event("state").data(data);
            Some((Ok::<_, std::convert::Infallible>(ev), (rx, guard, false)))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Counts an open event stream until it closes.
struct StreamGuard(Arc<Shared>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn results(State(s): State<Arc<Shared>>, h: HeaderMap) -> Response {
    let Some(t) = bearer(&h) else {
        return error(StatusCode::UNAUTHORIZED, "missing token");
    };
    let room = s.room();
    if room.is_teacher(&t) {
        axum::Json(super::files::results_json(&room, &s.lesson, &s.replay)).into_response()
    } else if room.student(&t).is_some() {
        error(StatusCode::FORBIDDEN, "results are for the teacher")
    } else {
        error(StatusCode::UNAUTHORIZED, "unknown token")
    }
}
