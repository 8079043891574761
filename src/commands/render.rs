//! Where reports go and what the run exits with: every `--report` file, then `--output` or
//! stdout (colour and width decided here, once), and the exit status from the report and
//! `--fail-on`. The only place that writes a report or picks a colour.

use crate::cli::{ColorChoice, FailOn, OutputFormat, ReportTarget};
use crate::exit::Outcome;
use crate::report::{
    GithubWriter, JsonWriter, JunitWriter, MarkdownWriter, PrometheusWriter, Report, Severity,
    TextWriter, Writer,
};
use std::io::{IsTerminal, Write};

/// How and where to render a report, whichever command made it.
pub(super) type Render = crate::cli::RenderArgs;

/// Generated text on stdout; a reader that stops early (`| head`) is no trouble.
pub(super) fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Renders the report everywhere it was asked for and decides the exit status.
pub(super) fn finish(render: &Render, report: &Report) -> Outcome {
    if emit(render, report) {
        verdict(render, report)
    } else {
        Outcome::Trouble
    }
}

/// The exit status of a report that was written.
pub(super) fn verdict(render: &Render, report: &Report) -> Outcome {
    let threshold = match render.fail_on {
        FailOn::Any => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Critical => Severity::Critical,
        FailOn::New => return Outcome::of_new(report),
    };
    Outcome::of(report, threshold)
}

/// Writes every `--report` file, then `--output` or stdout. `--quiet` silences only stdout,
/// and only when the run exits 0 (cron mails what a quiet run prints: known drift under
/// `--fail-on new`, or info below `--fail-on`, is no reason to); files asked for are always
/// written (a textfile collector wants a fresh file when all is well too). False when
/// something could not be written (each failure is printed).
pub(super) fn emit(render: &Render, report: &Report) -> bool {
    let mut ok = emit_files(&render.reports, report);
    let written = match &render.output {
        Some(path) => write_file(render.format, path, report),
        None if render.quiet && verdict(render, report) == Outcome::Clean => Ok(()),
        None => {
            let stdout = std::io::stdout();
            let terminal = stdout.is_terminal();
            let color = use_color(render.color, terminal);
            let width = terminal.then(terminal_width);
            let mut lock = stdout.lock();
            writer(render.format, color, width)
                .write(report, &mut lock)
                .and_then(|()| lock.flush())
                .or_else(|e| match e.kind() {
                    // A closed pipe (`confdrift check | head`) is the reader's choice, not trouble.
                    std::io::ErrorKind::BrokenPipe => Ok(()),
                    _ => Err(e),
                })
                .map_err(|e| anyhow::anyhow!("cannot write the report to stdout: {e}"))
        }
    };
    if let Err(e) = written {
        print_error(&e);
        ok = false;
    }
    ok
}

pub(super) fn emit_files(targets: &[ReportTarget], report: &Report) -> bool {
    let mut ok = true;
    for t in targets {
        if let Err(e) = write_file(t.format, &t.path, report) {
            print_error(&e);
            ok = false;
        }
    }
    ok
}

/// A report in a file: no colour, never cut to a width, written atomically.
fn write_file(format: OutputFormat, path: &std::path::Path, report: &Report) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    writer(format, false, None)
        .write(report, &mut buf)
        .and_then(|()| crate::report::write_atomically(path, &buf))
        .map_err(|e| anyhow::anyhow!("cannot write report to {}: {e}", path.display()))
}

fn writer(format: OutputFormat, color: bool, width: Option<usize>) -> Box<dyn Writer> {
    match format {
        OutputFormat::Text => Box::new(TextWriter { color, width }),
        OutputFormat::Json => Box::new(JsonWriter),
        OutputFormat::Junit => Box::new(JunitWriter),
        OutputFormat::Markdown => Box::new(MarkdownWriter),
        OutputFormat::Prometheus => Box::new(PrometheusWriter),
        OutputFormat::Github => Box::new(GithubWriter),
    }
}

/// The terminal's width: `COLUMNS` when set, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|c: &usize| *c > 0)
        .unwrap_or(100)
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
pub(super) fn print_error(e: &anyhow::Error) {
    use crate::normalize::raw::show;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {}", show(&e.to_string()));
    for cause in e.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {}", show(&cause.to_string()));
    }
}
