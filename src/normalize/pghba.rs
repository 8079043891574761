//! PostgreSQL's client authentication file (`pg_hba.conf`): an ordered list of rules where
//! the first rule that matches a connection decides, read as `tokenize_auth_file`,
//! `next_token` and `parse_hba_line` in PostgreSQL's src/backend/libpq/hba.c read it (16;
//! PostgreSQL 15 reads the same rules, and refuses the `include` lines):
//!
//! - A line ending in `\` goes on on the next line (the `\` dropped); `#` outside double
//!   quotes starts a comment, even inside a word. Fields are separated by blanks; a field is a
//!   comma list (`db1,db2`, blanks allowed after a comma). `"..."` quotes a token (`""` is a
//!   quote inside it); a quoted `"all"` is a database or role named all, not the keyword.
//! - `TYPE DATABASE USER [ADDRESS [NETMASK]] METHOD [name=value ...]`; `local` rules have no
//!   address. Keywords: `all`, `sameuser`, `samerole` (`samegroup`), `replication` for
//!   databases, `all` and `+role` for users; `@file` and `/regex` are kept as written (what
//!   the file holds is read where the files are read together: [`through`]). Addresses: `all`, `samehost`, `samenet`, a host name (compared
//!   without case), or an IP address with a `/bits` CIDR mask or a netmask field, as
//!   `getaddrinfo` reads it (`10.1` is 10.0.0.1).
//! - `include FILE`, `include_if_exists FILE`, `include_dir DIR` (PostgreSQL 16): the rules of
//!   the file(s) stand at the directive's place; one file alone keeps the line as a key, the
//!   files read together ([`through`]) put the included rules there.
//!
//! Keys: one rule per database × user of its line, keyed by what it matches, so that a list
//! split over lines, a netmask written as `/bits` or a quoted plain name is the same rule:
//! `"host all app 10.0.0.0/8".method`, `"host all app 10.0.0.0/8".options.map`, and
//! `"host all app 10.0.0.0/8".after`: the earlier rules that can match some of the same
//! connections (the same kind of connection, database, user and address), which PostgreSQL
//! tries first. A rule moved past another that matches some of the same connections changes
//! which rule decides, and its `after` changes; a move past rules that match other
//! connections changes nothing PostgreSQL does, and is no drift. A later rule with the key of
//! an earlier one is never reached and is not kept. An address with a netmask that is not a
//! CIDR mask is keyed `10.0.0.0 mask 255.0.255.0`; the address is masked (`10.0.0.1/8` is
//! `10.0.0.0/8`: PostgreSQL compares the masked bits only). `ident` on a `local` line is
//! `peer`, as PostgreSQL reads it. An include directive is keyed `"include FILE".after`.
//!
//! Errors (the line PostgreSQL marks in `pg_hba_file_rules` and skips, so the connections it
//! should have decided fall through to the next rule): a missing field, several values where
//! one is allowed, an unknown connection type or method, a bad address or mask, an option
//! not `name=value`, unknown or not valid for the method, and the methods Debian's build does
//! not have (`sspi`, `bsd`). Not judged here: whether a RADIUS server name resolves, and
//! `hostssl` lines on a server without SSL.

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_key};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The most rules (after comma lists are expanded) a file may hold.
const MAX_RULES: usize = 10_000;
/// The most rules one line's database × user lists expand to; more are kept as one rule.
const MAX_EXPANSION: usize = 256;
/// The most earlier rules `after` names; beyond, their count and a digest of all of them.
const MAX_AFTER: usize = 32;

/// One token of a field: its text (quotes removed), whether it began with a quote, and its
/// byte offset in the logical line.
pub(super) struct Tok {
    pub(super) text: String,
    pub(super) quoted: bool,
    pub(super) at: usize,
    end: usize,
}

/// A line with its continuations: the text, and where each physical line starts in it.
pub(super) struct Logical {
    pub(super) text: String,
    parts: Vec<(usize, usize, String)>,
}

impl Logical {
    pub(super) fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        let (start, index, phys) = self
            .parts
            .iter()
            .rev()
            .find(|(start, _, _)| *start <= at)
            .unwrap_or(&self.parts[0]);
        ParseError::new(
            line_number(*index),
            column(phys, at - start),
            message.into(),
        )
    }

    pub(super) fn line(&self) -> u32 {
        line_number(self.parts[0].1)
    }
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

/// The fields of one logical line, as `next_field_expand` splits them.
pub(super) fn fields(line: &str) -> Vec<Vec<Tok>> {
    let b = line.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let mut field = Vec::new();
        loop {
            while i < b.len() && (is_blank(b[i]) || b[i] == b',') {
                i += 1;
            }
            let at = i;
            let mut buf: Vec<u8> = Vec::new();
            let (mut in_quote, mut was_quote, mut saw_quote, mut initial_quote) =
                (false, false, false, false);
            let mut comma = false;
            let mut comment = None;
            while i < b.len() && (!is_blank(b[i]) || in_quote) {
                let c = b[i];
                if c == b'#' && !in_quote {
                    comment = Some(i);
                    i = b.len();
                    break;
                }
                if c == b',' && !in_quote {
                    comma = true;
                    i += 1;
                    break;
                }
                if c != b'"' || was_quote {
                    buf.push(c);
                }
                was_quote = in_quote && c == b'"' && !was_quote;
                if c == b'"' {
                    in_quote = !in_quote;
                    saw_quote = true;
                    if buf.is_empty() {
                        initial_quote = true;
                    }
                }
                i += 1;
            }
            if !saw_quote && buf.is_empty() {
                break;
            }
            field.push(Tok {
                text: String::from_utf8_lossy(&buf).into_owned(),
                quoted: initial_quote,
                at,
                end: comment.unwrap_or(i - usize::from(comma)),
            });
            if !comma {
                break;
            }
        }
        if !field.is_empty() {
            out.push(field);
        }
    }
    out
}

/// The logical lines of a file: continuations joined, CR and LF stripped.
pub(super) fn logical_lines(text: &str) -> Vec<Logical> {
    let phys: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut idx = 0;
    while idx < phys.len() {
        let mut logical = Logical {
            text: String::new(),
            parts: Vec::new(),
        };
        loop {
            let l = phys[idx].trim_end_matches(['\r', '\n']);
            logical
                .parts
                .push((logical.text.len(), idx, phys[idx].to_string()));
            idx += 1;
            match l.strip_suffix('\\') {
                Some(head) if idx < phys.len() => logical.text.push_str(head),
                Some(head) => {
                    logical.text.push_str(head);
                    break;
                }
                None => {
                    logical.text.push_str(l);
                    break;
                }
            }
        }
        out.push(logical);
    }
    out
}

/// A database or user of a rule, as far as which connections it can match.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Elem {
    All,
    /// `replication`: physical replication connections only.
    Replication,
    /// `sameuser`, `samerole`, `+role`, `@file`, `/regex`: depends on names not in the file.
    Some,
    Name(String),
}

/// What an address field matches.
#[derive(Clone, Debug)]
enum Addr {
    None,
    Any,
    V4(u32, u32),
    V6(u128, u128),
}

struct Rule {
    /// What the rule matches, as one key segment: `host all app 10.0.0.0/8`.
    key: String,
    line: u32,
    conn: &'static str,
    dbs: Vec<Elem>,
    users: Vec<Elem>,
    addr: Addr,
    method: String,
    options: Vec<(String, String)>,
    directive: bool,
}

const CONN_TYPES: &[&str] = &[
    "local",
    "host",
    "hostssl",
    "hostnossl",
    "hostgssenc",
    "hostnogssenc",
];

const METHODS: &[&str] = &[
    "trust",
    "reject",
    "md5",
    "password",
    "scram-sha-256",
    "gss",
    "ident",
    "peer",
    "pam",
    "ldap",
    "radius",
    "cert",
];

/// Each option and the methods it is valid for (`parse_hba_auth_opt`); `None`: any method.
const OPTIONS: &[(&str, Option<&[&str]>, &str)] = &[
    (
        "map",
        Some(&["ident", "peer", "gss", "sspi", "cert"]),
        "ident, peer, gssapi, sspi, and cert",
    ),
    ("clientcert", None, ""),
    ("clientname", None, ""),
    ("pamservice", Some(&["pam"]), "pam"),
    ("pam_use_hostname", Some(&["pam"]), "pam"),
    ("ldapurl", Some(&["ldap"]), "ldap"),
    ("ldaptls", Some(&["ldap"]), "ldap"),
    ("ldapscheme", Some(&["ldap"]), "ldap"),
    ("ldapserver", Some(&["ldap"]), "ldap"),
    ("ldapport", Some(&["ldap"]), "ldap"),
    ("ldapbinddn", Some(&["ldap"]), "ldap"),
    ("ldapbindpasswd", Some(&["ldap"]), "ldap"),
    ("ldapsearchattribute", Some(&["ldap"]), "ldap"),
    ("ldapsearchfilter", Some(&["ldap"]), "ldap"),
    ("ldapbasedn", Some(&["ldap"]), "ldap"),
    ("ldapprefix", Some(&["ldap"]), "ldap"),
    ("ldapsuffix", Some(&["ldap"]), "ldap"),
    ("krb_realm", Some(&["gss", "sspi"]), "gssapi and sspi"),
    ("include_realm", Some(&["gss", "sspi"]), "gssapi and sspi"),
    ("compat_realm", Some(&["sspi"]), "sspi"),
    ("upn_username", Some(&["sspi"]), "sspi"),
    ("radiusservers", Some(&["radius"]), "radius"),
    ("radiussecrets", Some(&["radius"]), "radius"),
    ("radiusidentifiers", Some(&["radius"]), "radius"),
    ("radiusports", Some(&["radius"]), "radius"),
];

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut rules = Rules::default();
    for logical in logical_lines(text) {
        let fields = fields(&logical.text);
        if fields.is_empty() {
            continue;
        }
        let before = rules.list.len();
        line_rules(&logical, &fields, &mut rules)?;
        if rules.list.len() > MAX_RULES && rules.list.len() > before {
            return Err(logical.error(
                0,
                format!("more than {MAX_RULES} rules: confdrift compares at most {MAX_RULES}"),
            ));
        }
    }
    Ok(tree_of(&rules.list))
}

/// The rules one line stands for (one per database × user), appended to `rules`; a rule
/// whose key an earlier one has is never reached, and is dropped.
fn line_rules(l: &Logical, fields: &[Vec<Tok>], rules: &mut Rules) -> Result<(), ParseError> {
    let end = fields
        .last()
        .and_then(|f| f.last())
        .map_or(l.text.len(), |t| t.end);
    let first = &fields[0][0];
    if matches!(
        first.text.as_str(),
        "include" | "include_if_exists" | "include_dir"
    ) {
        // PostgreSQL takes the first token of the second field (`include a,b` reads `a`).
        let file = match fields {
            [_, f] => &f[0],
            _ => {
                return Err(l.error(
                    first.at,
                    format!(
                        "expected one file name after {} (PostgreSQL 16's include directives; \
                         PostgreSQL 15 has none in pg_hba.conf)",
                        first.text
                    ),
                ));
            }
        };
        let key = format!("{} {}", first.text, file.text);
        push(
            rules,
            Rule {
                key,
                line: l.line(),
                conn: "",
                dbs: Vec::new(),
                users: Vec::new(),
                addr: Addr::Any,
                method: String::new(),
                options: Vec::new(),
                directive: true,
            },
        );
        return Ok(());
    }
    let one = |i: usize, what: &str, before: &str| -> Result<&Tok, ParseError> {
        match fields.get(i) {
            None => Err(l.error(end, format!("end-of-line before {before} specification"))),
            Some(f) if f.len() > 1 => {
                Err(l.error(f[1].at, format!("multiple values specified for {what}")))
            }
            Some(f) => Ok(&f[0]),
        }
    };
    let conn = one(0, "connection type", "connection type")?;
    let Some(conn_type) = CONN_TYPES.iter().find(|t| **t == conn.text) else {
        return Err(l.error(
            conn.at,
            format!(
                "invalid connection type \"{}\" (expected local, host, hostssl, hostnossl, \
                 hostgssenc or hostnogssenc)",
                conn.text
            ),
        ));
    };
    let local = *conn_type == "local";
    let Some(dbs) = fields.get(1) else {
        return Err(l.error(end, "end-of-line before database specification"));
    };
    let Some(users) = fields.get(2) else {
        return Err(l.error(end, "end-of-line before role specification"));
    };
    let mut next = 3;
    let (addr, addr_text) = if local {
        (Addr::None, String::new())
    } else {
        let tok = one(3, "host address", "IP address")?;
        next = 4;
        address(l, tok, fields, &mut next)?
    };
    let m = match fields.get(next) {
        None => return Err(l.error(end, "end-of-line before authentication method")),
        Some(f) if f.len() > 1 => {
            return Err(l.error(f[1].at, "multiple values specified for authentication type"));
        }
        Some(f) => &f[0],
    };
    let method = match m.text.as_str() {
        "ident" if local => "peer",
        "sspi" | "bsd" => {
            return Err(l.error(
                m.at,
                format!(
                    "invalid authentication method \"{}\": not supported by this build",
                    m.text
                ),
            ));
        }
        other => match METHODS.iter().find(|x| **x == other) {
            Some(x) => *x,
            None => {
                return Err(l.error(
                    m.at,
                    format!("invalid authentication method \"{}\"", m.text),
                ));
            }
        },
    };
    match method {
        "gss" if local => {
            return Err(l.error(
                m.at,
                "gssapi authentication is not supported on local sockets",
            ));
        }
        "peer" if !local => {
            return Err(l.error(
                m.at,
                "peer authentication is only supported on local sockets",
            ));
        }
        "cert" if *conn_type != "hostssl" => {
            return Err(l.error(
                m.at,
                "cert authentication is only supported on hostssl connections",
            ));
        }
        _ => {}
    }
    let mut options: Vec<(String, String)> = Vec::new();
    for tok in fields[next + 1..].iter().flatten() {
        let Some((name, value)) = tok.text.split_once('=') else {
            return Err(l.error(
                tok.at,
                format!(
                    "authentication option not in name=value format: {}",
                    tok.text
                ),
            ));
        };
        let Some((_, methods, names)) = OPTIONS.iter().find(|(n, _, _)| *n == name) else {
            return Err(l.error(
                tok.at,
                format!("unrecognized authentication option name: \"{name}\""),
            ));
        };
        if let Some(ms) = methods
            && !ms.contains(&method)
        {
            return Err(l.error(
                tok.at,
                format!(
                    "authentication option \"{name}\" is only valid for authentication \
                     methods {names}"
                ),
            ));
        }
        if matches!(name, "clientcert" | "clientname") && *conn_type != "hostssl" {
            return Err(l.error(
                tok.at,
                format!("{name} can only be configured for \"hostssl\" rows"),
            ));
        }
        options.retain(|(n, _)| n != name);
        options.push((name.to_string(), value.to_string()));
    }
    let has = |n: &str| options.iter().any(|(o, _)| o == n);
    if method == "ldap"
        && !["ldapbasedn", "ldapprefix", "ldapsuffix", "ldapurl"]
            .iter()
            .any(|n| has(n))
    {
        return Err(l.error(
            m.at,
            "authentication method \"ldap\" requires argument \"ldapbasedn\", \
             \"ldapprefix\", or \"ldapsuffix\" to be set",
        ));
    }
    if method == "radius" {
        for n in ["radiusservers", "radiussecrets"] {
            if !has(n) {
                return Err(l.error(
                    m.at,
                    format!("authentication method \"radius\" requires argument \"{n}\" to be set"),
                ));
            }
        }
    }
    let db_elems: Vec<(String, Elem)> = dbs.iter().map(|t| elem(t, false)).collect();
    let user_elems: Vec<(String, Elem)> = users.iter().map(|t| elem(t, true)).collect();
    let mut make = |db: &[(String, Elem)], user: &[(String, Elem)]| {
        let mut seg = format!("{} {} {}", conn_type, list(db), list(user));
        if !local {
            seg.push(' ');
            seg.push_str(&addr_text);
        }
        push(
            rules,
            Rule {
                key: seg,
                line: l.line(),
                conn: conn_type,
                dbs: db.iter().map(|(_, e)| e.clone()).collect(),
                users: user.iter().map(|(_, e)| e.clone()).collect(),
                addr: addr.clone(),
                method: method.to_string(),
                options: options.clone(),
                directive: false,
            },
        );
    };
    if db_elems.len() * user_elems.len() <= MAX_EXPANSION {
        for d in &db_elems {
            for u in &user_elems {
                make(std::slice::from_ref(d), std::slice::from_ref(u));
            }
        }
    } else {
        make(&db_elems, &user_elems);
    }
    Ok(())
}

/// Appends `rule` unless an earlier rule has its key (then it is never reached).
fn push(rules: &mut Rules, rule: Rule) {
    if rules.seen.insert(rule.key.clone()) {
        rules.list.push(rule);
    }
}

/// The rules so far, and their keys.
#[derive(Default)]
struct Rules {
    list: Vec<Rule>,
    seen: std::collections::HashSet<String>,
}

/// A list of databases or users as one canonical text: sorted, without repeats.
fn list(elems: &[(String, Elem)]) -> String {
    let mut names: Vec<&str> = elems.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// A database or user token: its canonical text (keywords bare, a name quoted where it
/// would otherwise read as a keyword or special form) and what it matches.
fn elem(tok: &Tok, role: bool) -> (String, Elem) {
    let t = tok.text.as_str();
    if !tok.quoted {
        match t {
            "all" => return ("all".into(), Elem::All),
            "replication" if !role => return ("replication".into(), Elem::Replication),
            "sameuser" if !role => return ("sameuser".into(), Elem::Some),
            "samerole" | "samegroup" if !role => return ("samerole".into(), Elem::Some),
            _ => {}
        }
        if (role && t.starts_with('+')) || t.starts_with('/') || (t.starts_with('@') && t.len() > 1)
        {
            return (t.to_string(), Elem::Some);
        }
    }
    let special = t.is_empty()
        || matches!(
            t,
            "all" | "replication" | "sameuser" | "samerole" | "samegroup"
        )
        || t.starts_with(['+', '@', '/'])
        || t.bytes()
            .any(|c| is_blank(c) || matches!(c, b',' | b'#' | b'"'));
    let text = if special {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t.to_string()
    };
    (text, Elem::Name(t.to_string()))
}

/// The address field (and the netmask field after it), as `parse_hba_line` reads them.
fn address(
    l: &Logical,
    tok: &Tok,
    fields: &[Vec<Tok>],
    next: &mut usize,
) -> Result<(Addr, String), ParseError> {
    let t = tok.text.as_str();
    if matches!(t, "all" | "samehost" | "samenet") {
        return Ok((Addr::Any, t.to_string()));
    }
    if let Some((host, bits)) = t.split_once('/') {
        let Some(ip) = ip(host) else {
            return Err(l.error(
                tok.at,
                format!("specifying both host name and CIDR mask is invalid: \"{t}\""),
            ));
        };
        let max = if matches!(ip, Ip::V4(_)) { 32 } else { 128 };
        let bits = strtol(bits)
            .filter(|b| (0..=max).contains(b))
            .ok_or_else(|| l.error(tok.at, format!("invalid CIDR mask in address \"{t}\"")))?;
        return Ok(masked(ip, prefix_mask(max, bits as u32)));
    }
    let Some(ip) = ip(t) else {
        return Ok((Addr::Any, t.to_ascii_lowercase()));
    };
    let mask_tok = match fields.get(*next) {
        None => {
            return Err(l.error(tok.end, "end-of-line before netmask specification"));
        }
        Some(f) if f.len() > 1 => {
            return Err(l.error(f[1].at, "multiple values specified for netmask"));
        }
        Some(f) => &f[0],
    };
    *next += 1;
    let mask = ip_of(&mask_tok.text).ok_or_else(|| {
        l.error(
            mask_tok.at,
            format!("invalid IP mask \"{}\"", mask_tok.text),
        )
    })?;
    let mask = match (&ip, mask) {
        (Ip::V4(_), Ip::V4(m)) => m as u128,
        (Ip::V6(_), Ip::V6(m)) => m,
        _ => return Err(l.error(mask_tok.at, "IP address and mask do not match")),
    };
    Ok(masked(ip, mask))
}

enum Ip {
    V4(u32),
    V6(u128),
}

fn prefix_mask(max: i64, bits: u32) -> u128 {
    let all: u128 = if max == 32 {
        u32::MAX as u128
    } else {
        u128::MAX
    };
    if bits == 0 {
        0
    } else {
        (all << (max as u32 - bits)) & all
    }
}

/// The masked address and its canonical text: `a/bits`, or `a mask m` for a netmask that is
/// not a prefix.
fn masked(ip: Ip, mask: u128) -> (Addr, String) {
    match ip {
        Ip::V4(a) => {
            let m = mask as u32;
            let net = a & m;
            let text = if m.leading_ones() + m.trailing_zeros() == 32 {
                format!("{}/{}", Ipv4Addr::from(net), m.leading_ones())
            } else {
                format!("{} mask {}", Ipv4Addr::from(net), Ipv4Addr::from(m))
            };
            (Addr::V4(net, m), text)
        }
        Ip::V6(a) => {
            let net = a & mask;
            let text = if mask.leading_ones() + mask.trailing_zeros() == 128 {
                format!("{}/{}", Ipv6Addr::from(net), mask.leading_ones())
            } else {
                format!("{} mask {}", Ipv6Addr::from(net), Ipv6Addr::from(mask))
            };
            (Addr::V6(net, mask), text)
        }
    }
}

/// An address as `getaddrinfo(AI_NUMERICHOST)` reads it, for the address field; a zone
/// (`fe80::1%eth0`) is dropped, as PostgreSQL drops it.
fn ip(text: &str) -> Option<Ip> {
    ip_of(text)
}

fn ip_of(text: &str) -> Option<Ip> {
    if let Some(v4) = inet_aton(text) {
        return Some(Ip::V4(v4));
    }
    let bare = text.split_once('%').map_or(text, |(a, _)| a);
    bare.parse::<Ipv6Addr>().ok().map(|a| Ip::V6(u128::from(a)))
}

/// `inet_aton`: one to four parts, each decimal, octal (`0`) or hex (`0x`), the last filling
/// the bytes that remain (`10.1` is 10.0.0.1).
fn inet_aton(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or(p.strip_prefix("0X")) {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 16 {
            return None;
        }
        let n = if digits.is_empty() {
            0
        } else {
            if !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            u64::from_str_radix(digits, radix).ok()?
        };
        nums.push(n);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|n| *n > 255) || *last >= 1u64 << (8 * (4 - head.len())) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        v |= n << (8 * (3 - i));
    }
    u32::try_from(v | last).ok()
}

/// `strtol` over the whole text, as `pg_sockaddr_cidr_mask` reads the bits.
fn strtol(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    let (neg, digits) = match digits.strip_prefix('-') {
        Some(d) if !text.starts_with('+') => (true, d),
        _ => (false, digits),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok().or(Some(i64::MAX))?;
    Some(if neg { -n } else { n })
}

/// Whether two connection types can both match one connection.
fn conn_overlap(a: &str, b: &str) -> bool {
    if a == "local" || b == "local" {
        return a == b;
    }
    let exclusive = |x: &str, y: &str| {
        matches!(
            (x, y),
            ("hostssl", "hostnossl") | ("hostgssenc", "hostnogssenc") | ("hostssl", "hostgssenc")
        )
    };
    !(exclusive(a, b) || exclusive(b, a))
}

fn elems_overlap(a: &[Elem], b: &[Elem]) -> bool {
    // Two long lists of plain names (an `@file` read in): a set, not every pair.
    let plain = |v: &[Elem]| v.iter().all(|e| matches!(e, Elem::Name(_)));
    if a.len().min(b.len()) > 16 && a.len() * b.len() > 4096 && plain(a) && plain(b) {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        let set: std::collections::HashSet<&Elem> = short.iter().collect();
        return long.iter().any(|e| set.contains(e));
    }
    a.iter().any(|x| {
        b.iter().any(|y| match (x, y) {
            (Elem::Replication, o) | (o, Elem::Replication) => *o == Elem::Replication,
            (Elem::Name(p), Elem::Name(q)) => p == q,
            _ => true,
        })
    })
}

fn addr_overlap(a: &Addr, b: &Addr) -> bool {
    match (a, b) {
        (Addr::None, _) | (_, Addr::None) => true,
        (Addr::Any, _) | (_, Addr::Any) => true,
        (Addr::V4(n, m), Addr::V4(o, k)) => (n ^ o) & m & k == 0,
        (Addr::V6(n, m), Addr::V6(o, k)) => (n ^ o) & m & k == 0,
        _ => false,
    }
}

/// Whether some connection can match both rules (an include directive may hold anything).
fn overlap(a: &Rule, b: &Rule) -> bool {
    a.directive
        || b.directive
        || (conn_overlap(a.conn, b.conn)
            && elems_overlap(&a.dbs, &b.dbs)
            && elems_overlap(&a.users, &b.users)
            && addr_overlap(&a.addr, &b.addr))
}

fn tree_of(rules: &[Rule]) -> Tree {
    let mut tree = Tree::new();
    for (i, rule) in rules.iter().enumerate() {
        let at = |leaf: &str| {
            let mut k = String::new();
            push_key(&mut k, &rule.key);
            push_key(&mut k, leaf);
            k
        };
        if !rule.directive {
            tree.insert(at("method"), Value::text(&rule.method), rule.line);
            for (name, value) in &rule.options {
                let mut k = at("options");
                push_key(&mut k, name);
                tree.insert(k, Value::text(value), rule.line);
            }
        }
        let earlier: Vec<&str> = rules[..i]
            .iter()
            .filter(|r| overlap(r, rule))
            .map(|r| r.key.as_str())
            .collect();
        if !earlier.is_empty() || rule.directive {
            tree.insert(at("after"), Value::text(after_text(&earlier)), rule.line);
        }
    }
    tree
}

/// The earlier rules' keys, `; `-separated; past [`MAX_AFTER`], their count and a digest.
fn after_text(keys: &[&str]) -> String {
    if keys.len() <= MAX_AFTER {
        return keys.join("; ");
    }
    let mut h: u64 = 0xcbf29ce484222325;
    for k in keys {
        for b in k.bytes().chain([0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
    }
    format!(
        "{}; and {} more (digest {h:016x})",
        keys[..MAX_AFTER].join("; "),
        keys.len() - MAX_AFTER
    )
}

#[cfg(test)]
mod tests;
pub(super) mod through;
