//! Content detection: the format a file is read as when neither its name, its extension nor
//! the config (`format =`, `diff --as`) says, from what it holds. Only files that would
//! otherwise be compared line by line are sniffed.
//!
//! How, deterministically:
//! 1. The first [`QUICK_BYTES`] decide which readers are tried and in which order: a first
//!    character `{` or `[` tries JSON first; a first `<` is XML, which
//!    confdrift has no reader for (text); a first line ending in `;` or `{` tries nginx;
//!    `[section]` lines try INI, then MariaDB/MySQL option files, then TOML; lines of
//!    `key = value`, `key: value` or `key value` try `.properties` (Java's rules), then TOML
//!    and YAML; a file with indented lines, `- ` items or `---` tries YAML before `.properties`;
//!    an `!include` line tries MariaDB/MySQL option files first. A program's own reader
//!    comes before those on a hint (`sniff/specific.rs`, prefix tests only): a first
//!    `[section]` of systemd's tries systemd units, a `pm`/`listen` key or `[global]` PHP-FPM;
//!    a first line opening a HAProxy section at its start tries HAProxy, one starting with a
//!    pg_hba connection type or include pg_hba.conf; `apiVersion:` tries Kubernetes
//!    manifests, `services:` at a line's start Compose; a first line of three words tries
//!    pg_ident.conf last, and only when nothing before explains the file.
//! 2. A reader explains a file when it reads the whole file without error and:
//!    - JSON, TOML, YAML: their grammar is the proof; the root must be a mapping or list with
//!      at least one key (any text is a YAML scalar: that proves nothing);
//!    - nginx: every significant line ends a directive (`;`) or opens or closes a block;
//!    - INI, option files and `.properties`: every significant line is accounted for: a comment, a blank, a
//!      `[section]` header (INI), a continuation (`.properties`), or a line whose key is its
//!      own entry in the tree: a repeated key (one of two lines lost) or a key that does not
//!      look like one (`2]`, `This`, a sentence) is not explained;
//!    - a program's reader (haproxy, pghba, pgident, systemd, phpfpm, compose, k8s): what
//!      reading the file without error does not prove by itself is asked too
//!      (`sniff/specific.rs`): systemd's and pg_hba's readers refuse what their program does not
//!      know; PHP-FPM's keys must all be php-fpm options, HAProxy's lines sections and
//!      directives with one of HAProxy's own, Compose's top level Compose's keys, every
//!      Kubernetes document an object. pg_ident.conf's evidence (three names a line) is weak:
//!      it also needs a map of several lines or a regular expression, and is never preferred
//!      to a reader that explains the file.
//! 3. Both sides of a comparison are read in one format ([`pair`]): the first, in the
//!    baseline's order, that explains both; none explains both, text. When several explain
//!    both and one of them reads the two as the same while another finds a difference, the
//!    first that finds the difference is kept: a guess never hides drift. Except when the
//!    first is a program's reader shown by its evidence (not pg_ident's, which is weak): its
//!    reading is the program's, and a difference only the generic readers it refines find
//!    (YAML under Compose, INI under systemd) is none to the program.

use super::{Document, Format};
use crate::tree::Tree;

/// How much of a file the quick classifier looks at (the reader then reads all of it).
pub const QUICK_BYTES: usize = 64 * 1024;

/// The format chosen, and why, for people (`-v`, the JSON report's `detected`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sniffed {
    pub format: Format,
    pub why: String,
    /// Worth a note in the report: a reader explains one side but not the other (lines are
    /// compared), or the readers that explain both disagree about a change.
    pub note: bool,
}

/// The format one file's content says (for a file with no other side: missing, unexpected,
/// linted).
pub fn one(bytes: &[u8]) -> Sniffed {
    one_of(explaining(bytes))
}

/// [`one`], from what [`explaining`] found.
pub fn one_of(found: Result<Vec<(Format, Tree)>, String>) -> Sniffed {
    match found {
        Err(why) => text(why),
        Ok(found) => {
            let (format, _) = &found[0];
            Sniffed {
                format: *format,
                why: format!("its content: {}", because(*format, &found)),
                note: false,
            }
        }
    }
}

/// The one format both sides are read in: the first (in the baseline's order) whose reader
/// explains both; else text. See the module's documentation.
pub fn pair(base: &[u8], live: &[u8]) -> Sniffed {
    choose(explaining(base), explaining(live))
}

/// [`pair`], from what explains each side.
fn choose(
    b: Result<Vec<(Format, Tree)>, String>,
    l: Result<Vec<(Format, Tree)>, String>,
) -> Sniffed {
    let (b, l) = match (b, l) {
        (Err(why), Err(_)) => return text(why),
        (Ok(b), Err(why)) => {
            return noted(format!(
                "the baseline reads as {}, but the live file does not ({why})",
                b[0].0.name()
            ));
        }
        (Err(why), Ok(l)) => {
            return noted(format!(
                "the live file reads as {}, but the baseline does not ({why})",
                l[0].0.name()
            ));
        }
        (Ok(b), Ok(l)) => (b, l),
    };
    let both: Vec<(Format, &Tree, &Tree)> = b
        .iter()
        .filter_map(|(f, bt)| l.iter().find(|(g, _)| g == f).map(|(_, lt)| (*f, bt, lt)))
        .collect();
    let Some(&(first, _, _)) = both.first() else {
        return noted(format!(
            "the baseline reads as {}, the live file as {}: no format explains both",
            names(&b),
            names(&l)
        ));
    };
    let differs: Vec<bool> = both.iter().map(|(_, bt, lt)| !same(bt, lt)).collect();
    let why = format!("its content: {}", because(first, &b));
    // A program's own reader, shown by its evidence, reads both sides: its reading is the
    // program's. The generic readers it refines (YAML under Compose, INI under systemd) do not
    // know the program's rules, so a difference only they find is no change to the program.
    // pg_ident's evidence is weak: the rule below holds for it.
    let program = specific::how(first).is_some() && first.name() != "pgident";
    if differs[0] || program || !differs.iter().any(|d| *d) {
        return Sniffed {
            format: first,
            why,
            note: false,
        };
    }
    let (format, _, _) = both[differs.iter().position(|d| *d).unwrap_or(0)];
    Sniffed {
        format,
        why: format!(
            "its content: {} and {} explain every line of both sides; {} reads the two as the same, {} finds a difference, and a guess must not hide one",
            first.name(),
            format.name(),
            first.name(),
            format.name()
        ),
        note: true,
    }
}

fn text(why: String) -> Sniffed {
    Sniffed {
        format: Format::Text,
        why: format!("{why}: compared line by line; --as FORMAT or format = reads it as another"),
        note: false,
    }
}

/// [`text`], worth a note in the report.
fn noted(why: String) -> Sniffed {
    Sniffed {
        note: true,
        ..text(why)
    }
}

fn names(found: &[(Format, Tree)]) -> String {
    found
        .iter()
        .map(|(f, _)| f.name())
        .collect::<Vec<_>>()
        .join(" or ")
}

fn because(format: Format, found: &[(Format, Tree)]) -> String {
    let how = match format.name() {
        _ if specific::how(format).is_some() => specific::how(format).unwrap_or_default(),
        "json" => "a JSON document",
        "toml" => "a TOML document",
        "yaml" => "a YAML mapping or list",
        "ini" => "[section] headers and key = value lines",
        "mycnf" => "[group] headers, options and !include lines (MariaDB/MySQL)",
        "nginx" => "directives ended by ; and { } blocks (nginx)",
        _ => "key=value lines, read by Java's .properties rules",
    };
    let others: Vec<&str> = found.iter().skip(1).map(|(f, _)| f.name()).collect();
    if others.is_empty() {
        format!("{how}, every line explained")
    } else {
        format!(
            "{how}, every line explained ({} too; {} is tried first)",
            others.join(", "),
            format.name()
        )
    }
}

/// Whether two trees hold the same keys with the same values.
fn same(a: &Tree, b: &Tree) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, e)| b.get(k).is_some_and(|o| o.value.same(&e.value)))
}

/// The formats whose reader explains every significant line of `bytes`, in the order they are
/// preferred, each with its tree; else why none does.
pub fn explaining(bytes: &[u8]) -> Result<Vec<(Format, Tree)>, String> {
    if super::binary::looks_binary(bytes) {
        return Err("binary content".to_string());
    }
    let whole = super::raw::decode(bytes);
    let whole = whole.strip_prefix('\u{feff}').unwrap_or(&whole);
    // `accept` stores a secret line of a file compared by lines as one keyed fingerprint:
    // such a baseline was written line by line, and is read so.
    if let Some(i) = whole
        .lines()
        .position(|l| l.trim_start().starts_with("hmac-sha256:"))
    {
        return Err(format!(
            "line {} is a secret stored whole, as a line (`accept` wrote it line by line)",
            super::line_number(i)
        ));
    }
    let quick = Shape::of(prefix(whole));
    let mut order: Vec<&str> = Vec::new();
    match quick.first {
        None => return Err("nothing but comments and blank lines".to_string()),
        Some('<') => {
            return Err(
                "it starts with '<' (XML or HTML), which confdrift has no reader for".to_string(),
            );
        }
        Some('{' | '[') => order.push("json"),
        _ => {}
    }
    if quick.blocks {
        order.push("nginx");
    }
    let hints = &quick.hints;
    if quick.headers {
        if hints.unit {
            order.push("systemd");
        }
        if hints.fpm {
            order.push("phpfpm");
        }
        order.extend(["ini", "mycnf", "toml"]);
    } else {
        if hints.haproxy {
            order.push("haproxy");
        }
        if hints.hba {
            order.push("pghba");
        }
        if quick.mysql_include {
            order.push("mycnf");
        }
        if hints.api_version {
            order.push("k8s");
        }
        if hints.services {
            order.push("compose");
        }
        if quick.nested {
            order.extend(["yaml", "properties", "toml"]);
        } else {
            order.extend(["properties", "toml", "yaml"]);
        }
        // Three words a line is weak evidence: only when nothing before explains the file.
        if hints.ident {
            order.push("pgident");
        }
    }
    let mut found: Vec<(Format, Tree)> = Vec::new();
    let mut whys = Vec::new();
    for name in order {
        let Some(format) = Format::from_name(name) else {
            continue;
        };
        if name == "pgident" && !found.is_empty() {
            break;
        }
        // The YAML reader reads a file of Kubernetes objects as manifests, as `k8s` does.
        if let (true, Some((Format::Structured(s), t))) = (name == "yaml", found.first())
            && s.name == "k8s"
        {
            let tree = t.clone();
            found.push((format, tree));
            continue;
        }
        let parsed = if name == "k8s" {
            match super::raw::text_for(bytes, super::Bytes::Utf8, name) {
                Ok(text) => super::k8s::as_manifests(&text).map(|r| r.map(Document::Tree)),
                Err(e) => Some(Err(e)),
            }
        } else {
            Some(format.parse(bytes))
        };
        let Some(parsed) = parsed else {
            whys.push(format!(
                "as {name}, a document is not a Kubernetes object (apiVersion and kind)"
            ));
            continue;
        };
        let tree = match parsed {
            Ok(Document::Tree(t)) => t,
            Ok(_) => continue,
            Err(e) => {
                whys.push(format!(
                    "as {name}, line {}: {}",
                    e.line,
                    one_line(&e.message)
                ));
                continue;
            }
        };
        match explains(name, whole, &tree) {
            Ok(()) => found.push((format, tree)),
            Err(why) => {
                whys.push(format!("as {name}, {why}"));
            }
        }
    }
    if found.is_empty() {
        Err(format!(
            "no reader explains every line ({})",
            whys.join("; ")
        ))
    } else {
        Ok(found)
    }
}

fn one_line(s: &str) -> String {
    let s = s.lines().next().unwrap_or("");
    s.chars().take(80).collect()
}

/// At most [`QUICK_BYTES`] of `text`, cut at a line's end (or a character's).
fn prefix(text: &str) -> &str {
    if text.len() <= QUICK_BYTES {
        return text;
    }
    let mut end = QUICK_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &text[..end];
    cut.rfind('\n').map_or(cut, |i| &cut[..i])
}

/// What the first lines look like.
#[derive(Default)]
struct Shape {
    /// The first significant character.
    first: Option<char>,
    headers: bool,
    /// Indented lines, `- ` items or `---`: YAML's nesting.
    nested: bool,
    /// The first significant line ends in `;` or `{`: nginx's directives and blocks.
    blocks: bool,
    /// A `!include` or `!includedir` line: a MariaDB/MySQL option file.
    mysql_include: bool,
    /// Hints of a program's own format ([`specific::Hints`]).
    hints: specific::Hints,
}

impl Shape {
    fn of(text: &str) -> Shape {
        let mut s = Shape::default();
        for raw in text.lines() {
            let t = raw.trim();
            if t.is_empty() || t.starts_with(['#', ';']) {
                continue;
            }
            if s.first.is_none() {
                s.first = t.chars().next();
                s.blocks = nginx_end(t);
                s.hints.first(raw, t);
            }
            s.mysql_include |= t.starts_with("!include");
            let header = is_header(t);
            s.hints.line(raw, t, header && !s.headers);
            s.headers |= header;
            s.nested |=
                raw.starts_with([' ', '\t']) || t.starts_with("- ") || t == "-" || t == "---";
        }
        s
    }
}

/// `[name]`: an INI section header.
fn is_header(t: &str) -> bool {
    t.len() > 2 && t.starts_with('[') && t.ends_with(']') && !t[1..t.len() - 1].contains([']', '['])
}

/// Whether the line-shaped reader `name` accounts for every significant line of `text`.
fn explains(name: &str, text: &str, tree: &Tree) -> Result<(), String> {
    if let Some(specific) = specific::explains(name, text, tree) {
        return specific;
    }
    if matches!(name, "json" | "toml" | "yaml" | "k8s") {
        return if tree.is_empty() || tree.get("").is_some() || tree.get("\"\"").is_some() {
            Err("a bare value, not a mapping or list".to_string())
        } else {
            Ok(())
        };
    }
    if name == "nginx" {
        return match text.lines().enumerate().find(|(_, raw)| {
            let t = raw.trim();
            !(t.is_empty() || t.starts_with('#') || nginx_end(t))
        }) {
            Some((i, _)) => Err(format!(
                "line {} does not end a directive or a block",
                super::line_number(i)
            )),
            None if tree.is_empty() => Err("no directive".to_string()),
            None => Ok(()),
        };
    }
    let keyed: std::collections::HashSet<u32> = tree.iter().map(|(_, e)| e.line).collect();
    let properties = name == "properties";
    let mycnf = name == "mycnf";
    let mut continued = false;
    for (i, raw) in text.lines().enumerate() {
        let number = super::line_number(i);
        let t = raw.trim_start_matches([' ', '\t', '\x0c']);
        if continued {
            continued = properties && ends_in_escape(t);
            continue;
        }
        let indented = t.len() < raw.len();
        let t = t.trim_end();
        let comment = if properties {
            t.starts_with(['#', '!'])
        } else {
            t.starts_with(['#', ';'])
        };
        if t.is_empty() || comment || (!properties && is_header(t)) {
            continue;
        }
        if properties && indented {
            return Err(format!(
                "line {number} is indented (nested, not a .properties setting)"
            ));
        }
        continued = properties && ends_in_escape(raw);
        if !keyed.contains(&number) {
            return Err(format!(
                "line {number} is not a key of its own (repeated, or not a setting)"
            ));
        }
        let shaped = if mycnf {
            looks_like_option(t)
        } else {
            looks_like_setting(t, properties)
        };
        if !shaped {
            return Err(format!("line {number} does not look like a setting"));
        }
    }
    if keyed.is_empty() {
        return Err("no key".to_string());
    }
    Ok(())
}

/// An nginx line: it ends in `;`, `{` or `}`, before a `#` comment that starts a word.
fn nginx_end(t: &str) -> bool {
    let code = t
        .match_indices('#')
        .find(|(i, _)| *i == 0 || t[..*i].ends_with(char::is_whitespace))
        .map_or(t, |(i, _)| &t[..i])
        .trim_end();
    code.ends_with([';', '{', '}'])
}

/// A MariaDB/MySQL option line: `!include[dir] PATH`, `name = value` or a bare `name` of
/// letters, digits, `_`, `-` and `.`.
fn looks_like_option(t: &str) -> bool {
    if let Some(rest) = t
        .strip_prefix("!includedir")
        .or_else(|| t.strip_prefix("!include"))
    {
        return rest.starts_with(char::is_whitespace) && !rest.trim().is_empty();
    }
    let name = t.split('=').next().unwrap_or("").trim_end();
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A line ending in an odd number of backslashes continues on the next (`.properties`).
fn ends_in_escape(line: &str) -> bool {
    line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// `key = value`, `key: value` (`.properties` only), or `key value` (`.properties` only, and
/// not a sentence): a key of letters, digits and `_ . - / @ $ %`, with balanced `[...]`.
fn looks_like_setting(line: &str, properties: bool) -> bool {
    let key_end = line
        .find(|c: char| c == '=' || c == ':' || c.is_whitespace())
        .unwrap_or(line.len());
    let key = &line[..key_end];
    let rest = line[key_end..].trim_start();
    let separator = rest.chars().next();
    let key_ok = key.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && key.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '.' | '-' | '/' | '@' | '$' | '%' | '[' | ']')
        })
        && balanced(key);
    if !key_ok {
        return false;
    }
    match separator {
        Some('=') => true,
        Some(':') => properties,
        // `key value` (Java reads the first blank as the separator), or a key alone.
        _ if !properties => false,
        None => key.starts_with(|c: char| c.is_ascii_alphabetic()),
        Some(_) => {
            !rest.ends_with(['.', '?', '!', ','])
                && !key.ends_with(['.', ','])
                && key.starts_with(|c: char| c.is_ascii_alphabetic())
        }
    }
}

fn balanced(key: &str) -> bool {
    let mut open = false;
    for c in key.chars() {
        match c {
            '[' if !open => open = true,
            ']' if open => open = false,
            '[' | ']' => return false,
            _ => {}
        }
    }
    !open
}

mod specific;

#[cfg(test)]
mod tests;
