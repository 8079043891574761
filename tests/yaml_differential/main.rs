//! Differential tests: confdrift's YAML reader (`confdrift::normalize::yaml::parse`, and its
//! general reader alone, `parse_with_nodes`) against the previous `serde-saphyr` reader
//! (`reference.rs` beside this file, test-only) on every YAML file of the
//! repository, the unit-test inputs, hand-written hostile cases and random YAML (token soups,
//! line soups, generated trees with anchors, aliases, merges and tags). All must give the same
//! leaves (path, value, line, in order) or the same error (line, column, message), except
//! where a test says the difference is deliberate (`a_big_file_without_aliases_is_read_only_now`).
//!
//!
//! - `CONFDRIFT_YAML_DIFF_DIR=/some/dir cargo test --test yaml_differential` also compares
//!   every `.yml`/`.yaml` file found under that directory;
//! - `CONFDRIFT_YAML_DIFF_CASES=N` runs N random cases per generator instead of 300.

mod reference;

use confdrift::normalize::yaml;
use confdrift::tree::{ParseError, Tree, Value};
use proptest::prelude::*;
use std::path::Path;

type Leaves = Vec<(String, Value, u32)>;

fn leaves(tree: &Tree) -> Leaves {
    tree.iter()
        .map(|(k, e)| (k.to_string(), e.value.clone(), e.line))
        .collect()
}

/// The difference between the readers on `text`, if any: the event reader (its fast path,
/// or the general reader where that gives up), the general reader alone, the previous one.
fn difference(text: &str) -> Option<String> {
    let old = reference::parse(text).map(|t| leaves(&t));
    let new = yaml::parse(text).map(|t| leaves(&t));
    let general = yaml::parse_with_nodes(text).map(|t| leaves(&t));
    if let Err(e) = &old
        && e.message.contains("buffered comments")
    {
        // The previous reader refused a file for its comments; comments are not read now
        // (see `live::parser_options`), so the event reader must read it.
        return match (&new, &general) {
            (Ok(a), Ok(b)) if a == b => None,
            _ => Some(format!("new: {new:?}\ngeneral: {general:?}\nold: {old:?}")),
        };
    }
    if !same(&new, &old) {
        Some(format!("new: {new:?}\nold: {old:?}"))
    } else if !same(&general, &old) {
        Some(format!("general reader: {general:?}\nold: {old:?}"))
    } else {
        None
    }
}

fn same(new: &Result<Leaves, ParseError>, old: &Result<Leaves, ParseError>) -> bool {
    match (new, old) {
        (Ok(a), Ok(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_leaf(x, y)),
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// Equal, with NaN equal to itself (neither reader should produce one).
fn same_leaf(a: &(String, Value, u32), b: &(String, Value, u32)) -> bool {
    let values = match (&a.1, &b.1) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (x, y) => x == y,
    };
    a.0 == b.0 && a.2 == b.2 && values
}

fn assert_same(text: &str) {
    if let Some(diff) = difference(text) {
        panic!("the readers differ on {text:?}\n{diff}");
    }
}

fn yaml_files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != "target" && e.file_name() != ".git")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("yml") || x.eq_ignore_ascii_case("yaml"))
        })
        .collect()
}

fn compare_files(files: &[std::path::PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if let Some(diff) = difference(&text) {
            failures.push(format!("{}:\n{diff}", path.display()));
        }
    }
    failures
}

#[test]
fn every_yaml_file_of_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = yaml_files_under(root);
    assert!(files.len() >= 17, "{files:?}");
    let failures = compare_files(&files);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_yaml_file_under_confdrift_yaml_diff_dir() {
    let Some(dir) = std::env::var_os("CONFDRIFT_YAML_DIFF_DIR") else {
        return;
    };
    let files = yaml_files_under(Path::new(&dir));
    let failures = compare_files(&files);
    eprintln!("{} files compared, {} differ", files.len(), failures.len());
    let shown: Vec<_> = failures.iter().take(20).cloned().collect();
    assert!(failures.is_empty(), "{}", shown.join("\n\n"));
}

/// Inputs of the unit tests in `src/normalize/yaml.rs` and `src/normalize/nodes.rs`.
const UNIT_TEST_INPUTS: &[&str] = &[
    "base: &b\n  x: 1\nlimit: &n 10\ncopy: *b\nother:\n  max: *n\n",
    "n: ~\nn2: null\nn3:\ni: -42\nf: 0.5\ne: 1e3\nb: true\non: off\nq: '5432'\n\
     big: 99999999999999999999999\nu: 18446744073709551615\ninf: .inf\n\
     hex: 0x1F\n1: one\ntrue: t\nempty_map: {}\nempty_list: []\n",
    "plugins:\n  \"io.containerd.grpc.v1.cri\":\n    sandbox: pause:3.9\n",
    "# comment\nserver:\n  host: example.com\n  ports:\n    - 80\n    - 443\n  tls: true\n",
    "server: {tls: true, ports: [80, 443], \"host\": 'example.com'}  # inline\n",
    "server:\n  tls: true   # on\n\n  'ports': [80,\n    443]\n  host: \"example.com\"\n",
    "a:\n  x: 1\nb: 2\na:\n  y: 3\n",
    "---\nkind: Service\nmetadata:\n  name: web\n---\n---\nkind: Deployment\nspec:\n  replicas: 3\n...\n",
    "---\nkind: Service\n---\n",
    "",
    "# only a comment\n\n",
    "---\n...\n",
    "\nhello\n",
    "- a\n- b\n",
    "a: [1, 2\n",
    "name: app\nlist: [1, 2\nother: 3\n",
    "a: 1\n b: 2\n",
    "a:\n  - 1\n  b: 2\n",
    "x: 1\ny: *missing\n",
    "? [a, b]\n: 1\n",
    "servers:\n  - name: web\n    port: 80\n  - name: db 1\n    port: 5432\n",
    "l:\n- {id: 1, name: a, v: x}\n- {id: '2', v: y}\n",
    "l:\n- key: 'a.b'\n- key: 'x=]'\n- key: 'q\"\\'\n- key: ''\n",
    "l:\n- {name: a, v: 1}\n- {name: a, v: 2}\n",
    "l:\n- {name: a, v: 1}\n- {v: 2}\n",
    "l:\n- {name: [a], v: 1}\n",
    "l:\n- {name: ~, v: 1}\n",
    "l:\n- {name: a}\n- b\n",
    "l:\n- {name: a, id: 1}\n- {name: a, id: 2}\n",
];

#[test]
fn unit_test_inputs() {
    for text in UNIT_TEST_INPUTS {
        assert_same(text);
    }
}

/// Hand-written cases: anchors, merges, tags, scalars, styles, documents, keys, errors.
const NASTY: &[&str] = &[
    // Anchors and aliases to scalars, maps and lists.
    "a: &s hello\nb: *s\n",
    "a: &m {x: 1, y: [1, 2]}\nb: *m\nc:\n  d: *m\n",
    "a: &l [1, {k: v}, [x]]\nb: *l\nc: [*l, *l]\n",
    "- &a 1\n- *a\n- [*a, *a]\n- {k: *a}\n",
    "a: &x\n  b: &y\n    c: 1\n  d: *y\nz: *x\n",
    "a: &a 1\na2: &a 2\nb: *a\n",
    "? &k key\n: 1\n*k : 2\n",
    "a: &e\nb: *e\n",
    "a: &e []\nb: *e\nc: &f {}\nd: *f\n",
    // Merges: one, a list, nested, overridden, inline, odd values.
    "base: &b\n  x: 1\n  y: 2\nd:\n  <<: *b\n  y: 3\n",
    "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n",
    "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*b, *a]\n  w: 0\n",
    "a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nc:\n  <<: *b\n  z: 3\n",
    "a: &a {x: 1}\nc:\n  y: 2\n  <<: *a\n  x: 3\n",
    "c:\n  <<:\n    x: 1\n    y: 2\n  z: 3\n",
    "c:\n  <<: {x: 1, y: 2}\n  <<: {y: 3, w: 4}\n",
    "c:\n  <<: [{x: 1}, {x: 2, y: 2}]\n",
    "c:\n  <<: ~\n  x: 1\n",
    "c:\n  <<: 5\n",
    "c:\n  <<: [1]\n",
    "c:\n  <<: [[{x: 1}]]\n",
    "c:\n  <<: []\n",
    "c:\n  '<<': {x: 1}\n",
    "c:\n  !!merge <<: {x: 1}\n",
    "c:\n  \"<<\": 1\n",
    "a: &a {x: 1, <<: {y: 2}}\nb: {<<: *a, z: 3}\n",
    "a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n",
    "a: &a {x: {deep: 1}}\nb:\n  <<: *a\n  x: {other: 2}\n",
    "a: &a {1: one, x: 1}\nb:\n  <<: *a\n  '1': quoted\n",
    "a: &a {x: 1}\nb:\n  2: two\n  <<: *a\n  y: 2\n  y: 3\n",
    "- &a {name: web, port: 80}\n- <<: *a\n  name: db\n",
    // Repeated keys, integer keys and their spellings.
    "a: 1\nb: 2\na: 3\n",
    "1: a\nb: 2\nc: 3\nb: 4\n",
    "1: a\n\"1\": b\n0x1: c\n",
    "b: 1\n1: x\nc: 2\nb: 3\n",
    "1: x\n1: y\n",
    "0o17: a\n015: b\n-3: c\n+4: d\n1_000: e\n",
    "1.5: a\n1e3: b\n.inf: c\ntrue: d\nTrue: e\n~: f\nnull: g\n'': h\n",
    "18446744073709551615: a\n18446744073709551616: b\n-9223372036854775809: c\n",
    "!!str 1: a\n!!int 2: b\n",
    ": empty key\n",
    "? |\n  block key\n: v\n",
    "{}: x\n",
    "[]: x\n",
    "? {a: 1}\n: x\n",
    "1: a\n? [x]\n: b\n",
    "\"a.b\": 1\n\"a\": {b: 2}\n",
    "'[0]': 1\nk: {'x y': 2, 'q\"': 3, 'b\\\\': 4}\n",
    // Scalars: types, tags, overflows.
    "a: 007\nb: -007\nc: 0x\nd: 0o8\ne: 0b101\nf: +12\ng: -0x10\nh: 1_000\ni: _1\n",
    "a: 1e999\nb: -1e999\nc: .NaN\nd: -.Inf\ne: +.inf\nf: inf\ng: nan\nh: 1.\ni: .5\n",
    "a: TRUE\nb: False\nc: yes\nd: No\ne: on\nf: y\n",
    "a: 9223372036854775807\nb: 9223372036854775808\nc: -9223372036854775808\n",
    "a: 0xFFFFFFFFFFFFFFFF\nb: 0x1FFFFFFFFFFFFFFFFF\nc: 99999999999999999999\n",
    "a: !!str 5\nb: !!str ~\nc: !!str\nd: ! 5\ne: !!int '7'\nf: !!float 1\n",
    "a: !!null x\nb: !!bool true\nc: !!float .nan\n",
    "a: !!bool yes\n",
    "a: !!int abc\n",
    "a: !!int -abc\n",
    "a: !!float abc\n",
    "a: !!binary aGVsbG8=\nb: !!binary |\n  aGVs\n  bG8=\n",
    "a: !!binary '!!!'\n",
    "a: !!binary /w==\n",
    "a: !!timestamp 2001-12-14\n",
    "a: !custom 5\nb: !custom ~\nc: !custom [1]\nd: !custom {x: 1}\n",
    "a: !!map {x: 1}\nb: !!seq [1]\n",
    "a: !!map 5\n",
    "a: !!str [1]\n",
    "a: !!seq {x: 1}\n",
    "a: !include other.yml\n",
    "a: !include {x: 1}\n",
    "a: !<tag:yaml.org,2002:str> 5\nb: !<tag:yaml.org,2002:int> 6\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!thing 5\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: !!merge 5\n",
    "a: !!value 5\n",
    // Styles: block scalars, folding, chomping, quotes, flow, unicode.
    "a: |\n  line1\n  line2\n\nb: >\n  folded\n  text\n\nc: |-\n  strip\nd: |+\n  keep\n\ne: >-\n  x\n",
    "a: |2\n   indented\nb: >+\n  more\n\n\n",
    "a: 'it''s'\nb: \"esc\\n\\t\\u00e9\"\nc: \"multi\n  line\"\nd: plain\n  continued\n",
    "a: [1, [2, [3]], {b: [4]}]\nc: {d: {e: {f: 1}}}\n",
    "a: {b, c: }\nd: [e: f, g]\n",
    "ключ: значение\n日本: 語\nemoji: \"\u{1F600}\"\n",
    "\u{FEFF}a: 1\n",
    "a: 1 # c\n# c2\nb: 2\n",
    "a:\n  - b\n  -\n  - - c\n    - d\n",
    "a:\t1\n",
    "a: \"\"\nb: ''\nc:\n",
    // Documents.
    "--- 1\n--- 2\n",
    "---\n--- ~\n--- null\n---\na: 1\n",
    "--- |\n  text\n",
    "---\n",
    "...\n",
    "--- \"\"\n",
    "--- !!null x\n---\na: 1\n---\nb: 2\n",
    "--- !!str ~\n",
    "a: 1\n---\na: 2\n...\n---\n- x\n",
    "a: 1\n...\ngarbage: [\n",
    "--- &a {x: 1}\n--- *a\n",
    "a: &x 1\n---\nb: *x\n",
    // Errors: syntax, anchors, recursion, keys.
    "a: [1, 2\n",
    "a: {b: 1\n",
    "a: 'unterminated\n",
    "a: \"bad \\q escape\"\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a:\n- b\n c\n",
    "&a a: &a\n",
    "a: &r [*r]\n",
    "a: &r {b: *r}\n",
    "a: &r\n  b: *r\n",
    "a: &r {<<: *r}\n",
    "*r : 1\n",
    "a: *\n",
    "a: &\n",
    "\tx: 1\n",
    "a: @x\n",
    "a: `x\n",
    "%FOO bar\n---\na: 1\n",
    "? a\n? b\n",
    "[a, b]: c\n",
    "a: 1\n\u{0}b: 2\n",
    "a: b\n- c\n",
    // Errors met (or never met) only when a captured node is read.
    "c:\n  <<: {x: !!int abc}\n  x: 1\n",
    "c:\n  <<: {x: !!int abc}\n  y: !!int def\n",
    "c:\n  <<: [{x: 1}, {y: !!bool q}]\n  z: 2\n",
    "b: &b {x: 1}\nc:\n  <<: [*b, {y: !!int q}]\n",
    "1: a\nb: !!int x\nb: 2\n",
    "1: a\nb: !!int x\nc: !!int y\n",
    "1: a\n? [x]\n: b\n? [x]\n: c\n",
    "1: a\nb: &r [*r]\n",
    "1: a\nb: &r [*r]\nb: 2\n",
    "1: x\nk: &a {y: !!int q}\nz: *a\n",
    "k: &a {1: x, y: !!int q}\nz: *a\n",
    "c:\n  <<: {? [x] : 1}\n",
    "c:\n  <<: {x: 1}\n  <<: 5\n",
    "c:\n  <<: {x: &r [*r]}\n  x: 1\n",
    "c:\n  <<: {x: &r [*r]}\n",
    "a: &a {x: 1}\nc:\n  <<: [*a, *a]\n  1: one\n  <<: {y: 2}\n  y: 3\n",
    "c:\n  1: one\n  <<: {1: merged, 2: two}\n  0x2: hex\n",
    "c:\n  '1': one\n  <<: {1: merged}\n",
    "c:\n  1: one\n  <<: {'1': merged}\n",
    "a: &a {x: 1}\nc:\n  1: one\n  <<: *a\n  x: 2\n",
    "- &a {x: 1}\n- {1: y, <<: *a}\n- [*a, {<<: *a}]\n",
    "a: &k {x: 1}\n? *k\n: v\n",
    "a: &k [1]\nb:\n  1: x\n  ? *k\n  : v\n",
    "a:\n  <<: &m {x: 1}\nb: *m\n",
    "a: &s <<\nb:\n  *s : {x: 1}\n",
    "a: &t !!merge <<\nb: {*t : {x: 1}}\n",
    "a: &a 5\nb:\n  <<: *a\n",
    "a: &a [1, {x: 2}]\nb:\n  <<: *a\n",
    "a: &a [{x: 1}, [{y: 2}], ~]\nb:\n  <<: *a\n",
    "c: {<<: [], <<: ~, x: 1}\n",
];

#[test]
fn hand_written_cases() {
    let failures: Vec<String> = NASTY
        .iter()
        .filter_map(|text| difference(text).map(|d| format!("{text:?}\n{d}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `depth` nested block mappings.
fn nested_block(depth: usize) -> String {
    (0..depth)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect()
}

#[test]
fn nesting_at_and_past_the_limit() {
    for depth in [62, 63, 64, 65, 66, 200] {
        assert_same(&nested_block(depth));
        assert_same(&format!("{}1{}", "[".repeat(depth), "]".repeat(depth)));
        assert_same(&format!("{}{}", "{a: ".repeat(depth), "}".repeat(depth)));
        assert_same(&format!("{}x", "- ".repeat(depth)));
    }
    assert_same(&format!("{}1{}", "[".repeat(300), "]".repeat(300)));
    // Nesting reached through aliases and merges.
    let deep = format!(
        "a: &a {}1{}\nb: [[[[*a]]]]\nc: {{<<: {{x: *a}}}}\n",
        "[".repeat(60),
        "]".repeat(60)
    );
    assert_same(&deep);
    // Every level read through a merge, and through a mapping captured for its integer key:
    // the deepest recursion the reader has, on this test's own (2 MiB) thread.
    for depth in [30, 31, 32, 33] {
        let merged = format!("{}x{}", "{<<: {b: ".repeat(depth), "}}".repeat(depth));
        assert_same(&merged);
        assert_eq!(yaml::parse(&merged).is_ok(), depth <= 32, "{merged}");
    }
    for depth in [63, 64, 65] {
        let keyed = format!("{}x{}", "{1: one, b: ".repeat(depth), "}".repeat(depth));
        assert_same(&keyed);
        assert_eq!(yaml::parse(&keyed).is_ok(), depth <= 64, "{keyed}");
    }
}

#[test]
fn alias_bombs_and_budgets() {
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 9].join(", ")
        ));
    }
    assert_same(&bomb);
    // Merge bomb.
    let mut merges = String::from("m0: &m0 {a: 1, b: 2, c: 3, d: 4}\n");
    for i in 1..8 {
        merges.push_str(&format!(
            "m{i}: &m{i}\n  <<: [{}]\n  x{i}: [*m{p}, *m{p}, *m{p}]\n",
            vec![format!("*m{}", i - 1); 4].join(", "),
            p = i - 1
        ));
    }
    assert_same(&merges);
    // Many aliases of few anchors (the alias/anchor ratio), just under and over.
    for n in [99, 100, 101, 150] {
        let mut t = String::from("base: &b {x: 1}\n");
        for i in 0..n {
            t.push_str(&format!("k{i}: *b\n"));
        }
        assert_same(&t);
        let mut t = String::from("base: &b {x: 1}\n");
        for i in 0..n {
            t.push_str(&format!("k{i}:\n  <<: *b\n  y: {i}\n"));
        }
        assert_same(&t);
    }
    // Many documents.
    assert_same(&"--- 1\n".repeat(1030));
    assert_same(&"---\n".repeat(1030));
    // Anchors nested deeply, each re-recording what the inner ones hold.
    let mut t = String::new();
    for i in 0..60 {
        t.push_str(&format!("{}k{i}: &a{i}\n", " ".repeat(i)));
    }
    t.push_str(&format!(
        "{}leaf: [{}]\n",
        " ".repeat(60),
        "x, ".repeat(2000)
    ));
    t.push_str("copy: *a0\n");
    assert_same(&t);
}

/// Every other limit of the budget, just under and over (large inputs: about 15 s in a debug
/// build, most of it the previous reader).
#[test]
fn budgets_at_their_limits() {
    // Values (one more is read by the event reader only: see the test below).
    let t: String = (0..249_999).map(|_| "- 1\n").collect();
    assert_same(&t);
    // Copies kept for nested anchors, and their bytes.
    let mut nested = String::new();
    for i in 0..60 {
        nested.push_str(&format!("{}k{i}: &a{i}\n", " ".repeat(i)));
    }
    let leaf = format!("{}leaf: [{}]\n", " ".repeat(60), "x, ".repeat(20_000));
    assert_same(&(nested.clone() + &leaf));
    let leaf = format!("{}leaf: \"{}\\t\"\n", " ".repeat(60), "y".repeat(1_200_000));
    assert_same(&(nested + &leaf));
    // Aliases, anchors, merge keys, scalar bytes.
    for n in [50_000, 50_001] {
        let t: String = std::iter::once("- &a x\n".to_string())
            .chain((0..n).map(|_| "- *a\n".to_string()))
            .collect();
        assert_same(&t);
        let t: String = (0..n).map(|i| format!("- &a{i} x\n")).collect();
        assert_same(&t);
    }
    for n in [10_000, 10_001] {
        let t: String = std::iter::once("b: &b {x: 1}\n".to_string())
            .chain((0..n).map(|i| format!("k{i}: {{<<: *b}}\n")))
            .collect();
        assert_same(&t);
        let t: String = (0..n).map(|i| format!("k{i}: {{<<: {{}}}}\n")).collect();
        assert_same(&t);
    }
    for n in [63, 65] {
        let t = format!(
            "a: &a {}\nb: [{}]\n",
            "z".repeat(1 << 20),
            vec!["*a"; n].join(", ")
        );
        assert_same(&t);
    }
    // A million events, most of them comments: the previous reader counted comments as
    // events and refused the second; comments are not read now.
    assert_same(&format!("a: 1\n{}", "#\n".repeat(999_990)));
    let t = yaml::parse(&format!("a: 1\n{}", "#\n".repeat(1_000_000))).unwrap();
    assert_eq!(leaves(&t), vec![("a".to_string(), Value::Int(1), 1)]);
}

/// A deliberate difference (see `budget.rs`): the previous reader counted a file's own values
/// with those aliases copy, so it refused a file of more than 250,000 values without a single
/// alias as "a possible alias bomb", and a file whose own and copied values together passed
/// that. The event reader counts only what aliases copy: it reads both, and refuses, as the
/// previous reader did, more than 250,000 values copied through aliases.
#[test]
fn a_big_file_without_aliases_is_read_only_now() {
    let honest: String = (0..250_000).map(|_| "- 1\n").collect();
    let old = reference::parse(&honest).unwrap_err();
    assert!(old.message.contains("possible alias bomb"), "{old:?}");
    let new = leaves(&yaml::parse(&honest).unwrap());
    assert_eq!(new.len(), 250_000);
    assert_eq!(
        new[249_999],
        ("[249999]".to_string(), Value::Int(1), 250_000)
    );
    assert_eq!(leaves(&yaml::parse_with_nodes(&honest).unwrap()), new);

    // 1,003 values of its own and 249 x 1,001 copied: 250,252 in all, 249,249 copied.
    let copies = |n: usize| {
        format!(
            "a: &a [{}]\nb: [{}]\n",
            vec!["x"; 1000].join(", "),
            vec!["*a"; n].join(", ")
        )
    };
    assert!(reference::parse(&copies(249)).is_err());
    let t = yaml::parse(&copies(249)).unwrap();
    assert_eq!(t.len(), 1000 + 249 * 1000);
    // 250 x 1,001 copied: both refuse.
    for e in [
        reference::parse(&copies(250)).unwrap_err(),
        yaml::parse(&copies(250)).unwrap_err(),
        yaml::parse_with_nodes(&copies(250)).unwrap_err(),
    ] {
        assert!(e.message.contains("possible alias bomb"), "{e:?}");
        assert_eq!(e.line, 2, "{e:?}");
    }
}

#[test]
fn many_comments() {
    let t: String = (0..5000)
        .map(|i| format!("# comment {i}\nk{i}: 1\n"))
        .collect();
    assert_same(&t);
    // Comments the parser has to buffer while it looks for a key.
    let t = format!("a:\n{}  b: 1\n", "  # c\n".repeat(40));
    assert_same(&t);
    let t = format!("- {}\n  x\n", "# c\n ".repeat(40));
    assert_same(&t);
}

/// Pieces of YAML to glue together at random.
const TOKENS: &[&str] = &[
    "a",
    "b",
    "k",
    "name",
    "id",
    "x y",
    ":",
    ": ",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ",",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "? ",
    "!!str ",
    "!!int ",
    "!!null ",
    "!!float ",
    "!!bool ",
    "!!binary ",
    "!!map ",
    "!!seq ",
    "!x ",
    "! ",
    "'",
    "\"",
    "'q'",
    "\"d\\n\"",
    "|\n  ",
    ">-\n  ",
    "# c",
    "---\n",
    "...\n",
    "~",
    "null",
    "true",
    "True",
    "yes",
    "1",
    "-2",
    "0x1F",
    "0o7",
    "007",
    "1.5",
    "1e999",
    ".inf",
    ".NaN",
    "18446744073709551616",
    "\t",
    "é",
    "\u{FEFF}",
    "%YAML 1.2\n",
    "@",
    "`",
    "\\",
    "=",
    ".",
    "1: ",
    "'1': ",
    "<<",
];

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..40).prop_map(|t| t.concat())
}

/// Lines that look like YAML: indentation, then a key, a list item or a value.
fn line_soup() -> impl Strategy<Value = String> {
    let line = (
        0usize..4,
        proptest::sample::select(
            &[
                "k: v",
                "k:",
                "k: &a v",
                "k: *a",
                "k: &a",
                "<<: *a",
                "<<: [*a, *b]",
                "- x",
                "-",
                "- &b {y: 1}",
                "- *b",
                "k: [1, *a]",
                "k: {x: 1, <<: *b}",
                "1: i",
                "k: 2",
                "name: n",
                "id: 3",
                "k: |",
                "  text",
                "? k",
                ": v",
                "---",
                "k: !!str 1",
                "k: ~",
                "- name: a",
                "- name: b",
                "k: &b {x: 1}",
                "<<: *b",
                "k: *b",
            ][..],
        ),
    )
        .prop_map(|(indent, body)| format!("{}{body}\n", "  ".repeat(indent)));
    proptest::collection::vec(line, 0..16).prop_map(|l| l.concat())
}

/// A YAML document as a tree, to be rendered with anchors, aliases, merges and tags.
#[derive(Clone, Debug)]
enum Gen {
    Scalar(&'static str),
    /// An alias to one of the anchors defined so far (a scalar when there is none).
    Alias(usize),
    Seq(Vec<Gen>),
    Map(Vec<(&'static str, Gen)>),
    /// A merge entry inside a mapping: `<<:` with aliases, or an inline mapping.
    Merge(Vec<usize>),
    /// An anchored node.
    Anchored(Box<Gen>),
    /// A node in flow style.
    Flow(Box<Gen>),
}

const KEYS: &[&str] = &[
    "a", "b", "name", "id", "key", "1", "0x1", "'1'", "+1", "~", "true", "1.5", "\"x.y\"",
    "!!str 2", "!!int 2", "2", "''", "k k",
];

const SCALARS: &[&str] = &[
    "1",
    "-2",
    "0x1F",
    "007",
    "1e999",
    ".inf",
    "-.Inf",
    ".nan",
    "yes",
    "true",
    "FALSE",
    "~",
    "null",
    "''",
    "'q'",
    "\"d\\te\"",
    "!!str 5",
    "!!int 7",
    "!!float 1",
    "!!null x",
    "!custom v",
    "text",
    "a b",
    "1_000",
    "0o17",
    "18446744073709551616",
    "\"\"",
    "!!binary aGk=",
];

fn gen_tree() -> impl Strategy<Value = Gen> {
    let leaf = prop_oneof![
        4 => proptest::sample::select(SCALARS).prop_map(Gen::Scalar),
        1 => (0usize..8).prop_map(Gen::Alias),
    ];
    leaf.prop_recursive(5, 40, 5, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 0..5).prop_map(Gen::Seq),
            4 => proptest::collection::vec(
                prop_oneof![
                    6 => (proptest::sample::select(KEYS), inner.clone()),
                    1 => proptest::collection::vec(0usize..8, 0..3)
                        .prop_map(|a| ("<<", Gen::Merge(a))),
                ],
                0..5
            )
            .prop_map(Gen::Map),
            2 => inner.clone().prop_map(|g| Gen::Anchored(Box::new(g))),
            1 => inner.prop_map(|g| Gen::Flow(Box::new(g))),
        ]
    })
}

/// Renders `node` as YAML, defining anchors `&aN` in order and aliasing those defined.
struct Render {
    out: String,
    anchors: usize,
}

impl Render {
    fn alias(&self, i: usize) -> String {
        if self.anchors == 0 {
            "unanchored".to_string()
        } else {
            format!("*a{}", i % self.anchors)
        }
    }

    fn merge_value(&self, aliases: &[usize]) -> String {
        match aliases {
            [] => "{m: 1, <<: {n: 2}}".to_string(),
            [one] => self.alias(*one),
            many => format!(
                "[{}]",
                many.iter()
                    .map(|&i| self.alias(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Flow-style text of `node`.
    fn flow(&mut self, node: &Gen) -> String {
        match node {
            Gen::Scalar(s) => (*s).to_string(),
            Gen::Alias(i) => self.alias(*i),
            Gen::Merge(a) => self.merge_value(a),
            Gen::Seq(items) => {
                let items: Vec<String> = items.iter().map(|g| self.flow(g)).collect();
                format!("[{}]", items.join(", "))
            }
            Gen::Map(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", self.flow(v)))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
            Gen::Anchored(g) => {
                let text = self.flow(g);
                let name = self.anchors;
                self.anchors += 1;
                format!("&a{name} {text}")
            }
            Gen::Flow(g) => self.flow(g),
        }
    }

    /// Block-style `node` at `indent`, after text that ends where the node goes (`key:`, `-`).
    fn block(&mut self, node: &Gen, indent: usize) {
        let pad = " ".repeat(indent);
        match node {
            Gen::Seq(items) if !items.is_empty() => {
                self.out.push('\n');
                for item in items {
                    self.out.push_str(&pad);
                    self.out.push('-');
                    self.block(item, indent + 2);
                }
            }
            Gen::Map(entries) if !entries.is_empty() => {
                self.out.push('\n');
                for (k, v) in entries {
                    self.out.push_str(&pad);
                    self.out.push_str(k);
                    self.out.push(':');
                    self.block(v, indent + 2);
                }
            }
            Gen::Anchored(g) if matches!(**g, Gen::Seq(_) | Gen::Map(_)) => {
                // The anchor goes before the collection, which is defined after it.
                let name = self.anchors;
                self.out.push_str(&format!(" &a{name}"));
                let mut inner = Render {
                    out: String::new(),
                    anchors: self.anchors,
                };
                inner.block(g, indent);
                self.anchors = inner.anchors.max(name + 1);
                self.out.push_str(&inner.out);
                if !inner.out.ends_with('\n') {
                    self.out.push('\n');
                }
            }
            other => {
                let text = self.flow(other);
                self.out.push(' ');
                self.out.push_str(&text);
                self.out.push('\n');
            }
        }
    }
}

fn render(node: &Gen) -> String {
    let mut r = Render {
        out: String::new(),
        anchors: 0,
    };
    match node {
        Gen::Map(entries) if !entries.is_empty() => {
            for (k, v) in entries {
                r.out.push_str(k);
                r.out.push(':');
                r.block(v, 2);
            }
        }
        other => {
            r.out.push_str("---");
            r.block(other, 0);
        }
    }
    r.out
}

fn cases() -> u32 {
    std::env::var("CONFDRIFT_YAML_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_token_soup(text in token_soup()) {
        let diff = difference(&text);
        prop_assert!(diff.is_none(), "{:?}\n{}", text, diff.unwrap_or_default());
    }

    #[test]
    fn random_yaml_trees(node in gen_tree()) {
        let text = render(&node);
        let diff = difference(&text);
        prop_assert!(diff.is_none(), "{:?}\n{}", text, diff.unwrap_or_default());
    }

    #[test]
    fn random_yaml_lines(text in line_soup()) {
        let diff = difference(&text);
        prop_assert!(diff.is_none(), "{:?}\n{}", text, diff.unwrap_or_default());
    }
}
