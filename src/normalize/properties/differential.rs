//! Differential tests: the hand-written reader against the one it replaces (the
//! `java-properties` crate behind its wrapper, `crate_reader.rs`), on every `.properties`
//! fixture, the unit tests' inputs, nasty cases and random text. Both must give the same
//! entries, values and lines in the same order, or both fail (at the same place, for the fixed
//! cases). Where the old reader strays from Java's `Properties.load`, the new one follows Java;
//! those cases are listed in [`DEVIATIONS`] and pinned in `tests.rs`.

use super::tests::random_text;
use super::{LogicalLines, crate_reader, parse};
use crate::tree::{ParseError, Tree, Value};
use proptest::prelude::*;
use std::path::Path;

type Outcome = Result<Vec<(String, Value, u32)>, ParseError>;

fn outcome(r: Result<Tree, ParseError>) -> Outcome {
    r.map(|t| {
        t.iter()
            .map(|(k, e)| (k.to_string(), e.value.clone(), e.line))
            .collect()
    })
}

fn old(text: &str) -> Outcome {
    outcome(crate_reader::parse(text))
}

fn new(text: &str) -> Outcome {
    outcome(parse(text))
}

/// Same entries in the same order, or both errors (`exact`: at the same place, same message).
fn agree(a: &Outcome, b: &Outcome, exact: bool) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a == b,
        (Err(a), Err(b)) => !exact || a == b,
        _ => false,
    }
}

#[test]
fn every_properties_fixture() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "properties") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut files,
    );
    assert!(files.len() >= 7, "{files:?}");
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("upstream"))
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let (a, b) = (old(&text), new(&text));
        assert!(b.as_ref().is_ok_and(|e| !e.is_empty()), "{f:?}: {b:?}");
        assert!(agree(&a, &b, true), "{f:?}:\nold {a:?}\nnew {b:?}");
        // And with CRLF and CR line breaks.
        for eol in ["\r\n", "\r"] {
            let text = text.replace('\n', eol);
            assert!(agree(&old(&text), &new(&text), true), "{f:?} with {eol:?}");
        }
    }
}

/// Inputs on which both readers must agree exactly (errors at the same line and column).
const SAME: &[&str] = &[
    // the unit tests' inputs
    super::tests::SPRING,
    "greeting=Grüße 🚀\nname=web\\é\nport=80\n",
    "# comment é \\ C:\\users\n\nport : 80\r\nname   web\\u00e9\ngreeting = \\\n  Gr\\u00fc\\u00dfe \\uD83D\\uDE80\n",
    "k=\u{e000}\u{e001}x\n",
    "a.b=1\na.b=2\n=anonymous\nkey\\ with\\ spaces=v\n",
    "a=1\nb=continued \\",
    "flag\n",
    "a=1\nb=x\\u12G4\n",
    "a=1\nb=first \\\n   then \\u00\n",
    "lone=\\uD800 x\n",
    "end=\\u",
    "",
    "\n# only\n! comments\n   \n",
    "\\",
    "\\\\",
    "=",
    ":",
    "\\u",
    "\\u\\u",
    "a\\\n",
    "\r\r\n",
    "\u{feff}a=b",
    "\\é\\",
    "\\uDBFF\\uDFFF",
    "#\\uZZZZ\nx=1",
    "\x0c=\x0c",
    // continuations: odd and even backslashes, at the end of the file, chained, blank
    "a=b\\\nc",
    "a=b\\\\\nc=d",
    "a=b\\\\\\\nc",
    "a=b\\\\\\\\\nc=d",
    "a=b\\",
    "a=b\\\n",
    "a=b\\\r\n",
    "a=b\\\r",
    "a=b\\\r\nc",
    "a=b\\\rc",
    "a=b\\\n\nc=d",
    "a=b\\\n   \nc=d",
    "a=b\\\n   \\\n  c\\\n\t\x0c d",
    "a\\\n  =\\\n  b",
    "a=\\\n\\\n\\\n",
    "\\\n\\\nx=1",
    "  \\\n  x=1\ny=2",
    "\\\\\\\nx=1",
    "a=b\\\n#c",
    "a=b\\\n!c\\\nd",
    "a=b \\\n   c  \\\n  d  ",
    // comments do not continue, and are not decoded
    "#comment\\\nx=1",
    "!c\\\nx=1",
    "  # c\\\nx=1",
    "\t\x0c! c\\\r\nx=1",
    "#\\u\n!\\uD800\nx=1",
    "# é 🚀 \\é\nx=1",
    "x=1 # not a comment\ny=2 ! either",
    // a logical line that starts with # or ! after joining is a comment too
    "\\\n#b=1\nc=2",
    "\\\n  !b=1",
    "  \\\n#b",
    "\\\n\\\n#b\nc",
    // separators
    "a=b",
    "a:b",
    "a b",
    "a\tb",
    "a\x0cb",
    "a = b",
    "a : b",
    "a  =  b",
    "a==b",
    "a=:b",
    "a:=b",
    "a = = b",
    "a b = c",
    "a\t:\tb",
    "a\x0c=\x0cb",
    "a =",
    "a :",
    "a ",
    "a\t",
    "a = ",
    "=",
    ":",
    "= x",
    " = x",
    "==",
    "::",
    " : = x",
    "a\x0bb=c",
    "\x0ba=b",
    // escaped separators, escapes in keys
    "a\\=b=c",
    "a\\:b:c",
    "a\\ b c",
    "a\\\tb c",
    "a\\\x0cb c",
    "a\\\\=b",
    "a\\\\\\=b=c",
    "\\=\\:\\ =v",
    "a\\#b=c",
    "\\#a=b",
    "\\!a=b",
    "\\ a=b",
    "a\\tb\\nc=d",
    // escapes in values
    "a=\\t\\n\\r\\f\\b\\z\\\\\\ \\=\\:\\#\\!\\\"\\'",
    "a=\\\\\\\\",
    "a=x\\\\",
    "a=\\ \\ ",
    // \u escapes, good and bad
    "a=\\u0041",
    "a=\\u00e9\\u00E9\\u00eA",
    "a=\\u0000",
    "a=\\uFFFF\\uFFFE",
    "a=\\uE000\\uF8FF",
    "a=\\u",
    "a=\\u1",
    "a=\\u12",
    "a=\\u123",
    "a=\\u123G",
    "a=\\uGGGG",
    "a=\\u-123",
    "a=\\u+12",
    "a=\\u 123",
    "a=\\u12é4",
    "\\u0041=v",
    "\\u00=v",
    "\\u0020=v",
    "\\u003d=v",
    "k\\u003dv=x",
    "a=\\uD83D\\uDE00",
    "a=\\ud83d\\ude00",
    "\\uD83D\\uDE00=v",
    "a=\\uD83D",
    "a=\\uDE00",
    "a=\\uD83Dx",
    "a=\\uDE00\\uD83D",
    "a=\\\\u0041",
    "a=\\\\\\u0041",
    "a=\\u00\\\n41",
    "a=\\u0\\\n  x",
    "a=\\u\\\n  \\\n0041",
    "a=1\n\nb=\\\n  x\\u12\nc=3",
    "a=\\u0041\\uZZZZ",
    "\\uZZZZ=\\u0041",
    "k=ok\n#\\uZZZZ\nl=\\uZZZZ",
    "\\\\\\uD83D\\uDE00=v",
    // empty keys and values
    "=v",
    "k=",
    "k",
    "\\ =v",
    "\\=",
    "=\\\n",
    "\"\"=x\n=y",
    // line breaks and line numbers
    "a=1\r\nb=2\rc=3\n",
    "a=1\r\r\nb=2",
    "\n\r\n\r\na=1",
    "a=1\n\n\n\nb=2\\\n\\\n\\\nc\nd=4",
    "a=1\r\n\r\nb=2\\\r\n  3\r\n",
    // unicode
    "é=ü",
    "k=Grüße 🚀",
    "k=\\é\\😀\\\u{e000}",
    "k\u{00A0}v=x",
    "\u{3000}k=v",
    "k=\u{e000}",
    "k=\u{2028}x\u{85}y",
    "a=b\\\n\u{3000}c",
    "a=b\\\n\u{a0}c",
    "😀=🚀\n🚀=😀\n\\😀\\ =1",
    // trailing white space is part of the value
    "k=v  ",
    "k=v \t",
    "k = v\x0c",
    "k=v\\ ",
    "k=v\\\n  ",
    // repeated keys: the last wins, with its line
    "a=1\na=2",
    "a=1\nb\\\n=2\na=3\nb=4",
    "a\\\n=1\na=2",
    // leading white space
    "   a=1",
    "\t\x0ca=1",
    "\t\x0c\n\x0c=1",
];

#[test]
fn same_as_the_crate_on_unit_inputs_and_nasty_cases() {
    for text in SAME {
        let (a, b) = (old(text), new(text));
        assert!(agree(&a, &b, true), "{text:?}:\nold {a:?}\nnew {b:?}");
    }
}

/// Inputs where the old reader strayed from `Properties.load` and the new one follows Java
/// (the new results are pinned in `tests.rs`).
const DEVIATIONS: &[&str] = &[
    // `u16::from_str_radix` takes a sign: the crate read `\u+123` as U+0123.
    "a=\\u+123",
    // The crate drops all white space (`str::trim_start`), vertical tab included, from the start
    // of a continuation line; Java only space, tab and form feed.
    "a=b\\\n\x0bc",
    // An escaped surrogate pair split by a continuation was an error.
    "a=\\uD83D\\\n  \\uDE00 x",
    // A comment made by joining (`\` alone, then `#`) was decoded, and failed on a bad escape.
    "\\\n#\\uZZZZ\nx=1",
    "  \\\n!\\u12",
    // Escapes of private-use characters were mistaken for placeholders when the file held
    // characters outside the Basic Multilingual Plane.
    "a=😀\nb=\\uE000",
    // Errors: the old reader fell back to column 1, or blamed an escape that the continuation
    // completes.
    "a=\\uD83D\\u0041",
    "a=\\uD83D\\uD83D\\uDE00",
    "\\uDBFF\\uDBFF",
    "a=\\u00\\\n41 \\uZZZZ",
];

#[test]
fn deviations_are_real() {
    for text in DEVIATIONS {
        let (a, b) = (old(text), new(text));
        assert!(!agree(&a, &b, true), "{text:?} agrees: {a:?}");
    }
}

/// `text` with the deviations that random text can hit undone, so that the old reader must
/// give what the new one gives on `text`:
/// - comments made by joining are blanked (their natural lines emptied), so the old reader no
///   longer decodes them (a blank stays in each, so the line breaks do not change);
/// - a surrogate pair split by continuations is put together on the line after the breaks.
fn without_deviations(text: &str) -> String {
    let mut blank = Vec::new();
    let mut lines = LogicalLines::new(text);
    while let Some(l) = lines.next() {
        if l.pieces.len() > 1 && l.text.starts_with(['#', '!']) {
            blank.extend(l.number..l.number + l.pieces.len() as u32);
        }
    }
    let mut out = String::new();
    let mut number = 1;
    let mut rest = text;
    loop {
        let (line, brk) = match rest.find(['\r', '\n']) {
            Some(i) => {
                let n = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                (&rest[..i], &rest[i..i + n])
            }
            None => (rest, ""),
        };
        // A blank line rather than an empty one, so that a `\r` and a `\n` stay two breaks.
        out.push_str(if blank.contains(&number) { " " } else { line });
        out.push_str(brk);
        rest = &rest[line.len() + brk.len()..];
        number += 1;
        if brk.is_empty() {
            break;
        }
    }
    let split_pair = regex::Regex::new(
        r"((?:^|[^\\])(?:\\\\)*)(\\u[dD][89abAB][0-9a-fA-F]{2})(\\(?:\r\n|\r|\n)(?:[ \t\x0c]*\\(?:\r\n|\r|\n))*[ \t\x0c]*)(\\u[dD][c-fC-F][0-9a-fA-F]{2})",
    )
    .unwrap();
    split_pair.replace_all(&out, "$1$3$2$4").into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn same_as_the_crate_on_random_text(text in random_text()) {
        let (a, b) = (old(&text), new(&text));
        if !agree(&a, &b, false) {
            let fixed = without_deviations(&text);
            prop_assert_ne!(&fixed, &text, "old {:?}\nnew {:?}", a, b);
            let (fa, fb) = (old(&fixed), new(&fixed));
            prop_assert!(agree(&fa, &b, false), "{:?}\nold {:?}\nnew {:?}", fixed, fa, b);
            prop_assert!(agree(&fb, &b, false), "{:?} changed the new result: {:?}", fixed, fb);
        }
    }
}
