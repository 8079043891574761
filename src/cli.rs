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
    /// Write the live state of the selected hosts and files into the baseline as one git commit
    Accept(AcceptArgs),
    /// Scaffold confdrift.toml and baselines/, optionally seeded from the live state
    Init(InitArgs),
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
    #[arg(long, value_name = "DIR")]
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
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Old file or directory (reported as `baseline`)
    pub old: PathBuf,
    /// New file or directory (reported as `live`)
    pub new: PathBuf,
    /// Read both sides as this format instead of detecting it from the file name
    #[arg(long = "as", value_name = "FORMAT")]
    pub as_format: Option<String>,
}

/// Options every reporting command takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Config file (default: ./confdrift.toml, then $CONFDRIFT_CONFIG)
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Report format on stdout (or in --output)
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, env = "CONFDRIFT_FORMAT")]
    pub format: OutputFormat,
    /// Write the report to FILE (atomically) instead of stdout
    #[arg(long, value_name = "FILE", env = "CONFDRIFT_OUTPUT")]
    pub output: Option<PathBuf>,
    /// Exit 1 only for findings at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Any, env = "CONFDRIFT_FAIL_ON")]
    pub fail_on: FailOn,
    /// Print nothing when there is no drift and no trouble
    #[arg(short, long, env = "CONFDRIFT_QUIET")]
    pub quiet: bool,
    /// When to colour the text report
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, env = "CONFDRIFT_COLOR")]
    pub color: ColorChoice,
    /// More diagnostics on stderr (repeat for more)
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Which hosts to check.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Check only this host (repeatable)
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// Check only the hosts of this group (repeatable)
    #[arg(long = "group", value_name = "NAME")]
    pub groups: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Any,
    Warning,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
