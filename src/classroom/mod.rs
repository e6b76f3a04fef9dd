//! Classroom mode (`tapedeck serve`): a lesson run for a whole room. Students join from a
//! phone, a browser or a terminal, answer each stop's scored question, and see their guesses
//! against what the replay did. The room's state is pure ([`room`]); the HTTP server
//! ([`server`]) holds it and talks to the teacher's app through bounded channels; the class
//! is kept on disk ([`files`]) after every batch of answers.

pub mod files;
pub mod room;
pub mod server;
pub mod setup;
