//! Integration tests: one binary, real files, real git repositories, the real `confdrift`.

mod bad_input;
mod check;
mod demo;
mod diff;
mod fleetgen;
mod harness;
mod reports;
mod roundtrip;
mod ssh;
mod sshd;
mod upstream;
