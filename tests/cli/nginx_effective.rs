//! nginx judges confdrift on nginx.conf with its `include`s: Debian's nginx.conf (nginx-common
//! 1.22.1), which includes `mime.types`, `conf.d/*.conf` and `sites-enabled/*` in `http`, with
//! the default site and the PHP snippets. Pairs of a host's files where a server block moves
//! into `sites-enabled`, a directive moves into a snippet included at the same place, an
//! include moves, `conf.d` files are renamed into another order, and included files are edited.
//!
//! The judge: `nginx -T` (nginx 1.22.1 from Debian) prints every file it read, in the order it
//! first read them. The root's text with each `include` replaced by the printed files it
//! names (nested too) is what nginx read, flattened; the two sides' flattened texts are then
//! compared as confdrift's nginx reader reads them (`confdrift diff` of the two texts: the keys
//! that differ). So nginx decides which files are read, where and in which order; the tokens
//! are compared as confdrift reads them. `confdrift check` (which lists only nginx.conf and
//! follows its includes) and `confdrift diff` of two copies of `/` must then exit 0 exactly when
//! the flattened texts read the same, and name the same settings: a finding on an included file
//! names its key in that file (`server.listen`), which must be the end of a key that differs
//! (`http.server.listen`), list indexes aside, and every key that differs must be named.

use crate::harness::Fleet;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const NGINX_CONF: &str = include_str!("../../fixtures/upstream/nginx-common/nginx.conf");
const DEFAULT: &str = include_str!("../../fixtures/upstream/nginx-common/sites-available-default");
const MIME: &str = include_str!("../../fixtures/upstream/nginx-common/mime.types");
const FASTCGI: &str = include_str!("../../fixtures/upstream/nginx-common/fastcgi.conf");
const FASTCGI_PHP: &str =
    include_str!("../../fixtures/upstream/nginx-common/snippets-fastcgi-php.conf");

const CONF_D: &str = "\tinclude /etc/nginx/conf.d/*.conf;\n";
const SITES: &str = "\tinclude /etc/nginx/sites-enabled/*;\n";

/// One side: the files under /etc/nginx, by name relative to it.
type Side = Vec<(String, String)>;

struct Pair {
    what: String,
    base: Side,
    live: Side,
}

/// Debian's nginx.conf with `before` just above its conf.d include, `after` just below its
/// sites-enabled include (in `http`).
fn conf(before: &str, after: &str) -> String {
    conf_with(before, CONF_D, SITES, after)
}

/// Debian's nginx.conf with its two last includes replaced by `conf_d` and `sites`.
fn conf_with(before: &str, conf_d: &str, sites: &str, after: &str) -> String {
    let at = NGINX_CONF.find(CONF_D).unwrap();
    let end = at + CONF_D.len() + SITES.len();
    assert_eq!(&NGINX_CONF[at + CONF_D.len()..end], SITES);
    format!(
        "{}{before}{conf_d}{sites}{after}{}",
        &NGINX_CONF[..at],
        &NGINX_CONF[end..]
    )
}

/// Debian's default site with `inside` added at the end of its server block.
fn site(inside: &str) -> String {
    let end = DEFAULT.find("\n}\n").unwrap() + 1;
    format!("{}{inside}{}", &DEFAULT[..end], &DEFAULT[end..])
}

/// The default site with the PHP location enabled (it includes snippets/fastcgi-php.conf,
/// which includes fastcgi.conf).
fn php_site() -> String {
    let mut out = String::new();
    for (i, line) in DEFAULT.lines().enumerate() {
        let n = i + 1;
        let line = if (56..=63).contains(&n) && n != 59 && n != 60 && n != 61 {
            line.replacen('#', "", 1)
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A side: Debian's files with `conf` as nginx.conf and `rest` besides (a name with empty text
/// is left out).
fn side(conf: &str, rest: &[(&str, &str)]) -> Side {
    let mut out: Side = vec![
        ("nginx.conf".into(), conf.into()),
        ("mime.types".into(), MIME.into()),
        ("fastcgi.conf".into(), FASTCGI.into()),
        ("snippets/fastcgi-php.conf".into(), FASTCGI_PHP.into()),
    ];
    let mut default = Some(DEFAULT.to_string());
    for (name, text) in rest {
        out.retain(|(n, _)| n != name);
        if *name == "sites-enabled/default" {
            default = None;
        }
        if !text.is_empty() {
            out.push((name.to_string(), text.to_string()));
        }
    }
    if let Some(d) = default {
        out.push(("sites-enabled/default".into(), d));
    }
    out
}

fn pairs() -> Vec<Pair> {
    let mut out = Vec::new();
    let mut add = |what: String, base: Side, live: Side| out.push(Pair { what, base, live });
    // http-level directives Debian's nginx.conf leaves commented out: two values each.
    for (d, v, w) in [
        ("gzip_vary", "on", "off"),
        ("server_tokens", "off", "on"),
        ("client_max_body_size", "10m", "20m"),
        ("keepalive_timeout", "65", "30"),
        ("client_body_timeout", "60", "30"),
    ] {
        let (sv, sw) = (format!("\t{d} {v};\n"), format!("{d} {w};\n"));
        let inc = "\tinclude snippets/x.conf;\n";
        add(
            format!("{d}: moved from nginx.conf into conf.d, same value"),
            side(&conf(&sv, ""), &[]),
            side(&conf("", ""), &[("conf.d/50-x.conf", &sv)]),
        );
        add(
            format!("{d}: moved into conf.d, value changed"),
            side(&conf(&sv, ""), &[]),
            side(&conf("", ""), &[("conf.d/50-x.conf", &sw)]),
        );
        add(
            format!("{d}: moved into a snippet included at the same place"),
            side(&conf(&sv, ""), &[]),
            side(&conf(inc, ""), &[("snippets/x.conf", &sv)]),
        );
        add(
            format!("{d}: edited in the snippet"),
            side(&conf(inc, ""), &[("snippets/x.conf", &sv)]),
            side(&conf(inc, ""), &[("snippets/x.conf", &sw)]),
        );
        add(
            format!("{d}: conf.d file renamed (nothing repeats)"),
            side(&conf("", ""), &[("conf.d/50-x.conf", &sv)]),
            side(&conf("", ""), &[("conf.d/90-x.conf", &sv)]),
        );
        add(
            format!("{d}: the conf.d include removed, the file still there"),
            side(&conf("", ""), &[("conf.d/50-x.conf", &sv)]),
            side(&conf_with("", "", SITES, ""), &[("conf.d/50-x.conf", &sv)]),
        );
        add(
            format!("{d}: the conf.d include moved below sites-enabled (nothing repeats)"),
            side(&conf("", ""), &[("conf.d/50-x.conf", &sv)]),
            side(
                &conf_with("", SITES, CONF_D, ""),
                &[("conf.d/50-x.conf", &sv)],
            ),
        );
        add(
            format!("{d}: moved from the default site into a snippet it includes there"),
            side(&conf("", ""), &[("sites-enabled/default", &site(&sv))]),
            side(
                &conf("", ""),
                &[
                    ("sites-enabled/default", &site(inc)),
                    ("snippets/x.conf", &sv),
                ],
            ),
        );
    }
    // A repeated directive (add_header) across files: its order is the order nginx reads.
    let a = "add_header X-A a;\n";
    let b = "add_header X-B b;\n";
    let r = "\tadd_header X-R r;\n";
    add(
        "add_header: conf.d files renamed into another order".into(),
        side(
            &conf("", ""),
            &[("conf.d/10-a.conf", a), ("conf.d/20-b.conf", b)],
        ),
        side(
            &conf("", ""),
            &[("conf.d/30-a.conf", a), ("conf.d/20-b.conf", b)],
        ),
    );
    add(
        "add_header: conf.d files swap their contents".into(),
        side(
            &conf("", ""),
            &[("conf.d/10-a.conf", a), ("conf.d/20-b.conf", b)],
        ),
        side(
            &conf("", ""),
            &[("conf.d/10-a.conf", b), ("conf.d/20-b.conf", a)],
        ),
    );
    add(
        "add_header: one moved from nginx.conf into conf.d at the same place".into(),
        side(&conf(r, ""), &[("conf.d/20-b.conf", b)]),
        side(
            &conf("", ""),
            &[("conf.d/10-r.conf", r), ("conf.d/20-b.conf", b)],
        ),
    );
    add(
        "add_header: one moved from nginx.conf into conf.d after the other".into(),
        side(&conf(r, ""), &[("conf.d/20-b.conf", b)]),
        side(
            &conf("", ""),
            &[("conf.d/30-r.conf", r), ("conf.d/20-b.conf", b)],
        ),
    );
    add(
        "add_header: the conf.d include moved below nginx.conf's own".into(),
        side(&conf_with("", CONF_D, r, SITES), &[("conf.d/10-a.conf", a)]),
        side(&conf_with("", r, CONF_D, SITES), &[("conf.d/10-a.conf", a)]),
    );
    add(
        "add_header: one edited in a conf.d file".into(),
        side(
            &conf("", ""),
            &[("conf.d/10-a.conf", a), ("conf.d/20-b.conf", b)],
        ),
        side(
            &conf("", ""),
            &[
                ("conf.d/10-a.conf", "add_header X-A aa;\n"),
                ("conf.d/20-b.conf", b),
            ],
        ),
    );
    // Server blocks.
    let server = "\tserver {\n\t\tlisten 8080;\n\t\tserver_name example.org;\n\t\tlocation / { return 204; }\n\t}\n";
    let server_b = server.replace("8080", "8081");
    add(
        "a server block moved from nginx.conf into sites-enabled/x (read after default)".into(),
        side(&conf("", server), &[]),
        side(&conf("", ""), &[("sites-enabled/x", server)]),
    );
    add(
        "a server block moved into sites-enabled/a (read before default)".into(),
        side(&conf("", server), &[]),
        side(&conf("", ""), &[("sites-enabled/a", server)]),
    );
    add(
        "a server block moved into conf.d (read before the sites)".into(),
        side(&conf("", server), &[]),
        side(&conf("", ""), &[("conf.d/x.conf", server)]),
    );
    add(
        "a server block moved into sites-enabled/x, its port changed".into(),
        side(&conf("", server), &[]),
        side(&conf("", ""), &[("sites-enabled/x", &server_b)]),
    );
    add(
        "sites-enabled/default renamed 000-default".into(),
        side(&conf("", ""), &[]),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", ""),
                ("sites-enabled/000-default", DEFAULT),
            ],
        ),
    );
    add(
        "sites-enabled/default renamed after sites-enabled/x".into(),
        side(&conf("", ""), &[("sites-enabled/x", server)]),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/x", server),
                ("sites-enabled/default", ""),
                ("sites-enabled/zz-default", DEFAULT),
            ],
        ),
    );
    add(
        "an editor's swap file in sites-enabled is not read".into(),
        side(&conf("", ""), &[]),
        side(&conf("", ""), &[("sites-enabled/.default.swp", server)]),
    );
    for (what, from, to) in [
        (
            "listen port",
            "listen 80 default_server;",
            "listen 8080 default_server;",
        ),
        ("try_files", "=404;", "=403;"),
        ("root", "root /var/www/html;", "root /srv/www;"),
        ("server_name", "server_name _;", "server_name example.org;"),
    ] {
        add(
            format!("the default site's {what} edited"),
            side(&conf("", ""), &[]),
            side(
                &conf("", ""),
                &[("sites-enabled/default", &DEFAULT.replace(from, to))],
            ),
        );
    }
    // Includes inside a server block, among repeated directives.
    let top = |inside: &str| DEFAULT.replacen("server {\n", &format!("server {{\n{inside}"), 1);
    let l = "\tlisten 8443;\n";
    let inc = "\tinclude snippets/x.conf;\n";
    add(
        "a listen moved into a snippet included where it stood".into(),
        side(&conf("", ""), &[("sites-enabled/default", &site(l))]),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &site(inc)),
                ("snippets/x.conf", l),
            ],
        ),
    );
    add(
        "a listen moved into a snippet included before the other listens".into(),
        side(&conf("", ""), &[("sites-enabled/default", &site(l))]),
        side(
            &conf("", ""),
            &[("sites-enabled/default", &top(inc)), ("snippets/x.conf", l)],
        ),
    );
    add(
        "the snippet's include moved from the end of the server to its top".into(),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &site(inc)),
                ("snippets/x.conf", l),
            ],
        ),
        side(
            &conf("", ""),
            &[("sites-enabled/default", &top(inc)), ("snippets/x.conf", l)],
        ),
    );
    let two = site(
        "\tlocation /a { include snippets/x.conf; }\n\tlocation /b { include snippets/x.conf; }\n",
    );
    add(
        "a snippet included in two locations edited".into(),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &two),
                ("snippets/x.conf", "add_header X-S s;\n"),
            ],
        ),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &two),
                ("snippets/x.conf", "add_header X-S t;\n"),
            ],
        ),
    );
    let gz = "gzip_vary on;\n";
    add(
        "the conf.d include written relative".into(),
        side(&conf("", ""), &[("conf.d/50-x.conf", gz)]),
        side(
            &conf_with("", "\tinclude conf.d/*.conf;\n", SITES, ""),
            &[("conf.d/50-x.conf", gz)],
        ),
    );
    add(
        "the conf.d glob narrowed by a bracket to files it no longer reads".into(),
        side(
            &conf("", ""),
            &[("conf.d/10-a.conf", a), ("conf.d/50-x.conf", gz)],
        ),
        side(
            &conf_with("", "\tinclude /etc/nginx/conf.d/[0-4]*.conf;\n", SITES, ""),
            &[("conf.d/10-a.conf", a), ("conf.d/50-x.conf", gz)],
        ),
    );
    add(
        "the conf.d glob narrowed by a bracket, every file still read".into(),
        side(
            &conf("", ""),
            &[("conf.d/10-a.conf", a), ("conf.d/20-b.conf", b)],
        ),
        side(
            &conf_with("", "\tinclude /etc/nginx/conf.d/[0-4]*.conf;\n", SITES, ""),
            &[("conf.d/10-a.conf", a), ("conf.d/20-b.conf", b)],
        ),
    );
    // Nested includes: the PHP location includes fastcgi-php.conf, which includes fastcgi.conf.
    let php = php_site();
    add(
        "the PHP location enabled".into(),
        side(&conf("", ""), &[]),
        side(&conf("", ""), &[("sites-enabled/default", &php)]),
    );
    add(
        "fastcgi.conf edited under the PHP location".into(),
        side(&conf("", ""), &[("sites-enabled/default", &php)]),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &php),
                (
                    "fastcgi.conf",
                    &FASTCGI.replace("fastcgi_param  HTTPS", "fastcgi_param  HTTPS_X"),
                ),
            ],
        ),
    );
    add(
        "fastcgi-php.conf edited under the PHP location".into(),
        side(&conf("", ""), &[("sites-enabled/default", &php)]),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &php),
                (
                    "snippets/fastcgi-php.conf",
                    &FASTCGI_PHP.replace("fastcgi_index index.php;", "fastcgi_index app.php;"),
                ),
            ],
        ),
    );
    add(
        "fastcgi.conf edited where no location includes it".into(),
        side(&conf("", ""), &[]),
        side(
            &conf("", ""),
            &[(
                "fastcgi.conf",
                &FASTCGI.replace("fastcgi_param  HTTPS", "fastcgi_param  HTTPS_X"),
            )],
        ),
    );
    add(
        "fastcgi.conf's params moved into the snippet in place of its include".into(),
        side(&conf("", ""), &[("sites-enabled/default", &php)]),
        side(
            &conf("", ""),
            &[
                ("sites-enabled/default", &php),
                (
                    "snippets/fastcgi-php.conf",
                    &FASTCGI_PHP.replace("include fastcgi.conf;", FASTCGI),
                ),
            ],
        ),
    );
    add(
        "mime.types: a type added".into(),
        side(&conf("", ""), &[]),
        side(
            &conf("", ""),
            &[(
                "mime.types",
                &MIME.replacen("types {", "types {\n    text/x-log log;", 1),
            )],
        ),
    );
    add(
        "mime.types included by a relative path".into(),
        side(&conf("", ""), &[]),
        side(
            &conf("", "").replace("include /etc/nginx/mime.types;", "include mime.types;"),
            &[],
        ),
    );
    add(
        "mime.types' types written in nginx.conf in place of its include".into(),
        side(&conf("", ""), &[]),
        side(
            &conf("", "").replace("include /etc/nginx/mime.types;", MIME),
            &[("mime.types", MIME)],
        ),
    );
    out
}

/// Drops `#` comments (a `#` at the start of a line or after a space, as in these files).
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let cut = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
            .map_or(line.len(), |(i, _)| i);
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// What nginx read: the root's text with each include replaced by the files `nginx -T`
/// printed that it names, in the order nginx printed them; `Err` when nginx refuses the files.
/// The files are written under `dir` with `/etc/nginx/` read as `dir/`.
fn nginx(files: &Side, dir: &Path) -> Result<String, String> {
    let root = tempfile::tempdir_in(dir).unwrap();
    let at = format!("{}/", root.path().display());
    let rewrite = |t: &str| {
        t.replace("/etc/nginx/", &at)
            .replace("/var/log/nginx/", &at)
            .replace("/run/nginx.pid", &format!("{at}nginx.pid"))
    };
    for (name, text) in files {
        let path = root.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, rewrite(text)).unwrap();
    }
    let out = Command::new("/usr/sbin/nginx")
        .arg("-T")
        .arg("-p")
        .arg(&at)
        .arg("-c")
        .arg(root.path().join("nginx.conf"))
        .output()
        .expect("nginx is needed for this test (.ci/run installs it)");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let dump = String::from_utf8_lossy(&out.stdout).to_string();
    let mut printed: Vec<(String, String)> = Vec::new();
    for line in dump.split_inclusive('\n') {
        if let Some(name) = line
            .strip_prefix("# configuration file ")
            .and_then(|l| l.trim_end().strip_suffix(':'))
        {
            printed.push((name.to_string(), String::new()));
        } else if let Some(last) = printed.last_mut() {
            last.1.push_str(line);
        }
    }
    let main = root.path().join("nginx.conf").display().to_string();
    assert_eq!(printed.first().map(|p| p.0.as_str()), Some(main.as_str()));
    let flat = substitute(&printed[0].1, &printed, &at, 0);
    Ok(flat.replace(&at, "/etc/nginx/"))
}

/// `text` with every include replaced by the printed files it names.
fn substitute(text: &str, printed: &[(String, String)], prefix: &str, depth: usize) -> String {
    assert!(depth < 20, "includes nest too deep");
    let re = regex::Regex::new(r"(?m)(^|[\s;{}])include\s+([^;\s]+)\s*;").unwrap();
    let text = without_comments(text);
    re.replace_all(&text, |c: &regex::Captures| {
        let target = &c[2];
        let pattern = if target.starts_with('/') {
            target.to_string()
        } else {
            format!("{prefix}{target}")
        };
        let glob = globset::GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
            .unwrap()
            .compile_matcher();
        let mut out = c[1].to_string();
        for (name, body) in printed.iter().filter(|(n, _)| glob.is_match(n)) {
            let _ = name;
            out.push_str(&substitute(body, printed, prefix, depth + 1));
            out.push('\n');
        }
        out
    })
    .to_string()
}

/// The keys whose values differ between two nginx texts, as confdrift reads them.
fn differ(a: &str, b: &str) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("a", a), ("b", b)] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("nginx.conf"), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--format", "json"])
        .arg(dir.path().join("a/nginx.conf"))
        .arg(dir.path().join("b/nginx.conf"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        json["errors"].as_array().is_none_or(Vec::is_empty),
        "{json:#}"
    );
    keys(&json)
}

/// The keys of a report's findings.
fn keys(json: &serde_json::Value) -> BTreeSet<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"].as_str())
        .map(str::to_string)
        .collect()
}

/// A key without its list indexes.
fn bare(key: &str) -> String {
    let mut out = String::new();
    let mut skip = false;
    for c in key.chars() {
        match c {
            '[' => skip = true,
            ']' if skip => skip = false,
            _ if skip => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether confdrift's keys name exactly what differs: each is the end of a key that differs
/// and each key that differs ends with one of them (indexes aside).
fn agree(named: &BTreeSet<String>, differ: &BTreeSet<String>) -> bool {
    let ends = |long: &str, short: &str| long == short || long.ends_with(&format!(".{short}"));
    let named: BTreeSet<String> = named.iter().map(|k| bare(k)).collect();
    let differ: BTreeSet<String> = differ.iter().map(|k| bare(k)).collect();
    named.iter().all(|n| differ.iter().any(|d| ends(d, n)))
        && differ.iter().all(|d| named.iter().any(|n| ends(d, n)))
}

/// confdrift check's verdict: its exit code and the keys it names.
fn confdrift(p: &Pair) -> (i32, BTreeSet<String>) {
    let config = "[[group]]\nname = \"web\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  files = [\"/etc/nginx/nginx.conf\"]\n";
    let f = Fleet::new(config);
    for (name, text) in &p.base {
        f.group_baseline("web", &format!("/etc/nginx/{name}"), text);
    }
    f.commit("baseline");
    for (name, text) in &p.live {
        f.live("h", &format!("/etc/nginx/{name}"), text);
    }
    let out = f.run(&["check", "--format", "json"]);
    (out.code, keys(&out.json()))
}

/// confdrift's verdict as `diff OLD NEW` of two copies of `/` holding each side's files under
/// `etc/nginx/` (as `collect --out` writes a host's files).
fn confdrift_diff(p: &Pair) -> (i32, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = crate::verdict::write_sides(dir.path(), "etc/nginx", &p.base, &p.live);
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--format", "json"])
        .arg(a)
        .arg(b)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), keys(&json))
}

#[test]
fn confdrift_follows_include_as_nginx_does() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = pairs();
    let results = std::sync::Mutex::new(Vec::new());
    let changed = std::sync::atomic::AtomicUsize::new(0);
    crate::verdict::each_in_parallel(&pairs, 2, |_, p| {
        let (a, b) = (nginx(&p.base, dir.path()), nginx(&p.live, dir.path()));
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let why = a.err().or(b.err()).unwrap_or_default();
                results
                    .lock()
                    .unwrap()
                    .push(Err(format!("{}: {why}", p.what)));
                return;
            }
        };
        let differ = differ(&a, &b);
        if !differ.is_empty() {
            changed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        // `diff` compares every file of the two directories: a file nginx does not read
        // (an editor's swap file) is a finding there by design; `check` reads only what is
        // listed or included.
        let stray = p.live.iter().any(|(n, _)| n.contains("/."))
            || p.what.contains("where no location includes it");
        let mut verdicts = vec![("check", confdrift(p))];
        if !stray {
            verdicts.push(("diff", confdrift_diff(p)));
        }
        for (how, (code, keys)) in verdicts {
            let verdict = if agree(&keys, &differ) && (code == 0) == differ.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{}: nginx: {differ:?}; confdrift {how}: exit {code}, {keys:?}",
                    p.what
                ))
            };
            results.lock().unwrap().push(Ok(verdict));
        }
    });
    let results = results.into_inner().unwrap();
    let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let disagreements: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().and_then(|v| v.as_ref().err()))
        .collect();
    eprintln!(
        "nginx.conf with include: {} pairs ({} where nginx reads something else), {} verdicts (check and diff), {} disagreements, refused by nginx: {refused:?}",
        pairs.len(),
        changed.into_inner(),
        results.len() - refused.len(),
        disagreements.len()
    );
    assert!(pairs.len() >= 40);
    assert!(
        disagreements.is_empty(),
        "{} verdicts on {} pairs otherwise than nginx:\n{}",
        disagreements.len(),
        pairs.len(),
        disagreements
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(refused.is_empty(), "nginx refused: {refused:?}");
}

#[test]
fn a_rule_on_nginx_conf_judges_what_an_included_file_sets() {
    // nginx.conf says nothing of server_tokens; a conf.d file included in `http` turns them
    // on: the rule on nginx.conf sees what nginx runs with, named at the included line.
    let config = "[[group]]\nname = \"web\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  files = [\"/etc/nginx/nginx.conf\"]\n\n\
                  [[rule]]\nfile = \"/etc/nginx/nginx.conf\"\nkey = \"http.server_tokens\"\n\
                  one_of = [\"off\"]\nseverity = \"critical\"\n";
    let f = crate::harness::Fleet::new(config);
    let main = "events { worker_connections 768; }\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n    sendfile on;\n}\n";
    let conf_d = "/etc/nginx/conf.d/security.conf";
    for (path, text) in [
        ("/etc/nginx/nginx.conf", main),
        (conf_d, "server_tokens on;\n"),
    ] {
        f.group_baseline("web", path, text);
        f.live("h", path, text);
    }
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let broken: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical")
        .collect();
    assert_eq!(broken.len(), 1, "{r:#}");
    assert_eq!(broken[0]["file"], conf_d, "{r:#}");
    assert_eq!(broken[0]["line"], 1, "{r:#}");
    // Turned off in the included file: nothing to say.
    f.live("h", conf_d, "server_tokens off;\n");
    f.group_baseline("web", conf_d, "server_tokens off;\n");
    f.commit("off");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// A source-built nginx keeps its files in `/usr/local/nginx/conf`: relative includes, nested
/// ones too, are relative to that directory (the main file's, as `nginx -T` shows), and
/// collection fetches them there, not under `/usr/local/nginx`.
#[test]
fn relative_includes_are_relative_to_the_main_files_directory() {
    let main = "events { worker_connections 768; }\nhttp {\n    include sites/*.conf;\n}\n";
    let site = "server {\n    listen 8080;\n    include snippets/tokens.conf;\n}\n";
    // nginx itself: the nested relative include is read from the main file's directory.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(conf.join("sites")).unwrap();
    std::fs::create_dir_all(conf.join("snippets")).unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    let pid = format!("pid {}/nginx.pid;\n", dir.path().display());
    std::fs::write(conf.join("nginx.conf"), format!("{pid}{main}")).unwrap();
    std::fs::write(conf.join("sites/a.conf"), site).unwrap();
    std::fs::write(conf.join("snippets/tokens.conf"), "server_tokens on;\n").unwrap();
    let out = Command::new("/usr/sbin/nginx")
        .arg("-T")
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(conf.join("nginx.conf"))
        .output()
        .expect("nginx is needed for this test (.ci/run installs it)");
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snippet = format!(
        "# configuration file {}:",
        conf.join("snippets/tokens.conf").display()
    );
    assert!(dump.contains(&snippet), "{dump}");

    // confdrift: the snippet is collected from /usr/local/nginx/conf/snippets and its change
    // found there, with no trouble about a missing /usr/local/nginx/snippets/tokens.conf.
    let config = "[[group]]\nname = \"web\"\nhosts = [\"h\"]\ntransport = \"dir\"\nroot = \"fleet\"\n\
                  files = [\"/usr/local/nginx/conf/nginx.conf\"]\n";
    let f = crate::harness::Fleet::new(config);
    let at = |rel: &str| format!("/usr/local/nginx/conf/{rel}");
    for (rel, text) in [
        ("nginx.conf", main),
        ("sites/a.conf", site),
        ("snippets/tokens.conf", "server_tokens off;\n"),
    ] {
        f.group_baseline("web", &at(rel), text);
        f.live("h", &at(rel), text);
    }
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    f.live("h", &at("snippets/tokens.conf"), "server_tokens on;\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let files: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files, [at("snippets/tokens.conf")], "{r:#}");
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r:#}");
}
