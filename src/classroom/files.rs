//! A class on disk: `results.json` and `results.csv` (what was answered and scored, for the
//! teacher's records) and `session.json` (the code, the teacher's token and each student's
//! token, readable by the teacher's user alone) so `serve --resume` continues the same class.
//! Every file is written whole to a temporary file and renamed, so a crash leaves the last
//! complete version.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::room::{Room, Stop};
use crate::lesson::question::{Guess, Truth};

pub const RESULTS_FORMAT: &str = "tapedeck-class-results";
pub const SESSION_FORMAT: &str = "tapedeck-class-session";

/// The folder of one class: `<data>/tapedeck/classes/<replay>-<CODE>/`.
#[derive(Debug, Clone)]
pub struct ClassFiles {
    pub dir: PathBuf,
}

impl ClassFiles {
    pub fn results_json(&self) -> PathBuf {
        self.dir.join("results.json")
    }
    pub fn results_csv(&self) -> PathBuf {
        self.dir.join("results.csv")
    }
    pub fn session(&self) -> PathBuf {
        self.dir.join("session.json")
    }

    /// Writes the three files from `room`.
    pub fn write(&self, room: &Room, lesson: &str, replay: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        write_atomic(
            &self.results_json(),
            serde_json::to_string_pretty(&results_json(room, lesson, replay))
                .unwrap_or_default()
                .as_bytes(),
            false,
        )?;
        write_atomic(&self.results_csv(), results_csv(room).as_bytes(), false)?;
        write_atomic(
            &self.session(),
            serde_json::to_string_pretty(&session_json(room, lesson, replay))
                .unwrap_or_default()
                .as_bytes(),
            true,
        )
    }
}

/// Where classes are kept: `$XDG_DATA_HOME/tapedeck/classes`, else `~/.local/share/...`.
pub fn classes_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("share")))
        .map(|b| b.join("tapedeck").join("classes"))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`;
/// `private` files are created readable by the owner alone.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(if private { 0o600 } else { 0o644 })
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn guess_value(stop: &Stop, g: &Guess) -> Value {
    match g {
        Guess::Number(x) => json!(x),
        Guess::Choice(k) => json!(
            stop.question
                .as_ref()
                .and_then(|q| q.choices().get(*k).cloned())
                .unwrap_or_default()
        ),
    }
}

fn truth_value(stop: &Stop) -> Value {
    match (&stop.truth, &stop.question) {
        (Some(Truth::Number(x)), _) => json!(x),
        (Some(Truth::Choice(k)), Some(q)) => json!(q.choices().get(*k).cloned()),
        _ => Value::Null,
    }
}

/// Every stop's record, by stop: the ones asked in this run, and those a resumed class read
/// back that the teacher has not asked again (as they were written, so none is lost).
fn stops_json(room: &Room) -> Vec<Value> {
    let mut stops = room.restored_stops().clone();
    for (k, s) in &room.stops {
        stops.insert(
            *k,
            json!({
                "stop": k,
                "prompt": s.prompt,
                "ask": s.question.as_ref().map(|q| q.ask.clone()),
                "kind": s.question.as_ref().map_or("open", |q| q.kind_name()),
                "unit": s.question.as_ref().map(|q| q.unit().to_string()),
                "revealed": s.revealed,
                "truth": truth_value(s),
                "answers": s.answers.iter().map(|(i, g)| json!({
                    "student": i,
                    "name": room.students[*i].name,
                    "value": guess_value(s, g),
                    "points": room.points(s, *i),
                })).collect::<Vec<_>>(),
            }),
        );
    }
    stops.into_values().collect()
}

pub fn results_json(room: &Room, lesson: &str, replay: &str) -> Value {
    json!({
        "format": RESULTS_FORMAT,
        "version": 1,
        "code": room.code,
        "lesson": lesson,
        "replay": replay,
        "students": room.students.iter().enumerate().map(|(i, s)| json!({"student": i, "name": s.name})).collect::<Vec<_>>(),
        "stops": stops_json(room),
        "leaderboard": room.leaderboard().iter().map(|r| json!({"student": r.student, "name": r.name, "points": r.points, "answered": r.answered})).collect::<Vec<_>>(),
    })
}

/// One row per answer: `stop,kind,student,name,answer,truth,points` (the same records as
/// `results.json`).
pub fn results_csv(room: &Room) -> String {
    fn cell(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(t) => t.clone(),
            v => v.to_string(),
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "stop", "kind", "student", "name", "answer", "truth", "points",
    ]);
    for s in stops_json(room) {
        let (stop, kind, truth) = (cell(&s["stop"]), cell(&s["kind"]), cell(&s["truth"]));
        for a in s["answers"].as_array().into_iter().flatten() {
            // A leading = + - @ would be a formula in a spreadsheet: names get a quote first.
            let name = cell(&a["name"]);
            let name = if name.starts_with(['=', '+', '-', '@']) {
                format!("'{name}")
            } else {
                name
            };
            let _ = w.write_record([
                &stop,
                &kind,
                &cell(&a["student"]),
                &name,
                &cell(&a["value"]),
                &truth,
                &cell(&a["points"]),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn session_json(room: &Room, lesson: &str, replay: &str) -> Value {
    json!({
        "format": SESSION_FORMAT,
        "version": 1,
        "code": room.code,
        "lesson": lesson,
        "replay": replay,
        "teacher_token": room.teacher_token,
        "students": room.students.iter().map(|s| json!({"name": s.name, "token": s.token})).collect::<Vec<_>>(),
    })
}

/// A class read back for `--resume`: students with their tokens, and every answer given.
#[derive(Debug, Clone, Default)]
pub struct Resumed {
    pub code: String,
    pub teacher_token: String,
    pub students: Vec<(String, String)>,
    /// (stop, student, answer as written).
    pub answers: Vec<(usize, usize, Value)>,
    /// Each stop's record as written, kept in the results until the teacher asks it again.
    pub stops: Vec<(usize, Value)>,
}

/// Reads `session.json` and `results.json` of a class; errors name the file and field.
pub fn load(files: &ClassFiles) -> Result<Resumed, String> {
    let read = |p: &Path| -> Result<Value, String> {
        let text =
            std::fs::read_to_string(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}:{}: not valid JSON: {e}", p.display(), e.line()))
    };
    let sp = files.session();
    let s = read(&sp)?;
    let field = |v: &Value, k: &str, p: &Path| -> Result<String, String> {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("{}: {k}: missing or not a string", p.display()))
    };
    if s.get("format").and_then(Value::as_str) != Some(SESSION_FORMAT) {
        return Err(format!(
            "{}: format: not a tapedeck class session",
            sp.display()
        ));
    }
    let mut out = Resumed {
        code: field(&s, "code", &sp)?,
        teacher_token: field(&s, "teacher_token", &sp)?,
        ..Resumed::default()
    };
    for (k, st) in s
        .get("students")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = Path::new(&sp);
        let name = field(st, "name", p)
            .map_err(|e| e.replace(": name:", &format!(": students[{k}].name:")))?;
        let token = field(st, "token", p)
            .map_err(|e| e.replace(": token:", &format!(": students[{k}].token:")))?;
        out.students.push((name, token));
    }
    let rp = files.results_json();
    if rp.exists() {
        let r = read(&rp)?;
        for (k, stop) in r
            .get("stops")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let n = stop.get("stop").and_then(Value::as_u64).ok_or_else(|| {
                format!("{}: stops[{k}].stop: missing or not a number", rp.display())
            })?;
            for (j, a) in stop
                .get("answers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let student = a
                    .get("student")
                    .and_then(Value::as_u64)
                    .filter(|i| (*i as usize) < out.students.len())
                    .ok_or_else(|| {
                        format!(
                            "{}: stops[{k}].answers[{j}].student: not a student of this class",
                            rp.display()
                        )
                    })?;
                let value = a.get("value").cloned().unwrap_or(Value::Null);
                out.answers.push((n as usize, student as usize, value));
            }
            out.stops.push((n as usize, stop.clone()));
        }
    }
    Ok(out)
}

/// Random characters from `alphabet`, from the operating system's generator.
pub fn random_text(alphabet: &[u8], n: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    // 256 is not always a multiple of the alphabet's size; the bias is below 1/8 per
    // character for the alphabets here, which guessing a code over HTTP cannot exploit.
    Ok(bytes
        .iter()
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect())
}

/// A join code: 6 letters and digits that cannot be misread (no 0/O, 1/I/L).
pub fn new_code() -> std::io::Result<String> {
    random_text(b"ABCDEFGHJKMNPQRSTUVWXYZ23456789", 6)
}

/// A bearer token: 32 hex digits (128 bits).
pub fn new_token() -> std::io::Result<String> {
    random_text(b"0123456789abcdef", 32)
}
