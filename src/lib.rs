//! confdrift: collect live config files, normalize them, compare them with the intended state
//! kept in git, and report drift.
//!
//! `run` is the whole program: parse arguments, resolve the config once, run the command,
//! render the report, and map the outcome to an exit status in one place ([`exit`]).

pub mod accept;
pub mod baseline;
pub mod blame;
pub mod cli;
pub mod collect;
pub mod collect_cmd;
pub mod config;
pub mod dates;
pub mod diff;
pub mod diff_cmd;
pub mod exit;
pub mod init;
pub mod inventory;
pub mod keyglob;
pub mod lint;
pub mod lock;
pub mod merge_cmd;
pub mod names;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rules;
pub mod secret;
pub mod shard;
pub mod state;
pub mod tree;

use clap::{CommandFactory, Parser};
use cli::{Cli, ColorChoice, Command, CommonArgs, FailOn, OutputFormat, ReportTarget};
use exit::Outcome;
use report::{
    GithubWriter, JsonWriter, JunitWriter, MarkdownWriter, PrometheusWriter, Report, Severity,
    TextWriter, Writer,
};
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
    let verbose = match &cli.command {
        Command::Check(a) => a.common.verbose,
        Command::Collect(a) => a.common.verbose,
        Command::Diff(a) => a.common.verbose,
        Command::Lint(a) => a.common.verbose,
        _ => 0,
    };
    collect::set_verbosity(verbose);
    let result = match &cli.command {
        Command::Check(a) => run_check(a),
        Command::Diff(a) => untracked(&a.common).and_then(|()| {
            let report = run_diff(a)?;
            Ok(finish(&a.common.render, &report))
        }),
        Command::Lint(a) => untracked(&a.common).and_then(|()| {
            let report = run_lint(a)?;
            Ok(finish(&a.common.render, &report))
        }),
        Command::Accept(a) => accept::run(a).map(|()| Outcome::Clean),
        Command::Init(a) => init::run(a).map(|()| Outcome::Clean),
        Command::Collect(a) => untracked(&a.common).and_then(|()| {
            let report = run_collect(a)?;
            Ok(finish_collect(a, &report))
        }),
        Command::Merge(a) => merge_cmd::merge(&a.inputs, a.config.as_deref()).map(|report| {
            let render = &a.render;
            if render.fail_on == FailOn::New
                && !report.findings.is_empty()
                && report.findings.iter().all(|f| f.status.is_none())
            {
                eprintln!(
                    "error: --fail-on new: these reports were made without --state, so no finding is marked new or known"
                );
                return Outcome::Trouble;
            }
            finish(render, &report)
        }),
        Command::Completions(a) => {
            let mut script = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "confdrift", &mut script);
            print_bytes(&script).map(|()| Outcome::Clean)
        }
        Command::Man(a) => man_page(a.command.as_deref()).map(|()| Outcome::Clean),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            print_error(&e);
            Outcome::Trouble.into()
        }
    }
}

/// `--fail-on new` compares with the last run, which only `check --state` remembers.
fn untracked(common: &CommonArgs) -> anyhow::Result<()> {
    if common.render.fail_on == FailOn::New {
        anyhow::bail!(
            "--fail-on new needs --state FILE (new means: not in the last run's state), which only `check` takes"
        );
    }
    Ok(())
}

/// How and where to render a report, whichever command made it.
type Render = cli::RenderArgs;

/// `confdrift man [COMMAND]`: the roff page on stdout.
fn man_page(sub: Option<&str>) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match sub {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let found = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "no command {name:?}; the commands are: {}",
                    names.join(", ")
                )
            })?;
            // A one-shot command: the page's name lives as long as the process anyway.
            found
                .name(format!("confdrift-{name}").leak() as &'static str)
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    print_bytes(&out)
}

/// Generated text on stdout; a reader that stops early (`| head`) is no trouble.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn run_check(a: &cli::CheckArgs) -> anyhow::Result<Outcome> {
    if a.common.render.fail_on == FailOn::New && a.state.is_none() {
        anyhow::bail!(
            "--fail-on new needs --state FILE: new means not in the last run's state, and without a state file nothing is remembered"
        );
    }
    let sel = selection(&a.select)?;
    let cfg = config::Config::locate(a.common.config.as_deref())?;
    let reference = a
        .baseline_ref
        .clone()
        .unwrap_or_else(|| cfg.baseline.reference.clone());
    let state = a.state.as_deref().map(state::State::open).transpose()?;
    let _lock = lock::for_check(&cfg.baseline)?;
    let mut report = pipeline::check(&cfg, &sel, &reference, a.jobs, a.common.render.quiet)?;
    blame::annotate(&cfg, &mut report);
    baseline::worktree::notice(&cfg.baseline, &mut report);
    report.errors.extend(secret::unverified_problem());
    let now = state::now();
    let tracked = match state {
        Some(Ok(st)) => {
            let remember = st.track(&mut report, &now);
            Some((st, remember))
        }
        Some(Err(problem)) => {
            report.errors.push(problem);
            report.sort();
            None
        }
        None => None,
    };
    let render = &a.common.render;
    if !emit(render, &report) {
        // Not written: the state stays as it was, so nothing new is silently marked known.
        return Ok(Outcome::Trouble);
    }
    if let Some((st, remember)) = tracked {
        st.save(&remember, &now)?;
    }
    Ok(verdict(render, &report))
}

/// `--host`, `--group` and `--shard` (auto read from the environment here, once).
fn selection(s: &cli::SelectArgs) -> anyhow::Result<pipeline::select::Selection> {
    let shard = match s.shard {
        None => None,
        Some(spec) => {
            let index = std::env::var(shard::INDEX_VAR).ok();
            Some(spec.resolve(index.as_deref()).map_err(anyhow::Error::msg)?)
        }
    };
    Ok(pipeline::select::Selection {
        hosts: s.hosts.clone(),
        groups: s.groups.clone(),
        shard,
    })
}

/// `lint` checks the work tree's baseline when it differs from HEAD (the edits about to be
/// committed), and says so; `--baseline-ref` (or a `[baseline] ref` other than HEAD) names a
/// commit instead. In a clean checkout (CI) the two are the same.
fn run_lint(a: &cli::LintArgs) -> anyhow::Result<Report> {
    let cfg = config::Config::locate(a.common.config.as_deref())?;
    if a.baseline_ref.is_none() && cfg.baseline.reference == "HEAD" {
        let (repo, prefix) = baseline::locate(&cfg.baseline)?;
        let edits = baseline::worktree::uncommitted(&repo, &prefix)?;
        if !edits.is_empty() {
            let worktree = baseline::Baseline::from_work_tree(&cfg.baseline)?;
            let mut report = lint::lint_baseline(&cfg, &worktree)?;
            report.notices.insert(
                0,
                format!(
                    "linting the work tree: {} uncommitted change{} under {} ({}{}); `--baseline-ref HEAD` lints the last commit",
                    edits.len(),
                    if edits.len() == 1 { "" } else { "s" },
                    prefix.display(),
                    edits.first().map_or("", |e| e.0.as_str()),
                    if edits.len() > 1 { ", ..." } else { "" }
                ),
            );
            return Ok(report);
        }
    }
    let reference = a
        .baseline_ref
        .clone()
        .unwrap_or_else(|| cfg.baseline.reference.clone());
    lint::lint(&cfg, &reference)
}

fn run_collect(a: &cli::CollectArgs) -> anyhow::Result<Report> {
    let cfg = config::Config::locate(a.common.config.as_deref())?;
    let sel = selection(&a.select)?;
    collect_cmd::collect_into(&cfg, &sel, &a.out, a.jobs, a.common.render.quiet)
}

/// `collect` reports what it wrote; other formats than text give the same report shape as
/// `check`, with no findings.
fn finish_collect(a: &cli::CollectArgs, report: &Report) -> Outcome {
    let outcome = Outcome::of(report, Severity::Info);
    if a.common.render.format != OutputFormat::Text || a.common.render.output.is_some() {
        let render = Render {
            fail_on: FailOn::Any,
            ..a.common.render.clone()
        };
        return finish(&render, report);
    }
    if !a.common.render.reports.is_empty() && !emit_files(&a.common.render.reports, report) {
        return Outcome::Trouble;
    }
    if a.common.render.quiet && outcome == Outcome::Clean {
        return outcome;
    }
    let mut out = std::io::stdout().lock();
    // A host that could not be reached at all is an error of the host, naming no file.
    let down: std::collections::BTreeSet<&str> = report
        .errors
        .iter()
        .filter(|e| e.file.is_none())
        .filter_map(|e| e.host.as_deref())
        .collect();
    let from = if down.is_empty() {
        report::plural(report.hosts, "host")
    } else {
        format!(
            "{} of {}",
            report.hosts.saturating_sub(down.len()),
            report::plural(report.hosts, "host")
        )
    };
    let _ = writeln!(
        out,
        "confdrift: collected {} file{} from {from} into {}{}",
        report.files,
        if report.files == 1 { "" } else { "s" },
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
    outcome
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
    let yaml = a
        .yaml
        .as_deref()
        .and_then(normalize::YamlVersion::from_name);
    let mut report = diff_cmd::diff_paths(&a.old, &a.new, forced, yaml)?;
    report.errors.extend(secret::unverified_problem());
    Ok(report)
}

/// Renders the report everywhere it was asked for and decides the exit status.
fn finish(render: &Render, report: &Report) -> Outcome {
    if emit(render, report) {
        verdict(render, report)
    } else {
        Outcome::Trouble
    }
}

/// The exit status of a report that was written.
fn verdict(render: &Render, report: &Report) -> Outcome {
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
fn emit(render: &Render, report: &Report) -> bool {
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

fn emit_files(targets: &[ReportTarget], report: &Report) -> bool {
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
        .and_then(|()| report::write_atomically(path, &buf))
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
fn print_error(e: &anyhow::Error) {
    use normalize::raw::show;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {}", show(&e.to_string()));
    for cause in e.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {}", show(&cause.to_string()));
    }
}
