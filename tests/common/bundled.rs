//! The bundled replay, loaded once per test binary (or `$TAPEDECK_TEST_REPLAY`, another copy).

use std::path::PathBuf;
use std::sync::OnceLock;

use tapedeck::replay::{self, Replay};

pub fn bundled() -> &'static Replay {
    static R: OnceLock<Replay> = OnceLock::new();
    R.get_or_init(|| {
        let dir = match std::env::var_os("TAPEDECK_TEST_REPLAY") {
            Some(d) => PathBuf::from(d),
            None => replay::resolve(None).expect("the bundled replay"),
        };
        replay::load(&dir).unwrap_or_else(|e| panic!("the bundled replay does not load:\n{e}"))
    })
}
