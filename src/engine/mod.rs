//! The replay engine: a pure, synchronous core with no terminal in it. Given a store and a
//! time it answers the market state; the clock turns wall time into replay time.

pub mod clock;
pub mod column;
pub mod model;
pub mod snapshot;
pub mod store;
pub mod study;

pub use clock::ReplayClock;
pub use model::{BarRow, InstrumentKind};
pub use snapshot::{InstrumentState, SectorState, Snapshot};
pub use store::{Bar, Headline, InstrumentInfo, Phase, Print, Store, StoreBuilder};
