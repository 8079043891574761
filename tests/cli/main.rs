//! Integration tests: one binary, real files, real git repositories, the real `confdrift`.

mod accept;
mod accept_guard;
mod bad_input;
mod baseline_repo;
mod blame;
mod check;
mod demo;
mod diff;
mod fleetgen;
mod formats;
mod harness;
mod init;
mod lock;
mod program_secrets;
mod reports;
mod roundtrip;
mod rules;
mod secrets;
mod shard;
mod ssh;
mod sshd;
mod state;
mod upstream;
mod yaml11;
