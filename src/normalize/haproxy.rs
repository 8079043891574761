//! haproxy.cfg as HAProxy 2.6 reads it (haproxy/haproxy src/cfgparse.c `readcfgfile`, the
//! words of a line from src/tools.c `parse_line`; the sections' keywords from
//! doc/configuration.txt). Checked with `haproxy -c`, which refuses what HAProxy refuses:
//!
//! - A line is words separated by blanks; `#` outside quotes starts a comment; `"..."` (with
//!   `\` escapes) and `'...'` (as written) quote, joined to the text around them; a `\`
//!   outside quotes escapes the next character. `${VAR}` is kept as written.
//! - Sections: `global`, `defaults [NAME]`, `frontend NAME`, `backend NAME`, `listen NAME`
//!   (with `from DEFAULTS`), and `peers`, `resolvers`, `userlist`, `mailers`, `cache`,
//!   `program`, `http-errors`, `ring`, `log-forward` by name: keys are `global.maxconn`,
//!   `backend.db.balance`, `userlist.admins.user.bob.password`. An unnamed `defaults` is
//!   `defaults`; when a file has several, `defaults[0]`, `defaults[1]`, ...
//! - Keyed directives: `server NAME ADDR OPTIONS` is `server.NAME.address` and one key per
//!   option (`server.db1.maxconn` = 100, a flag such as `check` is true), so the options'
//!   order is no drift; `default-server OPTIONS` likewise; `option X` / `no option X` is
//!   `option.X` (true, false, or its arguments); `timeout X T` is `timeout.X` in
//!   milliseconds (`5s` = `5000`); `errorfile CODE FILE` is `errorfile.CODE`; `bind ADDR
//!   OPTIONS` is `bind.ADDR` (true) and one key per option as for servers
//!   (`bind.:443.alpn` = `h2`; the options' order is no drift, but the `crt`s keep theirs),
//!   one listener per address of `ADDR1,ADDR2`, the address in one spelling as
//!   `str2sa_range` reads it (`*:80` = `0.0.0.0:80` = `:80`); `stats X ...` is `stats.X`;
//!   `acl NAME ...` is `acl.NAME[i]` (the lines of one acl in order; acls of other names in
//!   any order); `user NAME ...`/`group NAME ...` in a userlist are keyed by name.
//! - Rules evaluated in order keep it: `http-request`, `http-response`, `tcp-request`,
//!   `use_backend`, `redirect`, `log`, ... are always lists, `http-request[0]`, `[1]`, ... in
//!   file order; so is any other directive given more than once, but for those where the last
//!   line wins (`maxconn`, `mode`, `balance`, ...).
//! - `defaults` are inherited as HAProxy 2.6 copies them into each proxy after them
//!   (`proxy_defproxy_cpy`, src/proxy.c): the last `defaults` before the proxy, or the named
//!   one of `from NAME` (a `defaults` takes nothing from the one before it but by `from`). A
//!   proxy's keys hold what it runs, its own value or the inherited one (at the `defaults`
//!   line), as `proxy_defproxy_cpy` copies by capability: `maxconn`, `timeout client`,
//!   `default_backend`, `log-format`, ... for frontends and listens, `balance`, `retries`,
//!   `default-server`, `timeout connect`/`server`, ... for backends and listens, `mode`,
//!   `option`, `errorfile`, `stats` and the other timeouts for all; a named defaults' rules
//!   (`http-request`, ...) and every defaults' `log` lines come before the proxy's own. Acls,
//!   binds, servers and switching rules are never inherited. A `defaults` key is compared by
//!   itself only where no proxy of this file runs it and a file read after this one still
//!   could (see [`build`]), so moving a setting between `defaults` and the proxies that run
//!   it is no drift.

use super::{column, line_number};
use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::BTreeMap;

/// The section keywords: (keyword, takes a name).
const SECTIONS: &[(&str, bool)] = &[
    ("global", false),
    ("defaults", false),
    ("frontend", true),
    ("backend", true),
    ("listen", true),
    ("peers", true),
    ("resolvers", true),
    ("userlist", true),
    ("mailers", true),
    ("cache", true),
    ("program", true),
    ("http-errors", true),
    ("ring", true),
    ("log-forward", true),
];

/// Directives where a later line replaces an earlier one.
const SINGLE: &[&str] = &[
    "maxconn",
    "mode",
    "balance",
    "retries",
    "fullconn",
    "default_backend",
    "hash-type",
    "cookie",
    "chroot",
    "user",
    "group",
    "uid",
    "gid",
    "pidfile",
    "nbthread",
    "daemon",
    "master-worker",
    "maxconnrate",
    "maxsessrate",
    "maxsslconn",
    "maxsslrate",
    "maxpipes",
    "ulimit-n",
    "ca-base",
    "crt-base",
    "description",
    "id",
    "log-tag",
    "log-format",
    "unique-id-format",
    "unique-id-header",
    "monitor-uri",
    "max-keep-alive-queue",
    "max-session-srv-conns",
    "backlog",
    "rate-limit",
    "compression",
    "stick-table",
    "ssl-default-bind-ciphers",
    "ssl-default-bind-ciphersuites",
    "ssl-default-bind-options",
    "ssl-default-server-ciphers",
    "ssl-default-server-ciphersuites",
    "ssl-default-server-options",
    "tune.bufsize",
    "tune.maxrewrite",
    "spread-checks",
    "hard-stop-after",
    "email-alert",
];

/// Directives HAProxy evaluates in file order, or keeps every line of: always lists
/// (`http-request[0]`), so a second line does not rename the first.
const ORDERED: &[&str] = &[
    "http-request",
    "http-response",
    "http-after-response",
    "tcp-request",
    "tcp-response",
    "use_backend",
    "use-server",
    "redirect",
    "http-check",
    "tcp-check",
    "log",
    "capture",
    "filter",
    "stick",
];

/// Server options that take a value (the next word); any other word is a flag.
/// From doc/configuration.txt 5.2 "Server and default-server options" (2.6).
const SERVER_ARGS: &[&str] = &[
    "addr",
    "agent-addr",
    "agent-inter",
    "agent-port",
    "agent-send",
    "alpn",
    "ca-file",
    "check-alpn",
    "check-proto",
    "check-sni",
    "ciphers",
    "ciphersuites",
    "client-sigalgs",
    "cookie",
    "crl-file",
    "crt",
    "curves",
    "downinter",
    "error-limit",
    "fall",
    "fastinter",
    "id",
    "init-addr",
    "inter",
    "interface",
    "log-proto",
    "max-reuse",
    "maxconn",
    "maxqueue",
    "minconn",
    "namespace",
    "npn",
    "observe",
    "on-error",
    "on-marked-down",
    "on-marked-up",
    "pool-conn-name",
    "pool-low-conn",
    "pool-max-conn",
    "pool-purge-delay",
    "port",
    "proto",
    "proxy-v2-options",
    "redir",
    "resolve-net",
    "resolve-opts",
    "resolve-prefer",
    "resolvers",
    "rise",
    "send-proxy-v2-options",
    "shard",
    "sigalgs",
    "slowstart",
    "sni",
    "socks4",
    "source",
    "ssl-max-ver",
    "ssl-min-ver",
    "tcp-ut",
    "track",
    "usesrc",
    "verify",
    "verifyhost",
    "weight",
    "ws",
];

/// Server options that are times (milliseconds unless a unit says otherwise).
const SERVER_TIMES: &[&str] = &[
    "inter",
    "fastinter",
    "downinter",
    "agent-inter",
    "slowstart",
    "pool-purge-delay",
    "tcp-ut",
];

/// Inherited from `defaults` by frontends (and listens) only: what `proxy_defproxy_cpy`
/// (src/proxy.c, 2.6) copies under `PR_CAP_FE`.
const FRONTEND_ONLY: &[&str] = &[
    "maxconn",
    "backlog",
    "rate-limit",
    "timeout.client",
    "timeout.client-fin",
    "monitor-uri",
    "default_backend",
    "log-format",
    "log-format-sd",
    "error-log-format",
    "capture",
];

/// Inherited from `defaults` by backends (and listens) only: what `proxy_defproxy_cpy` copies
/// under `PR_CAP_BE` (servers live only in backends, so `default-server` too).
const BACKEND_ONLY: &[&str] = &[
    "balance",
    "fullconn",
    "retries",
    "hash-type",
    "hash-balance-factor",
    "default-server",
    "cookie",
    "dynamic-cookie-key",
    "source",
    "load-server-state-from-file",
    "max-keep-alive-queue",
    "http-check",
    "tcp-check",
    "timeout.connect",
    "timeout.server",
    "timeout.server-fin",
    "timeout.queue",
    "timeout.tunnel",
    "timeout.check",
];

/// Never inherited (`proxy_defproxy_cpy` copies none of them): acls, listeners, servers,
/// switching rules, stick rules and tables, filters.
const NOT_INHERITED: &[&str] = &[
    "acl",
    "bind",
    "server",
    "server-template",
    "use_backend",
    "use-server",
    "redirect",
    "monitor",
    "stick",
    "stick-table",
    "filter",
    "declare",
    "description",
    "id",
];

/// Lists a proxy runs after those of its defaults: the rules of a named `defaults` are
/// evaluated before the proxy's own (HAProxy 2.6 keeps a reference, `proxy_ref_defaults`,
/// src/cfgparse-listen.c), and `log` lines are copied, the proxy's own appended (`no log`
/// drops those before it).
const APPENDED: &[&str] = &[
    "http-request",
    "http-response",
    "http-after-response",
    "tcp-request",
    "tcp-response",
    "log",
];

/// Bind options that take a value (the next word); any other word is a flag. From the
/// `bind_kw_list` tables of HAProxy 2.6 (src/listener.c, src/cfgparse-ssl.c,
/// src/cfgparse-tcp.c, src/cfgparse-unix.c, src/cli.c), each keyword with its count of
/// arguments; every keyword is parsed on its own, so their order is no drift.
const BIND_ARGS: &[&str] = &[
    "accept-netscaler-cip",
    "alpn",
    "backlog",
    "ca-file",
    "ca-ignore-err",
    "ca-sign-file",
    "ca-sign-pass",
    "ca-verify-file",
    "ciphers",
    "ciphersuites",
    "crl-file",
    "crt",
    "crt-ignore-err",
    "crt-list",
    "curves",
    "ecdhe",
    "expose-fd",
    "gid",
    "group",
    "id",
    "interface",
    "level",
    "maxconn",
    "mode",
    "mss",
    "name",
    "namespace",
    "nice",
    "npn",
    "process",
    "proto",
    "severity-output",
    "shards",
    "ssl-max-ver",
    "ssl-min-ver",
    "tcp-ut",
    "thread",
    "tls-ticket-keys",
    "uid",
    "user",
    "verify",
];

/// How many keys one bind line may make (its addresses × its options).
const MAX_BIND_KEYS: usize = 100_000;

/// Bind options each line of which adds one more, in order: certificates (the first is the
/// one served to a client that sends no SNI).
const BIND_REPEATED: &[&str] = &["crt", "crt-list"];

/// One key's value and line; repeated directives collect every line.
#[derive(Default)]
struct Section {
    kind: &'static str,
    /// The key segment(s): `frontend.web`, `defaults`, `global`.
    path: String,
    /// `from NAME` on a proxy or defaults line.
    from: Option<String>,
    /// The defaults section in force where this proxy starts (index into sections).
    inherits: Option<usize>,
    name: Option<String>,
    /// The line of the section's header.
    line: u32,
    /// Relative key → values (with lines); lists keep every line in order.
    keys: BTreeMap<String, Vec<(Value, u32)>>,
    /// Relative keys that are lists (rules, repeated directives).
    lists: std::collections::HashSet<String>,
}

/// Reads haproxy.cfg.
pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut sections: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let ln = line_number(i);
        let words = words(raw).map_err(|(at, m)| ParseError::new(ln, column(raw, at), m))?;
        let Some(first) = words.first() else { continue };
        let err = |m: String| ParseError::new(ln, 1, m);
        if let Some(&(kind, named)) = SECTIONS.iter().find(|(k, _)| k == first) {
            let mut s = Section {
                kind,
                line: ln,
                ..Section::default()
            };
            let rest = &words[1..];
            let (name, rest) = match rest.first() {
                Some(n) if n != "from" => (Some(n.clone()), &rest[1..]),
                _ => (None, rest),
            };
            if named && name.is_none() {
                return Err(err(format!("expected a name after '{kind}'")));
            }
            match rest {
                [] => {}
                [f, d]
                    if f == "from"
                        && matches!(kind, "defaults" | "frontend" | "backend" | "listen") =>
                {
                    s.from = Some(d.clone());
                }
                _ if kind == "program" || kind == "peers" || kind == "global" => {}
                _ => {
                    return Err(err(format!(
                        "expected nothing but 'from NAME' after '{kind}{}'",
                        name.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
                    )));
                }
            }
            s.name = name;
            sections.push(s);
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(err(format!(
                "expected a section ('global', 'defaults', 'frontend', ...) before '{first}' (HAProxy refuses a directive outside a section)"
            )));
        };
        directive(section, &words, ln).map_err(err)?;
    }
    build(sections)
}

/// Adds one directive line to its section.
fn directive(s: &mut Section, words: &[String], ln: u32) -> Result<(), String> {
    let (negated, words) = match words {
        [no, rest @ ..] if no == "no" && !rest.is_empty() => (true, rest),
        _ => (false, words),
    };
    let kw = words[0].as_str();
    let args = &words[1..];
    let joined = || Value::text(args.join(" "));
    let mut set = |key: String, value: Value, list: bool| {
        let values = s.keys.entry(key.clone()).or_default();
        if list {
            values.push((value, ln));
        } else {
            *values = vec![(value, ln)];
        }
    };
    let key = |segments: &[&str]| {
        let mut p = String::new();
        for seg in segments {
            push_key(&mut p, seg);
        }
        p
    };
    match kw {
        "option" => {
            let name = args
                .first()
                .ok_or("expected an option name after 'option'")?;
            let value = if negated {
                Value::Bool(false)
            } else if args.len() > 1 {
                Value::text(args[1..].join(" "))
            } else {
                Value::Bool(true)
            };
            set(key(&["option", name]), value, false);
        }
        "timeout" => {
            let [name, t] = args else {
                return Err("expected 'timeout NAME TIME'".into());
            };
            let ms = time_ms(t).ok_or_else(|| {
                format!("HAProxy refuses timeout {name} {t}: expected a time (a number, then us, ms, s, m, h or d)")
            })?;
            set(key(&["timeout", name]), ms, false);
        }
        "server" if s.kind != "peers" || args.len() > 1 => {
            let [name, address, options @ ..] = args else {
                return Err("expected 'server NAME ADDRESS [OPTIONS]'".into());
            };
            set(
                key(&["server", name, "address"]),
                Value::text(address),
                false,
            );
            for (opt, value) in server_options(options)? {
                set(key(&["server", name, &opt]), value, false);
            }
        }
        "default-server" => {
            for (opt, value) in server_options(args)? {
                set(key(&["default-server", &opt]), value, false);
            }
        }
        "errorfile" if args.len() == 2 => {
            set(key(&["errorfile", &args[0]]), Value::text(&args[1]), false);
        }
        "bind" => {
            let addrs = args.first().ok_or("expected an address after 'bind'")?;
            let options = bind_options(&args[1..]);
            // `bind :80,:8080 OPTIONS` is one listener per address, each with the options: a
            // hostile line could ask for addresses × options keys.
            let count = addrs.split(',').filter(|a| !a.is_empty()).count();
            if count.saturating_mul(options.len() + 1) > MAX_BIND_KEYS {
                return Err(format!(
                    "this bind line makes more than {MAX_BIND_KEYS} settings ({count} addresses, each with {} options): confdrift stops here",
                    options.len()
                ));
            }
            for addr in addrs.split(',').filter(|a| !a.is_empty()) {
                let at = key(&["bind", &bind_address(addr)]);
                // A later line for the same address replaces the earlier one's options.
                let stale: Vec<String> = s
                    .keys
                    .range(format!("{at}.")..)
                    .map(|(k, _)| k)
                    .take_while(|k| k.starts_with(&format!("{at}.")))
                    .cloned()
                    .collect();
                for k in stale {
                    s.keys.remove(&k);
                    s.lists.remove(&k);
                }
                s.keys.insert(at.clone(), vec![(Value::Bool(true), ln)]);
                for (opt, value) in &options {
                    let k = format!("{at}.{}", key(&[opt]));
                    let repeated = BIND_REPEATED.contains(&opt.as_str());
                    let values = s.keys.entry(k.clone()).or_default();
                    if repeated {
                        values.push((value.clone(), ln));
                        s.lists.insert(k);
                    } else {
                        *values = vec![(value.clone(), ln)];
                    }
                }
            }
        }
        "stats" if !args.is_empty() => {
            let sub = &args[0];
            let list = matches!(sub.as_str(), "auth" | "socket" | "http-request" | "admin");
            let k = key(&["stats", sub]);
            if list {
                s.lists.insert(k.clone());
            }
            set(k, Value::text(args[1..].join(" ")), list);
        }
        "acl" => {
            let name = args.first().ok_or("expected an acl name after 'acl'")?;
            let k = key(&["acl", name]);
            s.lists.insert(k.clone());
            set(k, Value::text(args[1..].join(" ")), true);
        }
        "user" | "group" if s.kind == "userlist" => {
            let name = args.first().ok_or("expected a name")?;
            let mut rest = args[1..].iter();
            while let Some(field) = rest.next() {
                let value = rest
                    .next()
                    .ok_or_else(|| format!("expected a value after '{field}'"))?;
                set(key(&[kw, name, field]), Value::text(value), false);
            }
            if args.len() == 1 {
                set(key(&[kw, name]), Value::Bool(true), false);
            }
        }
        "maxconn" | "fullconn" | "retries" | "nbthread" | "maxconnrate" | "maxsslconn"
        | "ulimit-n" => {
            let value = match args {
                [n] => Value::Int(atol(n)),
                _ => return Err(format!("expected '{kw} NUMBER'")),
            };
            set(key(&[kw]), value, false);
        }
        _ => {
            let value = if args.is_empty() {
                Value::Bool(!negated)
            } else if negated {
                Value::text(format!("no {}", args.join(" ")))
            } else {
                joined()
            };
            let k = key(&[kw]);
            if ORDERED.contains(&kw) {
                s.lists.insert(k.clone());
            }
            let single = SINGLE.contains(&kw);
            set(k, value, !single);
        }
    }
    Ok(())
}

/// A server line's options, each as its own key; a flag is true.
fn server_options(words: &[String]) -> Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if SERVER_ARGS.contains(&w.as_str()) {
            let Some(v) = it.next() else {
                // HAProxy 2.6 accepts `weight` last on the line; kept as a flag.
                out.push((w.clone(), Value::Bool(true)));
                break;
            };
            let value = if SERVER_TIMES.contains(&w.as_str()) {
                time_ms(v).ok_or_else(|| format!("HAProxy refuses {w} {v}: expected a time"))?
            } else if matches!(
                w.as_str(),
                "maxconn" | "maxqueue" | "minconn" | "weight" | "rise" | "fall" | "port"
            ) {
                Value::Int(atol(v))
            } else {
                Value::text(v)
            };
            out.push((w.clone(), value));
        } else {
            out.push((w.clone(), Value::Bool(true)));
        }
    }
    Ok(out)
}

/// A bind line's options, each as its own key; a flag is true. A keyword missing its value
/// (HAProxy refuses it) is kept as a flag.
fn bind_options(words: &[String]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let value = match BIND_ARGS.contains(&w.as_str()).then(|| it.next()).flatten() {
            Some(v) if w == "maxconn" || w == "backlog" => Value::Int(atol(v)),
            Some(v) if w == "tcp-ut" => time_ms(v).unwrap_or_else(|| Value::text(v)),
            Some(v) => Value::text(v),
            None => Value::Bool(true),
        };
        out.push((w.clone(), value));
    }
    out
}

/// A bind address as HAProxy's `str2sa_range` (src/tools.c) reads it, in one spelling: the
/// IPv4 wildcard `*:80`, `0.0.0.0:80`, `ipv4@:80` and `:80` are `:80`; the IPv6 one `:::80`,
/// `[::]:80` and `ipv6@:80` are `[::]:80`; an IP address as `inet_pton` reads it, IPv6 in
/// brackets; a port as `atoi` reads it (`080` is 80). Host names, unix sockets and other
/// prefixes (`unix@`, `abns@`, `fd@`, ...) are kept as written.
fn bind_address(addr: &str) -> String {
    use std::net::{IpAddr, Ipv6Addr};
    let (family, rest) = match addr.split_once('@') {
        None => (0, addr),
        Some(("ip", rest)) => (0, rest),
        Some(("ipv4", rest)) => (4, rest),
        Some(("ipv6", rest)) => (6, rest),
        Some(_) => return addr.to_string(),
    };
    if rest.starts_with('/') {
        return addr.to_string();
    }
    // The port follows the last ':' unless the address ends with ']'.
    let (host, port) = match rest.rfind([':', ']']) {
        Some(at) if rest.as_bytes()[at] == b':' => (&rest[..at], Some(&rest[at + 1..])),
        _ => (rest, None),
    };
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = match (family, bare) {
        (0 | 4, "" | "*") => String::new(),
        (6, "" | "*") => format!("[{}]", Ipv6Addr::UNSPECIFIED),
        _ => match bare.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) if family != 6 && bare == host => {
                if ip.is_unspecified() {
                    String::new()
                } else {
                    ip.to_string()
                }
            }
            Ok(IpAddr::V6(ip)) if family != 4 => format!("[{ip}]"),
            _ => return addr.to_string(),
        },
    };
    let port = match port {
        None => return host,
        Some(p) => {
            let numbers: Option<Vec<String>> = p
                .split('-')
                .map(|n| {
                    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| atol(n).to_string())
                })
                .collect();
            match numbers {
                Some(n) if n.len() <= 2 => n.join("-"),
                _ => p.to_string(),
            }
        }
    };
    format!("{host}:{port}")
}

/// A number as C's `atol` reads it, as HAProxy 2.6 reads `maxconn`, `weight`, ...: blanks,
/// a sign, the digits that follow; `lots` is 0 and `100abc` is 100 (HAProxy accepts both).
fn atol(text: &str) -> i64 {
    let t = text.trim_start();
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for b in t.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if negative { -n } else { n }
}

/// A time as HAProxy's `parse_time_err` reads it, in milliseconds (the default unit).
fn time_ms(t: &str) -> Option<Value> {
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let n: f64 = t[..digits].parse().ok()?;
    let factor = match &t[digits..] {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = n * factor;
    Some(if ms.fract() == 0.0 && ms < 9e15 {
        Value::Int(ms as i64)
    } else {
        Value::Float(ms)
    })
}

/// Whether a relative key is one a proxy of `kind` takes from its defaults.
fn inherited(kind: &str, key: &str) -> bool {
    let head = key.split(['.', '[']).next().unwrap_or(key);
    if NOT_INHERITED.contains(&head) {
        return false;
    }
    let is = |list: &[&str]| {
        list.iter()
            .any(|k| key == *k || key.starts_with(&format!("{k}.")))
    };
    match kind {
        "frontend" => !is(BACKEND_ONLY),
        "backend" => !is(FRONTEND_ONLY),
        _ => true,
    }
}

/// How many keys all proxies together may take from `defaults`: a file of a few megabytes
/// could otherwise ask for every one of thousands of proxies to copy thousands of keys.
const MAX_INHERITED: usize = 1_000_000;

/// Whether a proxy runs `key`'s lines after those of its defaults (see [`APPENDED`]).
fn appended(key: &str) -> bool {
    APPENDED.contains(&key)
}

/// A `log` list as HAProxy 2.6 builds it: `no log` drops the lines before it.
fn logs(values: Vec<(Value, u32)>) -> Vec<(Value, u32)> {
    let mut out = Vec::new();
    for (v, line) in values {
        if v == Value::Bool(false) {
            out.clear();
        } else {
            out.push((v, line));
        }
    }
    out
}

/// The sections into one tree: each proxy with what it runs, its own settings and those it
/// inherits; a `defaults` section only with what reaches no proxy of this file.
///
/// HAProxy 2.6 (`cfg_parse_listen`, src/cfgparse-listen.c): a frontend, backend or listen
/// takes the last `defaults` before it (named or not), or the one its `from NAME` names; a
/// `defaults` section takes nothing but from its own `from NAME`. The defaults in force are
/// kept in static variables across files, so the last `defaults` of this file is the one of
/// the proxies of any file read after it (`haproxy -f a.cfg -f conf.d/`), and a named one can
/// be taken by a `from NAME` there. So a `defaults` key is reported by itself only where no
/// proxy of this file runs it and a later file still could: in the file's last `defaults`
/// section, or a named one. Where a proxy here runs it, it is compared in that proxy (at the
/// `defaults` line), so moving `timeout connect 5s` from `defaults` into every backend that
/// runs it is no drift. A key no proxy runs in an unnamed `defaults` that a later one
/// replaces is read by nothing: not compared.
fn build(mut sections: Vec<Section>) -> Result<Tree, ParseError> {
    let anonymous = sections
        .iter()
        .filter(|s| s.kind == "defaults" && s.name.is_none())
        .count();
    let mut nth = 0;
    let mut last_defaults = None;
    for i in 0..sections.len() {
        let inherits = match &sections[i].from {
            Some(name) => sections[..i]
                .iter()
                .rposition(|d| d.kind == "defaults" && d.name.as_deref() == Some(name)),
            None if sections[i].kind == "defaults" => None,
            None => last_defaults,
        };
        let s = &mut sections[i];
        let mut path = String::new();
        push_key(&mut path, s.kind);
        match (&s.name, s.kind) {
            (Some(n), _) => push_key(&mut path, n),
            (None, "defaults") if anonymous > 1 => {
                push_index(&mut path, nth);
                nth += 1;
            }
            _ => {}
        }
        s.path = path;
        if matches!(s.kind, "frontend" | "backend" | "listen" | "defaults") {
            s.inherits = inherits;
        }
        // A directive given more than once is a list.
        let repeated: Vec<String> = s
            .keys
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(k, _)| k.clone())
            .collect();
        s.lists.extend(repeated);
        if s.kind == "defaults" {
            last_defaults = Some(i);
        }
    }
    // What each section runs, in file order (a defaults may take from an earlier one), and
    // which (defaults section, key) some proxy runs.
    let mut effective: Vec<BTreeMap<String, Vec<(Value, u32)>>> = Vec::new();
    let mut lists: Vec<std::collections::HashSet<String>> = Vec::new();
    let mut taken: std::collections::HashSet<(usize, String)> = Default::default();
    let mut budget = MAX_INHERITED;
    for s in &sections {
        let mut keys = s.keys.clone();
        let mut list = s.lists.clone();
        // A proxy's first `stats` line detaches it from the defaults' stats settings (all of
        // them: `uri_auth = NULL`, src/cfgparse-listen.c).
        let own_stats = s.kind != "defaults" && keys.keys().any(|k| k.starts_with("stats."));
        if let Some(d) = s.inherits {
            budget = budget.checked_sub(effective[d].len()).ok_or_else(|| {
                ParseError::new(
                    s.line,
                    1,
                    format!(
                        "the proxies of this file inherit more than {MAX_INHERITED} settings from their defaults: confdrift stops here"
                    ),
                )
            })?;
            for (k, v) in &effective[d] {
                if !(s.kind == "defaults" || inherited(s.kind, k))
                    || (own_stats && k.starts_with("stats."))
                {
                    continue;
                }
                if appended(k) {
                    let mut all = v.clone();
                    all.extend(keys.remove(k).unwrap_or_default());
                    keys.insert(k.clone(), all);
                    list.insert(k.clone());
                } else if keys.contains_key(k) {
                    continue;
                } else {
                    keys.insert(k.clone(), v.clone());
                    if lists[d].contains(k) {
                        list.insert(k.clone());
                    }
                }
                if s.kind != "defaults" {
                    // Runs the key of `d`, and of the defaults `d` took it from.
                    let mut at = d;
                    while taken.insert((at, k.clone())) {
                        let own = sections[at].keys.contains_key(k);
                        match sections[at].inherits {
                            Some(p) if effective[p].contains_key(k) && (!own || appended(k)) => {
                                at = p;
                            }
                            _ => break,
                        }
                    }
                }
            }
        }
        if let Some(v) = keys.remove("log") {
            let v = logs(v);
            if !v.is_empty() {
                keys.insert("log".into(), v);
            }
        }
        effective.push(keys);
        lists.push(list);
    }
    let mut tree = Tree::new();
    for (i, s) in sections.iter().enumerate() {
        let reachable = s.name.is_some() || Some(i) == last_defaults;
        if s.kind == "defaults" && !reachable {
            continue;
        }
        for (k, values) in &effective[i] {
            if s.kind == "defaults" && taken.contains(&(i, k.clone())) {
                continue;
            }
            let mut path = s.path.clone();
            path.push('.');
            path.push_str(k);
            if lists[i].contains(k) {
                for (n, (v, line)) in values.iter().enumerate() {
                    let mut p = path.clone();
                    push_index(&mut p, n);
                    tree.insert(p, v.clone(), *line);
                }
            } else if let Some((v, line)) = values.last() {
                tree.insert(path, v.clone(), *line);
            }
        }
    }
    Ok(tree)
}

/// The words of a line as HAProxy's `parse_line` splits them.
fn words(line: &str) -> Result<Vec<String>, (usize, String)> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '#' => break,
            ' ' | '\t' | '\r' => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some((_, 'n')) => word.push('\n'),
                    Some((_, 'r')) => word.push('\r'),
                    Some((_, 't')) => word.push('\t'),
                    Some((_, e)) => word.push(e),
                    None => word.push('\\'),
                }
            }
            '"' | '\'' => {
                in_word = true;
                let mut closed = false;
                while let Some((_, q)) = chars.next() {
                    if q == c {
                        closed = true;
                        break;
                    }
                    if q == '\\' && c == '"' {
                        match chars.next() {
                            Some((_, e @ ('"' | '\\' | '\'' | '$' | '#' | ' '))) => word.push(e),
                            Some((_, 'n')) => word.push('\n'),
                            Some((_, 't')) => word.push('\t'),
                            Some((_, 'r')) => word.push('\r'),
                            Some((_, e)) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => word.push('\\'),
                        }
                        continue;
                    }
                    word.push(q);
                }
                if !closed {
                    return Err((at, "expected the quote that closes this one".into()));
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::{drift, get, s};

    const DEBIAN: &str = include_str!("../../fixtures/upstream/haproxy/haproxy.cfg");

    #[test]
    fn debians_haproxy_cfg() {
        let t = parse(DEBIAN).unwrap();
        assert_eq!(get(&t, "global.chroot"), (&s("/var/lib/haproxy"), 4));
        assert_eq!(get(&t, "defaults.timeout.connect"), (&Value::Int(5000), 25));
        assert_eq!(get(&t, "defaults.option.httplog"), (&Value::Bool(true), 23));
        assert_eq!(
            get(&t, "defaults.errorfile.503"),
            (&s("/etc/haproxy/errors/503.http"), 33)
        );
        assert_eq!(get(&t, "global.log[1]"), (&s("/dev/log local1 notice"), 3));
    }

    #[test]
    fn servers_by_name_options_in_any_order() {
        let a = parse("backend db\n  server db1 10.0.0.5:5432 maxconn 100 check inter 2s\n  server db2 10.0.0.6:5432 check\n").unwrap();
        let b = parse("backend db\n  server db2 10.0.0.6:5432 check\n  server db1 10.0.0.5:5432 check inter 2000 maxconn 100 # note\n").unwrap();
        assert_eq!(drift(&a, &b), Vec::<String>::new());
        assert_eq!(get(&a, "backend.db.server.db1.maxconn").0, &Value::Int(100));
        let c = parse("backend db\n  server db1 10.0.0.5:5432 maxconn 50 check inter 2s\n  server db2 10.0.0.6:5432 check\n").unwrap();
        assert_eq!(drift(&a, &c), vec!["backend.db.server.db1.maxconn"]);
    }

    #[test]
    fn proxies_take_their_defaults() {
        let a = parse("defaults\n  mode http\n  maxconn 200\n  timeout client 30s\n  timeout server 30s\nfrontend web\n  bind :80\n  default_backend app\nbackend app\n  server a 10.0.0.1:80\n").unwrap();
        assert_eq!(get(&a, "frontend.web.maxconn"), (&Value::Int(200), 3));
        assert_eq!(get(&a, "frontend.web.timeout.client").0, &Value::Int(30000));
        assert!(a.get("backend.app.maxconn").is_none());
        assert!(a.get("frontend.web.timeout.server").is_none());
        assert_eq!(get(&a, "backend.app.mode").0, &s("http"));
        let named = parse("defaults base\n  maxconn 10\ndefaults other\n  maxconn 20\nfrontend web from base\n  bind :80\n").unwrap();
        assert_eq!(get(&named, "frontend.web.maxconn").0, &Value::Int(10));
    }

    #[test]
    fn a_defaults_key_is_compared_where_a_proxy_runs_it() {
        // Moved from defaults into the backends that run it: no drift.
        let a = parse("defaults\n  mode http\n  timeout connect 5s\nbackend a\n  server s 10.0.0.1:80\nbackend b\n  server s 10.0.0.2:80\n").unwrap();
        let b = parse("defaults\n  mode http\nbackend a\n  timeout connect 5000\n  server s 10.0.0.1:80\nbackend b\n  timeout connect 5s\n  server s 10.0.0.2:80\n").unwrap();
        assert_eq!(drift(&a, &b), Vec::<String>::new());
        assert!(a.get("defaults.timeout.connect").is_none());
        assert_eq!(get(&a, "backend.b.timeout.connect"), (&Value::Int(5000), 3));
        // Run by no proxy here: the last defaults reaches the files read after this one.
        let c = parse("defaults\n  timeout connect 5s\n  timeout client 9s\nbackend a\n").unwrap();
        assert_eq!(get(&c, "defaults.timeout.client"), (&Value::Int(9000), 3));
        assert!(c.get("defaults.timeout.connect").is_none());
        // A named one can be taken by `from` in a later file; an unnamed one a later
        // defaults replaces is read by nothing.
        let d = parse("defaults\n  maxconn 7\ndefaults base\n  maxconn 8\ndefaults\n  mode tcp\n  timeout client 3s\nbackend a\n").unwrap();
        assert_eq!(get(&d, "defaults.base.maxconn").0, &Value::Int(8));
        assert!(
            d.iter().all(|(k, _)| !k.starts_with("defaults[0]")),
            "{d:?}"
        );
        assert_eq!(get(&d, "defaults[1].timeout.client").0, &Value::Int(3000));
        assert!(d.get("defaults[1].mode").is_none());
    }

    #[test]
    fn a_proxys_own_stats_replace_all_of_the_defaults() {
        let t = parse("defaults\n  stats enable\n  stats uri /s\n  stats auth a:b\nlisten one\n  bind :80\nlisten two\n  bind :81\n  stats auth c:d\n").unwrap();
        assert_eq!(get(&t, "listen.one.stats.uri"), (&s("/s"), 3));
        assert!(t.get("listen.two.stats.uri").is_none());
        assert!(t.get("listen.two.stats.auth[1]").is_none());
        assert_eq!(get(&t, "listen.two.stats.auth[0]").0, &s("c:d"));
    }

    #[test]
    fn a_defaults_section_takes_nothing_from_the_one_before() {
        let t = parse(
            "defaults\n  maxconn 10\n  mode http\ndefaults\n  retries 2\nfrontend f\n  bind :80\n",
        )
        .unwrap();
        assert!(t.get("frontend.f.maxconn").is_none());
        assert!(t.get("frontend.f.mode").is_none());
        let from = parse(
            "defaults a\n  maxconn 10\ndefaults b from a\n  retries 2\nlisten f\n  bind :80\n",
        )
        .unwrap();
        assert_eq!(get(&from, "listen.f.maxconn"), (&Value::Int(10), 2));
        assert_eq!(get(&from, "listen.f.retries"), (&Value::Int(2), 4));
    }

    #[test]
    fn rules_and_logs_of_defaults_run_first() {
        let t = parse("defaults web\n  log global\n  http-request set-header X-A 1\nfrontend f from web\n  log 127.0.0.1 local0\n  http-request deny\n  bind :80\nfrontend g from web\n  no log\n  bind :81\n").unwrap();
        assert_eq!(
            get(&t, "frontend.f.http-request[0]"),
            (&s("set-header X-A 1"), 3)
        );
        assert_eq!(get(&t, "frontend.f.http-request[1]"), (&s("deny"), 6));
        assert_eq!(get(&t, "frontend.f.log[0]").0, &s("global"));
        assert_eq!(get(&t, "frontend.f.log[1]").0, &s("127.0.0.1 local0"));
        assert!(
            t.iter().all(|(k, _)| !k.starts_with("frontend.g.log")),
            "{t:?}"
        );
        assert!(t.iter().all(|(k, _)| !k.starts_with("defaults")), "{t:?}");
    }

    #[test]
    fn bind_lines_by_address_options_in_any_order() {
        let a = parse("frontend f\n  bind :443 ssl crt /x.pem alpn h2 maxconn 10\n").unwrap();
        let b = parse("frontend f\n  bind *:443 maxconn 10 alpn h2 ssl crt /x.pem\n").unwrap();
        assert_eq!(drift(&a, &b), Vec::<String>::new());
        assert_eq!(get(&a, "frontend.f.bind.:443.alpn"), (&s("h2"), 2));
        assert_eq!(get(&a, "frontend.f.bind.:443.maxconn").0, &Value::Int(10));
        assert_eq!(get(&a, "frontend.f.bind.:443.ssl").0, &Value::Bool(true));
        assert_eq!(get(&a, "frontend.f.bind.:443.crt[0]").0, &s("/x.pem"));
        // Certificates keep their order: the first is served without SNI.
        let c = parse("frontend f\n  bind :443 ssl crt /a.pem crt /b.pem\n").unwrap();
        let d = parse("frontend f\n  bind :443 ssl crt /b.pem crt /a.pem\n").unwrap();
        assert_eq!(drift(&c, &d).len(), 2);
        // One listener per address of a list.
        let e = parse("frontend f\n  bind :80,:8080 name x\n").unwrap();
        let f = parse("frontend f\n  bind :8080 name x\n  bind :80 name x\n").unwrap();
        assert_eq!(drift(&e, &f), Vec::<String>::new());
    }

    #[test]
    fn a_bind_line_is_bounded() {
        let addrs: Vec<String> = (0..2000).map(|i| format!(":{i}")).collect();
        let line = format!(
            "frontend f\n  bind {}{}\n",
            addrs.join(","),
            " ssl".repeat(100)
        );
        let e = parse(&line).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("more than 100000"), "{e:?}");
        assert!(parse(&format!("frontend f\n  bind {} ssl\n", addrs.join(","))).is_ok());
    }

    #[test]
    fn bind_addresses_as_haproxy_reads_them() {
        for (written, read) in [
            (":80", ":80"),
            ("*:80", ":80"),
            ("0.0.0.0:80", ":80"),
            ("ipv4@:80", ":80"),
            ("ip@*:080", ":80"),
            (":::80", "[::]:80"),
            ("[::]:80", "[::]:80"),
            ("ipv6@:80", "[::]:80"),
            ("[0:0::1]:80", "[::1]:80"),
            ("::1:80", "[::1]:80"),
            ("127.0.0.1:8000-8009", "127.0.0.1:8000-8009"),
            ("/run/haproxy.sock", "/run/haproxy.sock"),
            ("unix@web.sock", "unix@web.sock"),
            ("fd@3", "fd@3"),
            ("localhost:80", "localhost:80"),
            ("ipv6@127.0.0.1:80", "ipv6@127.0.0.1:80"),
        ] {
            assert_eq!(bind_address(written), read, "{written}");
        }
    }

    #[test]
    fn rules_keep_their_order() {
        let a = parse(
            "frontend f\n  bind :80\n  http-request deny if { path /a }\n  http-request allow\n",
        )
        .unwrap();
        let b = parse(
            "frontend f\n  bind :80\n  http-request allow\n  http-request deny if { path /a }\n",
        )
        .unwrap();
        assert_eq!(
            drift(&a, &b),
            vec!["frontend.f.http-request[0]", "frontend.f.http-request[1]"]
        );
    }

    #[test]
    fn inheritance_is_bounded() {
        let mut text = String::from("defaults\n");
        for i in 0..2000 {
            text.push_str(&format!("  option o{i}\n"));
        }
        for i in 0..600 {
            text.push_str(&format!("backend b{i}\n"));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("inherit more than"), "{e:?}");
        assert_eq!(e.line, 2001 + 500 + 1);
    }

    #[test]
    fn words_as_haproxy_splits_them() {
        assert_eq!(
            words("  a \"b c\"d 'e\\f' g\\ h # x").unwrap(),
            vec!["a", "b cd", "e\\f", "g h"]
        );
        assert!(words("a \"b").is_err());
    }

    #[test]
    fn refused_lines_are_errors_with_their_line() {
        for (text, line) in [
            ("maxconn 10\n", 1),
            ("frontend\n", 1),
            ("defaults\n  timeout client 5x\n", 2),
            ("backend b\n  server s1\n", 2),
            ("backend b\n  server s1 1.2.3.4:80 inter 2x\n", 2),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e:?}");
        }
    }
}
