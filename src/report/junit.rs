//! `--format junit`: JUnit XML for the test reporters of Jenkins, GitLab and GitHub.
//!
//! One test suite per host (`confdrift` for what belongs to no host: the baseline's own trouble,
//! `diff` files), one test case per host and file. A file with findings fails; its failure
//! lists every finding (host, file, line, key, baseline and live values), one block each,
//! because a JUnit test case carries one failure element. A file or host that could not be
//! checked is an error; a file compared clean is a passing case. A host with no file to compare
//! has one passing case, `all files`.

use super::describe::{detail_lines, headline, live_place, truncate};
use super::{Finding, Problem, Report, Severity, Writer};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

pub struct JunitWriter;

/// The suite of findings and trouble that belong to no host.
const NO_HOST: &str = "confdrift";
/// The case of a host-level problem (the host could not be reached or read).
const HOST_CASE: &str = "collect";
/// The passing case of a host checked clean.
const CLEAN_CASE: &str = "all files";
/// A failure message is a one-line summary; the body has everything.
const MESSAGE_CHARS: usize = 500;

#[derive(Default)]
struct Suite<'a> {
    groups: Vec<&'a str>,
    /// file (or [`HOST_CASE`]) -> what was found there
    cases: BTreeMap<String, Case<'a>>,
}

#[derive(Default)]
struct Case<'a> {
    findings: Vec<&'a Finding>,
    errors: Vec<&'a Problem>,
}

impl Writer for JunitWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut suites: BTreeMap<&str, Suite> = BTreeMap::new();
        for h in &r.host_runs {
            let s = suites.entry(h.host.as_str()).or_default();
            if !s.groups.contains(&h.group.as_str()) {
                s.groups.push(&h.group);
            }
            for file in &h.files {
                s.cases.entry(file.clone()).or_default();
            }
        }
        for f in &r.findings {
            let s = suites
                .entry(f.host.as_deref().unwrap_or(NO_HOST))
                .or_default();
            if let Some(g) = f.group.as_deref().filter(|g| !s.groups.contains(g)) {
                s.groups.push(g);
            }
            s.cases.entry(f.file.clone()).or_default().findings.push(f);
        }
        for e in &r.errors {
            let s = suites
                .entry(e.host.as_deref().unwrap_or(NO_HOST))
                .or_default();
            let case = e.file.clone().unwrap_or_else(|| HOST_CASE.to_string());
            s.cases.entry(case).or_default().errors.push(e);
        }

        let mut junit = quick_junit::Report::new("confdrift");
        if let Some(d) = r.duration_seconds.filter(|d| d.is_finite() && *d >= 0.0) {
            junit.set_time(Duration::from_secs_f64(d));
        }
        for (host, suite) in suites {
            let mut ts = TestSuite::new(host);
            if !suite.groups.is_empty() {
                ts.add_property(("group", suite.groups.join(",").as_str()));
            }
            if suite.cases.is_empty() {
                let mut tc = TestCase::new(CLEAN_CASE, TestCaseStatus::success());
                tc.set_classname(host);
                ts.add_test_case(tc);
            }
            for (name, case) in &suite.cases {
                ts.add_test_case(test_case(host, name, case));
            }
            junit.add_test_suite(ts);
        }
        junit
            .serialize(&mut *out)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        out.write_all(b"\n")
    }
}

fn test_case(host: &str, name: &str, case: &Case) -> TestCase {
    let mut body = String::new();
    for e in &case.errors {
        body.push_str(&format!("error: {e}\n"));
    }
    for f in &case.findings {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&format!("{} at {}\n", headline(f), live_place(f)));
        for (label, value) in detail_lines(f) {
            // A value of several lines continues under its label.
            let value = value.trim_end_matches('\n').replace('\n', "\n      ");
            body.push_str(&format!("  {label}: {value}\n"));
        }
    }
    let status = if let Some(first) = case.errors.first() {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(first.message.as_str()).set_type("trouble");
        s.set_description(body);
        s
    } else if !case.findings.is_empty() {
        let worst = case
            .findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info);
        let n = case.findings.len();
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let all: Vec<String> = case.findings.iter().map(|f| headline(f)).collect();
        let plural = if n == 1 { "" } else { "s" };
        s.set_message(truncate(
            &format!("{n} finding{plural} ({}): {}", worst.name(), all.join("; ")),
            MESSAGE_CHARS,
        ))
        .set_type(worst.name());
        s.set_description(body);
        s
    } else {
        TestCaseStatus::success()
    };
    let mut tc = TestCase::new(name, status);
    tc.set_classname(host);
    tc
}
