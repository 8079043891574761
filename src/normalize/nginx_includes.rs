//! nginx's `include`, followed across the collected files of one host as nginx reads it
//! (nginx 1.22 `src/core/ngx_conf_file.c`, `ngx_conf_include`; `src/os/unix/ngx_files.c`,
//! `ngx_open_glob`):
//!
//! - an `include` is read where it stands, in the block it stands in (`include` is
//!   `NGX_ANY_CONF`): the directives of the files it names come there, as if their text stood
//!   in place of the directive. So the keys are those of the text with every include replaced:
//!   `server { listen 80; }` in `sites-enabled/x`, included in `http`, is `http.server.listen`,
//!   and list indexes are counted over the whole block as nginx meets it (a repeated
//!   directive's order across files is its order in the block);
//! - a relative path is relative to the configuration prefix, the directory of the main file
//!   (`ngx_conf_full_name` with `cycle->conf_prefix`), for nested includes too;
//! - a path with `*`, `?` or `[` is a glob (`glob(3)` without flags): its matches are read in
//!   byte order of their paths, a wildcard never matches a leading `.` nor crosses `/`, and a
//!   glob matching nothing is no error; a path without those characters is read as is;
//! - a file that includes itself, directly or not, is not read again in that chain (nginx would
//!   recurse until it fails), and at most [`MAX_READS`] files are read for one.
//!
//! The reader ([`super::nginx`]) leaves the structure in the keys: a block with arguments is
//! `name.args`, one without is `name`. The two are told apart by nginx's own blocks: those
//! that take no argument ([`BARE_BLOCKS`]: `http`, `events`, `server`, `types`, `mail`,
//! `stream`, the `NGX_CONF_BLOCK|NGX_CONF_NOARGS` directives) and any block name a file on
//! that side repeats with an index on the name itself (`x[1].a`); every other block takes
//! arguments (`location`, `upstream`, `map`, `if`, ...).

use super::includes::{ReadThrough, join, parent};
use crate::tree::{Entry, Tree, Value};
use std::collections::{BTreeSet, HashMap};

/// Included files read for one file at most (a hostile fan-out stays bounded).
const MAX_READS: usize = 256;

/// nginx's blocks that take no arguments (`NGX_CONF_BLOCK|NGX_CONF_NOARGS` in its sources).
pub const BARE_BLOCKS: &[&str] = &["http", "events", "server", "types", "mail", "stream"];

/// Whether a key is an `include` directive (`http.include[1]`).
pub fn is_directive(key: &str) -> bool {
    segments(key)
        .last()
        .is_some_and(|s| s.name == "include" && !s.quoted)
}

/// Whether nginx reads another file when it reads this tree: it has an `include` somewhere.
pub fn reads_others(_: &str, tree: &Tree) -> bool {
    tree.iter().any(|(k, _)| is_directive(k))
}

/// One segment of a key: as written in the key, unquoted, and its list index.
#[derive(Clone, Debug)]
struct Seg {
    raw: String,
    name: String,
    quoted: bool,
    index: Option<usize>,
}

/// A key's segments (`http.server[0]."~ \\.php$".x` is `http`, `server` [0], `~ \.php$`, `x`).
fn segments(key: &str) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    let mut chars = key.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c == '.' {
            chars.next();
            continue;
        }
        if c == '[' {
            chars.next();
            let mut digits = String::new();
            for (_, d) in chars.by_ref() {
                if d == ']' {
                    break;
                }
                digits.push(d);
            }
            if let Some(last) = out.last_mut() {
                last.index = digits.parse().ok();
            }
            continue;
        }
        let mut name = String::new();
        let quoted = c == '"';
        let mut end = key.len();
        if quoted {
            chars.next();
            let mut escaped = false;
            for (i, d) in chars.by_ref() {
                if escaped {
                    name.push(d);
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    end = i + 1;
                    break;
                } else {
                    name.push(d);
                }
            }
        } else {
            while let Some(&(i, d)) = chars.peek() {
                if d == '.' || d == '[' {
                    end = i;
                    break;
                }
                name.push(d);
                chars.next();
            }
        }
        out.push(Seg {
            raw: key[start..end].to_string(),
            name,
            quoted,
            index: None,
        });
    }
    out
}

/// A directive or a block, with the file it was read from.
struct Node<'t> {
    /// The name and, for a block with arguments, the arguments, as written in keys.
    name: String,
    args: Option<String>,
    body: Body<'t>,
}

enum Body<'t> {
    /// A directive (or an empty block): its entry, the file, and its key in that file.
    Leaf(&'t Entry, String, String),
    Block(Vec<Node<'t>>),
}

/// One key of a file on its way down: the segments left, the whole key, its entry.
type Item<'t> = (Vec<Seg>, &'t str, &'t Entry);

/// A node's identity in its block: name, arguments, the file's own index.
type Id = (String, Option<String>, Option<usize>);

/// One node of a block on its way: its identity, its children's items, or its leaf.
type Group<'t> = (Id, Vec<Item<'t>>, Option<(&'t str, &'t Entry)>);

/// Where the walk is: the chain of files, how many were read, every file read.
struct Walk<'a, 't> {
    prefix: String,
    lookup: &'a dyn Fn(&str) -> Option<&'t Tree>,
    paths: &'a [&'a str],
    stack: Vec<String>,
    reads: usize,
    read: BTreeSet<String>,
    /// Block names some file indexes on the name itself (`x[1].a`): blocks without
    /// arguments, whatever their name.
    bare: BTreeSet<String>,
}

/// What nginx runs with when it reads `root` (whose tree is `tree`) as its main file, with
/// every collected nginx-format file its includes name: `lookup` gives another collected
/// file's tree on the same side, `paths` lists them all (for the globs). The include
/// directives themselves are replaced by what they name.
pub fn read_through<'t>(
    root: &str,
    tree: &'t Tree,
    lookup: &dyn Fn(&str) -> Option<&'t Tree>,
    paths: &[&str],
) -> ReadThrough {
    if !reads_others(root, tree) {
        // Nothing to splice: nginx runs with the file's own keys.
        return ReadThrough {
            tree: tree.clone(),
            from: tree
                .iter()
                .map(|(k, _)| (k.to_string(), root.to_string()))
                .collect(),
            read: BTreeSet::from([root.to_string()]),
            own: HashMap::new(),
            refused: Vec::new(),
        };
    }
    let mut walk = Walk {
        prefix: parent(root).to_string(),
        lookup,
        paths,
        stack: vec![root.to_string()],
        reads: 0,
        read: BTreeSet::from([root.to_string()]),
        bare: BTreeSet::new(),
    };
    for t in std::iter::once(tree).chain(paths.iter().filter_map(|p| lookup(p))) {
        for (key, _) in t.iter() {
            let segs = segments(key);
            for pair in segs.windows(2) {
                if pair[0].index.is_some() {
                    walk.bare.insert(pair[0].raw.clone());
                }
            }
        }
    }
    let nodes = file_nodes(root, tree, &mut walk);
    let mut out = ReadThrough {
        tree: Tree::new(),
        from: HashMap::new(),
        read: std::mem::take(&mut walk.read),
        own: HashMap::new(),
        refused: Vec::new(),
    };
    flatten(&nodes, "", &mut out);
    out
}

/// The nodes of one file, its includes replaced by the nodes of the files they name.
fn file_nodes<'t>(path: &str, tree: &'t Tree, walk: &mut Walk<'_, 't>) -> Vec<Node<'t>> {
    let items: Vec<Item<'t>> = tree.iter().map(|(k, e)| (segments(k), k, e)).collect();
    level(path, items, walk)
}

/// The nodes of one block of one file (`items`: its keys, segments below the block).
fn level<'t>(path: &str, items: Vec<Item<'t>>, walk: &mut Walk<'_, 't>) -> Vec<Node<'t>> {
    // (name, args, index) → children items or the leaf, in order of first appearance.
    let mut groups: Vec<Group<'t>> = Vec::new();
    let mut at_of: HashMap<Id, usize> = HashMap::new();
    for (segs, key, entry) in items {
        let Some(first) = segs.first() else { continue };
        let bare = first.index.is_some()
            || segs.len() == 1
            || walk.bare.contains(&first.raw)
            || (!first.quoted && BARE_BLOCKS.contains(&first.name.as_str()));
        let (id, rest): (Id, Vec<Seg>) = if bare {
            ((first.raw.clone(), None, first.index), segs[1..].to_vec())
        } else {
            let args = &segs[1];
            (
                (first.raw.clone(), Some(args.raw.clone()), args.index),
                segs[2..].to_vec(),
            )
        };
        let at = *at_of.entry(id.clone()).or_insert_with(|| {
            groups.push((id, Vec::new(), None));
            groups.len() - 1
        });
        if rest.is_empty() {
            groups[at].2.get_or_insert((key, entry));
        } else {
            groups[at].1.push((rest, key, entry));
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for ((name, args, _), children, leaf) in groups {
        if let Some((key, entry)) = leaf {
            if name == "include" && args.is_none() {
                if let Value::Str(target) = &entry.value {
                    out.extend(included(target, walk));
                }
                continue;
            }
            out.push(Node {
                name,
                args,
                body: Body::Leaf(entry, path.to_string(), key.to_string()),
            });
        } else {
            let body = Body::Block(level(path, children, walk));
            out.push(Node { name, args, body });
        }
    }
    out
}

/// The nodes of the files an include names, in the order nginx reads them.
fn included<'t>(target: &str, walk: &mut Walk<'_, 't>) -> Vec<Node<'t>> {
    let pattern = join(&walk.prefix, target);
    let files: Vec<String> = if pattern.contains(['*', '?', '[']) {
        let mut m: Vec<String> = walk
            .paths
            .iter()
            .filter(|p| super::glob3::matches(&pattern, p))
            .map(|p| p.to_string())
            .collect();
        m.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        m.dedup();
        m
    } else {
        vec![pattern]
    };
    let mut out = Vec::new();
    for file in files {
        if walk.stack.contains(&file) || walk.reads >= MAX_READS {
            continue;
        }
        let Some(sub) = (walk.lookup)(&file) else {
            continue;
        };
        walk.reads += 1;
        walk.read.insert(file.clone());
        walk.stack.push(file.clone());
        out.extend(file_nodes(&file, sub, walk));
        walk.stack.pop();
    }
    out
}

/// The keys of `nodes` under `prefix`, indexed as the nginx reader indexes one block.
fn flatten(nodes: &[Node], prefix: &str, out: &mut ReadThrough) {
    let id = |n: &Node| (n.name.clone(), n.args.clone());
    let mut totals: HashMap<(String, Option<String>), usize> = HashMap::new();
    for n in nodes {
        *totals.entry(id(n)).or_insert(0) += 1;
    }
    let mut seen: HashMap<(String, Option<String>), usize> = HashMap::new();
    for n in nodes {
        let mut path = prefix.to_string();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&n.name);
        if let Some(args) = &n.args {
            path.push('.');
            path.push_str(args);
        }
        if totals.get(&id(n)).copied().unwrap_or(0) > 1 {
            let i = seen.entry(id(n)).or_insert(0);
            crate::tree::push_index(&mut path, *i);
            *i += 1;
        }
        match &n.body {
            Body::Leaf(entry, file, key) => {
                out.tree
                    .insert(path.clone(), entry.value.clone(), entry.line);
                out.from.insert(path.clone(), file.clone());
                out.own.insert(path, key.clone());
            }
            Body::Block(children) => flatten(children, &path, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nginx(text: &str) -> Tree {
        super::super::nginx::parse(text).unwrap()
    }

    fn through(files: &[(&str, &str)]) -> ReadThrough {
        let trees: Vec<(String, Tree)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), nginx(t)))
            .collect();
        let paths: Vec<&str> = trees.iter().map(|(p, _)| p.as_str()).collect();
        let lookup = |p: &str| trees.iter().find(|(q, _)| q == p).map(|(_, t)| t);
        read_through(&trees[0].0, &trees[0].1, &lookup, &paths)
    }

    /// The tree of the text with its includes written in place, read as one file.
    fn flat(text: &str) -> Tree {
        nginx(text)
    }

    fn same(r: &ReadThrough, text: &str) {
        let want = flat(text);
        let got: Vec<(String, String)> = r
            .tree
            .iter()
            .map(|(k, e)| (k.to_string(), e.value.to_string()))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, e)| (k.to_string(), e.value.to_string()))
            .collect();
        let (mut got, mut want) = (got, want);
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn included_text_stands_where_the_include_does() {
        let r = through(&[
            (
                "/etc/nginx/nginx.conf",
                "http { sendfile on; include /etc/nginx/conf.d/*.conf; include sites-enabled/*; server { listen 8080; } }\n",
            ),
            ("/etc/nginx/conf.d/b.conf", "add_header X-B b;\n"),
            ("/etc/nginx/conf.d/a.conf", "add_header X-A a;\ngzip on;\n"),
            ("/etc/nginx/conf.d/.a.conf.swp", "add_header X-S s;\n"),
            (
                "/etc/nginx/sites-enabled/default",
                "server { listen 80; listen [::]:80; location / { include snippets/x.conf; } }\n",
            ),
            ("/etc/nginx/snippets/x.conf", "try_files $uri =404;\n"),
        ]);
        same(
            &r,
            "http { sendfile on; add_header X-A a; gzip on; add_header X-B b; \
             server { listen 80; listen [::]:80; location / { try_files $uri =404; } } \
             server { listen 8080; } }\n",
        );
        assert_eq!(
            r.from["http.server[0].location./.try_files"],
            "/etc/nginx/snippets/x.conf"
        );
        assert_eq!(
            r.tree
                .get("http.server[0].location./.try_files")
                .unwrap()
                .line,
            1
        );
        assert_eq!(r.from["http.server[1].listen"], "/etc/nginx/nginx.conf");
        assert_eq!(r.read.len(), 5);
    }

    #[test]
    fn blocks_with_and_without_arguments_are_told_apart() {
        let r = through(&[
            (
                "/etc/nginx/nginx.conf",
                "http { include a.conf; server { location /x { root /a; } location = /y {} } map $a $b { default 1; } }\n",
            ),
            (
                "/etc/nginx/a.conf",
                "server { location /x { root /b; } }\nmap $a $b { default 2; }\nupstream u { server 10.0.0.1; }\n",
            ),
        ]);
        same(
            &r,
            "http { server { location /x { root /b; } }\nmap $a $b { default 2; }\nupstream u { server 10.0.0.1; } \
             server { location /x { root /a; } location = /y {} } map $a $b { default 1; } }\n",
        );
    }

    #[test]
    fn a_block_the_file_repeats_is_bare_and_big_blocks_stay_linear() {
        // `rtmp`'s `application` takes a name; a repeated unknown bare block is indexed on
        // its name, which tells it apart.
        let r = through(&[
            (
                "/etc/nginx/nginx.conf",
                "x { a 1; } x { b 2; } include /etc/nginx/more.conf;\n",
            ),
            ("/etc/nginx/more.conf", "x { c 3; }\n"),
        ]);
        same(&r, "x { a 1; } x { b 2; } x { c 3; }");
        let big: String = (0..50_000).map(|i| format!("k{i} v;\n")).collect();
        let r = through(&[
            (
                "/etc/nginx/nginx.conf",
                "http { map $a $b { include /etc/nginx/big.map; } }\n",
            ),
            ("/etc/nginx/big.map", &big),
        ]);
        assert_eq!(r.tree.len(), 50_000);
        assert_eq!(r.own["http.map.\"$a $b\".k7"], "k7");
    }

    #[test]
    fn cycles_stop_and_globs_are_glob_3() {
        let r = through(&[
            (
                "/etc/nginx/nginx.conf",
                "include /etc/nginx/a.conf;\nuser x;\n",
            ),
            (
                "/etc/nginx/a.conf",
                "include nginx.conf;\nworker_processes 2;\n",
            ),
        ]);
        same(&r, "worker_processes 2; user x;");
    }

    #[test]
    fn directives_and_segments() {
        assert!(is_directive("http.include[1]"));
        assert!(is_directive("include"));
        assert!(!is_directive("http.\"include\""));
        assert!(!is_directive("http.included"));
        let s = segments("http.server[0].location.\"~ \\\\.php$\".x");
        let names: Vec<(&str, Option<usize>)> =
            s.iter().map(|s| (s.raw.as_str(), s.index)).collect();
        assert_eq!(
            names,
            [
                ("http", None),
                ("server", Some(0)),
                ("location", None),
                ("\"~ \\\\.php$\"", None),
                ("x", None)
            ]
        );
        assert_eq!(s[3].name, "~ \\.php$");
    }
}
