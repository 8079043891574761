//! What each emulated reader makes of a scalar, as Psych 4.0.3 (Ruby 3.1) and PyYAML 6.0
//! answered when asked (the integration test `yaml11` asks them again, with many more).

use super::{Reading, psych, pyyaml, read};
use crate::normalize::yaml::parse_1_1;
use crate::normalize::yaml::scalar::AsWritten;
use crate::tree::Value;

use Reading::*;

#[test]
fn psych_and_pyyaml_as_they_answered() {
    #[rustfmt::skip]
    let cases: &[(&str, Reading, Reading)] = &[
        ("yes", Bool(true), Bool(true)), ("Yes", Bool(true), Bool(true)),
        ("YES", Bool(true), Bool(true)), ("yEs", Bool(true), Str),
        ("no", Bool(false), Bool(false)), ("nO", Bool(false), Str),
        ("on", Bool(true), Bool(true)), ("oN", Bool(true), Str),
        ("OFF", Bool(false), Bool(false)), ("y", Str, Str), ("N", Str, Str),
        ("tRue", Bool(true), Str), ("FALSE", Bool(false), Bool(false)),
        ("null", Null, Null), ("NULL", Null, Null), ("nUll", Null, Str), ("~", Null, Null),
        ("", Null, Null),
        ("0777", Int(511), Int(511)), ("0o17", Str, Str), ("0b101", Int(5), Int(5)),
        ("0B101", Str, Str), ("0x1F", Int(31), Int(31)), ("0X1F", Str, Str),
        ("1_000", Int(1000), Int(1000)), ("1,000", Int(1000), Str), ("1__0", Str, Int(10)),
        ("_1", Str, Str), ("1_", Str, Int(1)), ("+12", Int(12), Int(12)), ("-0", Int(0), Int(0)),
        ("00", Int(0), Int(0)), ("08", Str, Str), ("0_7", Int(7), Int(7)),
        ("1:30", Int(5400), Int(90)), ("1:30:15", Int(5415), Int(5415)),
        ("-1:30", Int(-1800), Int(-90)), ("190:20:30", Int(685_230), Int(685_230)),
        ("1:60", Str, Str), ("1:30.5", Float(5430.0), Float(90.5)),
        ("1.5", Float(1.5), Float(1.5)), ("1.", Float(1.0), Float(1.0)),
        (".5", Float(0.5), Float(0.5)), ("-.5", Float(-0.5), Str), ("+.5", Float(0.5), Str),
        ("1e3", Str, Str), ("1.0e3", Str, Str), ("1.0e+3", Float(1000.0), Float(1000.0)),
        ("1e+3", Str, Str), ("685.230_15e+03", Str, Float(685_230.15)),
        ("685_230.15", Float(685_230.15), Float(685_230.15)),
        (".inf", Float(f64::INFINITY), Float(f64::INFINITY)),
        ("-.inf", Float(f64::NEG_INFINITY), Float(f64::NEG_INFINITY)),
        (".NaN", Float(f64::NAN), Float(f64::NAN)), ("inf", Str, Str), ("nan", Str, Str),
        ("2001-12-14", Timestamp, Timestamp),
        ("2001-12-14t21:59:43.10-05:00", Timestamp, Timestamp),
        ("2001-12-14 21:59:43.10 -5", Timestamp, Timestamp), ("2001-1-4", Timestamp, Str),
        (":foo", Other, Str), ("=", Str, Other), ("0x", Str, Str), ("1e", Str, Str),
        ("+", Str, Str), (".", Str, Str),
    ];
    for (text, by_psych, by_pyyaml) in cases {
        assert_eq!(psych::read(text), *by_psych, "psych {text:?}");
        assert_eq!(pyyaml::read(text), *by_pyyaml, "pyyaml {text:?}");
    }
}

#[test]
fn what_both_agree_on_is_the_value_and_the_rest_is_kept_as_written() {
    assert_eq!(read("Off"), Ok(Bool(false)));
    assert_eq!(read("0777"), Ok(Int(511)));
    assert_eq!(read("1e3"), Ok(Str));
    assert_eq!(read("1:30"), Err(AsWritten::Unsettled));
    assert_eq!(read("yEs"), Err(AsWritten::Unsettled));
    assert_eq!(read(":foo"), Err(AsWritten::Unsettled));
    assert_eq!(read("2001-12-14"), Err(AsWritten::Timestamp));
}

#[test]
fn a_yaml_1_1_file_as_the_tree_holds_it() {
    let t = parse_1_1(
        "a: no\nb: 0777\nc: 1e3\nd: '0777'\ne: 1:30\nf: 2001-12-14\ng: .Inf\nh: y\n\
         no: key\n<<: {i: On}\nj: |\n  yes\nk: !!str yes\n",
    )
    .unwrap();
    let value = |k: &str| t.get(k).map(|e| e.value.clone());
    let typed = |tag, text: &str| {
        Some(Value::Typed {
            tag,
            text: text.into(),
        })
    };
    assert_eq!(value("a"), Some(Value::Bool(false)));
    assert_eq!(value("b"), Some(Value::Int(511)));
    assert_eq!(value("c"), Some(Value::text("1e3")));
    assert_eq!(value("d"), Some(Value::text("0777")));
    assert_eq!(value("e"), typed("yaml-1.1-unsettled", "1:30"));
    assert_eq!(value("f"), typed("timestamp", "2001-12-14"));
    assert_eq!(value("g"), typed("float", ".inf"));
    assert_eq!(value("h"), Some(Value::text("y")));
    assert_eq!(value("false"), Some(Value::text("key")));
    assert_eq!(value("i"), Some(Value::Bool(true)));
    assert_eq!(value("j"), Some(Value::text("yes\n")));
    assert_eq!(value("k"), Some(Value::text("yes")));
    // Compared as written: never equal to a string or number spelled the same.
    let f = value("e").unwrap();
    assert!(!f.same(&Value::text("1:30")) && !f.same(&Value::Int(5400)) && f.same(&f));
}
