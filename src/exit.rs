//! The exit status, decided in exactly one place (same convention as diff(1)).

use crate::report::{Report, Severity, Status};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No finding at or above the threshold, and everything selected was checked.
    Clean,
    /// Drift at or above the threshold, and the check was complete.
    Drift,
    /// Something could not be checked (bad config, unreachable host, unparsable file).
    Trouble,
}

impl Outcome {
    /// `threshold`: the least severity that fails the run.
    pub fn of(report: &Report, threshold: Severity) -> Outcome {
        if !report.errors.is_empty() {
            Outcome::Trouble
        } else if report.findings.iter().any(|f| f.severity >= threshold) {
            Outcome::Drift
        } else {
            Outcome::Clean
        }
    }

    /// `--fail-on new`: drift only when a finding was not in the last run's state.
    pub fn of_new(report: &Report) -> Outcome {
        if !report.errors.is_empty() {
            Outcome::Trouble
        } else if report
            .findings
            .iter()
            .any(|f| f.status.as_ref().is_some_and(|t| t.status == Status::New))
        {
            Outcome::Drift
        } else {
            Outcome::Clean
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Drift => 1,
            Outcome::Trouble => 2,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(o.code())
    }
}
