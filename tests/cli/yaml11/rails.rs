//! Real Rails and Redmine config files with settings respelled or changed: confdrift's
//! verdict against Psych's and PyYAML's.

use super::readers::{Answer, Reader, ask, here, psych, pyyaml, read, same};
use confdrift::diff::diff;
use std::io::Write;
use std::process::{Command, Stdio};

/// Rails' own config/*.yml as `rails new blog` writes them (Ruby's ERB over the templates of
/// `ruby-railties`), and Redmine's as Debian's `redmine` package installs them.
fn rails_files() -> Vec<(String, String)> {
    let dir = here("fixtures/upstream/ruby-railties");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let templates: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(dir.join(n)).unwrap())
        .collect();
    let render = Reader {
        name: "ERB",
        argv: vec![
            "ruby".into(),
            "-rerb".into(),
            "-rjson".into(),
            "-e".into(),
            "app_name = 'blog'; mysql_socket = nil; puts JSON.generate(JSON.parse(STDIN.read)\
             .map { |t| ERB.new(t, trim_mode: '-').result(binding) })"
                .into(),
        ],
    };
    psych();
    let rendered = render_with(&render, &templates);
    let mut files: Vec<(String, String)> = names
        .into_iter()
        .map(|n| format!("ruby-railties/{}", n.trim_end_matches(".tt")))
        .zip(rendered)
        .collect();
    let redmine = here("fixtures/upstream/redmine");
    for name in [
        "database-mysql.yml.template",
        "database-pgsql.yml.template",
        "database-sqlite3.yml.template",
        "configuration.yml.example",
        "settings.yml",
    ] {
        let text = std::fs::read_to_string(redmine.join(name)).unwrap();
        let text = [
            ("_DBC_DBNAME_", "redmine_default"),
            ("_DBC_DBSERVER_", "localhost"),
            ("_DBC_DBPORT_", ""),
            ("_DBC_DBUSER_", "redmine/instances/default"),
            ("_DBC_DBPASS_", "Zq8dRb1xKw"),
            ("_DBC_DBTYPE_", "sqlite3"),
            (
                "_DBC_BASEPATH_",
                "/var/lib/dbconfig-common/sqlite3/redmine/instances/default",
            ),
        ]
        .iter()
        .fold(text, |t, (from, to)| t.replace(from, to));
        files.push((format!("redmine/{name}"), text));
    }
    files
}

fn render_with(reader: &Reader, templates: &[String]) -> Vec<String> {
    let mut child = Command::new(&reader.argv[0])
        .args(&reader.argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(templates).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "ERB failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What the programs make of a pair of settings.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Same,
    Different,
    /// Psych and PyYAML read one side differently.
    ReadersDiffer,
    /// The programs see a string and a number; confdrift, deliberately, the same value.
    QuotingOnly,
}

/// Settings a Rails database.yml holds (or could), as baseline and live lines; none of them
/// is in the files already.
#[rustfmt::skip]
const EDITS: &[(&str, &str, Expect)] = &[
    ("prepared_statements: false", "prepared_statements: no", Expect::Same),
    ("prepared_statements: false", "prepared_statements: off", Expect::Same),
    ("prepared_statements: false", "prepared_statements: No", Expect::Same),
    ("prepared_statements: false", "prepared_statements: 'no'", Expect::Different),
    ("prepared_statements: no", "prepared_statements: yes", Expect::Different),
    ("advisory_locks: true", "advisory_locks: yes", Expect::Same),
    ("advisory_locks: true", "advisory_locks: On", Expect::Same),
    ("advisory_locks: true", "advisory_locks: TRUE", Expect::Same),
    ("advisory_locks: true", "advisory_locks: y", Expect::Different),
    ("advisory_locks: true", "advisory_locks: yEs", Expect::ReadersDiffer),
    ("pool: 10", "pool: 010", Expect::Different),
    ("pool: 8", "pool: 010", Expect::Same),
    ("pool: 5", "pool: 50", Expect::Different),
    ("pool: 5", "pool: 0x5", Expect::Same),
    ("checkout_timeout: 5000", "checkout_timeout: 5_000", Expect::Same),
    ("checkout_timeout: 5000", "checkout_timeout: 5000 # ms", Expect::Same),
    ("idle_timeout: 300", "idle_timeout: 300.0", Expect::Same),
    ("idle_timeout: 300", "idle_timeout: 5:00", Expect::ReadersDiffer),
    ("idle_timeout: 3600", "idle_timeout: 1:00:00", Expect::Same),
    ("statement_limit: 1000", "statement_limit: 1e3", Expect::QuotingOnly),
    ("statement_limit: 1000", "statement_limit: 1.0e+3", Expect::Same),
    ("socket_mode: 432", "socket_mode: 0660", Expect::Same),
    ("socket_mode: 660", "socket_mode: 0660", Expect::Different),
    ("connect_timeout: 5", "connect_timeout: '5'", Expect::QuotingOnly),
    ("sslmode: disable", "sslmode: require", Expect::Different),
    ("sslcert: client.crt", "sslcert: 'client.crt'", Expect::Same),
    ("sslpassword: ~", "sslpassword:", Expect::Same),
    ("sslpassword: null", "sslpassword: 'null'", Expect::Different),
    ("min_messages: warning", "min_messages: WARNING", Expect::Different),
    ("schema_search_path: \"myapp,public\"", "schema_search_path: myapp,public", Expect::Same),
    ("variables: {statement_timeout: 5000}", "variables:\n    statement_timeout: 5000", Expect::Same),
    ("expires: 2030-01-31", "expires: '2030-01-31'", Expect::Different),
    ("expires: 2030-01-31", "expires: 2030-01-31", Expect::Same),
    ("url: <%= ENV['DATABASE_URL'] %>", "url: \"<%= ENV['DATABASE_URL'] %>\"", Expect::Same),
    ("schema_format: sql", "schema_format: :sql", Expect::Different),
    ("schema_format: ':sql'", "schema_format: :sql", Expect::ReadersDiffer),
];

/// `text` with `setting` (one line, or lines) under its `production:` (added when missing),
/// after the `<<: *default` there as Rails writes it: Psych lets a merge override the keys
/// written before it (the YAML spec, PyYAML and confdrift keep them), a difference this test
/// leaves alone (see README, YAML 1.1).
fn with_setting(text: &str, setting: &str) -> String {
    let indented = format!("  {setting}");
    let mut lines: Vec<&str> = text.lines().collect();
    match lines.iter().position(|l| *l == "production:") {
        Some(mut at) => {
            if lines
                .get(at + 1)
                .is_some_and(|l| l.trim_start().starts_with("<<:"))
            {
                at += 1;
            }
            lines.insert(at + 1, &indented);
            lines.join("\n") + "\n"
        }
        None => format!("{text}\nproduction:\n{indented}\n"),
    }
}

/// Real Rails and Redmine config files, each with settings changed or respelled: confdrift's
/// verdict (same or different) is the programs', pair by pair.
#[test]
fn rails_config_file_pairs_get_the_verdict_psych_and_pyyaml_give() {
    let (rb, py) = (psych(), pyyaml());
    let files = rails_files();
    assert!(files.len() >= 16, "{}", files.len());
    let mut docs = Vec::new();
    let mut pairs = Vec::new();
    for (name, text) in &files {
        assert!(read(text).is_some(), "{name} does not parse:\n{text}");
        for (edit, &(a, b, expect)) in EDITS.iter().enumerate() {
            docs.push(with_setting(text, a));
            docs.push(with_setting(text, b));
            pairs.push((name.as_str(), edit, expect, docs.len() - 2));
        }
    }
    let (by_rb, by_py) = (ask(&rb, &docs), ask(&py, &docs));
    let mut wrong = Vec::new();
    let (mut agree_rb, mut agree_py) = (0, 0);
    for &(name, edit, expect, i) in &pairs {
        let canon = |answers: &[Answer], k: usize| {
            answers[k]
                .canon
                .clone()
                .unwrap_or_else(|| panic!("{name}: {:?}\n{}", answers[k].error, docs[k]))
        };
        let (same_rb, same_py) = (
            canon(&by_rb, i) == canon(&by_rb, i + 1),
            canon(&by_py, i) == canon(&by_py, i + 1),
        );
        let ours = match (read(&docs[i]), read(&docs[i + 1])) {
            (Some(a), Some(b)) => diff(&a, &b).is_empty(),
            _ => panic!("{name}: does not parse with {:?}", EDITS[edit]),
        };
        agree_rb += usize::from(ours == same_rb);
        agree_py += usize::from(ours == same_py);
        let programs = match (same_rb, same_py) {
            (true, true) => Expect::Same,
            (false, false) if expect == Expect::QuotingOnly => Expect::QuotingOnly,
            (false, false) => Expect::Different,
            _ => Expect::ReadersDiffer,
        };
        let wanted = matches!(expect, Expect::Same | Expect::QuotingOnly);
        if programs != expect || ours != wanted {
            wrong.push(format!(
                "{name} {:?}: Psych {}, PyYAML {}, confdrift {}",
                EDITS[edit],
                same(same_rb),
                same(same_py),
                same(ours)
            ));
        }
    }
    let quoting = pairs.iter().filter(|p| p.2 == Expect::QuotingOnly).count();
    eprintln!(
        "Rails config pairs: {} ({} files x {} edits): confdrift agrees with Psych on {agree_rb}, \
         with PyYAML on {agree_py}; {quoting} of the disagreements are quoting only (deliberate); \
         {} wrong",
        pairs.len(),
        files.len(),
        EDITS.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
