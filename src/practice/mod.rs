//! Practice trading on the tape (issue 12, first part): a pure order and fill engine beside
//! the replay engine, with no terminal in it. Orders fill from the recorded (or reconstructed)
//! prints only, never from a print at or before the order's time, and never from a print
//! after the clock: [`fills::fill`] is given the clock and reads nothing beyond it.
//! [`account`] turns fills into positions and P&L.

pub mod account;
pub mod fills;
