//! The readers asked: Ruby's Psych and PyYAML, through `tests/yaml11/load.rb` and `load.py`,
//! and confdrift's YAML 1.1 reader.

use confdrift::normalize::{Document, Format, YamlVersion};
use confdrift::tree::Value;
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub(super) fn here(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A program that loads YAML, and the script that asks it.
pub(super) struct Reader {
    pub name: &'static str,
    pub argv: Vec<String>,
}

fn works(argv: &[&str]) -> bool {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub(super) fn psych() -> Reader {
    assert!(
        works(&["ruby", "-ryaml", "-rjson", "-rerb", "-e", "exit 0"]),
        "Ruby with Psych is needed to check YAML 1.1 against it: apt-get install ruby"
    );
    Reader {
        name: "Psych",
        argv: vec![
            "ruby".into(),
            here("tests/yaml11/load.rb").display().to_string(),
        ],
    }
}

pub(super) fn pyyaml() -> Reader {
    let python = ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|p| works(&[p, "-c", "import yaml"]))
        .expect("PyYAML is needed to check YAML 1.1 against it: apt-get install python3-yaml");
    Reader {
        name: "PyYAML",
        argv: vec![
            python.into(),
            here("tests/yaml11/load.py").display().to_string(),
        ],
    }
}

/// One answer of `load.rb` / `load.py` (see there).
#[derive(Debug, Deserialize)]
pub(super) struct Answer {
    pub canon: Option<String>,
    pub reading: Option<(String, serde_json::Value)>,
    pub raw: Option<String>,
    pub error: Option<String>,
}

/// What `reader` makes of each of `docs`, in one run.
pub(super) fn ask(reader: &Reader, docs: &[String]) -> Vec<Answer> {
    let mut child = Command::new(&reader.argv[0])
        .args(&reader.argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", reader.name));
    let input = serde_json::to_vec(docs).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        reader.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Answer> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answers.len(), docs.len());
    answers
}

/// How confdrift reads a Rails application's config/database.yml: YAML 1.1, by its path.
pub(super) fn yaml_1_1() -> Format {
    let format = Format::detect("/srv/blog/config/database.yml");
    assert_eq!(format.yaml_version(), Some(YamlVersion::V1_1));
    format
}

pub(super) fn read(text: &str) -> Option<Document> {
    yaml_1_1().parse(text.as_bytes()).ok()
}

pub(super) fn value_of_k(doc: &Document) -> Option<&Value> {
    doc.tree()?.get("k").map(|e| &e.value)
}

pub(super) fn same(yes: bool) -> &'static str {
    if yes { "same" } else { "different" }
}
