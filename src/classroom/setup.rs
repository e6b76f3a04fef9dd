//! Getting a class ready before the screen changes: its code, the teacher's token, its folder
//! (a new one, or the one `--resume` continues), and the server's settings.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::PathBuf;

use super::files::{self, ClassFiles};
use super::server::{Config, Limits};

/// What `tapedeck serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    pub code: Option<String>,
    pub max_students: usize,
    pub resume: bool,
    /// Where classes are kept (default: the data folder's `tapedeck/classes`).
    pub classes: Option<PathBuf>,
}

/// A class's settings, with its folder and the teacher token's file.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub config: Config,
    pub token_file: PathBuf,
}

/// Chooses or reads back the code and tokens; errors say what to do.
pub fn prepare(
    opts: &ServeOptions,
    replay: &str,
    lesson: &str,
    title: &str,
) -> Result<Prepared, String> {
    let classes = opts
        .classes
        .clone()
        .or_else(files::classes_dir)
        .ok_or("no data folder: set XDG_DATA_HOME or HOME")?;
    let code = match &opts.code {
        Some(c) => {
            let c = c.trim().to_ascii_uppercase();
            if !(4..=12).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("--code {c:?}: use 4 to 12 letters and digits"));
            }
            Some(c)
        }
        None => None,
    };
    let prefix = format!("{}-", safe(replay));
    let (code, resumed) = if opts.resume {
        let dir = match &code {
            Some(c) => classes.join(format!("{prefix}{c}")),
            None => latest(&classes, &prefix).ok_or_else(|| {
                format!(
                    "--resume: no class of replay {replay} in {} to continue",
                    classes.display()
                )
            })?,
        };
        let r = files::load(&ClassFiles { dir: dir.clone() })?;
        (r.code.clone(), Some(r))
    } else {
        let code = match code {
            Some(c) => c,
            None => files::new_code().map_err(|e| format!("cannot make a class code: {e}"))?,
        };
        let dir = classes.join(format!("{prefix}{code}"));
        if dir.join("session.json").exists() {
            return Err(format!(
                "a class with code {code} exists in {}: add --resume to continue it, or choose another code",
                dir.display()
            ));
        }
        (code, None)
    };
    let teacher_token = match &resumed {
        Some(r) => r.teacher_token.clone(),
        None => files::new_token().map_err(|e| format!("cannot make a token: {e}"))?,
    };
    let dir = classes.join(format!("{prefix}{code}"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let token_file = dir.join("teacher-token");
    files::write_atomic(&token_file, format!("{teacher_token}\n").as_bytes(), true)
        .map_err(|e| format!("{}: cannot write: {e}", token_file.display()))?;
    Ok(Prepared {
        config: Config {
            bind: opts.bind,
            code,
            teacher_token,
            max_students: opts.max_students,
            title: title.to_string(),
            lesson: lesson.to_string(),
            replay: replay.to_string(),
            files: Some(ClassFiles { dir }),
            limits: Limits::default(),
            resumed,
        },
        token_file,
    })
}

/// The newest class folder starting with `prefix`.
fn latest(classes: &std::path::Path, prefix: &str) -> Option<PathBuf> {
    std::fs::read_dir(classes)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .filter(|e| e.path().join("session.json").exists())
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The address students type: the bound one, or for `0.0.0.0` this machine's address on the
/// network it would route through (no packet is sent to find it).
pub fn public_addr(bound: SocketAddr) -> SocketAddr {
    if !bound.ip().is_unspecified() {
        return bound;
    }
    // On the address the teacher asked the server to take (the unspecified one, here), port 0.
    let ip = UdpSocket::bind(SocketAddr::new(bound.ip(), 0))
        .and_then(|s| s.connect("10.255.255.255:9").map(|()| s))
        .and_then(|s| s.local_addr())
        .map_or(IpAddr::from([127, 0, 0, 1]), |a| a.ip());
    SocketAddr::new(ip, bound.port())
}
