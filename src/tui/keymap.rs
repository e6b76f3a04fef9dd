//! Keys → actions. Defaults are compiled in; a JSON file (`$TAPEDECK_KEYS`, else
//! `~/.config/tapedeck/keys.json`) replaces the keys of any action it names. The status line and
//! the help overlay are generated from this table, so they always tell the truth.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyModifiers};

use super::action::{Action, TradeKey};
pub use super::key::Key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Playback,
    Navigate,
    Panes,
    Chart,
    Teach,
    Trade,
    App,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Playback,
        Section::Navigate,
        Section::Panes,
        Section::Chart,
        Section::Teach,
        Section::Trade,
        Section::App,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Playback => "Playback",
            Section::Navigate => "Move through time",
            Section::Panes => "Panes",
            Section::Chart => "Chart and heatmap",
            Section::Teach => "Teach and review",
            Section::Trade => "Practice trading",
            Section::App => "App",
        }
    }
}

/// A bindable action: its config-file name, what the help says, and its default keys.
pub struct Command {
    pub action: Action,
    pub name: &'static str,
    pub help: &'static str,
    pub section: Section,
    pub defaults: &'static [&'static str],
}

const fn cmd(
    action: Action,
    name: &'static str,
    section: Section,
    defaults: &'static [&'static str],
    help: &'static str,
) -> Command {
    Command {
        action,
        name,
        help,
        section,
        defaults,
    }
}

use Section::{
    App as S_APP, Chart as S_CHART, Navigate as S_NAV, Panes as S_PANES, Playback as S_PLAY,
    Teach as S_TEACH, Trade as S_TRADE,
};

/// Every bindable action, in help order.
pub const COMMANDS: &[Command] = &[
    cmd(
        Action::PlayPause,
        "play-pause",
        S_PLAY,
        &["space"],
        "play / pause the replay",
    ),
    cmd(
        Action::Faster,
        "faster",
        S_PLAY,
        &["+", "="],
        "next faster speed (1× … 3600×)",
    ),
    cmd(
        Action::Slower,
        "slower",
        S_PLAY,
        &["-", "_"],
        "next slower speed",
    ),
    cmd(
        Action::AutoPause,
        "auto-pause",
        S_PLAY,
        &["a"],
        "pause at each headline as it arrives",
    ),
    cmd(
        Action::PauseFilter,
        "pause-filter",
        S_PLAY,
        &["A"],
        "which headlines pause: importance 1-3, tags",
    ),
    cmd(
        Action::RunToNext,
        "run-to-next",
        S_PLAY,
        &["N"],
        "play at 3600× to the next such headline",
    ),
    cmd(
        Action::StepForward,
        "step-forward",
        S_NAV,
        &["right"],
        "step to the next print",
    ),
    cmd(
        Action::StepBack,
        "step-back",
        S_NAV,
        &["left"],
        "step to the previous print",
    ),
    cmd(
        Action::MinuteForward,
        "minute-forward",
        S_NAV,
        &["shift+right", ">"],
        "one minute forward",
    ),
    cmd(
        Action::MinuteBack,
        "minute-back",
        S_NAV,
        &["shift+left", "<"],
        "one minute back",
    ),
    cmd(
        Action::NextHeadline,
        "next-headline",
        S_NAV,
        &["n"],
        "land 5 s before the next headline",
    ),
    cmd(
        Action::PrevHeadline,
        "prev-headline",
        S_NAV,
        &["p"],
        "land 5 s before the previous headline",
    ),
    cmd(
        Action::GoTo,
        "go-to",
        S_NAV,
        &["g"],
        "go to HH:MM[:SS], open, close, premarket…",
    ),
    cmd(
        Action::Start,
        "start",
        S_NAV,
        &["home"],
        "go to the start of the replay",
    ),
    cmd(
        Action::End,
        "end",
        S_NAV,
        &["end"],
        "go to the end of the replay",
    ),
    cmd(
        Action::FocusNext,
        "focus-next",
        S_PANES,
        &["tab"],
        "focus the next pane",
    ),
    cmd(
        Action::FocusPrev,
        "focus-prev",
        S_PANES,
        &["backtab"],
        "focus the previous pane",
    ),
    cmd(
        Action::Up,
        "up",
        S_PANES,
        &["up", "k"],
        "scroll / select up in the focused pane",
    ),
    cmd(
        Action::Down,
        "down",
        S_PANES,
        &["down", "j"],
        "scroll / select down in the focused pane",
    ),
    cmd(
        Action::PageUp,
        "page-up",
        S_PANES,
        &["pageup"],
        "scroll a page up",
    ),
    cmd(
        Action::PageDown,
        "page-down",
        S_PANES,
        &["pagedown"],
        "scroll a page down",
    ),
    cmd(
        Action::Activate,
        "activate",
        S_PANES,
        &["enter"],
        "news: seek to it; board/heatmap: show only its prints",
    ),
    cmd(
        Action::Zoom,
        "zoom",
        S_PANES,
        &["z"],
        "zoom the focused pane",
    ),
    cmd(
        Action::Filter,
        "filter",
        S_PANES,
        &["/"],
        "tape: show only these symbols",
    ),
    cmd(
        Action::MinSize,
        "min-size",
        S_PANES,
        &["m"],
        "tape: cycle the minimum print size",
    ),
    cmd(
        Action::Freeze,
        "freeze",
        S_PANES,
        &["f"],
        "tape: freeze / follow while the clock runs",
    ),
    cmd(
        Action::Sort,
        "sort",
        S_PANES,
        &["o"],
        "board: cycle the sort column",
    ),
    cmd(
        Action::SortReverse,
        "sort-reverse",
        S_PANES,
        &["O"],
        "board: reverse the sort",
    ),
    cmd(
        Action::ChartSymbol,
        "chart-symbol",
        S_CHART,
        &["s"],
        "chart a symbol (type e.g. NVDA, or NVDA AAPL)",
    ),
    cmd(
        Action::Compare,
        "compare",
        S_CHART,
        &["c"],
        "compare with a second symbol, normalised (empty: off)",
    ),
    cmd(
        Action::ChartStyle,
        "chart-style",
        S_CHART,
        &["v"],
        "chart: line / candles",
    ),
    cmd(
        Action::ChartWindow,
        "chart-window",
        S_CHART,
        &["w"],
        "chart: whole day / last 4 h / last hour",
    ),
    cmd(
        Action::Baseline,
        "baseline",
        S_CHART,
        &["b"],
        "heatmap: vs prior close / open / selected headline",
    ),
    cmd(
        Action::LessonNext,
        "lesson-next",
        S_TEACH,
        &["."],
        "lesson: reveal the answer / next stop",
    ),
    cmd(
        Action::LessonBack,
        "lesson-back",
        S_TEACH,
        &[","],
        "lesson: back to the previous stop",
    ),
    cmd(
        Action::Presenter,
        "presenter",
        S_TEACH,
        &["P", "f5"],
        "presenter mode: big clock, counters, large type",
    ),
    cmd(
        Action::Study,
        "study",
        S_TEACH,
        &["S"],
        "reaction study of the selected headline",
    ),
    cmd(
        Action::Note,
        "note",
        S_TEACH,
        &["B"],
        "bookmark this moment with a note",
    ),
    cmd(
        Action::Notes,
        "notes",
        S_TEACH,
        &["L"],
        "list notes; Enter jumps to one",
    ),
    cmd(
        Action::Export,
        "export",
        S_TEACH,
        &["x", "X"],
        "export screen, study and chart to export/",
    ),
    cmd(
        Action::Trade(TradeKey::Buy),
        "buy",
        S_TRADE,
        &["]"],
        "buy the selected symbol at market (100 shares / 1 contract)",
    ),
    cmd(
        Action::Trade(TradeKey::Sell),
        "sell",
        S_TRADE,
        &["["],
        "sell (or short) the selected symbol at market",
    ),
    cmd(
        Action::Trade(TradeKey::Ticket),
        "order-ticket",
        S_TRADE,
        &["T"],
        "order ticket: buy 100 limit 120.50, sell 2 NQH25 stop 21000",
    ),
    cmd(
        Action::Trade(TradeKey::Flatten),
        "flatten",
        S_TRADE,
        &["F"],
        "cancel every working order and close every position",
    ),
    cmd(
        Action::Trade(TradeKey::CancelAll),
        "cancel-all",
        S_TRADE,
        &["C"],
        "cancel every working order",
    ),
    cmd(
        Action::Trade(TradeKey::Orders),
        "orders",
        S_TRADE,
        &["D"],
        "show / hide the orders-and-positions pane",
    ),
    cmd(
        Action::Zone,
        "time-zone",
        S_APP,
        &["t"],
        "show times in the replay's zone or UTC",
    ),
    cmd(Action::Help, "help", S_APP, &["?"], "this help"),
    cmd(
        Action::Back,
        "back",
        S_APP,
        &["esc"],
        "close help / unzoom / follow the tape",
    ),
    cmd(
        Action::Quit,
        "quit",
        S_APP,
        &["q"],
        "quit (Ctrl+C also quits)",
    ),
];

/// What the status line offers, each a label and the actions whose first keys it shows.
const STATUS: &[(&str, &[Action])] = &[
    ("help", &[Action::Help]),
    ("quit", &[Action::Quit]),
    ("play", &[Action::PlayPause]),
    ("speed", &[Action::Slower, Action::Faster]),
    ("step", &[Action::StepBack, Action::StepForward]),
    ("news", &[Action::NextHeadline, Action::PrevHeadline]),
    ("go to", &[Action::GoTo]),
    ("focus", &[Action::FocusNext]),
    ("chart", &[Action::ChartSymbol]),
    ("filter", &[Action::Filter]),
    ("zoom", &[Action::Zoom]),
    ("order", &[Action::Trade(TradeKey::Ticket)]),
];

/// A keymap file that could not be used, with the file named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError(pub String);

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeymapError {}

#[derive(Debug, Clone)]
pub struct Keymap {
    lookup: HashMap<Key, Action>,
    /// Keys of `COMMANDS[i]`, in order.
    keys: Vec<Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let keys = COMMANDS
            .iter()
            .map(|c| {
                c.defaults
                    .iter()
                    .map(|k| Key::parse(k).expect("default keys parse"))
                    .collect()
            })
            .collect();
        Keymap::build(keys).expect("default keys are unique")
    }
}

impl Keymap {
    fn build(keys: Vec<Vec<Key>>) -> Result<Keymap, String> {
        let ctrl_c = Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let mut lookup = HashMap::new();
        for (c, ks) in COMMANDS.iter().zip(&keys) {
            if ks.is_empty() {
                return Err(format!("{:?} has no key: every action needs one", c.name));
            }
            for k in ks {
                if *k == ctrl_c {
                    return Err(format!(
                        "{k} is reserved for quitting; bound to {:?}",
                        c.name
                    ));
                }
                if let Some(prev) = lookup.insert(*k, c.action) {
                    let other = COMMANDS
                        .iter()
                        .find(|o| o.action == prev)
                        .map_or("?", |o| o.name);
                    return Err(format!(
                        "key {k} is bound to both {other:?} and {:?}",
                        c.name
                    ));
                }
            }
        }
        Ok(Keymap { lookup, keys })
    }

    /// Defaults with the overrides in a JSON object `{"action-name": "key" | ["key", …]}`.
    pub fn from_json(text: &str, file: &Path) -> Result<Keymap, KeymapError> {
        let err = |msg: String| KeymapError(format!("{}: {msg}", file.display()));
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| err(format!("line {}: not valid JSON: {e}", e.line())))?;
        let obj = value
            .as_object()
            .ok_or_else(|| err("expected an object like {\"quit\": [\"q\", \"x\"]}".into()))?;
        let mut keys = Keymap::default().keys;
        for (name, v) in obj {
            let Some(i) = COMMANDS.iter().position(|c| c.name == name) else {
                let known: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
                return Err(err(format!(
                    "unknown action {name:?} (known: {})",
                    known.join(", ")
                )));
            };
            let list: Vec<&str> = match v {
                serde_json::Value::String(s) => vec![s.as_str()],
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|k| {
                        k.as_str()
                            .ok_or_else(|| err(format!("{name:?}: keys must be strings")))
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(err(format!("{name:?}: expected a key or a list of keys"))),
            };
            keys[i] = list
                .iter()
                .map(|k| Key::parse(k).map_err(|e| err(format!("{name:?}: {e}"))))
                .collect::<Result<_, _>>()?;
        }
        // A key the file gives one action is taken from another action's defaults, as long
        // as that one keeps a key (so a keymap written before an action existed still works).
        let named: Vec<usize> = obj
            .keys()
            .filter_map(|n| COMMANDS.iter().position(|c| c.name == n))
            .collect();
        for &i in &named {
            for k in keys[i].clone() {
                for (j, other) in keys.iter_mut().enumerate() {
                    if j != i && !named.contains(&j) && other.len() > 1 {
                        other.retain(|o| *o != k);
                    }
                }
            }
        }
        Keymap::build(keys).map_err(err)
    }

    /// The keymap file in use: `$TAPEDECK_KEYS`, else `$XDG_CONFIG_HOME` or `~/.config`
    /// `/tapedeck/keys.json`. The second is optional; a named file must exist.
    pub fn config_path() -> Option<(PathBuf, bool)> {
        if let Some(p) = std::env::var_os("TAPEDECK_KEYS").filter(|p| !p.is_empty()) {
            return Some((PathBuf::from(p), true));
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some((base.join("tapedeck").join("keys.json"), false))
    }

    /// Loads the user's keymap (defaults when there is no file).
    pub fn load() -> Result<Keymap, KeymapError> {
        match Keymap::config_path() {
            None => Ok(Keymap::default()),
            Some((path, required)) => match std::fs::read_to_string(&path) {
                Ok(text) => Keymap::from_json(&text, &path),
                Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                    Ok(Keymap::default())
                }
                Err(e) => Err(KeymapError(format!(
                    "{}: cannot read keymap: {e}",
                    path.display()
                ))),
            },
        }
    }

    pub fn action(&self, key: Key) -> Option<Action> {
        self.lookup.get(&key).copied()
    }

    pub fn keys_of(&self, action: Action) -> &[Key] {
        COMMANDS
            .iter()
            .position(|c| c.action == action)
            .map_or(&[], |i| &self.keys[i])
    }

    /// `(keys, label)` pairs for the status line, most important first.
    pub fn status_items(&self) -> Vec<(String, &'static str)> {
        STATUS
            .iter()
            .map(|(label, actions)| {
                let keys: Vec<String> = actions
                    .iter()
                    .filter_map(|a| self.keys_of(*a).first().map(Key::to_string))
                    .collect();
                (keys.join("/"), *label)
            })
            .collect()
    }

    /// Help rows per section: every command with all its keys.
    pub fn help_rows(&self) -> Vec<(Section, String, &'static str)> {
        COMMANDS
            .iter()
            .zip(&self.keys)
            .map(|(c, ks)| {
                let keys: Vec<String> = ks.iter().map(Key::to_string).collect();
                (c.section, keys.join(", "), c.help)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn defaults_are_unique_and_complete() {
        let km = Keymap::default();
        for c in COMMANDS {
            assert!(!km.keys_of(c.action).is_empty(), "{} has no key", c.name);
        }
        let total: usize = COMMANDS.iter().map(|c| c.defaults.len()).sum();
        assert_eq!(km.lookup.len(), total, "a default key is bound twice");
        let names: std::collections::HashSet<_> = COMMANDS.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), COMMANDS.len());
    }

    #[test]
    fn documented_defaults() {
        let km = Keymap::default();
        let k = |code| Key::new(code, KeyModifiers::NONE);
        assert_eq!(km.action(k(KeyCode::Char(' '))), Some(Action::PlayPause));
        assert_eq!(km.action(k(KeyCode::Char('q'))), Some(Action::Quit));
        assert_eq!(
            km.action(Key::new(KeyCode::Right, KeyModifiers::SHIFT)),
            Some(Action::MinuteForward)
        );
        assert_eq!(km.action(k(KeyCode::Right)), Some(Action::StepForward));
        // A shifted character arrives with SHIFT set; it still matches.
        assert_eq!(
            km.action(Key::new(KeyCode::Char('O'), KeyModifiers::SHIFT)),
            Some(Action::SortReverse)
        );
        assert_eq!(
            km.action(Key::new(KeyCode::Char('+'), KeyModifiers::SHIFT)),
            Some(Action::Faster)
        );
        assert_eq!(
            km.action(Key::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
    }

    #[test]
    fn parse_and_show_keys() {
        assert_eq!(key("+"), Key::new(KeyCode::Char('+'), KeyModifiers::NONE));
        assert_eq!(
            key("ctrl++"),
            Key::new(KeyCode::Char('+'), KeyModifiers::CONTROL)
        );
        assert_eq!(key("Shift+Left").to_string(), "Shift+←");
        assert_eq!(key("space").to_string(), "Space");
        assert_eq!(key("f5"), Key::new(KeyCode::F(5), KeyModifiers::NONE));
        assert!(Key::parse("hyper+x").is_err());
        assert!(Key::parse("nope").is_err());
    }

    #[test]
    fn overrides_apply() {
        let km = Keymap::from_json(
            r#"{"quit": ["x", "ctrl+q"], "play-pause": "p", "prev-headline": "P"}"#,
            Path::new("k.json"),
        )
        .unwrap();
        assert_eq!(km.action(key("x")), Some(Action::Quit));
        assert_eq!(km.action(key("ctrl+q")), Some(Action::Quit));
        assert_eq!(km.action(key("q")), None);
        assert_eq!(km.action(key("p")), Some(Action::PlayPause));
        assert_eq!(km.action(key("space")), None);
        // The status line follows the remap.
        let items = km.status_items();
        assert!(items.contains(&("x".to_string(), "quit")), "{items:?}");
        assert!(items.contains(&("p".to_string(), "play")), "{items:?}");
    }

    #[test]
    fn an_override_takes_a_key_from_a_default_that_has_another() {
        let km = Keymap::from_json(r#"{"quit": "x", "study": "P"}"#, Path::new("k.json")).unwrap();
        assert_eq!(km.action(key("x")), Some(Action::Quit));
        assert_eq!(km.keys_of(Action::Export), [key("X")]);
        assert_eq!(km.action(key("P")), Some(Action::Study));
        assert_eq!(km.keys_of(Action::Presenter), [key("f5")]);
    }

    #[test]
    fn bad_config_names_the_file() {
        let f = Path::new("/home/u/.config/tapedeck/keys.json");
        for (text, needle) in [
            ("{", "not valid JSON"),
            ("[1]", "expected an object"),
            (r#"{"fly": "x"}"#, "unknown action \"fly\""),
            (r#"{"quit": "hyper+x"}"#, "unknown modifier"),
            (r#"{"quit": []}"#, "has no key"),
            (r#"{"quit": "space"}"#, "bound to both"),
            (r#"{"quit": "ctrl+c"}"#, "reserved"),
            (r#"{"quit": 3}"#, "expected a key"),
        ] {
            let e = Keymap::from_json(text, f).unwrap_err().to_string();
            assert!(e.starts_with("/home/u/.config/tapedeck/keys.json: "), "{e}");
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn help_lists_every_command() {
        let rows = Keymap::default().help_rows();
        assert_eq!(rows.len(), COMMANDS.len());
        assert!(
            rows.iter()
                .any(|(_, k, h)| k == "Space" && h.contains("play"))
        );
    }
}
