//! Writes a synthetic fleet for confdrift's benchmark and tests, deterministic from a seed:
//!
//! - `<out>/fleet/<host>/<absolute path>`: the live files (the `dir` transport layout);
//! - `<out>/repo/`: a git repository holding `confdrift.toml` and the group baselines under
//!   `baselines/groups/<group>/...`, committed;
//! - `<out>/expected/<host>/<absolute path>`: each host's baseline copy, so that
//!   `diff -r <out>/expected <out>/fleet` is the textual equivalent of `confdrift check`;
//! - `<out>/planted.tsv` (`host group file key`, one planted change a line) and
//!   `<out>/drifted-hosts.txt` (one host a line, sorted).
//!
//! Groups: `app` (55% of the hosts) and `api` (25%) hold a YAML, a `.properties`, a TOML and a
//! JSON file; `db` (20%) holds `postgresql.conf` and `pgbouncer.ini` built from the upstream
//! files. About `reformat_percent`% of the hosts hold rewritten files that mean the same as the
//! baseline (see `doc.rs` and `pg.rs` for what a rewrite does); about `drift_percent`% (at
//! least one host) hold one real change: one integer setting of one file set to another value.

mod app;
mod doc;
mod pg;
mod rng;

use doc::{Style, V};
use rng::Rng;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct Options {
    pub out: PathBuf,
    pub hosts: usize,
    pub seed: u64,
    pub reformat_percent: u32,
    pub drift_percent: u32,
}

/// One planted change: confdrift must report exactly this, as `changed`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    pub host: String,
    pub group: String,
    pub file: String,
    pub key: String,
}

pub struct Generated {
    /// `(group, host)` in config order.
    pub hosts: Vec<(String, String)>,
    pub planted: Vec<Planted>,
    /// Hosts holding at least one file whose bytes differ from the baseline but mean the same.
    pub reformatted: Vec<String>,
    pub files: usize,
    pub bytes: u64,
}

/// What a file holds; rendered canonically for the baseline, or rewritten.
#[derive(Clone)]
enum Content {
    Yaml(V),
    Properties(V),
    Toml(V),
    Json(V),
    PgConf(pg::Settings),
    Pgbouncer(pg::IniSettings),
}

struct File {
    path: &'static str,
    content: Content,
    drift_keys: &'static [&'static str],
    canonical: String,
}

struct Group {
    name: &'static str,
    files: Vec<File>,
}

impl Content {
    fn render(&self, path: &str, rewrite: Option<Rng>) -> String {
        let title = format!("{path} (fleetgen)");
        let seed = rewrite.map(|mut r| r.next_u64());
        let style = || seed.map_or_else(Style::canonical, |s| Style::rewrite(Rng::new(s, "style")));
        let order = |v: &V| {
            seed.map_or_else(
                || v.clone(),
                |s| doc::shuffled(v, &mut Rng::new(s, "order")),
            )
        };
        match self {
            Content::Yaml(v) => doc::yaml(&order(v), &title, style()),
            Content::Properties(v) => doc::properties(&order(v), &title, style()),
            Content::Toml(v) => doc::toml(&order(v), &title, style()),
            Content::Json(v) => doc::json(&order(v), style()),
            Content::PgConf(s) => match seed {
                Some(x) => pg::postgresql_conf_rewrite(s, &mut Rng::new(x, "pg")),
                None => pg::postgresql_conf(s),
            },
            Content::Pgbouncer(s) => match seed {
                Some(x) => pg::pgbouncer_ini_rewrite(s, &mut Rng::new(x, "ini")),
                None => pg::pgbouncer_ini(s),
            },
        }
    }

    /// Sets `key` to another value.
    fn drift(&mut self, key: &str) {
        match self {
            Content::Yaml(v) | Content::Toml(v) | Content::Json(v) => {
                let path: Vec<&str> = key.split('.').collect();
                bump(v.at_mut(&path).expect("a drift key names a value"));
            }
            Content::Properties(v) => {
                bump(v.at_mut(&[key]).expect("a drift key names a property"));
            }
            Content::PgConf(s) => {
                let e = s.iter_mut().find(|(k, _)| k == key).expect("a setting");
                e.1 = pg::drifted(&e.1);
            }
            Content::Pgbouncer(s) => {
                let (sec, k) = key.split_once('.').expect("section.key");
                let e = s
                    .iter_mut()
                    .find(|(s, kk, _)| s == sec && kk == k)
                    .expect("a setting");
                e.2 = pg::drifted(&e.2);
            }
        }
    }
}

fn bump(v: &mut V) {
    match v {
        V::I(i) => *i = if *i > 3 { *i / 2 } else { *i + 5 },
        other => panic!("drift keys name integers, not {other:?}"),
    }
}

fn groups(db_host: &str) -> Vec<Group> {
    let app = |name: &'static str, port, pool, threads| {
        let p = app::AppParams {
            name,
            port,
            pool,
            threads,
            db_host: db_host.to_string(),
        };
        Group {
            name,
            files: vec![
                file(
                    "/etc/myapp/application.yml",
                    Content::Yaml(app::application_yml(&p)),
                    app::YML_DRIFT,
                ),
                file(
                    "/etc/myapp/application.properties",
                    Content::Properties(app::application_properties(&p)),
                    app::PROPERTIES_DRIFT,
                ),
                file(
                    "/etc/myapp/settings.toml",
                    Content::Toml(app::settings_toml(&p)),
                    app::TOML_DRIFT,
                ),
                file(
                    "/etc/myapp/features.json",
                    Content::Json(app::features_json(&p)),
                    app::JSON_DRIFT,
                ),
            ],
        }
    };
    vec![
        app("app", 8080, 20, 16),
        app("api", 9090, 10, 32),
        Group {
            name: "db",
            files: vec![
                file(
                    "/etc/postgresql/15/main/postgresql.conf",
                    Content::PgConf(pg::postgresql_settings(400)),
                    pg::PG_DRIFT,
                ),
                file(
                    "/etc/pgbouncer/pgbouncer.ini",
                    Content::Pgbouncer(pg::pgbouncer_settings("127.0.0.1", 40)),
                    pg::PGBOUNCER_DRIFT,
                ),
            ],
        },
    ]
}

fn file(path: &'static str, content: Content, drift_keys: &'static [&'static str]) -> File {
    let canonical = content.render(path, None);
    File {
        path,
        content,
        drift_keys,
        canonical,
    }
}

/// Host names per group for `n` hosts: 55% app, 25% api, the rest (at least one) db.
fn host_names(n: usize) -> Vec<(usize, String)> {
    let db = (n / 5).max(1).min(n);
    let api = (n * 25 / 100).min(n - db);
    let app = n - db - api;
    let width = n.to_string().len().max(4);
    let mut out = Vec::with_capacity(n);
    for (g, (name, count)) in [("app", app), ("api", api), ("db", db)].iter().enumerate() {
        for i in 1..=*count {
            out.push((g, format!("{name}-{i:0width$}")));
        }
    }
    out
}

enum Role {
    Same,
    Reformatted,
    Drifted { reformatted: bool },
}

pub fn generate(opts: &Options) -> Result<Generated, String> {
    if opts.hosts == 0 {
        return Err("--hosts must be at least 1".into());
    }
    if opts.out.exists()
        && std::fs::read_dir(&opts.out)
            .map_err(|e| format!("{}: {e}", opts.out.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} exists and is not empty; give a new or empty directory",
            opts.out.display()
        ));
    }
    let names = host_names(opts.hosts);
    let db_host = names
        .iter()
        .find(|(g, _)| *g == 2)
        .map(|(_, h)| h.clone())
        .unwrap_or_default();
    let groups = groups(&db_host);

    // Who drifts and who is reformatted: a seeded permutation of the hosts.
    let mut order: Vec<usize> = (0..names.len()).collect();
    let mut pick = Rng::new(opts.seed, "roles");
    pick.shuffle(&mut order);
    let n = names.len();
    let drift = ((n * opts.drift_percent as usize + 50) / 100).max(1).min(n);
    let reform = ((n * opts.reformat_percent as usize + 50) / 100).min(n - drift);
    let mut roles: Vec<Role> = (0..n).map(|_| Role::Same).collect();
    for (rank, &i) in order.iter().enumerate() {
        roles[i] = if rank < drift {
            Role::Drifted {
                reformatted: pick.chance(opts.reformat_percent),
            }
        } else if rank < drift + reform {
            Role::Reformatted
        } else {
            Role::Same
        };
    }

    let repo = opts.out.join("repo");
    let mut made = Generated {
        hosts: Vec::with_capacity(n),
        planted: Vec::new(),
        reformatted: Vec::new(),
        files: 0,
        bytes: 0,
    };
    for group in &groups {
        for f in &group.files {
            let rel = format!("baselines/groups/{}{}", group.name, f.path);
            write(&repo.join(rel), &f.canonical)?;
        }
    }
    for ((g, host), role) in names.iter().zip(&roles) {
        let group = &groups[*g];
        let mut rng = Rng::new(opts.seed, host);
        // The files this host rewrites: about half, at least one.
        let forced = rng.below(group.files.len());
        let mut rewrite: Vec<bool> = (0..group.files.len())
            .map(|i| i == forced || rng.chance(50))
            .collect();
        let mut drifted = None;
        match role {
            Role::Same => rewrite.fill(false),
            Role::Reformatted => {}
            Role::Drifted { reformatted } => {
                if !reformatted {
                    rewrite.fill(false);
                }
                let fi = rng.below(group.files.len());
                let key = *rng.pick(group.files[fi].drift_keys);
                drifted = Some((fi, key));
                made.planted.push(Planted {
                    host: host.clone(),
                    group: group.name.to_string(),
                    file: group.files[fi].path.to_string(),
                    key: key.to_string(),
                });
            }
        }
        let mut differs = false;
        for (fi, f) in group.files.iter().enumerate() {
            let r = rewrite[fi].then(|| Rng::new(opts.seed ^ rng.next_u64(), host));
            let live = match drifted {
                Some((d, key)) if d == fi => {
                    let mut c = f.content.clone();
                    c.drift(key);
                    c.render(f.path, r)
                }
                _ if r.is_some() => f.content.render(f.path, r),
                _ => f.canonical.clone(),
            };
            differs |= drifted.is_none_or(|(d, _)| d != fi) && live != f.canonical;
            let at = host_path(&opts.out.join("fleet"), host, f.path);
            write(&at, &live)?;
            if matches!(f.content, Content::PgConf(_)) {
                // `include_dir 'conf.d'`: PostgreSQL needs the directory, even empty.
                let d = at.with_file_name("conf.d");
                std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            }
            write(
                &host_path(&opts.out.join("expected"), host, f.path),
                &f.canonical,
            )?;
            made.files += 1;
            made.bytes += live.len() as u64;
        }
        if differs {
            made.reformatted.push(host.clone());
        }
        made.hosts.push((group.name.to_string(), host.clone()));
    }

    write(&repo.join("confdrift.toml"), &config(&groups, &made.hosts))?;
    commit(&repo)?;

    let mut tsv = String::new();
    for p in &made.planted {
        let _ = writeln!(tsv, "{}\t{}\t{}\t{}", p.host, p.group, p.file, p.key);
    }
    write(&opts.out.join("planted.tsv"), &tsv)?;
    let drifted: BTreeSet<&str> = made.planted.iter().map(|p| p.host.as_str()).collect();
    let mut list = String::new();
    for h in drifted {
        let _ = writeln!(list, "{h}");
    }
    write(&opts.out.join("drifted-hosts.txt"), &list)?;
    made.planted.sort();
    Ok(made)
}

fn host_path(root: &Path, host: &str, abs: &str) -> PathBuf {
    root.join(host).join(abs.trim_start_matches('/'))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    let dir = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn config(groups: &[Group], hosts: &[(String, String)]) -> String {
    let mut out = String::from(
        "# Written by `cargo run --example fleetgen`: a synthetic fleet for benches/fleet.sh.\n\
         [baseline]\ndir = \"baselines\"\nref = \"HEAD\"\n",
    );
    for g in groups {
        let names: Vec<String> = hosts
            .iter()
            .filter(|(gg, _)| gg == g.name)
            .map(|(_, h)| format!("{h:?}"))
            .collect();
        if names.is_empty() {
            continue;
        }
        let files: Vec<String> = g.files.iter().map(|f| format!("{:?}", f.path)).collect();
        let _ = write!(
            out,
            "\n[[group]]\nname = {:?}\nhosts = [{}]\ntransport = \"dir\"\nroot = \"../fleet\"\nfiles = [{}]\n",
            g.name,
            names.join(", "),
            files.join(", ")
        );
    }
    out
}

fn commit(repo: &Path) -> Result<(), String> {
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "fleetgen: group baselines"],
    ] {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(repo)
            .env("GIT_AUTHOR_NAME", "fleetgen")
            .env("GIT_AUTHOR_EMAIL", "fleetgen@example.com")
            .env("GIT_COMMITTER_NAME", "fleetgen")
            .env("GIT_COMMITTER_EMAIL", "fleetgen@example.com")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .map_err(|e| format!("cannot run git (is it installed?): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {args:?} in {}: {}",
                repo.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    Ok(())
}
