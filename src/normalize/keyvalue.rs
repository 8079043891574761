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
//!   segment (the criteria keep their case; `Match all` is `match.all`). Each word of
//!   `AcceptEnv`, `AllowUsers`, `AllowGroups`, `DenyUsers` and `DenyGroups` is one entry, as
//!   servconf.c takes them (one line of two words is two lines). Values are read as sshd reads
//!   them, from its own table ([`sshd_value`]): `YES` is `yes`, `prohibit-password` is
//!   `without-password`, `LoginGraceTime 2m` is 120 seconds, an old keyword is the one it sets
//!   (`KeepAlive` is `tcpkeepalive`). Arguments may be in
//!   double or single quotes (quotes are dropped, `\"` `\'` `\\` decoded), and an unquoted word
//!   starting with `#` ends the line, as in OpenSSH's `argv_split`. `yes`/`no` stay strings.
//! - **ssh** (`ssh_config`, `ssh_config.d/*.conf`): the same syntax and first-wins rule; both
//!   `Host patterns` and `Match criteria` start sections (`host."*".sendenv[0]`); lists are
//!   `CertificateFile`, `DynamicForward`, `IdentityFile`, `Include`, `LocalForward`,
//!   `RemoteForward`, `SendEnv`. Values and old keywords are read from ssh's own table
//!   ([`ssh_value`]: `HashKnownHosts YES` is `yes`, `ConnectTimeout 2m` is 120 seconds,
//!   `ChallengeResponseAuthentication` is `kbdinteractiveauthentication`). What each host gets
//!   from the blocks is [`super::sshclient`]'s.
//! - **redis** (`redis.conf`, `sentinel.conf`, `redis-*.conf`, `redis/*.conf`): keywords are
//!   lowercased; the last value wins ("Redis always uses the last processed line", redis.conf);
//!   lists are `include`, `save`, `rename-command`, `loadmodule`, `client-output-buffer-limit`,
//!   `user` and `sentinel`. Arguments are split as `sdssplitargs` does: `"..."` with `\n \r \t
//!   \b \a \xHH \" \\` escapes, `'...'` with `\'`; a closing quote must be followed by a space or
//!   the end of the line. Only whole lines are comments. A value that is one number with a
//!   memory unit is a `Value::Quantity` in bytes, with redis' own units (redis.conf's header):
//!   `1k` = 1000, `1kb` = 1024, `1m` = 10^6, `1mb` = 2^20, `1g` = 10^9, `1gb` = 2^30, any case;
//!   so `1gb` = `1024mb` = `1073741824`, but `1g` is not `1gb`. Several words stay text. From
//!   the server's own table ([`redis_value`]): an old name is the one it sets
//!   (`slave-read-only` is `replica-read-only`), and a value the server reads in any case is
//!   what `CONFIG GET` prints for it (`YES` is `yes`).
//! - **sysctl** (`sysctl.conf`, `sysctl.d/*.conf`): `key = value`; `#` and `;` start comment
//!   lines; a leading `-` (ignore errors) is dropped from the key; `a/b/c` is `a.b.c` (as in
//!   sysctl(8), when the first separator is `/` the `.` and `/` swap, so
//!   `net/ipv4/conf/eth0.100/forwarding` is `net.ipv4.conf.eth0/100.forwarding`); each
//!   dotted part is one key segment. The last value wins. A line without `=` is an error.

use super::column;
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
    /// Keywords of which every word of a line is one entry (`AcceptEnv LANG LC_*`).
    split_lists: &'static [&'static str],
    /// Values typed as the program reads them (a keyword, the value as written).
    program_values: Option<fn(&str, &str) -> Value>,
    /// An old keyword the program still reads, to the one it sets.
    rename: Option<fn(&str) -> Option<&'static str>>,
    /// Keywords whose first word names what the line sets (`client-output-buffer-limit
    /// replica ...`, `rename-command CONFIG ...`): keyed by it (`keyword.word`), the last line
    /// for a word wins, and their order does not matter.
    keyed: &'static [&'static str],
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
    split_lists: &[
        "acceptenv",
        "allowgroups",
        "allowusers",
        "denygroups",
        "denyusers",
    ],
    program_values: Some(sshd_value),
    rename: Some(sshd_rename),
    keyed: &[],
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
    split_lists: &[],
    program_values: Some(ssh_value),
    rename: Some(ssh_rename),
    ..SSHD
};

const REDIS: Dialect = Dialect {
    comment_chars: &['#'],
    separator: Separator::Space,
    words: Words::Redis,
    lowercase: true,
    first_wins: false,
    lists: &["include", "save", "loadmodule", "user", "sentinel"],
    sections: &[],
    value_required: false,
    redis_units: true,
    sysctl_keys: false,
    split_lists: &[],
    program_values: Some(redis_value),
    rename: Some(redis_rename),
    keyed: &["client-output-buffer-limit", "rename-command"],
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
    split_lists: &[],
    program_values: None,
    rename: None,
    keyed: &[],
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
        // Escapes (`\xe9`) are bytes, as the file's own non-UTF-8 bytes are.
        words.push(super::raw::decode_built(&word));
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
        let mut keyword = if d.lowercase {
            key.to_lowercase()
        } else {
            key.to_string()
        };
        if let Some(new) = d.rename.and_then(|rename| rename(&keyword)) {
            keyword = new.to_string();
        }
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
        if d.split_lists.contains(&keyword.as_str()) && words.len() > 1 {
            // One line with several words is several lines of one word each.
            for w in &words {
                let mut path = path.clone();
                let n = self.counters.entry(path.clone()).or_insert(0);
                push_index(&mut path, *n);
                *n += 1;
                self.tree.insert(path, Value::Str(w.clone()), ln);
            }
            return Ok(());
        }
        if d.keyed.contains(&keyword.as_str()) && !words.is_empty() {
            // One line may set several classes: `normal 0 0 0 replica 256mb 64mb 60`.
            let per = if keyword == "client-output-buffer-limit" && words.len() % 4 == 0 {
                4
            } else {
                words.len()
            };
            for group in words.chunks(per) {
                let mut path = path.clone();
                push_key(&mut path, &keyed_word(&keyword, &group[0]));
                let value = group[1..]
                    .iter()
                    .map(|w| match redis_bytes(w) {
                        Some(amount) if d.redis_units => amount.to_string(),
                        _ => w.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                self.tree.insert(path, Value::Str(value), ln);
            }
            return Ok(());
        }
        let value = match (d.program_values, d.redis_units, words.as_slice()) {
            (Some(typed), _, _) => typed(&keyword, &value),
            (None, true, [one]) => match redis_bytes(one) {
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

/// An sshd_config value as sshd reads it, from sshd's own table
/// ([`super::defaults::openssh_spellings`]): a word the keyword takes, in any case where sshd
/// reads any case, becomes what `sshd -T` prints for it (`YES` is `yes`, `prohibit-password`
/// is `without-password`); a time (`LoginGraceTime 2m`) becomes its seconds; anything else
/// stays as written.
pub fn sshd_value(keyword: &str, text: &str) -> Value {
    let table = super::defaults::openssh_spellings();
    // A number sshd checks, as `atoi_err` reads it (`strtonum(s, 0, INT_MAX)`): `+6` is 6.
    if table.strict(keyword) == Some("number")
        && let Some(n) = text
            .strip_prefix(['+', '-'])
            .unwrap_or(text)
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<i64>().ok())
            .flatten()
            .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
    {
        return Value::Str(n.to_string());
    }
    openssh_value(table, keyword, text)
}

/// An ssh_config value as ssh reads it, from ssh's own table
/// ([`super::defaults::ssh_spellings`]), the way [`sshd_value`] reads sshd's: `YES` is `yes`,
/// `LogLevel debug` is `DEBUG`, `ConnectTimeout 2m` is 120 seconds.
pub fn ssh_value(keyword: &str, text: &str) -> Value {
    if keyword == "rekeylimit"
        && let Some(v) = rekey_limit(text)
    {
        return Value::Str(v);
    }
    openssh_value(super::defaults::ssh_spellings(), keyword, text)
}

/// ssh's `RekeyLimit SIZE [TIME]` as `ssh -G` prints it (`1G 1h` is `1073741824 3600`):
/// `default` is 0 bytes, `none` 0 seconds (both as written), sizes in powers of 1024 with a
/// unit in either case (`scan_scaled`); none for anything else.
fn rekey_limit(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    let size = words.next()?;
    let bytes: u64 = if size == "default" {
        0
    } else {
        let digits = size.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = size[..digits].parse().ok()?;
        let power = match size[digits..].to_ascii_uppercase().as_str() {
            "" | "B" => 0,
            "K" => 1,
            "M" => 2,
            "G" => 3,
            "T" => 4,
            _ => return None,
        };
        n.checked_mul(1024u64.pow(power))?
    };
    let secs = match words.next() {
        None | Some("none") => 0,
        Some(t) => convtime(t)?,
    };
    words.next().is_none().then(|| format!("{bytes} {secs}"))
}

/// An old sshd_config keyword (`keepalive`) to the one it sets (`tcpkeepalive`).
fn sshd_rename(keyword: &str) -> Option<&'static str> {
    super::defaults::openssh_spellings().alias(keyword)
}

/// An old ssh_config keyword (`identityfile2`) to the one it sets (`identityfile`).
fn ssh_rename(keyword: &str) -> Option<&'static str> {
    super::defaults::ssh_spellings().alias(keyword)
}

fn openssh_value(table: &super::defaults::Table, keyword: &str, text: &str) -> Value {
    let fold = table.folds_case(keyword);
    let spelling = if fold {
        text.to_lowercase()
    } else {
        text.to_string()
    };
    if let Some(v) = table.enum_exact(keyword, &spelling) {
        return Value::Str(v.to_string());
    }
    if table.is_time(keyword)
        && let Some(secs) = convtime(text)
    {
        return Value::Quantity {
            amount: secs as f64,
            text: text.to_string(),
        };
    }
    Value::Str(if fold { spelling } else { text.to_string() })
}

/// A redis.conf value as the server reads it, from its own table
/// ([`super::defaults::redis_spellings`]): one word with a memory unit is its bytes; a value
/// the server reads in any case (`YES`, `NOTICE`) is what `CONFIG GET` prints for it; anything
/// else stays as written.
pub fn redis_value(keyword: &str, text: &str) -> Value {
    if !text.contains(' ')
        && let Some(amount) = redis_bytes(text)
    {
        return Value::Quantity {
            amount,
            text: text.to_string(),
        };
    }
    let table = super::defaults::redis_spellings();
    if let Some(v) = table
        .enum_exact(keyword, text)
        .or_else(|| table.enum_exact(keyword, &text.to_lowercase()))
    {
        return Value::Str(v.to_string());
    }
    if table.folds_case(keyword) {
        return Value::Str(text.to_lowercase());
    }
    Value::Str(text.to_string())
}

/// The word a keyed line is keyed by, as Redis reads it: a client class in any case, `slave`
/// being `replica` (`getClientTypeByName`); a command name in any case (`lookupCommandBySds`).
fn keyed_word(keyword: &str, word: &str) -> String {
    let word = word.to_lowercase();
    match (keyword, word.as_str()) {
        ("client-output-buffer-limit", "slave") => "replica".to_string(),
        _ => word,
    }
}

/// An old redis.conf keyword (`slave-read-only`) to the one it sets (`replica-read-only`).
fn redis_rename(keyword: &str) -> Option<&'static str> {
    super::defaults::redis_spellings().alias(keyword)
}

/// OpenSSH's `convtime`: `90`, `2m`, `1h30m` (units s m h d w, any case) in seconds; none
/// for anything else.
pub(crate) fn convtime(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let scale = match rest.bytes().next() {
            None | Some(b's' | b'S') => 1,
            Some(b'm' | b'M') => 60,
            Some(b'h' | b'H') => 3600,
            Some(b'd' | b'D') => 86_400,
            Some(b'w' | b'W') => 604_800,
            Some(_) => return None,
        };
        if !rest.is_empty() {
            rest = &rest[1..];
        }
        total = total.checked_add(n.checked_mul(scale)?)?;
    }
    (total <= i32::MAX as u64).then_some(total)
}

/// One keyword line of an sshd_config or ssh_config as written, for the checks that need every
/// line: the tree keeps a repeated keyword's first line only, and a `Match` line only as the
/// section of the keys under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub line: u32,
    /// The keyword in lower case, as written (an old keyword is not renamed).
    pub keyword: String,
    /// The text after the keyword and its separator, as written (comments included).
    pub rest: String,
    /// Its words, as `argv_split` makes them.
    pub words: Vec<String>,
}

/// The keyword lines of an OpenSSH configuration file, in order; a line the reader refuses (an
/// unclosed quote) is left out, as the reader reports it.
pub fn openssh_lines(text: &str) -> Vec<RawLine> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let ln = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let start = line.len() - line.trim_start_matches(is_space).len();
        let body = line[start..].trim_end_matches(is_space);
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let key_end = start
            + body
                .find(|c: char| is_space(c) || c == '=')
                .unwrap_or(body.len());
        let mut at = key_end;
        while line[at..].starts_with(is_space) {
            at += 1;
        }
        if line[at..].starts_with('=') {
            at += 1;
            while line[at..].starts_with(is_space) {
                at += 1;
            }
        }
        let Ok(words) = ssh_words(line, at, ln) else {
            continue;
        };
        out.push(RawLine {
            line: ln,
            keyword: line[start..key_end].to_lowercase(),
            rest: line[at..].trim_end_matches(is_space).to_string(),
            words,
        });
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const SSHD_CONFIG: &str = include_str!("../../fixtures/upstream/openssh-server/sshd_config");
    const SSH_CONFIG: &str = include_str!("../../fixtures/upstream/openssh-client/ssh_config");
    const REDIS_CONF: &str = include_str!("../../fixtures/upstream/redis-server/redis.conf");
    const SYSCTL_CONF: &str = include_str!("../../fixtures/upstream/procps/sysctl.conf");

    /// The file without comment lines and blank lines.
    fn without_comments(text: &str, comment: &[char]) -> String {
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with(comment))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    #[test]
    fn sshd_shipped_config() {
        let t = parse_sshd(SSHD_CONFIG).unwrap();
        assert_eq!(t.len(), 8, "{t:?}");
        assert_eq!(
            get(&t, "include[0]"),
            (&s("/etc/ssh/sshd_config.d/*.conf"), 12)
        );
        assert_eq!(get(&t, "kbdinteractiveauthentication"), (&s("no"), 62));
        assert_eq!(get(&t, "usepam"), (&s("yes"), 85));
        assert_eq!(get(&t, "x11forwarding"), (&s("yes"), 90));
        // sshd takes each word of `AcceptEnv LANG LC_*` as one entry.
        assert_eq!(get(&t, "acceptenv[0]"), (&s("LANG"), 112));
        assert_eq!(get(&t, "acceptenv[1]"), (&s("LC_*"), 112));
        assert_eq!(
            get(&t, "subsystem[0]"),
            (&s("sftp /usr/lib/openssh/sftp-server"), 115)
        );
        let bare = parse_sshd(&without_comments(SSHD_CONFIG, &['#'])).unwrap();
        assert!(same_tree(&t, &bare));
    }

    #[test]
    fn sshd_rewrites_are_not_drift() {
        let t = parse_sshd(SSHD_CONFIG).unwrap();
        let rewritten = "\
subsystem \"sftp\"   /usr/lib/openssh/sftp-server
PRINTMOTD=no
X11Forwarding = yes   # remote X
usepam \"yes\"
AcceptEnv   LANG\tLC_*
kbdinteractiveauthentication no
include /etc/ssh/sshd_config.d/*.conf
";
        assert!(same_tree(&t, &parse_sshd(rewritten).unwrap()));
    }

    #[test]
    fn sshd_first_value_wins_lists_accumulate_and_match_sections() {
        let t = parse_sshd(SSHD_CONFIG).unwrap();
        // An edit of a value, at its line.
        let edited =
            parse_sshd(&SSHD_CONFIG.replace("X11Forwarding yes", "X11Forwarding no")).unwrap();
        assert_eq!(drift(&t, &edited), ["x11forwarding"]);
        assert_eq!(get(&edited, "x11forwarding"), (&s("no"), 90));
        // A repeated keyword appended at the end: sshd keeps the first value, so no drift...
        let appended = parse_sshd(&format!("{SSHD_CONFIG}X11Forwarding no\n")).unwrap();
        assert!(same_tree(&t, &appended));
        // ...but the same line prepended wins.
        let prepended = parse_sshd(&format!("X11Forwarding no\n{SSHD_CONFIG}")).unwrap();
        assert_eq!(drift(&t, &prepended), ["x11forwarding"]);
        assert_eq!(get(&prepended, "x11forwarding"), (&s("no"), 1));
        // An accumulating keyword appended is a new list item.
        let more = parse_sshd(&format!("{SSHD_CONFIG}AcceptEnv TZ\nPort 2222\nPort 22\n")).unwrap();
        assert_eq!(drift(&t, &more), ["acceptenv[2]", "port[0]", "port[1]"]);
        assert_eq!(get(&more, "acceptenv[2]"), (&s("TZ"), 123));
        assert_eq!(get(&more, "port[1]"), (&s("22"), 125));
        // The shipped Match example, enabled: a section to the end of the file.
        let lines: Vec<String> = SSHD_CONFIG
            .lines()
            .enumerate()
            .map(|(i, l)| match l.strip_prefix('#') {
                Some(rest) if i + 1 >= 118 => rest.to_string(),
                _ => l.to_string(),
            })
            .collect();
        let m = parse_sshd(&(lines.join("\n") + "\n")).unwrap();
        assert_eq!(
            drift(&t, &m),
            [
                "match.\"User anoncvs\".x11forwarding",
                "match.\"User anoncvs\".allowtcpforwarding",
                "match.\"User anoncvs\".permittty",
                "match.\"User anoncvs\".forcecommand",
            ]
        );
        assert_eq!(
            get(&m, "match.\"User anoncvs\".x11forwarding"),
            (&s("no"), 119)
        );
        assert_eq!(
            get(&m, "match.\"User anoncvs\".forcecommand"),
            (&s("cvs server"), 122)
        );
        // Criteria spacing is not drift; a second Match ends the first.
        let m2 = parse_sshd(
            "Match   User\tanoncvs\n X11Forwarding no\nMatch Address 10.0.0.0/8\n\
             X11Forwarding yes\nX11Forwarding no\n",
        )
        .unwrap();
        assert_eq!(
            get(&m2, "match.\"User anoncvs\".x11forwarding"),
            (&s("no"), 2)
        );
        assert_eq!(
            get(&m2, "match.\"Address 10.0.0.0/8\".x11forwarding"),
            (&s("yes"), 4)
        );
    }

    #[test]
    fn ssh_client_shipped_config_has_host_sections() {
        let t = parse_ssh(SSH_CONFIG).unwrap();
        assert_eq!(
            get(&t, "include[0]"),
            (&s("/etc/ssh/ssh_config.d/*.conf"), 19)
        );
        assert_eq!(get(&t, "host.*.sendenv[0]"), (&s("LANG LC_*"), 51));
        assert_eq!(get(&t, "host.*.hashknownhosts"), (&s("yes"), 52));
        assert_eq!(get(&t, "host.*.gssapiauthentication"), (&s("yes"), 53));
        assert_eq!(t.len(), 4);
        let bare = parse_ssh(&without_comments(SSH_CONFIG, &['#'])).unwrap();
        assert!(same_tree(&t, &bare));
        let enabled =
            parse_ssh(&SSH_CONFIG.replace("#   ForwardAgent no", "    ForwardAgent yes")).unwrap();
        assert_eq!(drift(&t, &enabled), ["host.*.forwardagent"]);
        assert_eq!(get(&enabled, "host.*.forwardagent"), (&s("yes"), 22));
    }

    #[test]
    fn redis_shipped_config() {
        let t = parse_redis(REDIS_CONF).unwrap();
        assert_eq!(t.len(), 71, "{}", t.len());
        assert_eq!(get(&t, "bind"), (&s("127.0.0.1 -::1"), 87));
        assert_eq!(get(&t, "port"), (&s("6379"), 138));
        assert_eq!(get(&t, "dir"), (&s("/var/lib/redis"), 504));
        assert_eq!(
            get(&t, "proc-title-template"),
            (&s("{title} {listen-addr} {server-mode}"), 410)
        );
        assert_eq!(get(&t, "appendfilename").0, &s("appendonly.aof"));
        assert_eq!(get(&t, "notify-keyspace-events"), (&s(""), 1906));
        assert_eq!(
            get(&t, "auto-aof-rewrite-min-size"),
            (
                &Value::Quantity {
                    amount: 64.0 * 1024.0 * 1024.0,
                    text: "64mb".into()
                },
                1480
            )
        );
        // Keyed by class, its limits in bytes as Redis prints them (`CONFIG GET`).
        assert_eq!(
            get(&t, "client-output-buffer-limit.replica"),
            (&s("268435456 67108864 60"), 2046)
        );
        assert_eq!(get(&t, "list-max-listpack-size").0, &s("-2"));
        let bare = parse_redis(&without_comments(REDIS_CONF, &['#'])).unwrap();
        assert!(same_tree(&t, &bare));
    }

    #[test]
    fn redis_units_case_quotes_and_edits() {
        let t = parse_redis(REDIS_CONF).unwrap();
        let rewritten = without_comments(REDIS_CONF, &['#'])
            .replace(
                "auto-aof-rewrite-min-size 64mb",
                "AUTO-AOF-REWRITE-MIN-SIZE 65536KB",
            )
            .replace("dir /var/lib/redis", "dir   '/var/lib/redis'")
            .replace("port 6379", "Port \"6379\"");
        let r = parse_redis(&rewritten).unwrap();
        assert!(same_tree(&t, &r), "{:?}", drift(&t, &r));
        for (a, b, same) in [
            ("1gb", "1024mb", true),
            ("1GB", "1073741824", true),
            ("1g", "1000000000", true),
            ("1k", "1000", true),
            ("1kb", "1024", true),
            ("1g", "1gb", false),
            ("2mb", "2m", false),
        ] {
            let x = parse_redis(&format!("maxmemory {a}\n")).unwrap();
            let y = parse_redis(&format!("maxmemory {b}\n")).unwrap();
            assert_eq!(same_tree(&x, &y), same, "{a} vs {b}");
        }
        // A commented directive enabled; last one wins; lists accumulate.
        let enabled = parse_redis(
            &REDIS_CONF
                .replace("# maxmemory <bytes>", "maxmemory 2gb")
                .replace(
                    "# save 3600 1 300 100 60 10000",
                    "save 3600 1 300 100 60 10000",
                )
                .replace("# rename-command CONFIG \"\"", "rename-command CONFIG \"\""),
        )
        .unwrap();
        assert_eq!(
            drift(&t, &enabled),
            ["save[0]", "rename-command.config", "maxmemory"]
        );
        assert_eq!(get(&enabled, "maxmemory").1, 1119);
        assert_eq!(get(&enabled, "rename-command.config"), (&s(""), 1071));
        let appended = parse_redis(&format!("{REDIS_CONF}port 6380\nsave 60 1\n")).unwrap();
        assert_eq!(drift(&t, &appended), ["port", "save[0]"]);
        assert_eq!(get(&appended, "port"), (&s("6380"), 2277));
    }

    #[test]
    fn sysctl_shipped_config_and_spellings() {
        assert!(parse_sysctl(SYSCTL_CONF).unwrap().is_empty());
        let enabled: String = SYSCTL_CONF
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if rest.contains('=') && !rest.starts_with(' ') => format!("{rest}\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        let t = parse_sysctl(&enabled).unwrap();
        assert_eq!(t.len(), 14);
        assert_eq!(get(&t, "kernel.domainname"), (&s("example.com"), 7));
        assert_eq!(get(&t, "kernel.printk"), (&s("3 4 1 3"), 10));
        assert_eq!(get(&t, "net.ipv4.ip_forward"), (&s("1"), 28));
        assert_eq!(get(&t, "net.ipv4.conf.all.accept_redirects"), (&s("0"), 44));
        assert_eq!(get(&t, "kernel.sysrq"), (&s("438"), 67));
        let rewritten = without_comments(&enabled, &['#', ';'])
            .replace("kernel.printk = 3 4 1 3", "kernel/printk=3\t4  1 3")
            .replace(
                "net.ipv4.ip_forward=1",
                "-net.ipv4.ip_forward = 1 ; not a comment",
            )
            .replace(
                "kernel.sysrq=438",
                "; sysrq\nkernel.sysrq = 1\nkernel.sysrq=438",
            );
        let r = parse_sysctl(&rewritten).unwrap();
        assert_eq!(drift(&t, &r), ["net.ipv4.ip_forward"]);
        assert_eq!(get(&r, "net.ipv4.ip_forward").0, &s("1 ; not a comment"));
        let r = parse_sysctl(&rewritten.replace(" ; not a comment", "")).unwrap();
        assert!(same_tree(&t, &r));
        let edited = parse_sysctl(&format!("{enabled}net.ipv4.ip_forward = 0\n")).unwrap();
        assert_eq!(drift(&t, &edited), ["net.ipv4.ip_forward"]);
        assert_eq!(get(&edited, "net.ipv4.ip_forward"), (&s("0"), 69));
        let vlan = parse_sysctl("net/ipv4/conf/eth0.100/forwarding = 1\n").unwrap();
        assert_eq!(get(&vlan, "net.ipv4.conf.eth0/100.forwarding").0, &s("1"));
        let same = parse_sysctl("net.ipv4.conf.eth0/100.forwarding = 1\n").unwrap();
        assert!(same_tree(&vlan, &same));
        let tcp = parse_sysctl("net.ipv4.tcp_rmem = 4096\t87380   6291456\n").unwrap();
        assert_eq!(get(&tcp, "net.ipv4.tcp_rmem").0, &s("4096 87380 6291456"));
    }

    #[test]
    fn errors_name_line_column_and_what_was_expected() {
        type Parser = fn(&str) -> Result<Tree, ParseError>;
        let cases: &[(Parser, &str, u32, u32, &str)] = &[
            (
                parse_sysctl,
                "a.b = 1\nkernel.sysrq 1\n",
                2,
                14,
                "expected '='",
            ),
            (parse_sysctl, "= 1\n", 1, 1, "expected a keyword"),
            (
                parse_sshd,
                "Port 22\nPermitRootLogin\n",
                2,
                16,
                "expected a value after 'PermitRootLogin'",
            ),
            (
                parse_sshd,
                "Banner \"/etc/issue\n",
                1,
                8,
                "expected a closing \"",
            ),
            (parse_sshd, "Match\n", 1, 6, "expected a value"),
            (parse_ssh, "Host = \n", 1, 8, "expected a value"),
            (
                parse_redis,
                "dir \"/var/lib\n",
                1,
                5,
                "expected a closing \"",
            ),
            (
                parse_redis,
                "dir '/var'/lib\n",
                1,
                11,
                "after the closing quote",
            ),
        ];
        for &(parse, text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
    }

    #[test]
    fn quoting_escapes_and_junk_never_panic() {
        let t = parse_sshd("Banner \"/etc/my issue\" # c\nForceCommand a\\\"b 'c d'\n").unwrap();
        assert_eq!(get(&t, "banner").0, &s("/etc/my issue"));
        assert_eq!(get(&t, "forcecommand").0, &s("a\"b c d"));
        let r = parse_redis("requirepass \"a\\x41\\n\\\"\"\nmasterauth 'it\\'s'\n").unwrap();
        assert_eq!(get(&r, "requirepass").0, &s("aA\n\""));
        assert_eq!(get(&r, "masterauth").0, &s("it's"));
        let long = "x".repeat(200_000);
        for parse in [parse_sshd, parse_ssh, parse_redis, parse_sysctl] {
            for junk in [
                "",
                "=",
                "==",
                "a=",
                "\"",
                "'",
                "a \"\\",
                "a \"\\x",
                "a \"\\x4",
                "é ü",
                "a 'é\\",
                "-",
                "-=",
                "/",
                "a/b.c=1",
                "\u{feff}a 1",
                "a\r\n",
                "a \"x\"\"y\"",
                "\x0b\x0c",
                "maxmemory 99999999999999999999gb",
                "maxmemory -1kb",
                "Match x\nMatch",
                &long,
            ] {
                let _ = parse(junk);
            }
        }
    }
}
