//! What the integration tests share (and the server's own tests, by path): the server
//! itself, started as a process, a real SMTP server and a real webhook receiver.

#![allow(dead_code)] // Each test crate uses its own part of it.

pub mod server;
pub mod smtp;
pub mod webhooks;
