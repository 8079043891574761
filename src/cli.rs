//! Command-line arguments (clap derive). No logic here: `config` resolves them once.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "confdrift",
    version,
    about = "Find configuration drift: compare live config files on hosts with the intended state in git",
    after_help = "Exit status: 0 no drift, 1 drift found (check complete), 2 trouble (bad config, unreachable host, unparsable file)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect live files from every selected host, compare with the baseline, report
    Check(CheckArgs),
    /// Fetch the live files of the selected hosts into DIR/<host>/<absolute path>
    Collect(CollectArgs),
    /// Semantic diff of two files, or of two directories file by file
    Diff(DiffArgs),
    /// Validate the config, inventory and rules, and check the baseline itself against the rules
    Lint(LintArgs),
    /// Join the JSON reports of sharded runs (--shard) into one report and one exit status
    Merge(MergeArgs),
    /// Print shell completions: confdrift completions bash > /etc/bash_completion.d/confdrift
    Completions(CompletionsArgs),
    /// Print the man page (roff): confdrift man > confdrift.1
    Man(ManArgs),
    /// Write the live state of the selected hosts and files into the baseline as one git commit
    Accept(AcceptArgs),
    /// Scaffold confdrift.toml and baselines/, optionally seeded from the live state
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Lint the baseline at this git commit-ish instead of the config's `baseline.ref`
    #[arg(long, value_name = "REF", env = "CONFDRIFT_BASELINE_REF")]
    pub baseline_ref: Option<String>,
}

#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// Config file (default: ./confdrift.toml, then $CONFDRIFT_CONFIG)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Accept only this file (absolute path on the hosts; repeatable)
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<String>,
    /// The commit message (default: what was accepted, from which hosts)
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    pub message: Option<String>,
    /// The commit's author (default: git config user.name and user.email)
    #[arg(long, value_name = "NAME <EMAIL>")]
    pub author: Option<String>,
    /// Record the state even when it breaks a critical rule
    #[arg(long)]
    pub force: bool,
    /// Collect from at most N hosts at once (default: CPUs; 16 or more for ssh and command)
    #[arg(short = 'j', long, value_name = "N", env = "CONFDRIFT_JOBS")]
    pub jobs: Option<usize>,
    /// `running`: also write what the running servers run ([[group.running]]), where it
    /// differs from their files, into those files as accepted (never without this)
    #[arg(long = "from", value_name = "SOURCE", value_parser = ["running"])]
    pub from: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The config file to write, or with --from-live to read (default: ./confdrift.toml)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Seed baselines/ from the live files of the hosts listed in the existing config
    #[arg(long)]
    pub from_live: bool,
    /// Create the git repository too, when the directory is not in one yet
    #[arg(long)]
    pub git_init: bool,
    /// Collect from at most N hosts at once (default: CPUs; 16 or more for ssh and command)
    #[arg(short = 'j', long, value_name = "N", env = "CONFDRIFT_JOBS")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Directory to write into (created if needed); each host's snapshot is replaced whole
    #[arg(long, value_name = "DIR", env = "CONFDRIFT_OUT")]
    pub out: PathBuf,
    /// Collect from at most N hosts at once (default: CPUs; 16 or more for ssh and command)
    #[arg(short = 'j', long, value_name = "N", env = "CONFDRIFT_JOBS")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Compare against this git commit-ish instead of the config's `baseline.ref`
    #[arg(long, value_name = "REF", env = "CONFDRIFT_BASELINE_REF")]
    pub baseline_ref: Option<String>,
    /// Check at most N hosts at once (default: CPUs; 16 or more for ssh and command)
    #[arg(short = 'j', long, value_name = "N", env = "CONFDRIFT_JOBS")]
    pub jobs: Option<usize>,
    /// Remember findings in FILE between runs: each is marked new or known, and findings that
    /// are gone are reported as resolved (FILE.lock guards it)
    #[arg(long, value_name = "FILE", env = "CONFDRIFT_STATE")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of `check --format json` (one per shard)
    #[arg(value_name = "REPORT.json", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Config file whose rules the checks across hosts use (default: ./confdrift.toml, then
    /// $CONFDRIFT_CONFIG)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub render: RenderArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's own page instead of the main one (confdrift man check > confdrift-check.1)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Old file or directory (reported as `baseline`)
    pub old: PathBuf,
    /// New file or directory (reported as `live`)
    pub new: PathBuf,
    /// Read both sides as this format instead of detecting it from the file name (or, when
    /// the name says nothing, from the content): yaml, k8s (Kubernetes manifests), compose,
    /// toml, json, pgconf, ini, pgbouncer, mycnf, properties, env, sshd, ssh, redis, sysctl,
    /// nginx, phpfpm, haproxy, pghba, pgident, pgnames, systemd, pgpass, userlist, htpasswd,
    /// binary (compared by content hash) or text (a line diff)
    #[arg(long = "as", value_name = "FORMAT", env = "CONFDRIFT_AS")]
    pub as_format: Option<String>,
    /// Read YAML as this version: 1.1 (Ruby's Psych, PyYAML: `no` is false, `0777` is octal)
    /// or 1.2; default 1.2, or 1.1 for a Rails `config/*.yml`
    #[arg(long, value_name = "VERSION", env = "CONFDRIFT_YAML", value_parser = ["1.1", "1.2"])]
    pub yaml: Option<String>,
    /// The version of the program that reads the files (e.g. 15 for PostgreSQL 15): a setting
    /// written out at that version's default is no drift; default: from the path
    /// (/etc/postgresql/15/main/), else none
    #[arg(long, value_name = "VERSION", env = "CONFDRIFT_PROGRAM_VERSION")]
    pub program_version: Option<String>,
}

/// Options every reporting command takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Config file (default: ./confdrift.toml, then $CONFDRIFT_CONFIG)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub render: RenderArgs,
    /// More diagnostics on stderr (repeat for more; the one flag without an environment variable)
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How and where a report is rendered, and which findings fail the run.
#[derive(Clone, Debug, Args)]
pub struct RenderArgs {
    /// Report format on stdout (or in --output)
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, env = "CONFDRIFT_FORMAT")]
    pub format: OutputFormat,
    /// Write the report to FILE (atomically) instead of stdout
    #[arg(long, value_name = "FILE", env = "CONFDRIFT_OUTPUT")]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to PATH, atomically (repeatable; in CONFDRIFT_REPORT,
    /// comma-separated): --report json:drift.json --report junit:drift.xml
    #[arg(long = "report", value_name = "FORMAT:PATH", value_parser = ReportTarget::parse, env = "CONFDRIFT_REPORT", value_delimiter = ',')]
    pub reports: Vec<ReportTarget>,
    /// Exit 1 only for findings at or above this severity (new: only findings marked new by
    /// --state)
    #[arg(long, value_enum, default_value_t = FailOn::Any, env = "CONFDRIFT_FAIL_ON")]
    pub fail_on: FailOn,
    /// Print nothing when there is no drift and no trouble
    #[arg(short, long, env = "CONFDRIFT_QUIET")]
    pub quiet: bool,
    /// When to colour the text report
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, env = "CONFDRIFT_COLOR")]
    pub color: ColorChoice,
}

/// Which hosts to check.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Check only this host (repeatable; in CONFDRIFT_HOST, comma-separated)
    #[arg(
        long = "host",
        value_name = "NAME",
        env = "CONFDRIFT_HOST",
        value_delimiter = ','
    )]
    pub hosts: Vec<String>,
    /// Check only the hosts of this group (repeatable; in CONFDRIFT_GROUP, comma-separated)
    #[arg(
        long = "group",
        value_name = "NAME",
        env = "CONFDRIFT_GROUP",
        value_delimiter = ','
    )]
    pub groups: Vec<String>,
    /// Check only the K-th of N stable partitions of the selected hosts (by a hash of the host
    /// name); auto/N takes K from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs, 0-based)
    #[arg(long, value_name = "K/N", value_parser = crate::shard::ShardSpec::parse, env = "CONFDRIFT_SHARD")]
    pub shard: Option<crate::shard::ShardSpec>,
}

/// `--report FORMAT:PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportTarget {
    pub format: OutputFormat,
    pub path: PathBuf,
}

impl ReportTarget {
    pub fn parse(s: &str) -> Result<ReportTarget, String> {
        let names: Vec<String> = OutputFormat::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        let expected = format!(
            "expected FORMAT:PATH with FORMAT one of {}",
            names.join(", ")
        );
        let (format, path) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: {expected}"))?;
        let format = OutputFormat::from_str(format, true)
            .map_err(|_| format!("{s:?}: unknown format {format:?}; {expected}"))?;
        if path.is_empty() {
            return Err(format!("{s:?}: no PATH; {expected}"));
        }
        Ok(ReportTarget {
            format,
            path: PathBuf::from(path),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people: summary, host → file → key, trouble
    Text,
    /// The confdrift/v2 schema (schema/confdrift-v2.schema.json)
    Json,
    /// JUnit XML: a suite per host, a case per host and file
    Junit,
    /// A summary, a table and collapsed details, for a PR comment or $GITHUB_STEP_SUMMARY
    Markdown,
    /// Text exposition format for node_exporter's textfile collector
    Prometheus,
    /// GitHub Actions annotations (::error/::warning/::notice)
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding
    Any,
    /// Findings of severity warning or critical
    Warning,
    /// Critical findings only
    Critical,
    /// Findings not seen in the last run (needs --state)
    New,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
