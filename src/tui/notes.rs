//! Bookmarks with a note at a replay time: the list overlay, and the plain JSON file they
//! live in — `<replay>/notes.json` when the replay's folder is writable, else
//! `$XDG_DATA_HOME/tapedeck/notes/<replay-name>.json` (`~/.local/share/...`);
//! `$TAPEDECK_NOTES` names another file. Reading and writing happen in the event loop, never
//! in `App::update`.
//!
//! ```json
//! {"format": "tapedeck-notes", "version": 1, "replay": "deepseek-2025-01-27",
//!  "notes": [{"at": "2025-01-27T09:30:00-05:00", "text": "the open: NVDA -12.5%"}]}
//! ```

use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use serde_json::{Value, json};

use crate::replay::Replay;
use crate::time::{clock_seconds, parse_rfc3339, rfc3339_in};

use super::paint::{fit, put};
use super::view::View;

pub const FILE_NAME: &str = "notes.json";

pub use super::model::Note;

/// The notes file for a replay in the user's data folder.
pub fn data_path(replay: &Replay) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("share"))
        })?;
    let name: String = replay
        .manifest
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(
        base.join("tapedeck")
            .join("notes")
            .join(format!("{name}.json")),
    )
}

/// Where notes are looked for, in order.
pub fn candidates(replay: &Replay) -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("TAPEDECK_NOTES").filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(p)];
    }
    let mut v = vec![replay.dir.join(FILE_NAME)];
    v.extend(data_path(replay));
    v
}

/// Loads the first notes file that exists; `Ok(None)` when there is none.
pub fn load(replay: &Replay) -> Result<Option<(PathBuf, Vec<Note>)>, String> {
    for p in candidates(replay) {
        match std::fs::read_to_string(&p) {
            Ok(text) => return parse(&text, &p).map(|n| Some((p, n))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: cannot read notes: {e}", p.display())),
        }
    }
    Ok(None)
}

/// Reads a notes file; problems name the file and the note.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Note>, String> {
    let err = |line: usize, msg: String| format!("{}:{line}: {msg}", file.display());
    let v: Value =
        serde_json::from_str(text).map_err(|e| err(e.line(), format!("not valid JSON: {e}")))?;
    let list = v
        .get("notes")
        .and_then(Value::as_array)
        .ok_or_else(|| err(1, "notes: expected {\"notes\": [...]}".into()))?;
    let lines = crate::replay::json_lines::array_element_lines(text, Some("notes"));
    let mut notes = Vec::new();
    for (k, n) in list.iter().enumerate() {
        let line = lines.get(k).copied().unwrap_or(1);
        let ts = n
            .get("at")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339)
            .ok_or_else(|| err(line, format!("notes[{k}].at: expected an RFC 3339 time")))?;
        let text = n
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| err(line, format!("notes[{k}].text: expected a string")))?;
        notes.push(Note {
            ts,
            text: crate::text::sanitize(text),
        });
    }
    notes.sort_by_key(|n| n.ts);
    Ok(notes)
}

pub fn to_json(replay: &Replay, notes: &[Note]) -> String {
    let list: Vec<Value> = notes
        .iter()
        .map(|n| json!({"at": rfc3339_in(n.ts, replay.tz), "text": n.text}))
        .collect();
    let v = json!({
        "format": "tapedeck-notes",
        "version": 1,
        "replay": replay.manifest.name,
        "notes": list,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes the notes to `preferred` (else the first candidate), falling back to the data
/// folder when that fails; returns where they went.
pub fn save(replay: &Replay, notes: &[Note], preferred: Option<&Path>) -> Result<PathBuf, String> {
    let text = to_json(replay, notes);
    let mut targets: Vec<PathBuf> = preferred.map(Path::to_path_buf).into_iter().collect();
    for c in candidates(replay) {
        if !targets.contains(&c) {
            targets.push(c);
        }
    }
    let mut last = String::from("nowhere to write notes");
    for p in targets {
        if let Some(dir) = p.parent()
            && !dir.as_os_str().is_empty()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            last = format!("{}: {e}", dir.display());
            continue;
        }
        let tmp = p.with_extension("json.tmp");
        match std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, &p)) {
            Ok(()) => return Ok(p),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                last = format!("{}: {e}", p.display());
            }
        }
    }
    Err(format!("cannot save notes: {last}"))
}

/// The notes list overlay: time and text, the selection highlighted.
pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    let t = v.theme;
    let w = area.width.saturating_sub(4).min(90);
    let h = (v.notes.len().max(1) as u16 + 2).min(area.height.saturating_sub(2));
    if w < 8 || h < 3 {
        return;
    }
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let title = format!(
        " Notes ({}): Enter jumps · Del deletes · Esc closes ",
        v.notes.len()
    );
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.border_focus)
        .title(Line::styled(
            fit(&title, w.saturating_sub(2) as usize),
            t.border_focus,
        ));
    let inner = block.inner(r);
    block.render(r, buf);
    if v.notes.is_empty() {
        let key = v.keys_text(super::action::Action::Note);
        put(
            buf,
            inner,
            inner.x + 1,
            inner.y,
            &format!("no notes yet: {key} drops one at the current time"),
            t.dim,
        );
        return;
    }
    let rows = inner.height as usize;
    let first = (v.notes_selected + 1).saturating_sub(rows);
    let tz = v.tz();
    for (k, (i, n)) in v
        .notes
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .enumerate()
    {
        let y = inner.y + k as u16;
        let sel = i == v.notes_selected;
        let style = if sel { t.selected } else { t.text };
        if sel {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected);
        }
        let x = put(
            buf,
            inner,
            inner.x + 1,
            y,
            &clock_seconds(n.ts, tz).to_string(),
            style.patch(t.title),
        );
        let room = inner.right().saturating_sub(x + 2) as usize;
        put(buf, inner, x + 2, y, &fit(&n.text, room), style);
    }
}
