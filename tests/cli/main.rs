//! Integration tests: one binary, real files, real git repositories, the real `confdrift`.

mod bad_input;
mod check;
mod demo;
mod diff;
mod formats;
mod harness;
mod reports;
mod roundtrip;
mod rules;
mod shard;
mod ssh;
mod sshd;
mod state;
mod upstream;
