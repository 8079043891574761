//! confdrift: collect live config files, normalize them, compare them with the intended state
//! kept in git, and report drift.
//!
//! `run` is the whole program: parse arguments, resolve the config once, run the command,
//! render the report, and map the outcome to an exit status in one place ([`exit`]).

pub mod accept;
pub mod baseline;
pub mod blame;
pub mod check;
pub mod cli;
pub mod collect;
pub mod collect_cmd;
pub mod config;
pub mod diff;
pub mod diff_cmd;
pub mod exit;
pub mod init;
pub mod inventory;
pub mod lock;
pub mod normalize;
pub mod progress;
pub mod report;
pub mod secret;
pub mod tree;

use clap::Parser;
use cli::{Cli, ColorChoice, Command, CommonArgs, FailOn, OutputFormat};
use exit::Outcome;
use report::{JsonWriter, Report, Severity, TextWriter, Writer};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Runs confdrift with these arguments (the first is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Outcome::Trouble.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let (common, result) = match &cli.command {
        Command::Check(a) => (&a.common, run_check(a)),
        Command::Diff(a) => (&a.common, run_diff(a)),
        Command::Accept(a) => return command_status(accept::run(a)),
        Command::Init(a) => return command_status(init::run(a)),
        Command::Collect(a) => {
            return match run_collect(a) {
                Ok(report) => finish_collect(a, &report),
                Err(e) => {
                    print_error(&e);
                    Outcome::Trouble.into()
                }
            };
        }
    };
    match result {
        Ok(report) => finish(common, &report),
        Err(e) => {
            print_error(&e);
            Outcome::Trouble.into()
        }
    }
}

fn run_check(a: &cli::CheckArgs) -> anyhow::Result<Report> {
    let cfg = config::Config::locate(a.common.config.as_deref())?;
    let reference = a
        .baseline_ref
        .clone()
        .unwrap_or_else(|| cfg.baseline.reference.clone());
    let sel = check::Selection {
        hosts: a.select.hosts.clone(),
        groups: a.select.groups.clone(),
    };
    let _lock = lock::for_check(&cfg.baseline)?;
    let mut report = check::check(&cfg, &sel, &reference, a.jobs, a.common.quiet)?;
    blame::annotate(&cfg, &mut report);
    baseline::worktree::notice(&cfg.baseline, &mut report);
    report.errors.extend(secret::unverified_problem());
    Ok(report)
}

fn run_collect(a: &cli::CollectArgs) -> anyhow::Result<Report> {
    let cfg = config::Config::locate(a.common.config.as_deref())?;
    let sel = check::Selection {
        hosts: a.select.hosts.clone(),
        groups: a.select.groups.clone(),
    };
    collect_cmd::collect_into(&cfg, &sel, &a.out, a.jobs, a.common.quiet)
}

/// `collect` reports what it wrote; JSON gives the same report shape as `check`, no findings.
fn finish_collect(a: &cli::CollectArgs, report: &Report) -> ExitCode {
    let outcome = Outcome::of(report, Severity::Info);
    if a.common.format == OutputFormat::Json {
        return finish(&a.common, report);
    }
    if a.common.quiet && report.is_clean() {
        return outcome.into();
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "confdrift: collected {} file{} from {} host{} into {}{}",
        report.files,
        if report.files == 1 { "" } else { "s" },
        report.hosts,
        if report.hosts == 1 { "" } else { "s" },
        a.out.display(),
        match report.errors.len() {
            0 => String::new(),
            1 => "; 1 error".to_string(),
            n => format!("; {n} errors"),
        }
    );
    for e in &report.errors {
        let _ = writeln!(out, "  error: {e}");
    }
    outcome.into()
}

fn run_diff(a: &cli::DiffArgs) -> anyhow::Result<Report> {
    let forced = match &a.as_format {
        None => None,
        Some(name) => Some(normalize::Format::from_name(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown format {name:?} for --as; expected one of {}",
                normalize::Format::names().join(", ")
            )
        })?),
    };
    let mut report = diff_cmd::diff_paths(&a.old, &a.new, forced)?;
    report.errors.extend(secret::unverified_problem());
    Ok(report)
}

/// The exit status of a command that reports by itself (`accept`, `init`): 0, or 2 with the
/// error on stderr.
fn command_status(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => Outcome::Clean.into(),
        Err(e) => {
            print_error(&e);
            Outcome::Trouble.into()
        }
    }
}

/// Renders the report where it was asked for and decides the exit status.
fn finish(common: &CommonArgs, report: &Report) -> ExitCode {
    let threshold = match common.fail_on {
        FailOn::Any => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Critical => Severity::Critical,
    };
    let outcome = Outcome::of(report, threshold);
    if common.quiet && report.is_clean() {
        return outcome.into();
    }
    let written = match &common.output {
        Some(path) => {
            let mut buf = Vec::new();
            writer(common.format, false)
                .write(report, &mut buf)
                .and_then(|()| report::write_atomically(path, &buf))
                .map_err(|e| anyhow::anyhow!("cannot write report to {}: {e}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let color = use_color(common.color, stdout.is_terminal());
            let mut lock = stdout.lock();
            writer(common.format, color)
                .write(report, &mut lock)
                .and_then(|()| lock.flush())
                .map_err(anyhow::Error::from)
        }
    };
    match written {
        Ok(()) => outcome.into(),
        // A closed pipe (`confdrift check | head`) is the reader's choice, not trouble.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            outcome.into()
        }
        Err(e) => {
            print_error(&e);
            Outcome::Trouble.into()
        }
    }
}

fn writer(format: OutputFormat, color: bool) -> Box<dyn Writer> {
    match format {
        OutputFormat::Text => Box::new(TextWriter { color }),
        OutputFormat::Json => Box::new(JsonWriter),
    }
}

/// Colour is decided once: `--color always|never` wins; `auto` means a terminal and no
/// `NO_COLOR` (https://no-color.org) and not `TERM=dumb`.
fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// `error: <message>` with one `caused by:` line per underlying cause.
fn print_error(e: &anyhow::Error) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {e}");
    for cause in e.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {cause}");
    }
}
