//! systemd unit files and their drop-ins (`*.service`, `*.socket`, `*.timer`, `*.mount`,
//! `*.path`, `*.target`, ..., and `*.service.d/*.conf`), as systemd 252's `config_parse`
//! (src/shared/conf-parser.c) and the unit's setting parsers read them:
//!
//! - `[Section]` headers, `Key=Value` lines (blanks around both dropped), `#` and `;` comment
//!   lines (only as a line's first character: `A=b # c` is the value `b # c`); a line ending
//!   in an odd number of `\` goes on on the next line, the `\` read as a blank, and comment
//!   lines inside such a line are skipped.
//! - Keys are `Section.Key`, case as written (systemd's keys are case-sensitive). Which keys
//!   exist, and of what type, is systemd 252's own list (`systemd
//!   --dump-configuration-items`, in `systemd/items-252.txt`): a key or section not in it is
//!   an error naming the line (systemd ignores it with a warning, so the setting does not
//!   apply); `X-` sections and keys are the user's own, kept as written.
//! - A setting given again: the last wins. Lists accumulate, and an empty assignment empties
//!   them: commands (`ExecStart=`...), sockets, timers, conditions and `EnvironmentFile=`, one
//!   item per assignment (`Service.ExecStart[0]`, `[1]`, ...); paths and other word lists
//!   (`ReadWritePaths=`, `Documentation=`), one item per word. An empty assignment is kept
//!   as `Service.ExecStart: []` at its line: in a drop-in it drops what the unit set, which
//!   is what a drop-in's `ExecStart=` line is for. Dependencies (`After=`, `Wants=`, ...,
//!   `WantedBy=`) are sets that no empty assignment empties: one value, the unit names
//!   sorted.
//! - `Environment=` assignments are split as systemd splits them (quotes, C escapes) and
//!   keyed by the variable: `Service.Environment.PGPASSWORD`; the last wins, an empty
//!   `Environment=` empties them (`Service.Environment: {}`). An assignment without `=` or
//!   with a bad name is an error (systemd ignores it).
//! - Values: booleans as systemd reads them (`yes`, `true`, `on`, `1`, ...), time spans as
//!   seconds (`90`, `90s` and `1min 30s` are the same), resource limits with the same soft and
//!   hard value as one (`LimitNOFILE=4096:4096` is `4096`), commands as their words (extra
//!   blanks and quotes that change no word are no change). Specifiers (`%i`) are kept as
//!   written. An empty single value is kept as `""`: systemd resets most settings to their
//!   default on it and refuses some (`Type=`).
//!
//! The effective unit, the unit file read with its drop-ins, is [`super::systemd_dropins`].

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::HashMap;
use std::sync::OnceLock;

/// systemd 252's settings by section, with the type it names (`BOOLEAN`, `UNIT [...]`).
static ITEMS: &str = include_str!("systemd/items-252.txt");

/// The longest line systemd reads (LONG_LINE_MAX), continuations joined.
const MAX_LINE: usize = 1024 * 1024;

/// How a setting's assignments combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One value, the last wins.
    Single,
    /// A set of unit names, never emptied.
    Set,
    /// One item per assignment, emptied by an empty one.
    Lines,
    /// One item per word, emptied by an empty one.
    Words,
    /// `Environment=`: by variable.
    Environ,
}

/// Each section's settings and their types.
fn items() -> &'static HashMap<&'static str, HashMap<&'static str, &'static str>> {
    static TABLE: OnceLock<HashMap<&'static str, HashMap<&'static str, &'static str>>> =
        OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<&str, HashMap<&str, &str>> = HashMap::new();
        let mut section = "";
        for line in ITEMS.lines() {
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = s;
            } else if let Some((k, t)) = line.split_once('=') {
                table.entry(section).or_default().insert(k, t);
            }
        }
        table
    })
}

/// How `key`'s assignments combine, by its type in systemd's list.
pub fn kind(section: &str, key: &str) -> Kind {
    let ty = items()
        .get(section)
        .and_then(|s| s.get(key))
        .copied()
        .unwrap_or("");
    match key {
        "Environment" => return Kind::Environ,
        "WantedBy" | "RequiredBy" | "UpheldBy" | "Also" | "Alias" | "RequiresMountsFor" => {
            return Kind::Set;
        }
        "EnvironmentFile"
        | "DeviceAllow"
        | "LoadCredential"
        | "LoadCredentialEncrypted"
        | "SetCredential"
        | "SetCredentialEncrypted"
        | "DirectoryNotEmpty"
        | "PathChanged"
        | "PathExists"
        | "PathExistsGlob"
        | "PathModified" => {
            return Kind::Lines;
        }
        "Documentation"
        | "SupplementaryGroups"
        | "PassEnvironment"
        | "UnsetEnvironment"
        | "RuntimeDirectory"
        | "StateDirectory"
        | "CacheDirectory"
        | "LogsDirectory"
        | "ConfigurationDirectory"
        | "TemporaryFileSystem"
        | "Symlinks"
        | "IPAddressAllow"
        | "IPAddressDeny"
        | "SystemCallFilter"
        | "SystemCallArchitectures"
        | "RestrictAddressFamilies"
        | "CapabilityBoundingSet"
        | "AmbientCapabilities" => return Kind::Words,
        _ => {}
    }
    match ty {
        "UNIT [...]" => Kind::Set,
        "PATH [ARGUMENT [...]]"
        | "SOCKET [...]"
        | "TIMER"
        | "CONDITION"
        | "DEVICEWEIGHT"
        | "DEVICELATENCY"
        | "BANDWIDTH" => Kind::Lines,
        "PATH [...]" | "PATH[:PATH[:OPTIONS]] [...]" => Kind::Words,
        _ => Kind::Single,
    }
}

/// One assignment, in file order: section, key, value and line.
pub struct Assignment {
    pub section: String,
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// The assignments of a unit file, as `config_parse` reads its lines (errors for what it
/// ignores with a warning).
pub fn assignments(text: &str) -> Result<Vec<Assignment>, ParseError> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    let mut continuation: Option<(String, u32)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let ln = line_number(i);
        let mut physical = raw.strip_suffix('\r').unwrap_or(raw);
        if i == 0 {
            physical = physical.strip_prefix('\u{feff}').unwrap_or(physical);
        }
        let lead = physical.trim_start_matches([' ', '\t', '\n', '\r']);
        if lead.starts_with(['#', ';']) {
            continue;
        }
        let (joined, first) = match continuation.take() {
            Some((mut c, first)) => {
                if c.len() + physical.len() > MAX_LINE {
                    return Err(ParseError::new(first, 1, "continuation line too long"));
                }
                c.push_str(physical);
                (c, first)
            }
            None => (physical.to_string(), ln),
        };
        let mut escaped = false;
        for b in joined.bytes() {
            escaped = !escaped && b == b'\\';
        }
        if escaped {
            let mut c = joined;
            c.pop();
            c.push(' ');
            continuation = Some((c, first));
            continue;
        }
        line(&joined, first, &mut section, &mut out)?;
    }
    if let Some((c, first)) = continuation {
        line(&c, first, &mut section, &mut out)?;
    }
    Ok(out)
}

/// One logical line: a header, an assignment, or nothing.
fn line(
    text: &str,
    ln: u32,
    section: &mut Option<String>,
    out: &mut Vec<Assignment>,
) -> Result<(), ParseError> {
    let l = text.trim_matches([' ', '\t', '\n', '\r']);
    if l.is_empty() {
        return Ok(());
    }
    let col = |at: usize| column(text, text.len() - text.trim_start().len() + at);
    let err = |at: usize, m: String| ParseError::new(ln, col(at), m);
    if let Some(rest) = l.strip_prefix('[') {
        let Some(name) = rest.strip_suffix(']') else {
            return Err(err(
                0,
                format!("invalid section header '{l}' (expected [Section])"),
            ));
        };
        if !name.starts_with("X-") && !items().contains_key(name) {
            return Err(err(
                1,
                format!("unknown section '{name}': systemd 252 ignores it and what it holds"),
            ));
        }
        *section = Some(name.to_string());
        return Ok(());
    }
    let Some(s) = section.as_deref() else {
        return Err(err(
            0,
            "assignment outside of a section: systemd ignores it".to_string(),
        ));
    };
    let Some((k, v)) = l.split_once('=') else {
        return Err(err(0, "missing '=': systemd ignores the line".to_string()));
    };
    let key = k.trim_end_matches([' ', '\t']);
    if key.is_empty() {
        return Err(err(0, "missing key name before '='".to_string()));
    }
    if !s.starts_with("X-")
        && !key.starts_with("X-")
        && !items().get(s).is_some_and(|keys| keys.contains_key(key))
    {
        return Err(err(
            0,
            format!("unknown key '{key}' in section [{s}]: systemd 252 ignores it"),
        ));
    }
    out.push(Assignment {
        section: s.to_string(),
        key: key.to_string(),
        value: v.trim_matches([' ', '\t', '\n', '\r']).to_string(),
        line: ln,
    });
    Ok(())
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut unit = Unit::default();
    for a in assignments(text)? {
        unit.apply(&a)?;
    }
    Ok(unit.tree())
}

/// A unit as its assignments build it, file after file (the unit file, then each drop-in).
#[derive(Default)]
pub struct Unit {
    /// Each setting (section, key) in first-seen order, with its state.
    settings: Vec<((String, String), Setting)>,
    index: HashMap<(String, String), usize>,
}

enum Setting {
    Single(Value, u32),
    /// The items, and the line of the empty assignment that last emptied the list.
    List(Vec<(Value, u32)>, Option<u32>),
    Set(crate::tree::Map<String, ()>, u32),
    Environ(crate::tree::Map<String, (String, u32)>, Option<u32>),
}

impl Unit {
    /// Applies one assignment as systemd does.
    pub fn apply(&mut self, a: &Assignment) -> Result<(), ParseError> {
        let id = (a.section.clone(), a.key.clone());
        let kind = if a.section.starts_with("X-") || a.key.starts_with("X-") {
            Kind::Single
        } else {
            kind(&a.section, &a.key)
        };
        let slot = match self.index.get(&id) {
            Some(&i) => &mut self.settings[i].1,
            None => {
                let fresh = match kind {
                    Kind::Single => Setting::Single(Value::Null, a.line),
                    Kind::Lines | Kind::Words => Setting::List(Vec::new(), None),
                    Kind::Set => Setting::Set(Default::default(), a.line),
                    Kind::Environ => Setting::Environ(Default::default(), None),
                };
                self.index.insert(id.clone(), self.settings.len());
                self.settings.push((id, fresh));
                &mut self.settings.last_mut().expect("just pushed").1
            }
        };
        match slot {
            Setting::Single(v, line) => {
                *v = single(&a.section, &a.key, &a.value);
                *line = a.line;
            }
            Setting::List(items, reset) => {
                if a.value.is_empty() {
                    items.clear();
                    *reset = Some(a.line);
                } else if kind == Kind::Words {
                    let words = split(&a.value).map_err(|m| ParseError::new(a.line, 1, m))?;
                    items.extend(words.into_iter().map(|w| (Value::Str(w), a.line)));
                } else if a.key.starts_with("Exec") {
                    items.push((Value::Str(command(&a.value)), a.line));
                } else {
                    items.push((Value::text(&a.value), a.line));
                }
            }
            Setting::Set(units, line) => {
                let words = split(&a.value).map_err(|m| ParseError::new(a.line, 1, m))?;
                if !words.is_empty() {
                    *line = a.line;
                }
                for w in words {
                    units.insert(w, ());
                }
            }
            Setting::Environ(vars, reset) => {
                if a.value.is_empty() {
                    vars.clear();
                    *reset = Some(a.line);
                    return Ok(());
                }
                let words = split(&a.value).map_err(|m| ParseError::new(a.line, 1, m))?;
                for w in words {
                    let name = w.split_once('=').map(|(n, _)| n);
                    let Some(name) = name.filter(|n| env_name_ok(n)) else {
                        return Err(ParseError::new(
                            a.line,
                            1,
                            "invalid environment assignment (expected NAME=value): systemd \
                             ignores it",
                        ));
                    };
                    let value = w[name.len() + 1..].to_string();
                    vars.insert(name.to_string(), (value, a.line));
                }
            }
        }
        Ok(())
    }

    /// The unit's settings as keys.
    pub fn tree(&self) -> Tree {
        let mut tree = Tree::new();
        for ((section, key), setting) in &self.settings {
            let mut base = String::new();
            push_key(&mut base, section);
            push_key(&mut base, key);
            match setting {
                Setting::Single(v, line) => tree.insert(base, v.clone(), *line),
                Setting::List(items, reset) => {
                    if let Some(line) = reset {
                        tree.insert(base.clone(), Value::EmptyList, *line);
                    }
                    for (i, (v, line)) in items.iter().enumerate() {
                        let mut k = base.clone();
                        push_index(&mut k, i);
                        tree.insert(k, v.clone(), *line);
                    }
                }
                Setting::Set(units, line) => {
                    if !units.is_empty() {
                        let mut sorted: Vec<&str> = units.keys().map(String::as_str).collect();
                        sorted.sort_unstable();
                        tree.insert(base, Value::Str(sorted.join(" ")), *line);
                    }
                }
                Setting::Environ(vars, reset) => {
                    if let Some(line) = reset {
                        tree.insert(base.clone(), Value::EmptyMap, *line);
                    }
                    for (name, (value, line)) in vars {
                        let mut k = base.clone();
                        push_key(&mut k, name);
                        tree.insert(k, Value::Str(value.clone()), *line);
                    }
                }
            }
        }
        tree
    }
}

fn env_name_ok(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// A single value in the form systemd compares it: booleans, time spans and limits read.
fn single(section: &str, key: &str, value: &str) -> Value {
    let ty = items()
        .get(section)
        .and_then(|s| s.get(key))
        .copied()
        .unwrap_or("");
    match ty {
        "BOOLEAN" => match value.to_ascii_lowercase().as_str() {
            "1" | "yes" | "y" | "true" | "t" | "on" => Value::Bool(true),
            "0" | "no" | "n" | "false" | "f" | "off" => Value::Bool(false),
            _ => Value::text(value),
        },
        // A time span; some have parsers of their own (`TimeoutStopSec=` is `OTHER`).
        _ if ty == "SECONDS" || key.ends_with("Sec") => match seconds(value) {
            Some(amount) => Value::Quantity {
                amount,
                text: value.to_string(),
            },
            None => Value::text(value),
        },
        "LIMIT" => match value.split_once(':') {
            Some((soft, hard)) if soft == hard => Value::text(soft),
            _ => Value::text(value),
        },
        _ => Value::text(value),
    }
}

/// A time span in seconds as `parse_sec` reads it (`90`, `1min 30s`, `1.5h`, `infinity`).
fn seconds(text: &str) -> Option<f64> {
    let t = text.trim();
    if t == "infinity" {
        return Some(f64::INFINITY);
    }
    let mut total = 0.0;
    let mut rest = t;
    let mut any = false;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let number: f64 = rest[..n].parse().ok()?;
        rest = rest[n..].trim_start();
        let u = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let factor = match &rest[..u] {
            "" | "s" | "sec" | "second" | "seconds" => 1.0,
            "us" | "usec" | "µs" => 1e-6,
            "ms" | "msec" => 1e-3,
            "m" | "min" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            "w" | "week" | "weeks" => 604800.0,
            "M" | "month" | "months" => 2_629_800.0,
            "y" | "year" | "years" => 31_557_600.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[u..];
        any = true;
    }
    any.then_some(total)
}

/// A command line as its words, re-joined: the prefixes (`-`, `@`, `+`, `!`, `:`) kept.
fn command(value: &str) -> String {
    match split(value) {
        Ok(words) => words
            .iter()
            .map(|w| {
                if w.is_empty() || w.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                {
                    format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""))
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => value.to_string(),
    }
}

/// Words as `extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE)` splits them: blanks
/// separate, `'...'` and `"..."` quote (anywhere in a word), `\` escapes as in C.
pub fn split(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => match chars.next() {
                    None => return Err("a '\\' ends the value".into()),
                    Some(e) => word.push_str(&unescape(e, &mut chars)),
                },
                (_, c) => word.push(c),
            }
        }
        if quote.is_some() {
            return Err("unbalanced quotes".into());
        }
        out.push(word);
    }
}

/// The text of a C escape after its `\` (`n`, `x41`, `101`, ...).
fn unescape(e: char, chars: &mut std::iter::Peekable<std::str::Chars>) -> String {
    let mut take = |n: usize, radix: u32| {
        let mut v = 0u32;
        for _ in 0..n {
            match chars.peek().and_then(|c| c.to_digit(radix)) {
                Some(d) => {
                    v = v * radix + d;
                    chars.next();
                }
                None => break,
            }
        }
        char::from_u32(v).map(String::from).unwrap_or_default()
    };
    match e {
        'a' => "\u{7}".into(),
        'b' => "\u{8}".into(),
        'f' => "\u{c}".into(),
        'n' => "\n".into(),
        'r' => "\r".into(),
        't' => "\t".into(),
        'v' => "\u{b}".into(),
        's' => " ".into(),
        'x' => take(2, 16),
        'u' => take(4, 16),
        'U' => take(8, 16),
        '0'..='7' => {
            let mut s = e.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.peek().and_then(|c| c.to_digit(8)) {
                    Some(d) => {
                        s = s * 8 + d;
                        chars.next();
                    }
                    None => break,
                }
            }
            char::from_u32(s).map(String::from).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
