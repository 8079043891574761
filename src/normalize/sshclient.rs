//! ssh_config as ssh reads it for one host (OpenSSH's readconf.c, V_9_2_P1): the lines in
//! file order, a `Host` block applying when one of its patterns matches the host as given and
//! no `!pattern` does, a `Match` block when its criteria hold (`all`, `host` against the
//! `Hostname` obtained so far, `originalhost`: comma lists, case-blind, `!` negates), the first
//! value obtained winning, except for the keywords of which every line adds a value
//! (`IdentityFile`, `CertificateFile`, `LocalForward`, `RemoteForward`, `DynamicForward`: each
//! new value once; `SendEnv`: each word, `-pattern` removing those it matches), and the
//! program's defaults filling the rest when its table is known. What ssh decides on the machine
//! it runs on is not guessed: `Match exec`, `user` and `localuser` leave the keywords their
//! blocks set unsure (and a later `Match host`, when such a block sets `Hostname`), and a file
//! with `Match canonical` or `Match final` (read again after canonicalization) or
//! `CanonicalizeHostname` on is not evaluated at all. A block is decided where it starts (a
//! `Hostname` it sets does not undo it). The lines of the files an `Include` reads come from
//! [`super::ssh_includes`].

use super::defaults::Table;
use super::ssh_value;
use crate::tree::{Tree, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where a line is: before any block, or in a `Host` or `Match` block (its words).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Top,
    Host(String),
    Match(String),
}

/// One line of the file as the tree holds it.
#[derive(Debug, Clone)]
pub struct Line {
    pub(crate) block: Block,
    /// The block occurrence it stands in (unique in one reading): ssh decides a block once,
    /// where it starts.
    pub(crate) scope: usize,
    /// The blocks of the `Include` lines that read its file, outermost first, with their
    /// occurrences: ssh reads an included file's lines only where that block applies.
    pub(crate) within: Vec<(Block, usize)>,
    /// The file it is in: 0 for the file read first, else the index of an included file
    /// ([`super::ssh_includes::Reading::files`]).
    pub file: usize,
    /// The keyword, lowercased, without a list index.
    pub keyword: String,
    pub value: Value,
    pub line: u32,
}

/// What one host gets: keyword → its values with their lines (0: the default), in order.
#[derive(Debug, Default)]
pub struct View {
    pub options: BTreeMap<String, Vec<(Value, u32)>>,
    /// keyword → the file its first value is in (see [`Line::file`]); none for a default.
    pub from: BTreeMap<String, usize>,
    /// Keywords a block ssh decides on its own machine sets (`Match exec`).
    pub unsure: BTreeSet<String>,
}

/// The key's segments (`host."db-*".user[0]` → `host`, `db-*`, `user`), index dropped.
pub fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = key.chars().peekable();
    while chars.peek().is_some() {
        let mut seg = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => seg.extend(chars.next()),
                    '"' => break,
                    c => seg.push(c),
                }
            }
            chars.next_if_eq(&'.');
        } else {
            for c in chars.by_ref() {
                if c == '.' {
                    break;
                }
                seg.push(c);
            }
        }
        out.push(seg);
    }
    if let Some(last) = out.last_mut()
        && let Some(i) = last.find('[')
    {
        last.truncate(i);
    }
    out
}

/// The keyword a key of an ssh_config tree sets (`host."*".sendenv[1]` → `sendenv`).
pub fn keyword(key: &str) -> String {
    segments(key).pop().unwrap_or_default()
}

/// The tree's lines in file order.
pub fn lines(tree: &Tree) -> Vec<Line> {
    let mut out: Vec<Line> = tree
        .iter()
        .map(|(key, e)| {
            let segs = segments(key);
            let block = match segs.as_slice() {
                [kind, words, _] if kind == "host" => Block::Host(words.clone()),
                [kind, words, _] if kind == "match" => Block::Match(words.clone()),
                _ => Block::Top,
            };
            Line {
                block,
                scope: 0,
                within: Vec::new(),
                file: 0,
                keyword: segs.last().cloned().unwrap_or_default(),
                value: e.value.clone(),
                line: e.line,
            }
        })
        .collect();
    out.sort_by_key(|l| l.line);
    let mut scope = 0;
    for i in 1..out.len() {
        if out[i].block != out[i - 1].block {
            scope += 1;
        }
        out[i].scope = scope;
    }
    out
}

/// The line of the file's first `Include`, if it has one.
pub fn first_include(tree: &Tree) -> Option<u32> {
    lines(tree)
        .into_iter()
        .find(|l| l.keyword == "include")
        .map(|l| l.line)
}

/// Why the file cannot be read for a host here (besides its includes); none when it can.
pub fn unreadable(tree: &Tree) -> Option<String> {
    for l in lines(tree) {
        if l.keyword == "canonicalizehostname" && !matches!(l.value.to_string().as_str(), "false") {
            return Some(format!(
                "line {}: `CanonicalizeHostname` reads the file again for the name DNS gives",
                l.line
            ));
        }
        if let Block::Match(criteria) = &l.block {
            for word in criteria.split_whitespace() {
                let attr = word.trim_start_matches('!').to_ascii_lowercase();
                if attr == "canonical" || attr == "final" {
                    return Some(format!(
                        "line {}: `Match {criteria}` is decided in a second reading, after canonicalization",
                        l.line
                    ));
                }
            }
        }
    }
    None
}

/// The host names worth asking about: every name in `Host` and `Match host`/`originalhost`
/// lines (a pattern's `*` and `?` made `x`, `!` dropped), and one name no pattern names.
pub fn candidates(trees: &[&Tree]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for tree in trees {
        for l in lines(tree) {
            let words: Vec<String> = match &l.block {
                Block::Host(w) => w.split_whitespace().map(str::to_string).collect(),
                Block::Match(w) => {
                    let ws: Vec<&str> = w.split_whitespace().collect();
                    ws.windows(2)
                        .filter(|p| {
                            matches!(
                                p[0].trim_start_matches('!').to_ascii_lowercase().as_str(),
                                "host" | "originalhost"
                            )
                        })
                        .flat_map(|p| p[1].split(','))
                        .map(str::to_string)
                        .collect()
                }
                Block::Top => Vec::new(),
            };
            for w in words {
                let name: String = w
                    .trim_start_matches('!')
                    .chars()
                    .map(|c| if c == '*' || c == '?' { 'x' } else { c })
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out.insert("confdrift-unnamed-host".to_string());
    out
}

/// OpenSSH's `match_pattern`: `*` any run, `?` one character, case-sensitive.
pub fn glob(text: &str, pattern: &str) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
    let (mut ti, mut pi, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// OpenSSH's `match_hostname`: a comma list, lowercased, where a `!pattern` that matches
/// wins over any other.
fn match_hostname(host: &str, list: &str) -> bool {
    let host = host.to_lowercase();
    let mut matched = false;
    for p in list.split(',') {
        let p = p.to_lowercase();
        match p.strip_prefix('!') {
            Some(neg) if glob(&host, neg) => return false,
            Some(_) => {}
            None => matched |= glob(&host, &p),
        }
    }
    matched
}

/// Whether a `Host` line's patterns take `host`.
fn host_applies(host: &str, patterns: &str) -> bool {
    let mut on = false;
    for p in patterns.split_whitespace() {
        match p.strip_prefix('!') {
            Some(neg) if glob(host, neg) => return false,
            Some(_) => {}
            None => on |= glob(host, p),
        }
    }
    on
}

/// Whether a `Match` line's criteria take the host: `None` when ssh decides it on its machine.
/// `hostname_unsure`: a block ssh decides on its machine may have set `Hostname` before.
fn match_applies(
    host: &str,
    hostname: Option<&str>,
    hostname_unsure: bool,
    criteria: &str,
) -> Option<bool> {
    let target = hostname.map_or(host.to_string(), |h| h.replace("%h", host));
    let mut words = criteria.split_whitespace();
    let mut unknown = false;
    while let Some(word) = words.next() {
        let negate = word.starts_with('!');
        let attr = word.trim_start_matches('!').to_ascii_lowercase();
        let result = match attr.as_str() {
            "all" => Some(true),
            "host" => words
                .next()
                .filter(|_| !hostname_unsure)
                .map(|arg| match_hostname(&target, arg)),
            "originalhost" => words.next().map(|arg| match_hostname(host, arg)),
            _ => {
                words.next();
                None
            }
        };
        match result.map(|r| r != negate) {
            Some(false) => return Some(false),
            Some(true) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(true)
}

/// What `host` gets from the file's lines, with the defaults of `table` when it is known.
pub fn view(lines: &[Line], host: &str, table: Option<&Table>) -> View {
    let mut v = View::default();
    let mut hostname: Option<String> = None;
    let mut sendenv: Vec<(String, u32)> = Vec::new();
    let mut sendenv_seen = false;
    let mut proxy = false;
    let mut hostname_unsure = false;
    // Each block occurrence decided once, where ssh reads its `Host` or `Match` line.
    let mut decided: HashMap<usize, Option<bool>> = HashMap::new();
    for l in lines {
        let mut on = Some(true);
        let outer = l.within.iter().map(|(b, s)| (b, *s));
        for (block, id) in outer.chain(std::iter::once((&l.block, l.scope))) {
            let here = *decided.entry(id).or_insert_with(|| match block {
                Block::Top => Some(true),
                Block::Host(patterns) => Some(host_applies(host, patterns)),
                Block::Match(criteria) => match_applies(
                    host,
                    hostname.as_deref(),
                    hostname_unsure && hostname.is_none(),
                    criteria,
                ),
            });
            on = match (on, here) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (None, _) | (_, None) => None,
                _ => Some(true),
            };
            if on == Some(false) {
                break;
            }
        }
        match on {
            Some(false) => continue,
            None => {
                hostname_unsure |= l.keyword == "hostname";
                v.unsure.insert(l.keyword.clone());
                continue;
            }
            Some(true) => {}
        }
        if l.keyword == "include" || table.is_some_and(|t| t.ignores(&l.keyword)) {
            continue;
        }
        let text = l.value.to_string();
        match l.keyword.as_str() {
            "sendenv" => {
                sendenv_seen = true;
                for word in text.split_whitespace() {
                    match word.strip_prefix('-') {
                        Some(pat) => sendenv.retain(|(s, _)| !glob(s, pat)),
                        None => sendenv.push((word.to_string(), l.line)),
                    }
                }
            }
            "identityfile" | "certificatefile" | "localforward" | "remoteforward"
            | "dynamicforward" => {
                v.from.entry(l.keyword.clone()).or_insert(l.file);
                let list = v.options.entry(l.keyword.clone()).or_default();
                if !list.iter().any(|(x, _)| x.to_string() == text) {
                    list.push((l.value.clone(), l.line));
                }
            }
            // One slot: the first of ProxyCommand and ProxyJump obtained wins (readconf.c).
            "proxycommand" | "proxyjump" if proxy => {}
            kw => {
                proxy |= matches!(kw, "proxycommand" | "proxyjump");
                if !v.options.contains_key(kw) {
                    if kw == "hostname" {
                        hostname = Some(text.clone());
                    }
                    v.from.insert(kw.to_string(), l.file);
                    v.options
                        .insert(kw.to_string(), vec![(l.value.clone(), l.line)]);
                }
            }
        }
    }
    if sendenv_seen || !sendenv.is_empty() {
        v.options.insert(
            "sendenv".into(),
            sendenv
                .into_iter()
                .map(|(s, line)| (Value::Str(s), line))
                .collect(),
        );
    }
    // ssh connects to the name `Hostname` gives (`%h` is the host as given), lowercased.
    let name = hostname.map_or(host.to_string(), |h| h.replace("%h", host));
    v.options.insert(
        "hostname".into(),
        vec![(Value::Str(name.to_lowercase()), 0)],
    );
    // `none` clears these (readconf.c's CLEAR_ON_NONE, and ProxyJump none).
    for kw in [
        "proxycommand",
        "proxyjump",
        "localcommand",
        "remotecommand",
        "controlpath",
        "revokedhostkeys",
        "pkcs11provider",
        "knownhostscommand",
    ] {
        if v.options
            .get(kw)
            .is_some_and(|vs| vs.len() == 1 && vs[0].0.to_string().eq_ignore_ascii_case("none"))
        {
            v.options.remove(kw);
        }
    }
    if let Some(table) = table {
        derive(&mut v, table);
        for (kw, default) in defaults(table) {
            let absent = v.options.get(&kw).is_none_or(Vec::is_empty);
            if absent && !v.unsure.contains(&kw) {
                v.options.insert(kw, default);
            }
        }
    }
    v.options.retain(|_, values| !values.is_empty());
    v
}

/// The defaults ssh derives from other keywords (fill_default_options): `UpdateHostKeys` is
/// off where `VerifyHostKeyDNS` is on or `UserKnownHostsFile` names other files than
/// `~/.ssh/known_hosts`; Debian's ssh keeps a `BatchMode` connection alive every 300 seconds.
fn derive(v: &mut View, table: &Table) {
    let text = |v: &View, kw: &str| v.options.get(kw).map(|vs| shown(Some(vs)));
    let batch =
        text(v, "batchmode").is_some_and(|t| t == ssh_value("batchmode", "yes").to_string());
    if !v.options.contains_key("updatehostkeys") && !v.unsure.contains("updatehostkeys") {
        let dns = text(v, "verifyhostkeydns")
            .is_some_and(|t| t != ssh_value("verifyhostkeydns", "no").to_string());
        let files = text(v, "userknownhostsfile")
            .is_some_and(|t| t.split_whitespace().ne(["~/.ssh/known_hosts"]));
        if dns || files {
            v.options.insert(
                "updatehostkeys".into(),
                vec![(ssh_value("updatehostkeys", "no"), 0)],
            );
        }
    }
    if batch
        && table.source.contains("Debian")
        && !v.options.contains_key("serveraliveinterval")
        && !v.unsure.contains("serveraliveinterval")
    {
        v.options.insert(
            "serveraliveinterval".into(),
            vec![(ssh_value("serveraliveinterval", "300"), 0)],
        );
    }
}

/// Each keyword's default, as ssh prints it, typed as the reader types a written value.
fn defaults(table: &Table) -> Vec<(String, Vec<(Value, u32)>)> {
    let mut out = Vec::new();
    for kw in table.printed() {
        let Some(text) = table.default_text(kw) else {
            continue;
        };
        let values: Vec<(Value, u32)> = if table.is_list(kw) {
            text.lines().map(|d| (ssh_value(kw, d), 0)).collect()
        } else {
            vec![(ssh_value(kw, &text.replace('\n', " ")), 0)]
        };
        out.push((kw.to_string(), values));
    }
    out
}

/// Whether two hosts' values of one keyword are what ssh reads alike.
pub fn same_values(a: Option<&Vec<(Value, u32)>>, b: Option<&Vec<(Value, u32)>>) -> bool {
    let empty = Vec::new();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    a.len() == b.len() && a.iter().zip(b).all(|((x, _), (y, _))| x == y || x.same(y))
}

/// The values as one line of text (`~/.ssh/id_a, ~/.ssh/id_b`).
pub fn shown(values: Option<&Vec<(Value, u32)>>) -> String {
    values.map_or(String::new(), |vs| {
        vs.iter()
            .map(|(v, _)| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::keyvalue::parse_ssh;

    fn get(text: &str, host: &str, kw: &str) -> String {
        let tree = parse_ssh(text).unwrap();
        shown(
            view(&lines(&tree), host, crate::normalize::defaults::ssh("9.2"))
                .options
                .get(kw),
        )
    }

    #[test]
    fn first_value_wins_in_file_order() {
        let conf = "Host db1\n User alice\nHost *\n User bob\n Port 2222\n";
        assert_eq!(get(conf, "db1", "user"), "alice");
        assert_eq!(get(conf, "web", "user"), "bob");
        let moved = "Host *\n User bob\nHost db1\n User alice\n";
        assert_eq!(get(moved, "db1", "user"), "bob");
        assert_eq!(get(conf, "db1", "port"), "2222");
        assert_eq!(get("", "db1", "port"), "22");
        assert_eq!(get("", "DB1", "hostname"), "db1");
        assert_eq!(
            get("Hostname %h.example.com\n", "db1", "hostname"),
            "db1.example.com"
        );
    }

    #[test]
    fn patterns_negation_and_match() {
        let conf = "Host db-* !db-old\n User a\nMatch host web?,!webx\n User b\nMatch originalhost X\n User c\n";
        assert_eq!(get(conf, "db-1", "user"), "a");
        assert_eq!(get(conf, "db-old", "user"), "");
        assert_eq!(get(conf, "web1", "user"), "b");
        assert_eq!(get(conf, "webx", "user"), "");
        assert_eq!(get(conf, "x", "user"), "c");
        let tree = parse_ssh("Match exec true\n User z\n").unwrap();
        assert!(view(&lines(&tree), "a", None).unsure.contains("user"));
        // A HostName ssh may or may not take leaves a later Match host undecided.
        let tree =
            parse_ssh("Match exec true\n HostName b\nMatch host b\n Port 1\nHost *\n Port 2\n")
                .unwrap();
        assert!(view(&lines(&tree), "a", None).unsure.contains("port"));
        assert!(unreadable(&parse_ssh("Match final\n User z\n").unwrap()).is_some());
        // A block is decided where it starts: the HostName it sets does not undo it.
        assert_eq!(
            get("Match host foo\n Hostname bar\n User x\n", "foo", "user"),
            "x"
        );
        let names = candidates(&[&parse_ssh(conf).unwrap()]);
        assert!(names.contains("db-x") && names.contains("db-old") && names.contains("webx"));
    }

    #[test]
    fn lists_accumulate_and_replace_the_default() {
        let conf = "Host *\n SendEnv LANG LC_*\n SendEnv -LC_* TZ\n IdentityFile ~/a\n IdentityFile ~/a\n IdentityFile ~/b\n";
        assert_eq!(get(conf, "h", "sendenv"), "LANG, TZ");
        assert_eq!(get(conf, "h", "identityfile"), "~/a, ~/b");
        assert!(get("", "h", "identityfile").starts_with("~/.ssh/id_rsa, "));
        assert_eq!(get("ConnectTimeout 2m\n", "h", "connecttimeout"), "2m");
        assert!(same_values(
            view(
                &lines(&parse_ssh("ConnectTimeout 2m\n").unwrap()),
                "h",
                None
            )
            .options
            .get("connecttimeout"),
            view(
                &lines(&parse_ssh("connecttimeout 120\n").unwrap()),
                "h",
                None
            )
            .options
            .get("connecttimeout"),
        ));
    }
}
