//! `tapedeck serve`'s command line. The class itself runs in the terminal app (handed in by
//! `main` through [`super::Screen`]); the CLI only reads the arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::classroom::setup::ServeOptions;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Replay folder or name (default: the bundled session).
    pub replay: Option<String>,
    /// The lesson to run for the class (its stops' questions are what students answer).
    #[arg(long, value_name = "FILE")]
    pub lesson: PathBuf,
    /// Address to listen on. The default, 127.0.0.1, is this machine only: for a classroom
    /// give the LAN address (or 0.0.0.0:8080 for every interface), so phones on the same
    /// network can reach it.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Join code (default: a new random one each class).
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
    /// Joins past this many are refused.
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub max_students: usize,
    /// Start in presenter mode (big clock, counters, high contrast).
    #[arg(long)]
    pub presenter: bool,
    /// Continue a class after a restart: the same code, students and answers (the latest
    /// class of this replay, or the one given with --code).
    #[arg(long)]
    pub resume: bool,
}

impl ServeArgs {
    pub fn options(&self) -> ServeOptions {
        ServeOptions {
            bind: self.bind,
            code: self.code.clone(),
            max_students: self.max_students.max(1),
            resume: self.resume,
            classes: None,
        }
    }
}
