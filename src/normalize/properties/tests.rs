//! The reader's unit tests.

use super::*;
use crate::normalize::testutil::*;
use proptest::prelude::*;

const SPRING: &str = "\
# Spring Boot application.properties
spring.application.name=orders-service
server.port=8080

! datasource
spring.datasource.url = jdbc:postgresql://db.internal:5432/orders
spring.datasource.username : orders_app
spring.datasource.hikari.maximum-pool-size 50
spring.jpa.properties.hibernate.dialect=org.hibernate.dialect.PostgreSQLDialect
logging.pattern.console=%d{yyyy-MM-dd HH:mm:ss} %-5level \\
%logger{36} - %msg%n
servers[0].host=a.example.com
servers[0].port=9000
greeting=Gr\\u00fc\\u00dfe aus M\\u00fcnchen
app.emoji=\\uD83D\\uDE80 launch
path=C:\\\\data\\\\orders
empty=
";

#[test]
fn spring_boot_properties() {
    let t = parse(SPRING).unwrap();
    assert_eq!(
        get(&t, "spring.application.name"),
        (&s("orders-service"), 2)
    );
    assert_eq!(get(&t, "server.port"), (&s("8080"), 3));
    assert!(get(&t, "server.port").0.same(&Value::Int(8080)));
    assert_eq!(
        get(&t, "spring.datasource.url").0,
        &s("jdbc:postgresql://db.internal:5432/orders")
    );
    assert_eq!(get(&t, "spring.datasource.username"), (&s("orders_app"), 7));
    assert_eq!(
        get(&t, "spring.datasource.hikari.maximum-pool-size"),
        (&s("50"), 8)
    );
    assert_eq!(
        get(&t, "logging.pattern.console"),
        (
            &s("%d{yyyy-MM-dd HH:mm:ss} %-5level %logger{36} - %msg%n"),
            10
        )
    );
    assert_eq!(get(&t, "servers[0].host"), (&s("a.example.com"), 12));
    assert_eq!(get(&t, "servers[0].port"), (&s("9000"), 13));
    assert_eq!(get(&t, "greeting").0, &s("Grüße aus München"));
    assert_eq!(get(&t, "app.emoji").0, &s("🚀 launch"));
    assert_eq!(get(&t, "path").0, &s("C:\\data\\orders"));
    assert_eq!(get(&t, "empty"), (&s(""), 17));
    assert_eq!(t.len(), 13);
}

#[test]
fn utf8_text_escapes_and_separators_are_not_drift() {
    let a = parse("greeting=Grüße 🚀\nname=web\\é\nport=80\n").unwrap();
    let b = parse(
        "# comment é \\ C:\\users\n\nport : 80\r\nname   web\\u00e9\ngreeting = \\\n  Gr\\u00fc\\u00dfe \\uD83D\\uDE80\n",
    )
    .unwrap();
    assert_eq!(get(&a, "greeting").0, &s("Grüße 🚀"));
    assert_eq!(get(&a, "name").0, &s("webé"));
    assert!(same_tree(&a, &b));
    assert_eq!(get(&b, "greeting").1, 5);
    let private = parse("k=\u{e000}\u{e001}x\n").unwrap();
    assert_eq!(get(&private, "k").0, &s("\u{e000}\u{e001}x"));
    let edited = parse("greeting=Grüße 🚀\nname=web\\é\nport=81\n").unwrap();
    assert!(!same_tree(&a, &edited));
}

#[test]
fn yaml_style_paths_and_last_wins() {
    let t = parse("a.b=1\na.b=2\n=anonymous\nkey\\ with\\ spaces=v\n").unwrap();
    assert_eq!(get(&t, "a.b"), (&s("2"), 2));
    assert_eq!(get(&t, "\"\"").0, &s("anonymous"));
    assert_eq!(get(&t, "key with spaces").0, &s("v"));
    let last = parse("a=1\nb=continued \\").unwrap();
    assert_eq!(get(&last, "b"), (&s("continued "), 2));
    let bare = parse("flag\n").unwrap();
    assert_eq!(get(&bare, "flag"), (&s(""), 1));
}

#[test]
fn bad_escapes_are_errors_with_line_and_column() {
    let e = parse("a=1\nb=x\\u12G4\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 4));
    assert!(e.message.contains("expected 4 hexadecimal digits"), "{e}");
    let e = parse("a=1\nb=first \\\n   then \\u00\n").unwrap_err();
    assert_eq!((e.line, e.column), (3, 9));
    let e = parse("lone=\\uD800 x\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 6));
    assert!(e.message.contains("surrogate"), "{e}");
    let e = parse("end=\\u").unwrap_err();
    assert_eq!((e.line, e.column), (1, 5));
}

#[test]
fn empty_and_junk_input_never_panic() {
    assert!(parse("").unwrap().is_empty());
    assert!(parse("\n# only\n! comments\n   \n").unwrap().is_empty());
    let t = parse(&"[".repeat(100_000)).unwrap();
    assert_eq!(get(&t, &"[".repeat(100_000)).1, 1);
    assert_eq!(parse(&"\\".repeat(100_001)).unwrap().len(), 1);
    for junk in [
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
        "\\uDBFF\\uDBFF",
        "\\uDBFF\\uDFFF",
        "a=\\uD83D\\u",
        "#\\uZZZZ\nx=1",
        "\x0c=\x0c",
    ] {
        let _ = parse(junk);
    }
    // The old reader (the `java-properties` crate, fed such characters through placeholders)
    // refused more than 6400 different characters outside the Basic Multilingual Plane; Java
    // and this reader take any number.
    let many: String = (0..7000u32)
        .filter_map(|i| char::from_u32(0x1F000 + i))
        .collect();
    assert_eq!(get(&parse(&format!("k={many}")).unwrap(), "k").0, &s(&many));
}

/// The entries of `text` as (key, value, line), in the order of the tree.
fn entries(text: &str) -> Vec<(String, String, u32)> {
    let tree = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    tree.iter()
        .map(|(k, e)| match &e.value {
            Value::Str(v) => (k.to_string(), v.clone(), e.line),
            other => panic!("{text:?}: {k} is {other:?}"),
        })
        .collect()
}

/// Expected entries: (key, value, line).
type Entries<'a> = &'a [(&'a str, &'a str, u32)];

/// Checks each input against its entries.
fn expect(cases: &[(&str, Entries)]) {
    for (text, want) in cases {
        let want: Vec<_> = want
            .iter()
            .map(|&(k, v, l)| (k.to_string(), v.to_string(), l))
            .collect();
        assert_eq!(entries(text), want, "{text:?}");
    }
}

/// Checks that each input fails at (line, column) with a message containing the last field.
fn expect_errors(cases: &[(&str, u32, u32, &str)]) {
    for &(text, line, column, message) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
        assert!(e.message.contains(message), "{text:?}: {e}");
    }
}

const HEX: &str = "expected 4 hexadecimal digits after \\u";
const PAIR: &str = "not half of a UTF-16 surrogate pair";

#[test]
fn continuation_lines() {
    expect(&[
        ("a=b\\\nc", &[("a", "bc", 1)]),
        ("a=b\\\\\nc=d", &[("a", "b\\", 1), ("c", "d", 2)]),
        ("a=b\\\\\\\nc", &[("a", "b\\c", 1)]),
        ("a=b\\\\\\\\\nc=d", &[("a", "b\\\\", 1), ("c", "d", 2)]),
        // At the end of the file, with or without a line break after it.
        ("a=b\\", &[("a", "b", 1)]),
        ("a=b\\\n", &[("a", "b", 1)]),
        ("a=b\\\r\n", &[("a", "b", 1)]),
        ("a=b\\\r", &[("a", "b", 1)]),
        ("a=\\\n\\\n\\\n", &[("a", "", 1)]),
        ("a=b\\\r\nc", &[("a", "bc", 1)]),
        ("a=b\\\rc", &[("a", "bc", 1)]),
        // An empty or blank continuation line ends the logical line.
        ("a=b\\\n\nc=d", &[("a", "b", 1), ("c", "d", 3)]),
        ("a=b\\\n   \nc=d", &[("a", "b", 1), ("c", "d", 3)]),
        // Leading space, tab and form feed of continuation lines are dropped, nothing else.
        ("a=b\\\n   \\\n  c\\\n\t\x0c d", &[("a", "bcd", 1)]),
        ("a=b \\\n   c  \\\n  d  ", &[("a", "b c  d  ", 1)]),
        ("a=b\\\n\u{3000}c", &[("a", "b\u{3000}c", 1)]),
        ("a=b\\\n\u{a0}c", &[("a", "b\u{a0}c", 1)]),
        // The separator and the key can be continued too.
        ("a\\\n  =\\\n  b", &[("a", "b", 1)]),
        ("\\\n\\\nx=1", &[("x", "1", 1)]),
        ("  \\\n  x=1\ny=2", &[("x", "1", 1), ("y", "2", 3)]),
        ("\\\\\\\nx=1", &[("\\x", "1", 1)]),
        // A `#` or `!` inside a continued line is text.
        ("a=b\\\n#c", &[("a", "b#c", 1)]),
        ("a=b\\\n!c\\\nd", &[("a", "b!cd", 1)]),
        // Lines are numbered where the logical line starts; all breaks count.
        (
            "a=1\n\n\n\nb=2\\\n\\\n\\\nc\nd=4",
            &[("a", "1", 1), ("b", "2c", 5), ("d", "4", 9)],
        ),
        (
            "a=1\r\n\r\nb=2\\\r\n  3\r\n",
            &[("a", "1", 1), ("b", "23", 3)],
        ),
        (
            "a=1\r\nb=2\rc=3\n",
            &[("a", "1", 1), ("b", "2", 2), ("c", "3", 3)],
        ),
        ("a=1\r\r\nb=2", &[("a", "1", 1), ("b", "2", 3)]),
        ("\n\r\n\r\na=1", &[("a", "1", 4)]),
    ]);
}

#[test]
fn comments_and_blank_lines() {
    expect(&[
        // A comment never continues, and is not decoded.
        ("#comment\\\nx=1", &[("x", "1", 2)]),
        ("!c\\\nx=1", &[("x", "1", 2)]),
        ("  # c\\\nx=1", &[("x", "1", 2)]),
        ("\t\x0c! c\\\r\nx=1", &[("x", "1", 2)]),
        ("#\\u\n!\\uD800\nx=1", &[("x", "1", 3)]),
        ("# é 🚀 \\é\nx=1", &[("x", "1", 2)]),
        (
            "x=1 # not a comment\ny=2 ! either",
            &[("x", "1 # not a comment", 1), ("y", "2 ! either", 2)],
        ),
        // A logical line that starts with `#` or `!` once joined is a comment too (as in Java
        // 9 and later), and is not decoded either.
        ("\\\n#b=1\nc=2", &[("c", "2", 3)]),
        ("\\\n  !b=1", &[]),
        ("  \\\n#b", &[]),
        ("\\\n\\\n#b\nc", &[("c", "", 4)]),
        ("\\\n#\\uZZZZ\nx=1", &[("x", "1", 3)]),
        ("  \\\n!\\u12", &[]),
        ("   a=1", &[("a", "1", 1)]),
        ("\t\x0ca=1", &[("a", "1", 1)]),
        ("\t\x0c\n\x0c=1", &[("\"\"", "1", 2)]),
    ]);
}

#[test]
fn separators() {
    for text in [
        "a=b",
        "a:b",
        "a b",
        "a\tb",
        "a\x0cb",
        "a = b",
        "a : b",
        "a  =  b",
        "a\t:\tb",
        "a\x0c=\x0cb",
    ] {
        expect(&[(text, &[("a", "b", 1)])]);
    }
    expect(&[
        // One `=` or `:` at most is part of the separator.
        ("a==b", &[("a", "=b", 1)]),
        ("a=:b", &[("a", ":b", 1)]),
        ("a:=b", &[("a", "=b", 1)]),
        ("a = = b", &[("a", "= b", 1)]),
        ("a b = c", &[("a", "b = c", 1)]),
        // No value, no key.
        ("a =", &[("a", "", 1)]),
        ("a :", &[("a", "", 1)]),
        ("a ", &[("a", "", 1)]),
        ("a\t", &[("a", "", 1)]),
        ("a = ", &[("a", "", 1)]),
        ("=", &[("\"\"", "", 1)]),
        (":", &[("\"\"", "", 1)]),
        ("= x", &[("\"\"", "x", 1)]),
        (" = x", &[("\"\"", "x", 1)]),
        ("==", &[("\"\"", "=", 1)]),
        ("::", &[("\"\"", ":", 1)]),
        (" : = x", &[("\"\"", "= x", 1)]),
        ("\"\"=x\n=y", &[("\"\"", "y", 2)]),
        // A vertical tab is not white space to Java.
        ("a\x0bb=c", &[("a\x0bb", "c", 1)]),
        ("\x0ba=b", &[("\x0ba", "b", 1)]),
        ("a=b\\\n\x0bc", &[("a", "b\x0bc", 1)]),
        // Trailing white space belongs to the value.
        ("k=v  ", &[("k", "v  ", 1)]),
        ("k=v \t", &[("k", "v \t", 1)]),
        ("k = v\x0c", &[("k", "v\x0c", 1)]),
        ("k=v\\ ", &[("k", "v ", 1)]),
        ("k=v\\\n  ", &[("k", "v", 1)]),
        // Repeated keys: the last wins, with its line.
        ("a=1\nb\\\n=2\na=3\nb=4", &[("a", "3", 4), ("b", "4", 5)]),
        ("a\\\n=1\na=2", &[("a", "2", 3)]),
    ]);
}

#[test]
fn escapes() {
    expect(&[
        // Escaped separators, white space and comment characters in keys.
        ("a\\=b=c", &[("a=b", "c", 1)]),
        ("a\\:b:c", &[("a:b", "c", 1)]),
        ("a\\ b c", &[("a b", "c", 1)]),
        ("a\\\tb c", &[("a\tb", "c", 1)]),
        ("a\\\x0cb c", &[("a\x0cb", "c", 1)]),
        ("a\\\\=b", &[("a\\", "b", 1)]),
        ("a\\\\\\=b=c", &[("a\\=b", "c", 1)]),
        ("\\=\\:\\ =v", &[("=: ", "v", 1)]),
        ("a\\#b=c", &[("a#b", "c", 1)]),
        ("\\#a=b", &[("#a", "b", 1)]),
        ("\\!a=b", &[("!a", "b", 1)]),
        ("\\ a=b", &[(" a", "b", 1)]),
        ("\\ =v", &[(" ", "v", 1)]),
        ("a\\tb\\nc=d", &[("a\tb\nc", "d", 1)]),
        // In values; any other character after a backslash stands for itself.
        (
            "a=\\t\\n\\r\\f\\b\\z\\\\\\ \\=\\:\\#\\!\\\"\\'",
            &[("a", "\t\n\r\x0cbz\\ =:#!\"'", 1)],
        ),
        ("a=\\\\\\\\", &[("a", "\\\\", 1)]),
        ("a=x\\\\", &[("a", "x\\", 1)]),
        ("a=\\ \\ ", &[("a", "  ", 1)]),
        // \u escapes.
        ("a=\\u0041", &[("a", "A", 1)]),
        ("a=\\u00e9\\u00E9\\u00eA", &[("a", "ééê", 1)]),
        ("a=\\u0000", &[("a", "\0", 1)]),
        ("a=\\uFFFF\\uFFFE", &[("a", "\u{ffff}\u{fffe}", 1)]),
        ("a=\\uE000\\uF8FF", &[("a", "\u{e000}\u{f8ff}", 1)]),
        ("\\u0041=v", &[("A", "v", 1)]),
        ("\\u0020=v", &[(" ", "v", 1)]),
        ("k\\u003dv=x", &[("k=v", "x", 1)]),
        ("a=\\uD83D\\uDE00", &[("a", "😀", 1)]),
        ("a=\\ud83d\\ude00", &[("a", "😀", 1)]),
        ("\\\\\\uD83D\\uDE00=v", &[("\\😀", "v", 1)]),
        ("a=\\\\u0041", &[("a", "\\u0041", 1)]),
        ("a=\\\\\\u0041", &[("a", "\\A", 1)]),
        // A continuation can complete an escape, or split a surrogate pair (which was an error
        // in the old reader; Java joins lines before it decodes).
        ("a=\\u00\\\n41", &[("a", "A", 1)]),
        ("a=\\u\\\n  \\\n0041", &[("a", "A", 1)]),
        ("a=\\uD83D\\\n  \\uDE00 x", &[("a", "😀 x", 1)]),
        // Characters outside ASCII stand for themselves, escaped or not.
        ("é=ü", &[("é", "ü", 1)]),
        ("k=\\é\\😀\\\u{e000}", &[("k", "é😀\u{e000}", 1)]),
        ("k\u{a0}v=x", &[("k\u{a0}v", "x", 1)]),
        ("\u{3000}k=v", &[("\u{3000}k", "v", 1)]),
        ("k=\u{2028}x\u{85}y", &[("k", "\u{2028}x\u{85}y", 1)]),
        (
            "😀=🚀\n🚀=😀\n\\😀\\ =1",
            &[("😀", "🚀", 1), ("🚀", "😀", 2), ("😀 ", "1", 3)],
        ),
        // The old reader took `\uE000` for a placeholder of a character beyond the BMP when
        // the file held one.
        ("a=😀\nb=\\uE000", &[("a", "😀", 1), ("b", "\u{e000}", 2)]),
    ]);
}

#[test]
fn malformed_u_escapes() {
    expect_errors(&[
        ("a=\\u", 1, 3, HEX),
        ("a=\\u1", 1, 3, HEX),
        ("a=\\u123G", 1, 3, HEX),
        ("a=\\uGGGG", 1, 3, HEX),
        ("a=\\u-123", 1, 3, HEX),
        ("a=\\u 123", 1, 3, HEX),
        ("a=\\u12é4", 1, 3, HEX),
        // Java takes no sign (the old reader read `\u+123` as U+0123).
        ("a=\\u+123", 1, 3, HEX),
        ("\\u00=v", 1, 1, HEX),
        ("a=\\u0041\\uZZZZ", 1, 9, HEX),
        ("\\uZZZZ=\\u0041", 1, 1, HEX),
        ("k=ok\n#\\uZZZZ\nl=\\uZZZZ", 3, 3, HEX),
        ("a=\\u0\\\n  x", 1, 3, HEX),
        // Columns count characters, from the start of the natural line.
        ("é=ü\nüü=\\u12", 2, 4, HEX),
        ("a=1\n\nb=\\\n  x\\u12\nc=3", 4, 4, HEX),
        ("a=1\r\n\r\nb=\\\r\n  x\\u12", 4, 4, HEX),
        ("a=1\r\rb=\\\r  x\\u12", 4, 4, HEX),
        // The old reader blamed the `\u00` that the continuation completes.
        ("a=\\u00\\\n41 \\uZZZZ", 2, 4, HEX),
        // Half a surrogate pair.
        ("a=\\uD83D", 1, 3, PAIR),
        ("a=\\uDE00", 1, 3, PAIR),
        ("a=\\uD83Dx", 1, 3, PAIR),
        ("a=\\uDE00\\uD83D", 1, 3, PAIR),
        ("a=\\uD83D\\uD83D\\uDE00", 1, 3, PAIR),
        // The old reader said column 1 for these two.
        ("a=\\uD83D\\u0041", 1, 3, PAIR),
        ("\\uDBFF\\uDBFF", 1, 1, PAIR),
        // A malformed escape after a high surrogate is that escape's error.
        ("a=\\uD83D\\u", 1, 9, HEX),
        ("a=\\uD83D\\u12", 1, 9, HEX),
    ]);
}

#[test]
fn odd_corners() {
    expect(&[
        // Java's own reader, at the very end of its input, keeps the empty key of a lone
        // continuation (`\` at end of file: "" = ""), though it drops the same line followed by
        // a line break; the old reader and this one drop it both times.
        ("\\", &[]),
        ("x=1\n\\", &[("x", "1", 1)]),
        ("\\\\", &[("\\", "", 1)]),
        ("a\\\n", &[("a", "", 1)]),
        ("\r\r\n", &[]),
        ("\u{feff}a=b", &[("\u{feff}a", "b", 1)]),
        ("\\é\\", &[("é", "", 1)]),
        ("\\uDBFF\\uDFFF", &[("\u{10ffff}", "", 1)]),
        ("#\\uZZZZ\nx=1", &[("x", "1", 2)]),
        ("\x0c=\x0c", &[("\"\"", "", 1)]),
        ("\\u003d=v", &[("=", "v", 1)]),
        ("\\uD83D\\uDE00=v", &[("😀", "v", 1)]),
        ("=v", &[("\"\"", "v", 1)]),
        ("k=", &[("k", "", 1)]),
        ("\\=", &[("=", "", 1)]),
        ("=\\\n", &[("\"\"", "", 1)]),
        ("k=Grüße 🚀", &[("k", "Grüße 🚀", 1)]),
        ("k=\u{e000}", &[("k", "\u{e000}", 1)]),
    ]);
    expect_errors(&[
        ("\\u", 1, 1, HEX),
        ("\\u\\u", 1, 1, HEX),
        ("a=\\u12", 1, 3, HEX),
        ("a=\\u123", 1, 3, HEX),
        ("a=\\u+12", 1, 3, HEX),
    ]);
}

/// Pieces random text is made of: the characters that matter to the format, and a few
/// sequences that would seldom come up one character at a time.
const TOKENS: &[&str] = &[
    "\\", "\\", "\\", "=", ":", "#", "!", " ", " ", "\t", "\x0c", "\r", "\n", "\n", "\r\n", "u",
    "u", "0", "1", "2", "4", "7", "9", "a", "b", "c", "d", "e", "f", "D", "8", "x", "é", "😀",
    "\\u", "\\ud83d", "\\uDE00", "\\u00e9", "\\\n", "\\\r\n", "\\\\", "k=v\n",
];

fn random_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    /// Random text either parses, or fails at the backslash of a `\u` escape.
    #[test]
    fn errors_point_at_a_u_escape(text in random_text()) {
        if let Err(e) = parse(&text) {
            let line = text
                .split("\r\n")
                .flat_map(|l| l.split(['\r', '\n']))
                .nth(e.line as usize - 1)
                .unwrap_or_default();
            let at: String = line.chars().skip(e.column as usize - 1).take(2).collect();
            prop_assert_eq!(at, "\\u", "{:?}: {}", text, e);
        }
    }
}
