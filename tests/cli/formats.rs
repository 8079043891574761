//! Every report format from one fixture fleet: snapshots (timing and commit ids redacted),
//! JUnit read back by an XML parser, Prometheus checked line by line against the exposition
//! format, JSON validated against the published schema, `--report`, `--quiet`, completions and
//! the man page.

use crate::harness::{Fleet, Output};
use std::path::Path;

/// Two groups: `app-1` clean, `app-2` drifted (values holding `|`, backticks, `<`, `%`, `,`,
/// `:` and a line break), `app-3` unreachable (no directory), `db-1` drifted.
pub fn fixture() -> Fleet {
    let f = Fleet::new(
        r#"[[group]]
name = "app"
hosts = ["app-1", "app-2", "app-3"]
transport = "dir"
root = "fleet"
files = ["/etc/app/app.yml", "/etc/app/*.conf"]

[[group]]
name = "db"
hosts = ["db-1"]
transport = "dir"
root = "fleet"
files = ["/etc/postgresql/postgresql.conf"]
"#,
    );
    let app = "pool: 50\nurl: \"postgres://db:5432/app\"\nbanner: plain\nnote: |\n  one\n  two\npassword: s3cret-one\n";
    f.group_baseline("app", "/etc/app/app.yml", app);
    f.group_baseline("app", "/etc/app/extra.conf", "a = 1\n");
    f.group_baseline(
        "db",
        "/etc/postgresql/postgresql.conf",
        "max_connections = 200\nshared_buffers = 2GB\n",
    );
    f.commit("Intended state");
    f.live("app-1", "/etc/app/app.yml", app);
    f.live("app-1", "/etc/app/extra.conf", "a = 1\n");
    f.live(
        "app-2",
        "/etc/app/app.yml",
        "pool: 5\nurl: \"postgres://db:6432/app?a=1,b=50%\"\nbanner: \"a | b `c` <b>\"\nnote: |\n  one\n  three\npassword: s3cret-two\n",
    );
    f.live("app-2", "/etc/app/stray.conf", "x = 1\n");
    f.live(
        "db-1",
        "/etc/postgresql/postgresql.conf",
        "max_connections = 100\nshared_buffers = '2097152kB'\n",
    );
    f
}

/// `confdrift ARGS` in `dir` with extra environment variables.
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("confdrift").unwrap();
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CONFDRIFT_CONFIG")
        .env_remove("JOB_COMPLETION_INDEX")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Output {
        code: out.status.code().expect("killed by a signal (a panic?)"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Commit ids become `<commit>`, the commit's date `<date>`, timing `<time>`, whatever the
/// format.
fn redact(f: &Fleet, text: &str) -> String {
    let full = f.git(&["rev-parse", "HEAD"]).trim().to_string();
    let date = f.git(&["log", "-1", "--format=%aI"]).trim().to_string();
    let mut text = text.replace(&date[..10], "<date>");
    // A full RFC 3339 time after the day (`<date>T06:54:34+00:00`) goes too.
    while let Some(i) = text.find("<date>T") {
        let rest = &text[i + 7..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, ':' | '+' | '-' | 'Z')))
            .unwrap_or(rest.len());
        text = format!("{}<date>{}", &text[..i], &rest[end..]);
    }
    let text = text
        .replace(&full, "<commit>")
        .replace(&full[..7], "<commit>")
        .replace(&f.path().display().to_string(), "<fleet>");
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line.to_string();
        for key in ["\"started_at\": ", "\"duration_seconds\": "] {
            if let Some(i) = line.find(key) {
                let comma = if line.ends_with(',') { "," } else { "" };
                line = format!("{}{key}\"<time>\"{comma}", &line[..i]);
            }
        }
        if line.starts_with("confdrift_last_run_") {
            let name = line.split(' ').next().unwrap().to_string();
            line = format!("{name} <time>");
        }
        while let Some(i) = line.find(" time=\"") {
            let end = line[i + 7..].find('"').unwrap() + i + 7;
            line = format!("{}{}", &line[..i], &line[end + 1..]);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn check(f: &Fleet, format: &str) -> Output {
    let out = f.run(&["check", "--format", format]);
    assert_eq!(out.code, 2, "app-3 is unreachable: {}", out.stderr);
    out
}

#[test]
fn text_snapshot() {
    let f = fixture();
    insta::assert_snapshot!(redact(&f, &check(&f, "text").stdout));
}

#[test]
fn json_snapshot() {
    let f = fixture();
    insta::assert_snapshot!(redact(&f, &check(&f, "json").stdout));
}

#[test]
fn junit_snapshot() {
    let f = fixture();
    insta::assert_snapshot!(redact(&f, &check(&f, "junit").stdout));
}

#[test]
fn markdown_snapshot() {
    let f = fixture();
    insta::assert_snapshot!(redact(&f, &check(&f, "markdown").stdout));
}

#[test]
fn github_snapshot() {
    let f = fixture();
    insta::assert_snapshot!(redact(&f, &check(&f, "github").stdout));
}

#[test]
fn prometheus_snapshot() {
    let f = fixture();
    insta::assert_snapshot!(redact(&f, &check(&f, "prometheus").stdout));
}

/// Start tags of `xml` by name, with their attributes, in document order.
fn xml_elements(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .to_string(),
                        )
                    })
                    .collect();
                out.push((name, attrs));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn junit_has_a_suite_per_host_a_case_per_file_and_the_counts_add_up() {
    let f = fixture();
    let xml = check(&f, "junit").stdout;
    let elems = xml_elements(&xml);
    let attr = |e: &(String, Vec<(String, String)>), k: &str| {
        e.1.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    };
    let named = |n: &str| elems.iter().filter(|e| e.0 == n).collect::<Vec<_>>();
    let suites: Vec<String> = named("testsuite")
        .iter()
        .map(|e| attr(e, "name").unwrap())
        .collect();
    assert_eq!(suites, ["app-1", "app-2", "app-3", "db-1"]);
    let cases: Vec<(String, String)> = named("testcase")
        .iter()
        .map(|e| (attr(e, "classname").unwrap(), attr(e, "name").unwrap()))
        .collect();
    assert_eq!(
        cases,
        [
            ("app-1".to_string(), "/etc/app/app.yml".to_string()),
            ("app-1".into(), "/etc/app/extra.conf".into()),
            ("app-2".into(), "/etc/app/app.yml".into()),
            ("app-2".into(), "/etc/app/extra.conf".into()),
            ("app-2".into(), "/etc/app/stray.conf".into()),
            ("app-3".into(), "collect".into()),
            ("db-1".into(), "/etc/postgresql/postgresql.conf".into()),
        ]
    );
    assert_eq!(named("failure").len(), 4);
    assert_eq!(named("error").len(), 1);
    let root = &named("testsuites")[0];
    // app-1's two files compared clean are passing cases.
    assert_eq!(attr(root, "tests").as_deref(), Some("7"));
    assert_eq!(attr(root, "failures").as_deref(), Some("4"));
    assert_eq!(attr(root, "errors").as_deref(), Some("1"));
    // The failure of app.yml names every finding with its line, key and both values.
    let failure = xml
        .split("<failure")
        .nth(1)
        .and_then(|s| s.split("</failure>").next())
        .unwrap();
    for needle in [
        "pool: changed from 50 to 5 at app-2:/etc/app/app.yml:1",
        "baseline: 50  (baselines/groups/app/etc/app/app.yml:1)",
        "live: 5  (app-2:/etc/app/app.yml:1)",
        "password: changed (secret value)",
    ] {
        assert!(failure.contains(needle), "{needle} in {failure}");
    }
    assert!(!xml.contains("s3cret"), "no secret in the XML");
}

/// The checker of the text exposition format: comments are HELP/TYPE lines, each metric has
/// both before its first sample, every sample is `name{label="value",...} number`, label
/// values escape only `\\`, `\"` and `\n`. Returns the samples.
/// A sample: metric name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

fn exposition_samples(text: &str) -> Vec<Sample> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut helped = std::collections::BTreeSet::new();
    let mut typed = std::collections::BTreeSet::new();
    let mut sampled = std::collections::BTreeSet::new();
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("line {}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(is_name(name), "{at}");
            assert!(!sampled.contains(name), "HELP after samples: {at}");
            assert!(helped.insert(name.to_string()), "second HELP: {at}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect(&at);
            assert!(is_name(name), "{at}");
            assert!(
                ["gauge", "counter", "untyped", "histogram", "summary"].contains(&kind),
                "{at}"
            );
            assert!(!sampled.contains(name), "TYPE after samples: {at}");
            assert!(typed.insert(name.to_string()), "second TYPE: {at}");
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "{at}");
        let name_end = line.find(['{', ' ']).expect(&at);
        let name = &line[..name_end];
        assert!(is_name(name), "{at}");
        assert!(
            helped.contains(name) && typed.contains(name),
            "no HELP/TYPE before {at}"
        );
        sampled.insert(name.to_string());
        let mut rest = &line[name_end..];
        let mut labels = Vec::new();
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            loop {
                if let Some(r) = rest.strip_prefix('}') {
                    rest = r;
                    break;
                }
                let eq = rest.find("=\"").expect(&at);
                let label = &rest[..eq];
                assert!(is_name(label) && !label.contains(':'), "{at}");
                let mut value = String::new();
                let mut chars = rest[eq + 2..].char_indices();
                let end = loop {
                    let (i, c) = chars.next().expect(&at);
                    match c {
                        '"' => break i,
                        '\\' => match chars.next().expect(&at).1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            other => panic!("bad escape \\{other}: {at}"),
                        },
                        '\n' => panic!("raw newline: {at}"),
                        c => value.push(c),
                    }
                };
                labels.push((label.to_string(), value));
                rest = &rest[eq + 2 + end + 1..];
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
        }
        let value = rest.strip_prefix(' ').expect(&at);
        let number = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse::<f64>().expect(&at),
        };
        samples.push((name.to_string(), labels, number));
    }
    samples
}

#[test]
fn prometheus_output_follows_the_exposition_format() {
    let f = fixture();
    let text = check(&f, "prometheus").stdout;
    let samples = exposition_samples(&text);
    let value = |name: &str, labels: &[(&str, &str)]| {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && l.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| l.iter().any(|(a, b)| a == k && b == v))
            })
            .map(|s| s.2)
    };
    let findings = |host: &str, group: &str, sev: &str| {
        value(
            "confdrift_findings",
            &[("host", host), ("group", group), ("severity", sev)],
        )
    };
    assert_eq!(findings("app-2", "app", "warning"), Some(7.0));
    assert_eq!(
        findings("app-1", "app", "warning"),
        Some(0.0),
        "clean hosts are 0, not absent"
    );
    assert_eq!(findings("db-1", "db", "warning"), Some(1.0));
    assert_eq!(findings("db-1", "db", "critical"), Some(0.0));
    assert_eq!(value("confdrift_host_up", &[("host", "app-3")]), Some(0.0));
    assert_eq!(value("confdrift_host_up", &[("host", "app-2")]), Some(1.0));
    assert_eq!(value("confdrift_errors", &[]), Some(1.0));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let ts = value("confdrift_last_run_timestamp_seconds", &[]).unwrap();
    assert!(ts > 1e9 && ts <= now + 1.0, "a Unix time in seconds: {ts}");
    let d = value("confdrift_last_run_duration_seconds", &[]).unwrap();
    assert!(d >= 0.0, "{d}");
}

#[test]
fn the_prometheus_checker_catches_what_it_should() {
    let ok = "# HELP m h\n# TYPE m gauge\nm{a=\"x\\\"y\\\\z\\n\"} 1\n";
    assert_eq!(exposition_samples(ok)[0].1[0].1, "x\"y\\z\n");
    for bad in [
        "m 1\n",                                         // no HELP/TYPE
        "# HELP m h\n# TYPE m gauge\nm{a=\"x\\q\"} 1\n", // bad escape
        "# HELP m h\n# TYPE m gauge\nm{a=\"x\"} one\n",  // not a number
        "# HELP m h\n# TYPE m gauge\nm 1\n# HELP m h\n", // HELP after samples
    ] {
        let caught = std::panic::catch_unwind(|| exposition_samples(bad)).is_err();
        assert!(caught, "{bad:?} must be refused");
    }
}

/// The published schema, compiled by boon (draft 2020-12).
pub fn assert_valid(doc: &serde_json::Value) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/confdrift-v2.schema.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    compiler
        .add_resource("confdrift-v2.schema.json", schema)
        .unwrap();
    let id = compiler
        .compile("confdrift-v2.schema.json", &mut schemas)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e}"));
    if let Err(e) = schemas.validate(doc, id) {
        panic!("{e:#}\nin {}", serde_json::to_string_pretty(doc).unwrap());
    }
}

#[test]
fn json_reports_validate_against_the_published_schema() {
    let f = fixture();
    let check_report = check(&f, "json").json();
    assert_valid(&check_report);
    let diff = f.run(&[
        "diff",
        "--format",
        "json",
        "baselines/groups/app/etc/app/app.yml",
        "fleet/app-2/etc/app/app.yml",
    ]);
    assert_eq!(diff.code, 1);
    assert_valid(&diff.json());

    // The schema is strict: an unknown field or a wrong kind is refused.
    let mut extra = check_report.clone();
    extra["findings"][0]["surprise"] = serde_json::json!(1);
    let mut kind = check_report.clone();
    kind["findings"][0]["kind"] = serde_json::json!("drifted");
    for bad in [extra, kind] {
        assert!(
            std::panic::catch_unwind(|| assert_valid(&bad)).is_err(),
            "the schema must refuse this"
        );
    }
}

#[test]
fn quiet_prints_zero_bytes_when_clean_and_still_writes_the_files_asked_for() {
    let f = fixture();
    for format in ["text", "json", "junit", "markdown", "prometheus", "github"] {
        let out = f.run(&[
            "check",
            "-q",
            "--host",
            "app-1",
            "--format",
            format,
            "--report",
            "prometheus:metrics.prom",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout.len(), 0, "{format}: {:?}", out.stdout);
        assert_eq!(out.stderr.len(), 0, "{format}: {:?}", out.stderr);
        let prom = std::fs::read_to_string(f.path().join("metrics.prom")).unwrap();
        assert!(
            prom.contains("confdrift_host_up{host=\"app-1\"} 1"),
            "{prom}"
        );
    }
    let drifted = f.run(&["check", "-q", "--host", "app-2"]);
    assert_eq!(drifted.code, 1);
    assert!(
        drifted.stdout.starts_with("confdrift: DRIFT"),
        "{}",
        drifted.stdout
    );
}

#[test]
fn several_reports_from_one_run_beside_stdout() {
    let f = fixture();
    let out = f.run(&[
        "check",
        "--report",
        "json:out/drift.json",
        "--report",
        "junit:drift.xml",
        "--report",
        "markdown:drift.md",
    ]);
    assert!(
        out.stderr.contains("cannot write report to out/drift.json"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 2);
    std::fs::create_dir(f.path().join("out")).unwrap();
    let out = f.run(&[
        "check",
        "--report",
        "json:out/drift.json",
        "--report",
        "junit:drift.xml",
        "--report",
        "markdown:drift.md",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.starts_with("confdrift: DRIFT on 2 of 4 hosts"),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f.path().join("out/drift.json")).unwrap())
            .unwrap();
    assert_eq!(json["summary"]["findings"], 8);
    let xml = std::fs::read_to_string(f.path().join("drift.xml")).unwrap();
    assert_eq!(
        xml_elements(&xml)
            .iter()
            .filter(|e| e.0 == "testsuite")
            .count(),
        4
    );
    let md = std::fs::read_to_string(f.path().join("drift.md")).unwrap();
    assert!(
        md.starts_with("## confdrift: drift on 2 of 4 hosts"),
        "{md}"
    );

    // The same from the environment, comma-separated; --output takes stdout's place.
    let out = run_env(
        f.path(),
        &["check", "--format", "github", "--output", "gh.txt"],
        &[("CONFDRIFT_REPORT", "prometheus:m.prom,text:drift.txt")],
    );
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    let text = std::fs::read_to_string(f.path().join("drift.txt")).unwrap();
    assert!(text.starts_with("confdrift: DRIFT"), "{text}");
    assert!(!text.contains('\x1b'));
    assert!(
        std::fs::read_to_string(f.path().join("m.prom"))
            .unwrap()
            .contains("# TYPE")
    );
    assert!(
        std::fs::read_to_string(f.path().join("gh.txt"))
            .unwrap()
            .starts_with("::")
    );

    for (bad, says) in [
        ("yaml:x.yml", "unknown format \"yaml\""),
        ("json", "expected FORMAT:PATH"),
        ("json:", "no PATH"),
    ] {
        let out = f.run(&["check", "--report", bad]);
        assert_eq!(out.code, 2, "{bad}");
        assert!(out.stderr.contains(says), "{bad}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("text, json, junit, markdown, prometheus, github"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn github_annotations_point_into_the_baseline_and_escape_what_they_must() {
    let f = fixture();
    let out = check(&f, "github").stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.iter().all(|l| l.starts_with("::warning ")
            || l.starts_with("::error ")
            || l.starts_with("::notice ")),
        "{out}"
    );
    let pool = lines
        .iter()
        .find(|l| l.contains("on app-2::app-2:/etc/app/app.yml:1 pool:"))
        .unwrap();
    assert!(
        pool.starts_with("::warning file=baselines/groups/app/etc/app/app.yml,line=1,title=confdrift%3A changed pool on app-2::"),
        "{pool}"
    );
    let url = lines.iter().find(|l| l.contains(" url: ")).unwrap();
    assert!(
        url.contains("b=50%25"),
        "% is escaped in the message: {url}"
    );
    let note = lines.iter().find(|l| l.contains(" note: ")).unwrap();
    assert!(note.contains("one%0Athree"), "newlines are escaped: {note}");
    let stray = lines.iter().find(|l| l.contains("stray.conf")).unwrap();
    assert!(
        stray.starts_with("::warning title="),
        "no repo file for an unexpected file: {stray}"
    );
    let unreachable = lines.iter().find(|l| l.contains("app-3")).unwrap();
    assert!(
        unreachable.starts_with("::error title=confdrift%3A could not check::app-3: "),
        "{unreachable}"
    );
}

#[test]
fn long_values_are_never_cut_in_a_pipe_or_a_file() {
    let f = fixture();
    let long = "x".repeat(300);
    f.live("app-1", "/etc/app/extra.conf", format!("a = {long}\n"));
    let out = run_env(
        f.path(),
        &["check", "--host", "app-1"],
        &[("COLUMNS", "40")],
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains(&long), "{}", out.stdout);
    assert!(!out.stdout.contains('…'));
}

#[test]
fn completions_and_man_pages_are_generated() {
    let f = fixture();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = f.run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for word in ["confdrift", "merge", "shard", "state"] {
            assert!(out.stdout.contains(word), "{shell} completes {word}");
        }
    }
    let bad = f.run(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
    let man = f.run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.contains(".TH confdrift 1"),
        "{}",
        &man.stdout[..200]
    );
    assert!(man.stdout.contains("completions"), "subcommands are listed");
    let check = f.run(&["man", "check"]);
    assert_eq!(check.code, 0);
    assert!(
        check.stdout.contains(".TH confdrift\\-check 1")
            || check.stdout.contains(".TH confdrift-check 1"),
        "{}",
        &check.stdout[..200]
    );
    for flag in ["state", "shard", "report", "fail\\-on"] {
        assert!(check.stdout.contains(flag), "man check documents --{flag}");
    }
    assert!(
        check.stdout.contains("CONFDRIFT_STATE"),
        "and its environment variable"
    );
    let none = f.run(&["man", "nosuch"]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr
            .contains("no command \"nosuch\"; the commands are: check"),
        "{}",
        none.stderr
    );
}
