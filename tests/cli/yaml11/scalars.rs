//! Scalars one by one, and every pair of the chosen ones: confdrift against Psych and PyYAML.

use super::readers::{Answer, ask, psych, pyyaml, read, same, value_of_k};
use confdrift::diff::diff;
use confdrift::normalize::Document;
use confdrift::tree::Value;

/// Whether confdrift's value is what a reader answered (`["int", "511"]`, ...).
fn is_reading(value: &Value, reading: &(String, serde_json::Value)) -> bool {
    let (kind, v) = (reading.0.as_str(), &reading.1);
    match (kind, value) {
        ("null", Value::Null) => true,
        ("bool", Value::Bool(b)) => v.as_bool() == Some(*b),
        ("int", Value::Int(i)) => v.as_str() == Some(&i.to_string()),
        // Past i64: kept as the decimal text, as in YAML 1.2.
        ("int", Value::Str(s)) => v.as_str() == Some(s) && s.parse::<i64>().is_err(),
        ("float", Value::Float(f)) => v.as_str() == Some(&hex(*f)),
        ("float", Value::Typed { tag: "float", text }) => {
            let want = match v.as_str() {
                Some("inf") => ".inf",
                Some("-inf") => "-.inf",
                Some("nan") => ".nan",
                _ => return false,
            };
            text == want
        }
        ("str", Value::Str(s)) => v.as_str() == Some(s),
        _ => false,
    }
}

fn hex(f: f64) -> String {
    format!("{:016x}", f.to_bits())
}

fn simple(reading: &(String, serde_json::Value)) -> bool {
    matches!(
        reading.0.as_str(),
        "null" | "bool" | "int" | "float" | "str"
    )
}

/// Scalars worth asking about: YAML 1.1's booleans, nulls, integers, floats, sexagesimals and
/// timestamps in their spellings, and near misses.
#[rustfmt::skip]
const SCALARS: &[&str] = &[
    "yes", "Yes", "YES", "yEs", "no", "No", "NO", "nO", "on", "On", "ON", "oN", "off", "Off",
    "OFF", "y", "Y", "n", "N", "true", "True", "TRUE", "tRue", "false", "False", "FALSE", "fAlse",
    "null", "Null", "NULL", "nUll", "~", "", "0777", "0o17", "0b101", "0B101", "-0b101", "0x1F",
    "0X1F", "-0x1f", "0xff_ff", "1_000", "1,000", "1__0", "_1", "1_", "+12", "-12", "-0", "+0",
    "0", "00", "08", "09", "0_7", "007", "1:30", "1:30:15", "-1:30", "-1:30:15", "190:20:30",
    "1:60", "1:2:3:4", "01:30:00", "1:30.5", "1:30:15.5", "1.5", "1.", ".5", "-.5", "+.5", "1e3",
    "1E3", "1.0e3", "1.0e+3", "1.0E+3", "1e+3", "1.e+3", "6.8523015e+5", "685.230_15e+03",
    "685_230.15", "1,000.5", "0.1", "-0.0", "3.0", "1.0e+999", ".inf", ".Inf", ".INF", ".iNf",
    "+.inf", "-.inf", "-.Inf", ".nan", ".NaN", ".NAN", "inf", "nan", "2001-12-14", "2002-12-14",
    "2001-1-4", "2001-02-30", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "2001-12-14 21:59:43.10", "2001-12-15T02:59:43.1Z", "2001-12-15 2:59:43.10", ":foo",
    ":\"foo bar\"", "=", "0x", "0b", "1e", "+", ".", "5432", "pool", "postgresql", "unicode",
    "localhost", "utf8mb4", "ssl", "yes please", "no way", "on_demand", "off-peak", "nil", "None",
    "NaN", "Infinity", "12h", "5s", "1:30 PM", "9223372036854775807", "-9223372036854775808",
];

/// More scalars, pieced together from YAML 1.1's number and boolean syntax (fixed seed).
fn generated(n: usize) -> Vec<String> {
    const PIECES: &[&str] = &[
        "0", "1", "7", "9", "12", "59", "60", "2001", "-", "+", ".", "_", ",", ":", "e", "E", "e+",
        "e-", "x", "b", "o", "0x", "0b", "0o", "inf", "Inf", "nan", "NaN", ".inf", ".nan", "y",
        "n", "yes", "no", "On", "oFF", "true", "FALSE", "nUll", "null", "~", "=", "T", "t", " ",
        "Z", "-05", "-12-14", "a", "f", "é", "1:30", "0777", "08",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut out = Vec::new();
    while out.len() < n {
        let pieces = 1 + next(4);
        let s: String = (0..pieces).map(|_| PIECES[next(PIECES.len())]).collect();
        let bad_start = s.starts_with(['[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>'])
            || s.starts_with(['\'', '"', '%', '@', '`'])
            || ["-", "?", ":"]
                .iter()
                .any(|i| s == *i || s.starts_with(&format!("{i} ")));
        let bad =
            bad_start || s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.trim() != s;
        if !bad {
            out.push(s);
        }
    }
    out
}

/// Every plain scalar confdrift reads as both readers read it, wherever they agree on a
/// value the tree can hold; and as written (`Value::Typed`) wherever they do not.
#[test]
fn yaml_1_1_scalars_are_read_as_psych_and_pyyaml_read_them() {
    let (rb, py) = (psych(), pyyaml());
    let mut scalars: Vec<String> = SCALARS.iter().map(|s| s.to_string()).collect();
    scalars.extend(generated(6000));
    scalars.sort();
    scalars.dedup();
    let docs: Vec<String> = scalars.iter().map(|s| format!("k: {s}\n")).collect();
    let (by_rb, by_py) = (ask(&rb, &docs), ask(&py, &docs));
    let (mut compared, mut agreed, mut typed, mut skipped) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for (i, s) in scalars.iter().enumerate() {
        let (a, b) = (&by_rb[i], &by_py[i]);
        let doc = read(&docs[i]);
        let ours = doc.as_ref().and_then(value_of_k);
        // Only scalars all three scan as the same plain text.
        let (Some(ours), Some(ra), Some(rb_)) = (ours, &a.raw, &b.raw) else {
            skipped += 1;
            continue;
        };
        if ra != s || rb_ != s {
            skipped += 1;
            continue;
        }
        compared += 1;
        let settled = match (&a.reading, &b.reading) {
            (Some(x), Some(y)) if x == y && simple(x) => Some(x),
            _ => None,
        };
        let ok = match settled {
            Some(r) => {
                agreed += 1;
                is_reading(ours, r)
            }
            None => {
                typed += 1;
                matches!(ours, Value::Typed { .. })
            }
        };
        if !ok {
            wrong.push(format!(
                "{s:?}: confdrift {ours:?}, Psych {:?}, PyYAML {:?}",
                a.reading.as_ref().or(a.error.as_ref().map(|_| &ERROR)),
                b.reading.as_ref().or(b.error.as_ref().map(|_| &ERROR))
            ));
        }
    }
    eprintln!(
        "YAML 1.1 scalars: {compared} compared ({skipped} not plain scalars to all three \
         skipped): {agreed} read as Psych and PyYAML both read them, {typed} on which they \
         differ (or hold a timestamp, an infinity) kept as written; {} wrong",
        wrong.len()
    );
    assert!(compared > 2000, "{compared}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Pair by pair over the chosen scalars: the same verdict as the programs.
    let chosen: Vec<usize> = SCALARS
        .iter()
        .filter_map(|s| scalars.iter().position(|x| x == s))
        .collect();
    let verdicts = pair_verdicts(&chosen, &docs, &by_rb, &by_py);
    eprintln!("{verdicts}");
    assert!(
        verdicts.unexplained.is_empty(),
        "{}",
        verdicts.unexplained.join("\n")
    );
}

static ERROR: (String, serde_json::Value) = (String::new(), serde_json::Value::Null);

/// Same or different, by confdrift and by each program, over pairs of documents.
#[derive(Default)]
struct Verdicts {
    pairs: usize,
    with_psych: usize,
    with_pyyaml: usize,
    /// Psych and PyYAML differ on it; confdrift reports a change.
    readers_differ: usize,
    /// Deliberate: a string spelling a number or boolean equals it, and strings spelling the
    /// same number are equal (quoting never counts: `Value::same`).
    quoting: usize,
    /// Both programs see the same value, confdrift a change: timestamps spelled differently.
    timestamp_spellings: usize,
    unexplained: Vec<String>,
}

impl std::fmt::Display for Verdicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} pairs: confdrift agrees with Psych on {}, with PyYAML on {}; the readers \
             differ on {} (confdrift: a change); quoting only, deliberately the same: {}; \
             timestamps spelled differently, a change: {}; unexplained: {}",
            self.pairs,
            self.with_psych,
            self.with_pyyaml,
            self.readers_differ,
            self.quoting,
            self.timestamp_spellings,
            self.unexplained.len()
        )
    }
}

/// Equal by `Value::same` only because a string spells a number or boolean (`'5432'` and
/// `5432`, `1e3` and `1000`, `1e3` and `1E3`).
fn quoting_only(a: &Value, b: &Value) -> bool {
    let string = |v: &Value| matches!(v, Value::Str(_));
    a.same(b) && a != b && (string(a) || string(b))
}

fn timestamps(a: &Value, b: &Value) -> bool {
    let ts = |v: &Value| {
        matches!(
            v,
            Value::Typed {
                tag: "timestamp",
                ..
            }
        )
    };
    ts(a) && ts(b)
}

/// The verdicts on every pair of `chosen` documents (all loaded by both readers).
fn pair_verdicts(chosen: &[usize], docs: &[String], rb: &[Answer], py: &[Answer]) -> Verdicts {
    let mut v = Verdicts::default();
    let parsed: Vec<Option<Document>> = docs.iter().map(|d| read(d)).collect();
    for (n, &i) in chosen.iter().enumerate() {
        for &j in &chosen[n + 1..] {
            let (Some(a), Some(b)) = (&parsed[i], &parsed[j]) else {
                continue;
            };
            let (Some(rb_i), Some(rb_j), Some(py_i), Some(py_j)) =
                (&rb[i].canon, &rb[j].canon, &py[i].canon, &py[j].canon)
            else {
                continue;
            };
            v.pairs += 1;
            let ours = diff(a, b).is_empty();
            let (by_rb, by_py) = (rb_i == rb_j, py_i == py_j);
            v.with_psych += usize::from(ours == by_rb);
            v.with_pyyaml += usize::from(ours == by_py);
            let (va, vb) = (value_of_k(a), value_of_k(b));
            let both = |f: fn(&Value, &Value) -> bool| va.zip(vb).is_some_and(|(x, y)| f(x, y));
            match (ours, by_rb, by_py) {
                (true, true, true) | (false, false, false) => {}
                (false, r, p) if r != p => v.readers_differ += 1,
                (true, false, false) if both(quoting_only) => v.quoting += 1,
                (false, true, true) if both(timestamps) => v.timestamp_spellings += 1,
                _ => v.unexplained.push(format!(
                    "{:?} / {:?}: confdrift {}, Psych {}, PyYAML {}",
                    docs[i],
                    docs[j],
                    same(ours),
                    same(by_rb),
                    same(by_py)
                )),
            }
        }
    }
    v
}
