//! Real upstream config files (Debian 12 packages, see `fixtures/upstream/SOURCES.md`) read
//! through the library: each parses to a key tree with the expected keys and lines, compares
//! clean against itself, against a copy without comments and blank lines and against
//! equivalent rewrites, and real edits are found and named by key and line.

use confdrift::diff::diff;
use confdrift::normalize::{Document, Format};
use confdrift::report::Kind;
use confdrift::tree::{Tree, Value};

fn fixture(rel: &str) -> String {
    let path = format!("{}/fixtures/upstream/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(format: &str, text: &str) -> Document {
    let format = Format::from_name(format).expect("a format name");
    match format.parse(text.as_bytes()) {
        Ok(doc @ Document::Tree(_)) => doc,
        Ok(other) => panic!("expected a key tree, got {other:?}"),
        Err(e) => panic!("parse error {e} in:\n{text}"),
    }
}

fn tree(doc: &Document) -> &Tree {
    match doc {
        Document::Tree(t) => t,
        Document::Lines(_) => unreachable!("parse() only returns trees"),
    }
}

/// The value and line of `key`.
fn at<'d>(doc: &'d Document, key: &str) -> (&'d Value, u32) {
    let t = tree(doc);
    let e = t.get(key).unwrap_or_else(|| {
        panic!(
            "no key {key}; have {:?}",
            t.iter().map(|(k, _)| k).collect::<Vec<_>>()
        )
    });
    (&e.value, e.line)
}

/// Every change as (key, kind, baseline line, live line).
fn changes(a: &Document, b: &Document) -> Vec<(String, Kind, Option<u32>, Option<u32>)> {
    diff(a, b)
        .into_iter()
        .map(|c| {
            (
                c.key,
                c.kind,
                c.baseline.map(|e| e.line),
                c.live.map(|e| e.line),
            )
        })
        .collect()
}

fn assert_clean(format: &str, original: &str, rewritten: &str) {
    let a = parse(format, original);
    let b = parse(format, rewritten);
    assert_eq!(changes(&a, &b), vec![], "rewritten:\n{rewritten}");
    assert_eq!(changes(&b, &a), vec![]);
}

/// Drops blank lines and lines whose first non-blank character is one of `comment`.
/// With `continuations`, a line that continues the previous one (after an odd number of
/// trailing backslashes, as in `.properties`) is kept whatever it starts with.
fn strip(text: &str, comment: &[char], continuations: bool) -> String {
    let mut out = String::new();
    let mut continued = false;
    for line in text.lines() {
        let t = line.trim_start();
        let keep = continued || !(t.is_empty() || t.starts_with(comment));
        if keep {
            out.push_str(line);
            out.push('\n');
        }
        continued =
            continuations && keep && line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1;
    }
    out
}

/// Top-level YAML blocks (a line at column 0 and the indented lines under it), reversed.
fn reverse_yaml_blocks(stripped: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for line in stripped.lines() {
        if !line.starts_with([' ', '-']) || blocks.is_empty() {
            blocks.push(String::new());
        }
        let last = blocks.last_mut().unwrap();
        last.push_str(line);
        last.push('\n');
    }
    blocks.reverse();
    blocks.concat()
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

// ---------------------------------------------------------------------------------------
// YAML: prometheus.yml, cloud.cfg

#[test]
fn prometheus_yml_keys_and_lines() {
    let doc = parse("yaml", &fixture("prometheus/prometheus.yml"));
    assert_eq!(at(&doc, "global.scrape_interval"), (&Value::text("15s"), 4));
    assert_eq!(
        at(&doc, "global.external_labels.monitor"),
        (&Value::text("example"), 11)
    );
    assert_eq!(
        at(
            &doc,
            "alerting.alertmanagers[0].static_configs[0].targets[0]"
        ),
        (&Value::text("localhost:9093"), 17)
    );
    assert_eq!(at(&doc, "rule_files").0, &Value::Null);
    // Scrape jobs are known by their `job_name`, not their position.
    assert_eq!(
        at(&doc, "scrape_configs[job_name=prometheus].scrape_timeout"),
        (&Value::text("5s"), 32)
    );
    assert_eq!(
        at(
            &doc,
            "scrape_configs[job_name=node].static_configs[0].targets[0]"
        ),
        (&Value::text("localhost:9100"), 44)
    );
    assert_eq!(tree(&doc).len(), 11);
}

#[test]
fn prometheus_yml_equivalent_rewrites_are_clean() {
    let text = fixture("prometheus/prometheus.yml");
    assert_clean("yaml", &text, &text);
    let stripped = strip(&text, &['#'], false);
    assert_clean("yaml", &text, &stripped);
    assert_clean("yaml", &text, &reverse_yaml_blocks(&stripped));
    // Requoted strings and flow lists written as block lists.
    let requoted = replace_once(&text, "monitor: 'example'", "monitor: \"example\"");
    let requoted = replace_once(&requoted, "job_name: node", "job_name: 'node'");
    let requoted = replace_once(&requoted, "scrape_interval: 5s", "scrape_interval: \"5s\"");
    let requoted = replace_once(
        &requoted,
        "- targets: ['localhost:9100']",
        "- targets:\n          - localhost:9100",
    );
    assert_clean("yaml", &text, &requoted);
    // Scrape jobs in the other order.
    let jobs_at = stripped.find("  - job_name: 'prometheus'").unwrap();
    let node_at = stripped.find("  - job_name: node").unwrap();
    let swapped = format!(
        "{}{}{}",
        &stripped[..jobs_at],
        &stripped[node_at..],
        &stripped[jobs_at..node_at]
    );
    assert_clean("yaml", &text, &swapped);
}

#[test]
fn prometheus_yml_real_edits_are_named_by_key_and_line() {
    let text = fixture("prometheus/prometheus.yml");
    let base = parse("yaml", &text);

    let edited = parse(
        "yaml",
        &replace_once(
            &text,
            "scrape_interval:     15s",
            "scrape_interval:     30s",
        ),
    );
    assert_eq!(
        changes(&base, &edited),
        vec![(
            "global.scrape_interval".into(),
            Kind::Changed,
            Some(4),
            Some(4)
        )]
    );

    // A job inserted in front of the others: only its own keys are new.
    let inserted = replace_once(
        &text,
        "scrape_configs:\n",
        "scrape_configs:\n  - job_name: blackbox\n    metrics_path: /probe\n    static_configs:\n      - targets: ['localhost:9115']\n",
    );
    assert_eq!(
        changes(&base, &parse("yaml", &inserted)),
        vec![
            (
                "scrape_configs[job_name=blackbox].job_name".into(),
                Kind::Added,
                None,
                Some(27)
            ),
            (
                "scrape_configs[job_name=blackbox].metrics_path".into(),
                Kind::Added,
                None,
                Some(28)
            ),
            (
                "scrape_configs[job_name=blackbox].static_configs[0].targets[0]".into(),
                Kind::Added,
                None,
                Some(30)
            ),
        ]
    );

    // A commented-out rule file enabled: `rule_files` is no longer empty.
    let enabled = replace_once(
        &text,
        "  # - \"first_rules.yml\"",
        "  - \"first_rules.yml\"",
    );
    assert_eq!(
        changes(&base, &parse("yaml", &enabled)),
        vec![
            ("rule_files".into(), Kind::Removed, Some(20), None),
            ("rule_files[0]".into(), Kind::Added, None, Some(21)),
        ]
    );

    // A repeated top-level key: the last one wins, the whole mapping.
    let appended = format!("{text}alerting:\n  alertmanagers: []\n");
    let last = text.lines().count() as u32 + 2;
    assert_eq!(
        changes(&base, &parse("yaml", &appended)),
        vec![
            (
                "alerting.alertmanagers[0].static_configs[0].targets[0]".into(),
                Kind::Removed,
                Some(17),
                None
            ),
            (
                "alerting.alertmanagers".into(),
                Kind::Added,
                None,
                Some(last)
            ),
        ]
    );
}

#[test]
fn cloud_cfg_keys_lines_rewrites_and_edits() {
    let text = fixture("cloud-init/cloud.cfg");
    let doc = parse("yaml", &text);
    assert_eq!(at(&doc, "users[0]"), (&Value::text("default"), 7));
    assert_eq!(at(&doc, "disable_root"), (&Value::Bool(true), 12));
    assert_eq!(
        at(&doc, "cloud_init_modules[2]"),
        (&Value::text("bootcmd"), 38)
    );
    assert_eq!(
        at(&doc, "system_info.default_user.name"),
        (&Value::text("debian"), 101)
    );
    assert_eq!(
        at(&doc, "system_info.default_user.groups[9]"),
        (&Value::text("video"), 104)
    );
    assert_eq!(
        at(&doc, "system_info.default_user.sudo[0]"),
        (&Value::text("ALL=(ALL) NOPASSWD:ALL"), 105)
    );
    assert_eq!(
        at(&doc, "system_info.package_mirrors[0].failsafe.primary"),
        (&Value::text("https://deb.debian.org/debian"), 114)
    );

    assert_clean("yaml", &text, &text);
    let stripped = strip(&text, &['#'], false);
    assert_clean("yaml", &text, &stripped);
    assert_clean("yaml", &text, &reverse_yaml_blocks(&stripped));
    let requoted = replace_once(&text, "distro: debian", "distro: 'debian'");
    let requoted = replace_once(
        &requoted,
        "sudo: [\"ALL=(ALL) NOPASSWD:ALL\"]",
        "sudo: ['ALL=(ALL) NOPASSWD:ALL']",
    );
    assert_clean("yaml", &text, &requoted);

    let edited = replace_once(&text, "     shell: /bin/bash", "     shell: /bin/zsh");
    assert_eq!(
        changes(&doc, &parse("yaml", &edited)),
        vec![(
            "system_info.default_user.shell".into(),
            Kind::Changed,
            Some(106),
            Some(106)
        )]
    );
    // A repeated key appended at the end wins.
    let appended = format!("{text}disable_root: false\n");
    let last = text.lines().count() as u32 + 1;
    assert_eq!(
        changes(&doc, &parse("yaml", &appended)),
        vec![("disable_root".into(), Kind::Changed, Some(12), Some(last))]
    );
}
