//! The `confdrift` binary: runs the command line and exits with its code.
use std::process::ExitCode;

/// mimalloc: a check allocates and frees hundreds of thousands of small keys and nodes per
/// thousand hosts; glibc's malloc spent a sixth of the run's instructions on them. Built
/// without transparent huge pages (`no_thp`): with them, peak RSS tripled.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    confdrift::run(std::env::args_os())
}
