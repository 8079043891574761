//! PHP-FPM's own configuration (`php-fpm.conf`, `pool.d/*.conf`) as php-fpm 8.2 reads it:
//! `fpm_conf_load_ini_file` hands each line to PHP's INI scanner in normal mode, and
//! `fpm_conf_ini_parser_entry` sets the `[global]` or pool option (php-src
//! sapi/fpm/fpm/fpm_conf.c). Checked against `php-fpm8.2 -tt`, which prints what it read:
//!
//! - A line is, after blanks: empty; a comment (`;`, also after a value outside quotes); a
//!   `[section]` header; or `key = value`. A `#` line has no `=` and is refused, as php-fpm
//!   refuses it. Sections are `[global]` and one per pool; names are matched in any case
//!   (`[WWW]` reopens `[www]`), quotes around them dropped, inner blanks kept. Keys are
//!   `pool.key` with the key lowercased (php-fpm matches them with `strcasecmp`) and its dots
//!   kept: `www.pm.max_children`. A key before any section is top-level (in an included
//!   file, it is in the section the include stands in).
//! - Array keys `php_value[x]`, `php_admin_value[x]`, `env[X]` (names matched exactly, the
//!   part in brackets as written, blanks before it dropped) are `www.php_value.x`, the
//!   bracket part one key segment (quoted when it holds a dot: `php_value."session.name"`).
//!   `php_flag[x]` and `php_admin_flag[x]` are php-fpm's `php_value[x]`/`php_admin_value[x]`
//!   set to `1` or `0`, and are read so. A bracket key given twice keeps every value (FPM
//!   applies them all): `php_value.x[0]`, `php_value.x[1]`, in file order.
//! - Values as the INI scanner makes them: `"..."` (with `\"`, `\\` and `\$`) and `'...'`
//!   (as written) joined with the unquoted text around them, blanks next to a quoted part
//!   dropped (next to `'...'` they stay); unquoted `yes`/`on`/`true` are `1` and `no`/`off`/`false`/`none`/`null` are
//!   empty. `$pool` is the pool's name (as its first header writes it). `${VAR}` (the
//!   environment) and PHP constants or expressions (`E_ALL & ~E_NOTICE`) are not evaluated:
//!   an expression is compared with its blanks dropped, anything else as written.
//! - Typed options, with the same meaning as php-fpm's setters: booleans (`yes`, `On`, `1`
//!   are true), integers (`05` is 5), times in seconds (`1m` = `60` = `60s`), `pm` and
//!   `log_level` words in any case (`warn` is `warning`). A value php-fpm would refuse
//!   (`pm.max_children = 5x`) is an error with its line. The last value of a key wins.
//! - `include = GLOB` (the name matched exactly, as php-fpm does) is recorded in order as
//!   top-level `%include[0]`, `%include[1]`, ...; each section header as top-level
//!   `%section[0]`, `%section[1]`, ... (the section's key segment, at its line): which section
//!   an include stands in, and which one its files leave the includer in, depend on them. The
//!   included files are read through by [`super::phpfpm_includes`]; a header's own change is
//!   none (the keys say what it does).

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::{BTreeMap, HashMap};

/// Options php-fpm reads as booleans.
const BOOLEANS: &[&str] = &[
    "daemonize",
    "log_buffering",
    "process.dumpable",
    "request_terminate_timeout_track_finished",
    "catch_workers_output",
    "decorate_workers_output",
    "clear_env",
];

/// Options php-fpm reads as integers (`fpm_conf_set_integer`: an optional `-`, digits).
const INTEGERS: &[&str] = &[
    "log_limit",
    "emergency_restart_threshold",
    "process.max",
    "process.priority",
    "rlimit_files",
    "listen.backlog",
    "listen.setfib",
    "pm.max_children",
    "pm.start_servers",
    "pm.min_spare_servers",
    "pm.max_spare_servers",
    "pm.max_spawn_rate",
    "pm.max_requests",
    "request_slowlog_trace_depth",
];

/// Options php-fpm reads as times (`fpm_conf_set_time`: a number, a suffix `s m h d`).
const TIMES: &[&str] = &[
    "emergency_restart_interval",
    "process_control_timeout",
    "systemd_interval",
    "pm.process_idle_timeout",
    "request_slowlog_timeout",
    "request_terminate_timeout",
];

/// The array options, and the one each is stored in (flags are values set to 1 or 0).
const ARRAYS: &[(&str, &str, bool)] = &[
    ("php_value", "php_value", false),
    ("php_admin_value", "php_admin_value", false),
    ("php_flag", "php_value", true),
    ("php_admin_flag", "php_admin_value", true),
    ("env", "env", false),
];

/// Where the INI scanner starts an expression (constants and bit operators).
const OPERATORS: &[char] = &['|', '&', '^', '~', '!', '(', ')'];

struct Reader {
    /// Key path → (value, line); array keys hold every value in order.
    entries: BTreeMap<String, Vec<(Value, u32)>>,
    /// The section's key segment (lowercased name) and its name as first written.
    section: Option<(String, String)>,
    names: HashMap<String, String>,
    includes: usize,
    sections: usize,
}

/// Reads php-fpm.conf or a pool file.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut r = Reader {
        entries: BTreeMap::new(),
        section: None,
        names: HashMap::new(),
        includes: 0,
        sections: 0,
    };
    for (i, raw) in text.lines().enumerate() {
        r.line(raw, line_number(i))?;
    }
    let mut tree = Tree::new();
    for (path, values) in r.entries {
        if values.len() == 1 {
            let (value, line) = values.into_iter().next().unwrap_or((Value::Null, 0));
            tree.insert(path, value, line);
        } else {
            for (i, (value, line)) in values.into_iter().enumerate() {
                let mut p = path.clone();
                push_index(&mut p, i);
                tree.insert(p, value, line);
            }
        }
    }
    Ok(tree)
}

fn blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

impl Reader {
    fn line(&mut self, raw: &str, ln: u32) -> Result<(), ParseError> {
        let body = raw.trim_start_matches(blank);
        let start = raw.len() - body.len();
        let err = |at: usize, msg: String| ParseError::new(ln, column(raw, at), msg);
        if body.is_empty() || body.starts_with(';') {
            return Ok(());
        }
        if body.starts_with('#') {
            return Err(err(
                start,
                "php-fpm reads no '#' comments (a '#' line is an unknown entry or no entry at all): comments start with ';'"
                    .into(),
            ));
        }
        if let Some(inner) = body.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                return Err(err(
                    raw.len(),
                    "expected ']' to close the section name".into(),
                ));
            };
            let after = inner[close + 1..].trim_start_matches(blank);
            if !(after.is_empty() || after.starts_with(';')) {
                return Err(err(
                    raw.len() - after.len(),
                    "expected nothing but a ';' comment after the section's ']' (php-fpm refuses the line)"
                        .into(),
                ));
            }
            let name = unquote_section(&inner[..close]);
            let key = name.to_lowercase();
            let written = self.names.entry(key.clone()).or_insert(name).clone();
            let mut path = "%section".to_string();
            push_index(&mut path, self.sections);
            self.sections += 1;
            self.entries
                .insert(path, vec![(Value::text(key.clone()), ln)]);
            self.section = Some((key, written));
            return Ok(());
        }
        let Some(eq) = body.find('=') else {
            return Err(err(
                raw.len(),
                "expected 'key = value' (php-fpm refuses a line without '='; comments start with ';')"
                    .into(),
            ));
        };
        let name = body[..eq].trim_end_matches(blank);
        if name.is_empty() {
            return Err(err(start, "expected a key before '='".into()));
        }
        if let Some(bad) = name.find(|c: char| "\"'$;{}".contains(c) || OPERATORS.contains(&c)) {
            return Err(err(
                start + bad,
                format!("expected a key name, found {:?}", &name[bad..=bad]),
            ));
        }
        let value = scan_value(&body[eq + 1..])
            .map_err(|(at, msg)| err(start + eq + 1 + at, msg.to_string()))?;
        let value_at = start + eq + 1;
        if let Some((array, part)) = name.split_once('[') {
            return self.array(array.trim_end_matches(blank), part, value, ln, |m| {
                err(start, m)
            });
        }
        // php-fpm takes `include` written so only (`zend_string_equals_literal`).
        if name == "include" {
            let mut path = "%include".to_string();
            push_index(&mut path, self.includes);
            self.includes += 1;
            self.entries
                .insert(path, vec![(Value::text(value.text), ln)]);
            return Ok(());
        }
        let key = name.to_ascii_lowercase();
        let mut path = String::new();
        let value = match &self.section {
            Some((section, written)) => {
                push_key(&mut path, section);
                path.push('.');
                let text = if section == "global" {
                    value.text
                } else {
                    pool_named(&value.text, written).map_err(|m| err(value_at, m))?
                };
                typed(&key, &text, value.plain).map_err(|m| err(value_at, m))?
            }
            None => Value::text(value.text),
        };
        path.push_str(&key);
        self.entries.insert(path, vec![(value, ln)]);
        Ok(())
    }

    fn array(
        &mut self,
        array: &str,
        part: &str,
        value: Scanned,
        ln: u32,
        err: impl Fn(String) -> ParseError,
    ) -> Result<(), ParseError> {
        let Some(inner) = part.strip_suffix(']') else {
            return Err(err(format!("expected ']' to close the key {array}[{part}")));
        };
        let inner = inner.trim_start_matches(blank);
        let Some(&(_, stored, flag)) = ARRAYS.iter().find(|(n, _, _)| *n == array) else {
            return Err(err(format!(
                "php-fpm refuses the directive '{array}': its arrays are php_value, php_admin_value, php_flag, php_admin_flag and env (names matched exactly)"
            )));
        };
        if inner.is_empty() {
            return Err(err(format!("expected a key inside {array}[]")));
        }
        let text = match &self.section {
            Some((_, written)) => pool_named(&value.text, written).map_err(&err)?,
            None => value.text,
        };
        let text = if flag {
            match boolean(&text) {
                Some(b) => if b { "1" } else { "0" }.to_string(),
                None => {
                    return Err(err(format!(
                        "php-fpm refuses {array}[{inner}] = {text}: expected a boolean (yes, no, on, off, true, false, 1, 0)"
                    )));
                }
            }
        } else {
            text
        };
        let mut path = String::new();
        if let Some((section, _)) = &self.section {
            push_key(&mut path, section);
        }
        push_key(&mut path, stored);
        push_key(&mut path, inner);
        self.entries
            .entry(path)
            .or_default()
            .push((Value::text(text), ln));
        Ok(())
    }
}

/// The longest value `$pool` may expand to: a long pool name used many times on one line
/// would otherwise ask for gigabytes.
const MAX_EXPANDED: usize = 1 << 20;

/// `text` with `$pool` as the pool's name, as `fpm_conf_expand_pool_name` expands it.
fn pool_named(text: &str, name: &str) -> Result<String, String> {
    let uses = text.matches("$pool").count();
    if uses == 0 {
        return Ok(text.to_string());
    }
    if uses.saturating_mul(name.len()).saturating_add(text.len()) > MAX_EXPANDED {
        return Err(format!(
            "$pool expands this value past {MAX_EXPANDED} bytes: confdrift stops here"
        ));
    }
    Ok(text.replace("$pool", name))
}

/// A section name as the scanner reads it: quotes dropped, blanks kept.
fn unquote_section(name: &str) -> String {
    name.chars().filter(|&c| c != '"' && c != '\'').collect()
}

/// A value as the INI scanner hands it on.
struct Scanned {
    text: String,
    /// Written without quotes, operators or environment references: php-fpm's setters see
    /// exactly this text.
    plain: bool,
}

/// One part of a value: unquoted text, or the inside of quotes.
enum Part {
    Raw(String),
    /// The inside of quotes, and whether they were double quotes (blanks next to those drop).
    Quoted(String, bool),
}

/// One value, from after `=` to the end of the line or a `;` outside quotes.
fn scan_value(rest: &str) -> Result<Scanned, (usize, &'static str)> {
    let mut parts: Vec<Part> = Vec::new();
    let mut raw = String::new();
    let mut expression = false;
    let mut chars = rest.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            ';' => break,
            '"' | '\'' => {
                parts.push(Part::Raw(std::mem::take(&mut raw)));
                let mut inside = String::new();
                let mut closed = false;
                while let Some((_, q)) = chars.next() {
                    match q {
                        _ if q == c => {
                            closed = true;
                            break;
                        }
                        '\\' if c == '"' => match chars.peek() {
                            Some(&(_, n @ ('"' | '\\' | '$'))) => {
                                inside.push(n);
                                chars.next();
                            }
                            _ => inside.push('\\'),
                        },
                        q => inside.push(q),
                    }
                }
                if !closed {
                    return Err((at, "expected the quote that closes the quoted value"));
                }
                parts.push(Part::Quoted(inside, c == '"'));
            }
            c => {
                if OPERATORS.contains(&c) {
                    expression = true;
                }
                raw.push(c);
            }
        }
    }
    parts.push(Part::Raw(raw));
    let quoted = parts.iter().any(|p| matches!(p, Part::Quoted(..)));
    let double = |p: Option<&Part>| matches!(p, Some(Part::Quoted(_, true)));
    let last = parts.len() - 1;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Quoted(q, _) => out.push_str(q),
            Part::Raw(r) => {
                // Blanks at the ends of the value, and next to a double-quoted part, are
                // dropped (next to a single-quoted one they stay: `a 'b' c` is `a b c`).
                let mut t = r.as_str();
                if i == 0 || double(i.checked_sub(1).and_then(|j| parts.get(j))) {
                    t = t.trim_start_matches(blank);
                }
                if i == last || double(parts.get(i + 1)) {
                    t = t.trim_end_matches(blank);
                }
                out.push_str(t);
            }
        }
    }
    if expression && !quoted {
        out.retain(|c| !blank(c));
    }
    if !quoted && !expression {
        let word = out.to_ascii_lowercase();
        if matches!(word.as_str(), "yes" | "on" | "true") {
            out = "1".into();
        } else if matches!(word.as_str(), "no" | "off" | "false" | "none" | "null") {
            out.clear();
        }
    }
    let plain = !expression && !out.contains("${");
    Ok(Scanned { text: out, plain })
}

/// A boolean as `fpm_conf_set_boolean` reads the scanner's text.
fn boolean(text: &str) -> Option<bool> {
    match text {
        "1" | "yes" | "true" | "on" => Some(true),
        "" | "0" | "no" | "none" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// An integer as `fpm_conf_set_integer` reads it: an optional `-`, then digits only.
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // atoi into a C int: more digits than an int holds wrap; keep the text then.
    text.parse::<i32>().ok().map(i64::from)
}

/// An option's value written before any section header of an included file, as php-fpm
/// sets it in the section `section` (its key segment) the include stands in: the pool's name
/// for `$pool`, typed as that section's option (the text as written when php-fpm would refuse
/// it: the file's own reading reports nothing of it, the section was not known there).
pub(super) fn in_section(section: &str, key: &str, value: &Value) -> Value {
    let Value::Str(text) = value else {
        return value.clone();
    };
    let text = if section == "global" {
        text.clone()
    } else {
        pool_named(text, section).unwrap_or_else(|_| text.clone())
    };
    let plain = !text.contains("${") && !text.contains(OPERATORS);
    typed(key, &text, plain).unwrap_or(Value::Str(text))
}

/// A pool or global option's value as php-fpm's setter reads it; `plain` is false when the
/// text holds what only the running program can know (`${VAR}`, a constant expression).
fn typed(key: &str, text: &str, plain: bool) -> Result<Value, String> {
    if !plain {
        return Ok(Value::text(text));
    }
    let refused = |what: &str| format!("php-fpm refuses {key} = {text:?}: {what}");
    if BOOLEANS.contains(&key) {
        return boolean(text)
            .map(Value::Bool)
            .ok_or_else(|| refused("expected a boolean (yes, no, on, off, true, false, 1, 0)"));
    }
    if INTEGERS.contains(&key) {
        return integer(text)
            .map(Value::Int)
            .ok_or_else(|| refused("expected a whole number"));
    }
    if TIMES.contains(&key) {
        let (number, unit) = match text.char_indices().last() {
            Some((i, 's')) => (&text[..i], 1),
            Some((i, 'm')) => (&text[..i], 60),
            Some((i, 'h')) => (&text[..i], 3600),
            Some((i, 'd')) => (&text[..i], 86400),
            _ => (text, 1),
        };
        return integer(number)
            .map(|n| Value::Int(n * unit))
            .ok_or_else(|| refused("expected a time (a number, then s, m, h or d)"));
    }
    Ok(match key {
        "rlimit_core" if text.eq_ignore_ascii_case("unlimited") => Value::text("unlimited"),
        "rlimit_core" => integer(text)
            .filter(|n| *n >= 0)
            .map(Value::Int)
            .ok_or_else(|| refused("expected a whole number or 'unlimited'"))?,
        "pm" => {
            let word = text.to_ascii_lowercase();
            if !matches!(word.as_str(), "static" | "dynamic" | "ondemand") {
                return Err(refused("expected static, dynamic or ondemand"));
            }
            Value::text(word)
        }
        "log_level" => {
            let word = text.to_ascii_lowercase();
            let word = if word == "warn" {
                "warning".into()
            } else {
                word
            };
            if !matches!(
                word.as_str(),
                "debug" | "notice" | "warning" | "error" | "alert"
            ) {
                return Err(refused("expected debug, notice, warning, error or alert"));
            }
            Value::text(word)
        }
        "syslog.facility" => Value::text(text.to_ascii_lowercase()),
        _ => Value::text(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::{drift, get, s};

    const POOL: &str = include_str!("../../fixtures/upstream/php8.2-fpm/www.conf");
    const MAIN: &str = include_str!("../../fixtures/upstream/php8.2-fpm/php-fpm.conf");

    #[test]
    fn debians_files() {
        let t = parse(POOL).unwrap();
        assert_eq!(get(&t, "www.pm"), (&s("dynamic"), 116));
        assert_eq!(get(&t, "www.pm.max_children"), (&Value::Int(5), 127));
        assert_eq!(get(&t, "www.user"), (&s("www-data"), 28));
        let m = parse(MAIN).unwrap();
        assert_eq!(
            get(&m, "%include[0]"),
            (&s("/etc/php/8.2/fpm/pool.d/*.conf"), 145)
        );
        assert_eq!(get(&m, "global.pid"), (&s("/run/php/php8.2-fpm.pid"), 19));
    }

    #[test]
    fn values_as_the_ini_scanner_makes_them() {
        let v = |s: &str| scan_value(s).unwrap().text;
        assert_eq!(v(" 5 ; note"), "5");
        assert_eq!(v(" \"5\""), "5");
        assert_eq!(v(" a    b   "), "a    b");
        assert_eq!(v(" a\"b\"c"), "abc");
        assert_eq!(v(" %R - %u %t \"%m %r\" %s"), "%R - %u %t%m %r%s");
        assert_eq!(v(" \"a;b\" ; c"), "a;b");
        assert_eq!(v(" \"a \\\"q\\\" b\""), "a \"q\" b");
        assert_eq!(v(" \"a\\b\\n\""), "a\\b\\n");
        assert_eq!(v(" 'a\"b'"), "a\"b");
        assert_eq!(v(" a 'b' c"), "a b c");
        assert_eq!(v(" a \"b\" c"), "abc");
        assert_eq!(v(" On"), "1");
        assert_eq!(v(" \"yes\""), "yes");
        assert_eq!(v(" none"), "");
        assert_eq!(v(" E_ALL & ~E_NOTICE"), "E_ALL&~E_NOTICE");
        assert!(scan_value(" \"open").is_err());
    }

    #[test]
    fn options_as_php_fpm_sets_them() {
        let a = parse("[www]\npm = Dynamic\nPM.MAX_CHILDREN = 05\nrequest_terminate_timeout = 1m\ncatch_workers_output = On\nlisten = /run/$pool.sock\nphp_flag[display_errors] = off\n").unwrap();
        let b = parse("[WWW]\npm = dynamic\npm.max_children = 5\nrequest_terminate_timeout = 60\ncatch_workers_output = \"yes\"\nlisten = /run/www.sock\nphp_value[display_errors] = 0\n").unwrap();
        assert_eq!(drift(&a, &b), Vec::<String>::new());
        let c = parse("[www]\npm.max_children = 50\n").unwrap();
        assert_eq!(get(&c, "www.pm.max_children").0, &Value::Int(50));
    }

    #[test]
    fn array_keys_are_one_segment() {
        let t = parse("[www]\nphp_admin_value[session.save_path] = /tmp\nenv[DB_PASSWORD] = x\nphp_value[a] = 1\nphp_value[a] = 2\n").unwrap();
        assert_eq!(
            get(&t, "www.php_admin_value.\"session.save_path\"").0,
            &s("/tmp")
        );
        assert_eq!(get(&t, "www.env.DB_PASSWORD").0, &s("x"));
        assert_eq!(get(&t, "www.php_value.a[1]"), (&s("2"), 5));
    }

    #[test]
    fn pool_names_expand_within_bounds() {
        let name = "p".repeat(5000);
        let uses = "$pool".repeat(300);
        let e = parse(&format!("[{name}]\nlisten = {uses}\n")).unwrap_err();
        assert_eq!(e.line, 2);
        let t = parse("[api]\nlisten = /run/$pool-$pool.sock\n").unwrap();
        assert_eq!(get(&t, "api.listen").0, &s("/run/api-api.sock"));
    }

    #[test]
    fn refused_lines_are_errors_with_their_line() {
        for (text, line) in [
            ("[www]\n# comment\n", 2),
            ("[www]\npm.max_children = 5x\n", 2),
            ("[www]\npm = sometimes\n", 2),
            ("[www]\ncatch_workers_output = maybe\n", 2),
            ("[www]\nPhp_Value[a] = 1\n", 2),
            ("[www]\nphp_value[] = 1\n", 2),
            ("[www] x\n", 1),
            ("[www\n", 1),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e:?}");
        }
    }
}
