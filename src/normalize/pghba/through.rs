//! pg_hba.conf read through what it includes, as `tokenize_auth_file` in PostgreSQL 16's
//! src/backend/libpq/hba.c reads it: the rules of the file an `include`, `include_if_exists` or
//! `include_dir` line names stand at that line, in order (`include_dir`: the directory's
//! `*.conf` files not starting with `.`, in byte order of their names, as `GetConfFilesInDir`
//! sorts them); an `@file` token in a database or user field is the tokens of that file
//! (`tokenize_expand_file`: every token of every line, read with `@` in it expanded in turn).
//! A relative path is relative to the directory of the file that names it
//! (`AbsoluteConfigLocation`). Files nest 10 deep at most (`CONF_FILE_MAX_DEPTH`): PostgreSQL
//! does not look for circles, so a file that includes itself is read again until that depth,
//! where the line that would open the eleventh level is an error ("maximum nesting depth
//! exceeded") and the server refuses to start (or to reload). A file that was not collected
//! is not read here (collection reports a missing `include` and `@file`).
//!
//! The rules are then keyed as one file's are ([`super::tree_of`]): one per database ×
//! user, `after` the earlier rules of the whole list; each names the file that holds it, and,
//! where its key there is another (a rule with an `@file`, or `after` counted in that file
//! alone), that key.

use super::{Addr, CONN_TYPES, Elem, Rule, Rules, Tok, elem, fields, list, push, tree_of};
use crate::normalize::includes::{ReadThrough, in_dir, join, parent};
use crate::normalize::pgnames;
use crate::tree::{Tree, push_key};
use std::collections::{BTreeSet, HashMap};

/// PostgreSQL's `CONF_FILE_MAX_DEPTH`: the main file is at depth 0.
const MAX_DEPTH: usize = 10;

/// Files read for one main file at most (a file naming another many times over, at each level).
const MAX_READS: usize = 256;

/// The most tokens one `@file` expands to (with what it reads in turn).
const MAX_NAMES: usize = 10_000;

/// The most tokens all `@file`s expand to for one main file: a hostile file naming a large
/// list on every line must not cost millions of copies, nor `after` compare long lists pair by
/// pair (its cost is at most this squared; past it, `@file` stays as written).
const NAMES_BUDGET: usize = 20_000;

/// What a pg_hba.conf line names besides rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    /// `include FILE`: the server refuses to start without it.
    Include(String),
    /// `include_if_exists FILE`.
    IfExists(String),
    /// `include_dir DIR`: the server refuses to start without the directory.
    Dir(String),
    /// `@FILE` in a database or user field: the server refuses to start without it.
    Names(String),
}

/// What the lines of `tree` (a pg_hba.conf-format file at `path`) name, absolute, with the
/// line naming it, in line order.
pub fn references(path: &str, tree: &Tree) -> Vec<(Reference, u32)> {
    let dir = parent(path);
    let mut out = Vec::new();
    for w in written(tree) {
        match &w.what {
            What::Directive(d, target) => {
                let target = join(dir, target);
                out.push((
                    match *d {
                        "include" => Reference::Include(target),
                        "include_if_exists" => Reference::IfExists(target),
                        _ => Reference::Dir(target),
                    },
                    w.line,
                ));
            }
            What::Rule { .. } => {
                let f = fields(&w.seg);
                for tok in f.iter().skip(1).take(2).flatten() {
                    if let Some(name) = at_file(&tok.text, tok.quoted) {
                        out.push((Reference::Names(join(dir, name)), w.line));
                    }
                }
            }
        }
    }
    out.sort_by_key(|(_, line)| *line);
    out.dedup();
    out
}

/// The `@FILE` tokens of a file of names (`pgnames`), absolute, with their lines.
pub fn name_references(path: &str, tree: &Tree) -> Vec<(Reference, u32)> {
    let dir = parent(path);
    names_of(tree)
        .into_iter()
        .filter_map(|(text, quoted, line)| {
            at_file(&text, quoted).map(|n| (Reference::Names(join(dir, n)), line))
        })
        .collect()
}

/// Whether the file (pg_hba.conf's, or a names file's) reads another: an include line or an
/// `@file`.
pub fn reads_others(path: &str, tree: &Tree) -> bool {
    !references(path, tree).is_empty() || !name_references(path, tree).is_empty()
}

/// Whether `key` is an include line's (`"include FILE".after`).
pub fn is_directive(key: &str) -> bool {
    split(key).is_some_and(|(seg, _)| directive(&seg).is_some())
}

/// The file an unquoted `@FILE` token names.
fn at_file(text: &str, quoted: bool) -> Option<&str> {
    (!quoted && text.len() > 1)
        .then(|| text.strip_prefix('@'))
        .flatten()
}

/// What the server reads when it reads `root` (whose tree is `tree`) as its pg_hba.conf.
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    let mut walk = Walk {
        lookup,
        paths,
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        refused: Vec::new(),
        rules: Rules::default(),
        whose: Vec::new(),
        budget: NAMES_BUDGET,
        names: HashMap::new(),
    };
    file(root, tree, 0, &mut walk);
    let Walk {
        read,
        refused,
        rules,
        whose,
        ..
    } = walk;
    let tree = tree_of(&rules.list);
    let at: HashMap<&str, &(String, String)> = rules
        .list
        .iter()
        .zip(&whose)
        .map(|(r, w)| (r.key.as_str(), w))
        .collect();
    let mut from = HashMap::with_capacity(tree.len());
    let mut own = HashMap::new();
    for (key, _) in tree.iter() {
        let Some((seg, leaf)) = split(key) else {
            continue;
        };
        let Some((file, own_seg)) = at.get(seg.as_str()) else {
            continue;
        };
        from.insert(key.to_string(), file.clone());
        if *own_seg != seg {
            let mut k = String::new();
            push_key(&mut k, own_seg);
            k.push_str(leaf);
            own.insert(key.to_string(), k);
        }
    }
    ReadThrough {
        tree,
        from,
        read,
        own,
        refused,
    }
}

struct Walk<'a, 't> {
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    paths: &'a [&'a str],
    reads: usize,
    read: BTreeSet<String>,
    refused: Vec<(String, u32, String)>,
    rules: Rules,
    /// For each rule kept: the file that holds it and its key segment there.
    whose: Vec<(String, String)>,
    /// Tokens `@file`s may still expand to (and files they may still name).
    budget: usize,
    /// Each names file's tokens, read once.
    names: HashMap<String, std::rc::Rc<Vec<Token>>>,
}

/// Opens `target` for a line of `path` at `line`, one level below `depth`: its tree, or none
/// (not collected, too deep: then the line is refused, as the server refuses it). An included
/// file counts against [`MAX_READS`]; a names file against the walk's budget of names.
fn open<'t>(
    walk: &mut Walk<'_, 't>,
    path: &str,
    line: u32,
    target: &str,
    depth: usize,
    names: bool,
) -> Option<&'t Tree> {
    if depth + 1 > MAX_DEPTH {
        let r = (
            path.to_string(),
            line,
            format!("could not open file \"{target}\": maximum nesting depth exceeded"),
        );
        if !walk.refused.contains(&r) {
            walk.refused.push(r);
        }
        return None;
    }
    if !names && walk.reads >= MAX_READS {
        return None;
    }
    let tree = (walk.lookup)(target)?;
    walk.reads += usize::from(!names);
    walk.read.insert(target.to_string());
    Some(tree)
}

/// The rules of one file, its includes read where they stand.
fn file<'t>(path: &str, tree: &'t Tree, depth: usize, walk: &mut Walk<'_, 't>) {
    let dir = parent(path);
    for w in written(tree) {
        match &w.what {
            What::Directive(d, target) => {
                let target = join(dir, target);
                let files = if *d == "include_dir" {
                    in_dir(&target, walk.paths)
                } else {
                    vec![target]
                };
                for f in files {
                    if let Some(sub) = open(walk, path, w.line, &f, depth, false) {
                        file(&f, sub, depth + 1, walk);
                    }
                }
            }
            What::Rule { method, options } => {
                rules_of(path, &w, method, options, depth, walk);
            }
        }
    }
}

/// The rules one rule of a file is when its `@file` tokens are read.
fn rules_of(
    path: &str,
    w: &Written,
    method: &str,
    options: &[(String, String)],
    depth: usize,
    walk: &mut Walk,
) {
    // As many rules as one file may hold (`after` costs their square).
    if walk.rules.list.len() >= super::MAX_RULES {
        return;
    }
    let f = fields(&w.seg);
    let (Some(conn), Some(dbs), Some(users)) = (
        f.first().and_then(|c| c.first()),
        f.get(1).filter(|d| !d.is_empty()),
        f.get(2).filter(|u| !u.is_empty()),
    ) else {
        return;
    };
    let Some(conn) = CONN_TYPES.iter().copied().find(|c| *c == conn.text) else {
        return;
    };
    let rest = users.last().map_or("", |u| &w.seg[u.end..]).to_string();
    let addr = address(&f[3..]);
    let dir = parent(path);
    let expand = |toks: &[Tok], role: bool, walk: &mut Walk| -> Vec<(String, Elem)> {
        let mut out: Vec<(String, bool)> = Vec::new();
        for t in toks {
            match at_file(&t.text, t.quoted) {
                // Not collected: what it holds is not known, the token stays as written.
                Some(name) if walk.budget == 0 || (walk.lookup)(&join(dir, name)).is_none() => {
                    out.push((t.text.clone(), t.quoted));
                }
                Some(name) => names(walk, path, w.line, &join(dir, name), depth, &mut out),
                None => out.push((t.text.clone(), t.quoted)),
            }
        }
        out.into_iter()
            .map(|(text, quoted)| {
                elem(
                    &Tok {
                        text,
                        quoted,
                        at: 0,
                        end: 0,
                    },
                    role,
                )
            })
            .collect()
    };
    let db_elems = expand(dbs, false, walk);
    let user_elems = expand(users, true, walk);
    let make = |db: &[(String, Elem)], user: &[(String, Elem)], walk: &mut Walk| {
        let key = format!("{conn} {} {}{rest}", list(db), list(user));
        let before = walk.rules.list.len();
        push(
            &mut walk.rules,
            Rule {
                key,
                line: w.line,
                conn,
                dbs: db.iter().map(|(_, e)| e.clone()).collect(),
                users: user.iter().map(|(_, e)| e.clone()).collect(),
                addr: addr.clone(),
                method: method.to_string(),
                options: options.to_vec(),
                directive: false,
            },
        );
        if walk.rules.list.len() > before {
            walk.whose.push((path.to_string(), w.seg.clone()));
        }
    };
    if db_elems.is_empty() || user_elems.is_empty() {
        // An `@file` without names, or too deep to read: the rule matches nothing.
        return;
    }
    if db_elems.len() * user_elems.len() <= super::MAX_EXPANSION {
        for d in &db_elems {
            for u in &user_elems {
                make(std::slice::from_ref(d), std::slice::from_ref(u), walk);
            }
        }
    } else {
        make(&db_elems, &user_elems, walk);
    }
}

/// The tokens of the names file `target`, `@` in it read in turn, appended to `out`; none when
/// it was not collected or is too deep. The server marks what goes wrong inside at the line of
/// pg_hba.conf's format that named the first file (`line` of `path`).
fn names(
    walk: &mut Walk,
    path: &str,
    line: u32,
    target: &str,
    depth: usize,
    out: &mut Vec<(String, bool)>,
) {
    if out.len() >= MAX_NAMES || walk.budget == 0 {
        return;
    }
    walk.budget -= 1;
    let Some(tree) = open(walk, path, line, target, depth, true) else {
        return;
    };
    let dir = parent(target).to_string();
    let listed = match walk.names.get(target) {
        Some(listed) => std::rc::Rc::clone(listed),
        None => {
            let listed = std::rc::Rc::new(names_of(tree));
            walk.names
                .insert(target.to_string(), std::rc::Rc::clone(&listed));
            listed
        }
    };
    for (text, quoted, _) in listed.iter().cloned() {
        if out.len() >= MAX_NAMES || walk.budget == 0 {
            return;
        }
        match at_file(&text, quoted) {
            Some(name) => names(walk, path, line, &join(&dir, name), depth + 1, out),
            None => {
                walk.budget -= 1;
                out.push((text, quoted));
            }
        }
    }
}

/// A names file's token: its text, whether it was quoted, its line.
type Token = (String, bool, u32);

/// The tokens of a names file's tree, in order.
fn names_of(tree: &Tree) -> Vec<Token> {
    tree.iter()
        .filter_map(|(key, e)| {
            let (seg, rest) = split(key).unwrap_or((key.to_string(), ""));
            if !rest.is_empty() {
                return None;
            }
            let f = fields(&seg);
            let tok = f.first()?.first()?;
            (pgnames::written(&tok.text, tok.quoted) == seg)
                .then(|| (tok.text.clone(), tok.quoted, e.line))
        })
        .collect()
}

/// What an address written as a key writes it (`10.0.0.0/8`, `10.0.0.0 mask 255.0.255.0`,
/// `all`, a host name) matches.
fn address(f: &[Vec<Tok>]) -> Addr {
    let Some(t) = f.first().and_then(|a| a.first()) else {
        return Addr::None;
    };
    let t = t.text.as_str();
    if let Some((host, bits)) = t.split_once('/')
        && let (Some(ip), Ok(bits)) = (super::ip_of(host), bits.parse::<u32>())
    {
        let max = if matches!(ip, super::Ip::V4(_)) {
            32
        } else {
            128
        };
        return super::masked(ip, super::prefix_mask(max, bits.min(max as u32))).0;
    }
    if let (Some(ip), Some(m), Some(mask)) = (
        super::ip_of(t),
        f.get(1).and_then(|m| m.first()),
        f.get(2).and_then(|m| m.first()),
    ) && m.text == "mask"
        && let Some(mask) = super::ip_of(&mask.text)
    {
        let mask = match mask {
            super::Ip::V4(m) => u128::from(m),
            super::Ip::V6(m) => m,
        };
        return super::masked(ip, mask).0;
    }
    Addr::Any
}

/// One rule or include line of a file's tree, read back from its keys.
struct Written {
    /// The key's first segment: `host all app 10.0.0.0/8`, `include pg_hba.d/app.conf`.
    seg: String,
    line: u32,
    what: What,
}

enum What {
    Directive(&'static str, String),
    Rule {
        method: String,
        options: Vec<(String, String)>,
    },
}

/// The rules and include lines of a pg_hba.conf tree, in the file's order.
fn written(tree: &Tree) -> Vec<Written> {
    let mut out: Vec<Written> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (key, e) in tree.iter() {
        let Some((seg, leaf)) = split(key) else {
            continue;
        };
        let i = *index.entry(seg.clone()).or_insert_with(|| {
            out.push(Written {
                what: match directive(&seg) {
                    Some((d, target)) => What::Directive(d, target.to_string()),
                    None => What::Rule {
                        method: String::new(),
                        options: Vec::new(),
                    },
                },
                seg,
                line: e.line,
            });
            out.len() - 1
        });
        if let What::Rule { method, options } = &mut out[i].what {
            if leaf == ".method" {
                *method = e.value.to_string();
            } else if let Some(name) = leaf.strip_prefix(".options.") {
                options.push((name.to_string(), e.value.to_string()));
            }
        }
    }
    out.retain(|w| !matches!(&w.what, What::Rule { method, .. } if method.is_empty()));
    out
}

/// An include line's directive and file, from its key segment.
fn directive(seg: &str) -> Option<(&'static str, &str)> {
    ["include_if_exists", "include_dir", "include"]
        .into_iter()
        .find_map(|d| Some((d, seg.strip_prefix(d)?.strip_prefix(' ')?)))
}

/// A key's first segment, unquoted, and the rest (`.method`).
fn split(key: &str) -> Option<(String, &str)> {
    let Some(body) = key.strip_prefix('"') else {
        let end = key.find('.').unwrap_or(key.len());
        return Some((key[..end].to_string(), &key[end..]));
    };
    let mut seg = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => seg.push(chars.next()?.1),
            '"' => return Some((seg, &body[i + 1..])),
            c => seg.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hba(text: &str) -> Tree {
        super::super::parse(text).unwrap()
    }

    fn rules(t: &Tree) -> Vec<String> {
        t.iter()
            .filter(|(k, _)| k.ends_with(".method"))
            .map(|(k, e)| format!("{k}={}", e.value))
            .collect()
    }

    #[test]
    fn included_rules_stand_at_the_include_line_and_names_files_expand() {
        let root = hba(
            "local all all peer\ninclude pg_hba.d/app.conf\ninclude_dir conf.d\n\
             include_if_exists nothing.conf\nhost all all all reject\n",
        );
        let app = hba("host @dbs app 10.0.0.0/8 scram-sha-256\n");
        let b = hba("host all +admins 192.168.0.0/16 md5\n");
        let a = hba("host all pgbouncer 10.1.0.0/16 md5\n");
        let dbs = pgnames::parse("app, reports # comment\n\"all\"\n").unwrap();
        let files: HashMap<&str, &Tree> = HashMap::from([
            ("/etc/pg/pg_hba.d/app.conf", &app),
            ("/etc/pg/conf.d/20-b.conf", &b),
            ("/etc/pg/conf.d/10-a.conf", &a),
            ("/etc/pg/pg_hba.d/dbs", &dbs),
        ]);
        let paths: Vec<&str> = files.keys().copied().collect();
        let r = read_through(
            "/etc/pg/pg_hba.conf",
            &root,
            &|p| files.get(p).copied(),
            &paths,
        );
        assert_eq!(
            rules(&r.tree),
            vec![
                "\"local all all\".method=peer",
                "\"host app app 10.0.0.0/8\".method=scram-sha-256",
                "\"host reports app 10.0.0.0/8\".method=scram-sha-256",
                "\"host \\\"all\\\" app 10.0.0.0/8\".method=scram-sha-256",
                "\"host all pgbouncer 10.1.0.0/16\".method=md5",
                "\"host all +admins 192.168.0.0/16\".method=md5",
                "\"host all all all\".method=reject",
            ]
        );
        let k = "\"host reports app 10.0.0.0/8\".method";
        assert_eq!(r.from[k], "/etc/pg/pg_hba.d/app.conf");
        assert_eq!(r.own[k], "\"host @dbs app 10.0.0.0/8\".method");
        assert_eq!(
            r.tree
                .get("\"host all all all\".after")
                .unwrap()
                .value
                .to_string(),
            "host app app 10.0.0.0/8; host reports app 10.0.0.0/8; host \"all\" app 10.0.0.0/8; \
             host all pgbouncer 10.1.0.0/16; host all +admins 192.168.0.0/16"
        );
        assert!(r.refused.is_empty());
        assert_eq!(
            references("/etc/pg/pg_hba.d/app.conf", &app),
            vec![(Reference::Names("/etc/pg/pg_hba.d/dbs".into()), 1)]
        );
    }

    #[test]
    fn hostile_names_files_stay_bounded() {
        let lines: String = (0..1000)
            .map(|i| format!("host @big{} u{i} all md5\n", i % 20))
            .collect();
        let root = hba(&lines);
        let bigs: Vec<(String, Tree)> = (0..20)
            .map(|b| {
                let names: String = (0..5000).map(|n| format!("d{b}x{n} ")).collect();
                (format!("/etc/pg/big{b}"), pgnames::parse(&names).unwrap())
            })
            .collect();
        let start = std::time::Instant::now();
        let r = read_through(
            "/etc/pg/pg_hba.conf",
            &root,
            &|p| bigs.iter().find(|(q, _)| q == p).map(|(_, t)| t),
            &[],
        );
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
        // Every line is a rule; past the budget, as written.
        assert_eq!(rules(&r.tree).len(), 1000);
        assert!(r.tree.get("\"host @big19 u999 all\".method").is_some());
    }

    #[test]
    fn a_file_including_itself_is_refused_at_the_eleventh_level() {
        let root = hba("include pg_hba.conf\nlocal all all peer\n");
        let r = read_through("/etc/pg/pg_hba.conf", &root, &|_| Some(&root), &[]);
        assert_eq!(
            r.refused,
            vec![(
                "/etc/pg/pg_hba.conf".to_string(),
                1,
                "could not open file \"/etc/pg/pg_hba.conf\": maximum nesting depth exceeded"
                    .to_string()
            )]
        );
        assert_eq!(rules(&r.tree), vec!["\"local all all\".method=peer"]);
    }
}
