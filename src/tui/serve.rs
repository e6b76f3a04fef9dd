//! `tapedeck serve`: the teacher's terminal app with the classroom server beside it on the
//! same tokio runtime (a multi-threaded one: requests run on its workers, the screen on the
//! main thread, so a flood of requests cannot hold up a frame).

use color_eyre::eyre::{Result, eyre};

use crate::classroom::setup::{ServeOptions, prepare, public_addr};
use crate::replay::Replay;

use super::Options;
use super::classroom::ClassLink;

/// Runs a class on `replay` with the lesson in `opts`; returns the exit code.
pub fn run(replay: Replay, opts: Options, serve: &ServeOptions) -> Result<i32> {
    let lesson_path = opts
        .lesson
        .clone()
        .ok_or_else(|| eyre!("serve needs a lesson: --lesson FILE"))?;
    let lesson = super::load_lesson(&lesson_path, &replay)?;
    if lesson.questions() == 0 {
        eprintln!(
            "tapedeck: note: {} asks no scored question; students will see the prompts only",
            lesson_path.display()
        );
    }
    let prepared = prepare(
        serve,
        &replay.manifest.name,
        &lesson_path.display().to_string(),
        &lesson.title,
    )
    .map_err(|e| eyre!(e))?;
    let dir = prepared
        .config
        .files
        .as_ref()
        .map(|f| f.dir.clone())
        .unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let handle = runtime
        .block_on(crate::classroom::server::start(prepared.config))
        .map_err(|e| eyre!("cannot listen on {}: {e}", serve.bind))?;
    let url = format!("http://{}/?code={}", public_addr(handle.addr), handle.code);
    let mut link = ClassLink::new(
        handle,
        url.clone(),
        prepared.token_file.display().to_string(),
    );
    let code = super::run_on(
        &runtime,
        &replay,
        &opts,
        Some(super::runner::Companion::Class(&mut link)),
    )?;
    println!("class {url}: results in {}", dir.display());
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(code)
}

/// `tapedeck join URL`: a student's terminal following the teacher's class.
pub fn join(replay: Replay, url: &str, name: &str) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut link = runtime
        .block_on(super::join::connect(url, name))
        .map_err(|e| eyre!(e))?;
    super::run_on(
        &runtime,
        &replay,
        &Options::default(),
        Some(super::runner::Companion::Join(&mut link)),
    )
}
