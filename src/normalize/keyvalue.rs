//! Line-oriented `keyword value` files: OpenSSH's `sshd_config` and `ssh_config`, `redis.conf`
//! and `sysctl.conf`. One reader; each format is one [`Dialect`] value that says how its
//! lines are split, which keywords repeat, and which value wins.
//!
//! Common to all: blank lines and lines whose first non-blank character is a comment
//! character are ignored; a value is its words joined by one space (tabs and runs of spaces
//! are not drift); a keyword that accumulates becomes a list `keyword[0]`, `keyword[1]`, ... in
//! file order; any other repeated keyword keeps one value, the first or the last by dialect.
//!
//! - **sshd** (`sshd_config`, `sshd_config.d/*.conf`): keywords are case-insensitive and are
//!   lowercased; `Keyword value`, `Keyword=value` and `Keyword = value` are the same. As
//!   sshd_config(5) says, "the first obtained value will be used": a repeated keyword keeps its
//!   first value and line. Keywords that servconf.c accumulates are lists: `AcceptEnv`,
//!   `AllowGroups`, `AllowUsers`, `DenyGroups`, `DenyUsers`, `HostCertificate`, `HostKey`,
//!   `Include`, `ListenAddress`, `Port`, `Subsystem`. `Match criteria` starts a section that runs
//!   to the next `Match` or the end of the file: keys in it are
//!   `match."User anoncvs".x11forwarding`, the criteria, whitespace-normalized, as one
//!   segment (the criteria keep their case; `Match all` is `match.all`). Arguments may be in
//!   double or single quotes (quotes are dropped, `\"` `\'` `\\` decoded), and an unquoted word
//!   starting with `#` ends the line, as in OpenSSH's `argv_split`. `yes`/`no` stay strings.
//! - **ssh** (`ssh_config`, `ssh_config.d/*.conf`): the same syntax and first-wins rule; both
//!   `Host patterns` and `Match criteria` start sections (`host."*".sendenv[0]`); lists are
//!   `CertificateFile`, `DynamicForward`, `IdentityFile`, `Include`, `LocalForward`,
//!   `RemoteForward`, `SendEnv`.
//! - **redis** (`redis.conf`, `sentinel.conf`, `redis-*.conf`, `redis/*.conf`): keywords are
//!   lowercased; the last value wins ("Redis always uses the last processed line", redis.conf);
//!   lists are `include`, `save`, `rename-command`, `loadmodule`, `client-output-buffer-limit`,
//!   `user` and `sentinel`. Arguments are split as `sdssplitargs` does: `"..."` with `\n \r \t
//!   \b \a \xHH \" \\` escapes, `'...'` with `\'`; a closing quote must be followed by a space or
//!   the end of the line. Only whole lines are comments. A value that is one number with a
//!   memory unit is a `Value::Quantity` in bytes, with redis' own units (redis.conf's header):
//!   `1k` = 1000, `1kb` = 1024, `1m` = 10^6, `1mb` = 2^20, `1g` = 10^9, `1gb` = 2^30, any case;
//!   so `1gb` = `1024mb` = `1073741824`, but `1g` is not `1gb`. Several words stay text.
//! - **sysctl** (`sysctl.conf`, `sysctl.d/*.conf`): `key = value`; `#` and `;` start comment
//!   lines; a leading `-` (ignore errors) is dropped from the key; `a/b/c` is `a.b.c` (as in
//!   sysctl(8), when the first separator is `/` the `.` and `/` swap, so
//!   `net/ipv4/conf/eth0.100/forwarding` is `net.ipv4.conf.eth0/100.forwarding`); each
//!   dotted part is one key segment. The last value wins. A line without `=` is an error.

use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::HashMap;

/// How keyword and value are separated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Separator {
    /// Whitespace only (redis).
    Space,
    /// Whitespace and/or one `=` (OpenSSH).
    SpaceOrEquals,
    /// A required `=` (sysctl).
    Equals,
}

/// How the value is split into words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Words {
    /// OpenSSH `argv_split`: quotes, backslash escapes, `#` word ends the line.
    Ssh,
    /// Redis `sdssplitargs`.
    Redis,
    /// Plain whitespace-separated words (sysctl).
    Plain,
}

/// One format's settings.
struct Dialect {
    comment_chars: &'static [char],
    separator: Separator,
    words: Words,
    lowercase: bool,
    first_wins: bool,
    /// Lowercased keywords of which every line applies.
    lists: &'static [&'static str],
    /// Lowercased keywords that start a section running to the next one.
    sections: &'static [&'static str],
    /// An empty value is an error.
    value_required: bool,
    redis_units: bool,
    sysctl_keys: bool,
}

const SSHD: Dialect = Dialect {
    comment_chars: &['#'],
    separator: Separator::SpaceOrEquals,
    words: Words::Ssh,
    lowercase: true,
    first_wins: true,
    lists: &[
        "acceptenv",
        "allowgroups",
        "allowusers",
        "denygroups",
        "denyusers",
        "hostcertificate",
        "hostkey",
        "include",
        "listenaddress",
        "port",
        "subsystem",
    ],
    sections: &["match"],
    value_required: true,
    redis_units: false,
    sysctl_keys: false,
};

const SSH: Dialect = Dialect {
    lists: &[
        "certificatefile",
        "dynamicforward",
        "identityfile",
        "include",
        "localforward",
        "remoteforward",
        "sendenv",
    ],
    sections: &["host", "match"],
    ..SSHD
};

const REDIS: Dialect = Dialect {
    comment_chars: &['#'],
    separator: Separator::Space,
    words: Words::Redis,
    lowercase: true,
    first_wins: false,
    lists: &[
        "include",
        "save",
        "rename-command",
        "loadmodule",
        "client-output-buffer-limit",
        "user",
        "sentinel",
    ],
    sections: &[],
    value_required: false,
    redis_units: true,
    sysctl_keys: false,
};

const SYSCTL: Dialect = Dialect {
    comment_chars: &['#', ';'],
    separator: Separator::Equals,
    words: Words::Plain,
    lowercase: false,
    first_wins: false,
    lists: &[],
    sections: &[],
    value_required: false,
    redis_units: false,
    sysctl_keys: true,
};

pub fn parse_sshd(text: &str) -> Result<Tree, ParseError> {
    parse_dialect(text, &SSHD)
}

pub fn parse_ssh(text: &str) -> Result<Tree, ParseError> {
    parse_dialect(text, &SSH)
}

pub fn parse_redis(text: &str) -> Result<Tree, ParseError> {
    parse_dialect(text, &REDIS)
}

pub fn parse_sysctl(text: &str) -> Result<Tree, ParseError> {
    parse_dialect(text, &SYSCTL)
}

/// 1-based column of byte offset `at` in `line`, counted in characters.
fn column(line: &str, at: usize) -> u32 {
    let at = at.min(line.len());
    let n = line.get(..at).map_or(at, |s| s.chars().count());
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\r' || c == '\x0b' || c == '\x0c'
}

/// OpenSSH `argv_split`: words from byte `at` of `line`.
fn ssh_words(line: &str, mut at: usize, ln: u32) -> Result<Vec<String>, ParseError> {
    let mut words = Vec::new();
    loop {
        while line[at..].starts_with(is_space) {
            at += 1;
        }
        let Some(first) = line[at..].chars().next() else {
            return Ok(words);
        };
        if first == '#' {
            return Ok(words);
        }
        let start = at;
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut chars = line[at..].char_indices().peekable();
        while let Some((off, c)) = chars.next() {
            if quote.is_none() && is_space(c) {
                at = start + off;
                break;
            }
            at = start + off + c.len_utf8();
            match c {
                '\\' => match chars.peek() {
                    Some(&(_, e @ ('\\' | '"' | '\'' | ' '))) => {
                        word.push(e);
                        chars.next();
                        at += 1;
                    }
                    _ => word.push('\\'),
                },
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                c => word.push(c),
            }
        }
        if let Some(q) = quote {
            return Err(ParseError::new(
                ln,
                column(line, start),
                format!("expected a closing {q} for the argument that starts here"),
            ));
        }
        words.push(word);
    }
}

/// Redis `sdssplitargs`: words from byte `at` of `line`.
fn redis_words(line: &str, mut at: usize, ln: u32) -> Result<Vec<String>, ParseError> {
    let mut words = Vec::new();
    let bytes = line.as_bytes();
    loop {
        while at < bytes.len() && is_space(bytes[at] as char) {
            at += 1;
        }
        if at >= bytes.len() {
            return Ok(words);
        }
        let start = at;
        let quote = match bytes[at] {
            q @ (b'"' | b'\'') => {
                at += 1;
                Some(q)
            }
            _ => None,
        };
        let mut word: Vec<u8> = Vec::new();
        loop {
            let Some(&b) = bytes.get(at) else {
                if quote.is_some() {
                    return Err(ParseError::new(
                        ln,
                        column(line, start),
                        format!(
                            "expected a closing {} for the argument that starts here",
                            quote.map_or('"', char::from)
                        ),
                    ));
                }
                break;
            };
            match quote {
                None if is_space(b as char) => break,
                None => {
                    word.push(b);
                    at += 1;
                }
                Some(q) if b == q => {
                    at += 1;
                    if bytes.get(at).is_some_and(|&n| !is_space(n as char)) {
                        return Err(ParseError::new(
                            ln,
                            column(line, at),
                            "expected a space or the end of the line after the closing quote",
                        ));
                    }
                    break;
                }
                Some(b'"') if b == b'\\' && at + 1 < bytes.len() => {
                    let e = bytes[at + 1];
                    let hex = |i: usize| bytes.get(i).and_then(|&h| (h as char).to_digit(16));
                    if e == b'x'
                        && let (Some(h), Some(l)) = (hex(at + 2), hex(at + 3))
                    {
                        word.push((h * 16 + l) as u8);
                        at += 4;
                        continue;
                    }
                    word.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    at += 2;
                }
                Some(b'\'') if b == b'\\' && bytes.get(at + 1) == Some(&b'\'') => {
                    word.push(b'\'');
                    at += 2;
                }
                Some(_) => {
                    word.push(b);
                    at += 1;
                }
            }
        }
        words.push(String::from_utf8_lossy(&word).into_owned());
    }
}

/// A redis memory size (`64mb`, `1g`, `100`) in bytes, when the text has a unit.
fn redis_bytes(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit() && c != '-')
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let factor = match unit {
        "k" => 1e3,
        "kb" => 1024.0,
        "m" => 1e6,
        "mb" => 1024.0 * 1024.0,
        "g" => 1e9,
        "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let n: i64 = digits.parse().ok()?;
    Some(n as f64 * factor)
}

/// The sysctl key in dotted form, split into segments.
fn sysctl_segments(key: &str) -> Vec<String> {
    let key = key.strip_prefix('-').unwrap_or(key).trim();
    let slash_first = key
        .find(['.', '/'])
        .is_some_and(|i| key.as_bytes()[i] == b'/');
    let dotted: String = if slash_first {
        key.chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect()
    } else {
        key.to_string()
    };
    dotted.split('.').map(str::to_string).collect()
}

struct Reader<'d> {
    dialect: &'d Dialect,
    tree: Tree,
    section: String,
    counters: HashMap<String, usize>,
}

impl Reader<'_> {
    fn line(&mut self, line: &str, ln: u32) -> Result<(), ParseError> {
        let d = self.dialect;
        let start = line.len() - line.trim_start_matches(is_space).len();
        let body = line[start..].trim_end_matches(is_space);
        if body.is_empty() || body.starts_with(d.comment_chars) {
            return Ok(());
        }
        // The keyword, then the separator.
        let key_end = start
            + body
                .find(|c: char| is_space(c) || (d.separator != Separator::Space && c == '='))
                .unwrap_or(body.len());
        let key = &line[start..key_end];
        let mut at = key_end;
        while line[at..].starts_with(is_space) {
            at += 1;
        }
        let has_equals = line[at..].starts_with('=');
        match d.separator {
            Separator::Equals if !has_equals => {
                return Err(ParseError::new(
                    ln,
                    column(line, at),
                    "expected '=' between the key and the value (lines are `key = value`)",
                ));
            }
            Separator::Equals | Separator::SpaceOrEquals if has_equals => {
                at += 1;
            }
            _ => {}
        }
        if key.is_empty() {
            return Err(ParseError::new(
                ln,
                column(line, start),
                "expected a keyword before '='",
            ));
        }
        let words = match d.words {
            Words::Ssh => ssh_words(line, at, ln)?,
            Words::Redis => redis_words(line, at, ln)?,
            Words::Plain => line[at..].split_whitespace().map(str::to_string).collect(),
        };
        let keyword = if d.lowercase {
            key.to_lowercase()
        } else {
            key.to_string()
        };
        if words.is_empty() && d.value_required {
            return Err(ParseError::new(
                ln,
                column(line, line.len()),
                format!("expected a value after '{key}'"),
            ));
        }
        let value = words.join(" ");

        if d.sections.contains(&keyword.as_str()) {
            self.section.clear();
            push_key(&mut self.section, &keyword);
            push_key(&mut self.section, &value);
            return Ok(());
        }

        let mut path = self.section.clone();
        if d.sysctl_keys {
            for segment in sysctl_segments(key) {
                push_key(&mut path, &segment);
            }
        } else {
            push_key(&mut path, &keyword);
        }
        let value = match (d.redis_units, words.as_slice()) {
            (true, [one]) => match redis_bytes(one) {
                Some(amount) => Value::Quantity {
                    amount,
                    text: one.clone(),
                },
                None => Value::Str(value),
            },
            _ => Value::Str(value),
        };
        if d.lists.contains(&keyword.as_str()) {
            let n = self.counters.entry(path.clone()).or_insert(0);
            push_index(&mut path, *n);
            *n += 1;
        } else if d.first_wins && self.tree.get(&path).is_some() {
            return Ok(());
        }
        self.tree.insert(path, value, ln);
        Ok(())
    }
}

fn parse_dialect(text: &str, dialect: &Dialect) -> Result<Tree, ParseError> {
    let mut reader = Reader {
        dialect,
        tree: Tree::new(),
        section: String::new(),
        counters: HashMap::new(),
    };
    for (i, line) in text.lines().enumerate() {
        reader.line(line, u32::try_from(i + 1).unwrap_or(u32::MAX))?;
    }
    Ok(reader.tree)
}
