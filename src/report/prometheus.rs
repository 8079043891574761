//! `--format prometheus`: the text exposition format, for node_exporter's textfile collector
//! (`--report prometheus:/var/lib/node_exporter/textfile_collector/confdrift.prom`).
//!
//! Every selected host gets a `confdrift_findings` sample for every severity, zeros included,
//! so that a series drops to 0 when drift is fixed instead of vanishing. Hosts with findings
//! about their running servers also get `confdrift_running_findings{host,group,kind}`.

use super::{Kind, Report, Severity, Writer};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

pub struct PrometheusWriter;

const SEVERITIES: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

const RUNNING: [Kind; 3] = [Kind::NotApplied, Kind::RuntimeOnly, Kind::Rejected];

impl Writer for PrometheusWriter {
    fn write(&self, r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut s = String::new();

        // (host, group) -> findings per severity; every checked host, then any finding's.
        let mut counts: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
        for h in &r.host_runs {
            counts.entry((&h.host, &h.group)).or_default();
        }
        for f in &r.findings {
            let key = (
                f.host.as_deref().unwrap_or(""),
                f.group.as_deref().unwrap_or(""),
            );
            let i = SEVERITIES
                .iter()
                .position(|s| *s == f.severity)
                .unwrap_or(0);
            counts.entry(key).or_default()[i] += 1;
        }
        header(
            &mut s,
            "confdrift_findings",
            "Findings of the last confdrift run, by host, group and severity.",
        );
        for ((host, group), n) in &counts {
            for (i, sev) in SEVERITIES.iter().enumerate() {
                let labels = [("host", *host), ("group", *group), ("severity", sev.name())];
                sample(&mut s, "confdrift_findings", &labels, n[i] as f64);
            }
        }

        // Running servers: findings by kind, for the hosts that have any (zeros for their
        // other kinds), so a restart that applies a setting drops its series to 0.
        let mut running: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
        for f in r.findings.iter().filter(|f| f.kind.is_running()) {
            let key = (
                f.host.as_deref().unwrap_or(""),
                f.group.as_deref().unwrap_or(""),
            );
            let i = RUNNING.iter().position(|k| *k == f.kind).unwrap_or(0);
            running.entry(key).or_default()[i] += 1;
        }
        if !running.is_empty() {
            header(
                &mut s,
                "confdrift_running_findings",
                "Findings about running servers (not_applied, runtime_only, rejected) of the last run, by host, group and kind.",
            );
            for ((host, group), n) in &running {
                for (i, kind) in RUNNING.iter().enumerate() {
                    let labels = [("host", *host), ("group", *group), ("kind", kind.name())];
                    sample(&mut s, "confdrift_running_findings", &labels, n[i] as f64);
                }
            }
        }

        // A host in two groups is up only when every one of its runs was.
        let mut up: BTreeMap<&str, bool> = BTreeMap::new();
        for h in &r.host_runs {
            *up.entry(&h.host).or_insert(true) &= h.up;
        }
        if !up.is_empty() {
            header(
                &mut s,
                "confdrift_host_up",
                "1 when the host's files could be collected in the last run, 0 when not.",
            );
            for (host, ok) in &up {
                sample(
                    &mut s,
                    "confdrift_host_up",
                    &[("host", host)],
                    f64::from(u8::from(*ok)),
                );
            }
        }

        header(
            &mut s,
            "confdrift_errors",
            "Things the last run could not check (unreachable hosts, unparsable files).",
        );
        sample(&mut s, "confdrift_errors", &[], r.errors.len() as f64);

        if let Some(start) = r.started_at {
            header(
                &mut s,
                "confdrift_last_run_timestamp_seconds",
                "When the last confdrift run finished, in seconds since the Unix epoch.",
            );
            let end = start + r.duration_seconds.unwrap_or(0.0);
            sample(&mut s, "confdrift_last_run_timestamp_seconds", &[], end);
        }
        if let Some(d) = r.duration_seconds {
            header(
                &mut s,
                "confdrift_last_run_duration_seconds",
                "How long the last confdrift run took.",
            );
            sample(&mut s, "confdrift_last_run_duration_seconds", &[], d);
        }
        out.write_all(s.as_bytes())
    }
}

fn header(s: &mut String, name: &str, help: &str) {
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge");
}

fn sample(s: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    s.push_str(name);
    if !labels.is_empty() {
        let body: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
            .collect();
        let _ = write!(s, "{{{}}}", body.join(","));
    }
    let _ = writeln!(s, " {}", number(value));
}

/// Label values escape `\`, `"` and newline, as the exposition format says.
fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Go's float syntax: `+Inf`, `-Inf`, `NaN`; integers without a fraction.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_numbers_are_spelled_as_the_format_says() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
