//! The house rules of `src/`, read from the code itself: no import circle between files nor
//! between top-level modules, the top-level modules in the layer order ARCHITECTURE.md gives
//! (each imports only layers below it), and every module file opening with a `//!` line.
//!
//! `cargo test --test architecture -- --nocapture` also prints the module graph's edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// One module of the crate: its path (`normalize::yaml`) and the file holding it.
#[derive(Debug)]
struct Module {
    file: PathBuf,
    /// Child modules by name.
    children: BTreeSet<String>,
}

/// Every module of the crate, by path (`""` is the crate root), and each file's edges.
struct Crate {
    modules: BTreeMap<String, Module>,
    /// file → (module path inside it, the uses and paths written there).
    refs: Vec<(PathBuf, String, Vec<Vec<String>>)>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn join(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}::{name}")
    }
}

fn parent(module: &str) -> String {
    module.rsplit_once("::").map_or("", |(p, _)| p).to_string()
}

/// Reads the crate from `src/lib.rs`, following `mod` declarations as rustc does.
fn read_crate() -> Crate {
    let mut krate = Crate {
        modules: BTreeMap::new(),
        refs: Vec::new(),
    };
    read_file(&mut krate, &src().join("lib.rs"), "", &src());
    krate
}

/// Reads one module file: `dir` is where its child module files live.
fn read_file(krate: &mut Crate, file: &Path, module: &str, dir: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    krate.modules.insert(
        module.to_string(),
        Module {
            file: file.to_path_buf(),
            children: BTreeSet::new(),
        },
    );
    read_items(krate, file, module, dir, &ast.items);
}

fn read_items(krate: &mut Crate, file: &Path, module: &str, dir: &Path, items: &[syn::Item]) {
    let mut refs = Refs::default();
    for item in items {
        if is_test_only(item) {
            continue;
        }
        match item {
            syn::Item::Mod(m) => {
                let name = m.ident.to_string();
                let child = join(module, &name);
                krate
                    .modules
                    .get_mut(module)
                    .expect("the module is known")
                    .children
                    .insert(name.clone());
                match &m.content {
                    Some((_, inner)) => {
                        // An inline module lives in this file.
                        krate.modules.insert(
                            child.clone(),
                            Module {
                                file: file.to_path_buf(),
                                children: BTreeSet::new(),
                            },
                        );
                        read_items(krate, file, &child, &dir.join(&name), inner);
                    }
                    None => {
                        let flat = dir.join(format!("{name}.rs"));
                        let (path, sub) = if flat.exists() {
                            (flat, dir.join(&name))
                        } else {
                            (dir.join(&name).join("mod.rs"), dir.join(&name))
                        };
                        read_file(krate, &path, &child, &sub);
                    }
                }
            }
            other => refs.visit_item(other),
        }
    }
    krate
        .refs
        .push((file.to_path_buf(), module.to_string(), refs.paths));
}

/// `#[cfg(test)]` items: tests may build their inputs with any layer (they ship in no binary).
fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Const(c) => &c.attrs,
        _ => return false,
    };
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// The paths a module's items name: every `use` leaf and every multi-segment path.
#[derive(Default)]
struct Refs {
    paths: Vec<Vec<String>>,
}

impl Refs {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                self.paths.push(path);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.paths.push(path);
            }
            syn::UseTree::Glob(_) => self.paths.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// `crate::a::b` written inside a macro's arguments (`format!`, `assert!`, ...).
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let flat: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < flat.len() {
            match &flat[i] {
                proc_macro2::TokenTree::Group(g) => self.tokens(g.stream()),
                proc_macro2::TokenTree::Ident(id)
                    if *id == "crate" || *id == "super" || *id == "self" =>
                {
                    let mut path = vec![id.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(proc_macro2::TokenTree::Punct(a)),
                        Some(proc_macro2::TokenTree::Punct(b)),
                        Some(proc_macro2::TokenTree::Ident(next)),
                    ) = (flat.get(j), flat.get(j + 1), flat.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        path.push(next.to_string());
                        j += 3;
                    }
                    if path.len() > 1 {
                        self.paths.push(path);
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Refs {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.segments.len() > 1 {
            self.paths
                .push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }
}

impl Crate {
    /// The module a path names, resolved from `module`: the longest known module prefix.
    fn resolve(
        &self,
        module: &str,
        path: &[String],
        aliases: &BTreeMap<String, String>,
    ) -> Option<String> {
        let mut segments = path.iter().map(String::as_str);
        let first = segments.next()?;
        let mut at = match first {
            "crate" => String::new(),
            "self" => module.to_string(),
            "super" => parent(module),
            name if self.child(module, name) => join(module, name),
            name if aliases.contains_key(name) => aliases[name].clone(),
            // A crate root module named from anywhere (2018 paths need `crate::`, but a
            // `use` of it puts it in scope: that use is the edge).
            _ => return None,
        };
        for s in segments {
            if s == "super" {
                at = parent(&at);
            } else if self.child(&at, s) {
                at = join(&at, s);
            } else {
                break;
            }
        }
        Some(at)
    }

    fn child(&self, module: &str, name: &str) -> bool {
        self.modules
            .get(module)
            .is_some_and(|m| m.children.contains(name))
    }

    /// Edges between files: from the file that names a module to the file that holds it.
    fn file_edges(&self) -> BTreeSet<(PathBuf, PathBuf)> {
        let mut edges = BTreeSet::new();
        for (file, module, paths) in &self.refs {
            // Modules brought into scope by a `use` (`use crate::normalize;` then
            // `normalize::raw::show`).
            let mut aliases = BTreeMap::new();
            for p in paths {
                if let Some(target) = self.resolve(module, p, &BTreeMap::new())
                    && let Some(last) = p.last()
                    && target.rsplit("::").next() == Some(last.as_str())
                    && self.modules.contains_key(&target)
                {
                    aliases.insert(last.clone(), target);
                }
            }
            for p in paths {
                let Some(target) = self.resolve(module, p, &aliases) else {
                    continue;
                };
                // A module and its own submodules are one unit (a folder and its front door):
                // `super::` from a child, and the parent's use of its children, are no circle.
                if target == *module
                    || target.starts_with(&format!("{module}::"))
                    || module.starts_with(&format!("{target}::"))
                    || target.is_empty()
                {
                    continue;
                }
                let to = &self.modules[&target].file;
                if to != file {
                    edges.insert((file.clone(), to.clone()));
                }
            }
        }
        edges
    }
}

/// The top-level module a file belongs to (`normalize/yaml/live.rs` → `normalize`).
fn top(file: &Path) -> String {
    let rel = file.strip_prefix(src()).expect("under src");
    let first = rel.components().next().expect("a file").as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

fn short(file: &Path) -> String {
    file.strip_prefix(src())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// The strongly connected components of more than one node (Tarjan's algorithm).
fn cycles<N: Ord + Clone>(edges: &BTreeSet<(N, N)>) -> Vec<Vec<N>> {
    let mut nodes: BTreeSet<N> = BTreeSet::new();
    let mut next: BTreeMap<N, Vec<N>> = BTreeMap::new();
    for (a, b) in edges {
        nodes.insert(a.clone());
        nodes.insert(b.clone());
        next.entry(a.clone()).or_default().push(b.clone());
    }
    struct Tarjan<N> {
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on: BTreeSet<N>,
        out: Vec<Vec<N>>,
    }
    fn visit<N: Ord + Clone>(t: &mut Tarjan<N>, next: &BTreeMap<N, Vec<N>>, v: &N) {
        let i = t.index.len();
        t.index.insert(v.clone(), i);
        t.low.insert(v.clone(), i);
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        for w in next.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, next, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(&w);
                let done = &w == v;
                scc.push(w);
                if done {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                t.out.push(scc);
            }
        }
    }
    let mut t = Tarjan {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for n in &nodes {
        if !t.index.contains_key(n) {
            visit(&mut t, &next, n);
        }
    }
    t.out
}

/// The edges inside one cycle, to show which imports close it.
fn show_cycle<N: Ord + Clone>(
    cycle: &[N],
    edges: &BTreeSet<(N, N)>,
    name: impl Fn(&N) -> String,
) -> String {
    let members: BTreeSet<&N> = cycle.iter().collect();
    let lines: Vec<String> = edges
        .iter()
        .filter(|(a, b)| members.contains(a) && members.contains(b))
        .map(|(a, b)| format!("    {} -> {}", name(a), name(b)))
        .collect();
    format!(
        "  {}:\n{}",
        cycle.iter().map(&name).collect::<Vec<_>>().join(", "),
        lines.join("\n")
    )
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let krate = read_crate();
    let edges = krate.file_edges();
    for (a, b) in &edges {
        println!("{} -> {}", short(a), short(b));
    }
    let found = cycles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|c| show_cycle(c, &edges, |f| short(f)))
        .collect();
    assert!(
        found.is_empty(),
        "import circles between files of src/:\n{}",
        shown.join("\n")
    );
}

/// The layers, lowest first, as ARCHITECTURE.md lists them: a module may import its own layer's
/// files and the layers below, never one above.
fn layers() -> Vec<Vec<String>> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md at the root");
    // The list between the markers: one line per layer, its modules in backquotes.
    let start = text
        .find("<!-- layers -->")
        .expect("a <!-- layers --> marker");
    let end = text
        .find("<!-- /layers -->")
        .expect("a <!-- /layers --> marker");
    let re = regex::Regex::new(r"`([a-z_]+)/?`").unwrap();
    text[start..end]
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        // The modules are named before the dash; the text after it may name anything.
        .map(|l| l.split('—').next().unwrap_or(l))
        .map(|l| re.captures_iter(l).map(|c| c[1].to_string()).collect())
        .collect()
}

#[test]
fn top_level_modules_only_import_the_layers_below() {
    let krate = read_crate();
    let layers = layers();
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (m.as_str(), i)))
        .collect();
    let tops: BTreeSet<String> = krate
        .modules
        .values()
        .map(|m| top(&m.file))
        .filter(|t| t != "lib")
        .collect();
    let unlisted: Vec<&String> = tops
        .iter()
        .filter(|t| !rank.contains_key(t.as_str()))
        .collect();
    let gone: Vec<&&str> = rank.keys().filter(|m| !tops.contains(**m)).collect();
    assert!(
        unlisted.is_empty() && gone.is_empty(),
        "ARCHITECTURE.md's layers do not match src/: not listed {unlisted:?}, listed but absent {gone:?}"
    );
    let mut wrong = Vec::new();
    let mut edges = BTreeSet::new();
    for (a, b) in krate.file_edges() {
        let (ta, tb) = (top(&a), top(&b));
        if ta == tb || ta == "lib" {
            continue;
        }
        edges.insert((ta.clone(), tb.clone()));
        if tb == "lib" || rank[tb.as_str()] >= rank[ta.as_str()] && ta != tb {
            wrong.push(format!(
                "{} -> {} ({ta} imports {tb})",
                short(&a),
                short(&b)
            ));
        }
    }
    let found = cycles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|c| show_cycle(c, &edges, |m| m.clone()))
        .collect();
    assert!(
        found.is_empty(),
        "import circles between top-level modules:\n{}",
        shown.join("\n")
    );
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways (ARCHITECTURE.md's layers, lowest first: {layers:?}):\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn every_module_file_opens_with_a_doc_line() {
    let krate = read_crate();
    let files: BTreeSet<&PathBuf> = krate.modules.values().map(|m| &m.file).collect();
    let bare: Vec<String> = files
        .into_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| short(f))
        .collect();
    assert!(bare.is_empty(), "module files without a //! line: {bare:?}");
}

#[test]
fn the_checker_finds_circles_and_reads_paths_as_rustc_does() {
    let edges: BTreeSet<(u8, u8)> = [(1, 2), (2, 3), (3, 1), (3, 4), (5, 5)].into();
    assert_eq!(cycles(&edges), vec![vec![1, 2, 3]]);
    // The real crate: a path through `super::` from a nested file, and one through a `use`d
    // module, resolve to the files that hold them.
    let krate = read_crate();
    let at = |path: &[&str], from: &str| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        krate.resolve(from, &path, &BTreeMap::new())
    };
    assert_eq!(
        at(&["super", "compare", "Compared"], "pipeline::judge").as_deref(),
        Some("pipeline::compare")
    );
    assert_eq!(
        at(&["crate", "normalize", "raw", "show"], "report").as_deref(),
        Some("normalize::raw")
    );
    assert_eq!(at(&["Vec", "new"], "report"), None);
}
