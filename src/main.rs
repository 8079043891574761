use std::process::ExitCode;

fn main() -> ExitCode {
    confdrift::run(std::env::args_os())
}
