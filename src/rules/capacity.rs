//! `[[capacity]]`: the sum of a key over the hosts of a demand group (optionally times a
//! multiplier) must fit in a supply key on each host of another group, minus a reserve.
//!
//! ```toml
//! [[capacity]]
//! name = "app pools fit in PostgreSQL"
//! demand = { group = "app", file = "/etc/myapp/database.yml", key = "production.pool" }
//! supply = { group = "db", file = "/etc/postgresql/15/main/postgresql.conf",
//!            key = "max_connections", reserve = "superuser_reserved_connections" }
//! ```
//!
//! A multiplier or reserve is a number, a key of the same file (`"workers"`), or a table
//! `{ file = "...", key = "...", default = 3 }`; `{ count = "databases.*" }` counts keys (the
//! databases of a pgbouncer.ini). `per_host = true` compares each host's demand with its own
//! supply (pgbouncer's pools against its own `max_db_connections`).

use super::file::Facts;
use crate::keyglob::KeyGlob;
use crate::report::{Finding, Kind, Problem, Severity};
use crate::tree::Value;
use anyhow::{Result, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacity {
    name: String,
    /// One side, or an array of them when several services share the supply.
    demand: toml::Value,
    supply: RawSide,
    severity: Option<Severity>,
    hint: Option<String>,
    #[serde(default)]
    per_host: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSide {
    group: String,
    file: String,
    key: String,
    default: Option<f64>,
    multiplier: Option<toml::Value>,
    reserve: Option<toml::Value>,
    /// `"file"` (the default: what the files say) or `"running"` (what the group's running
    /// server for `file` runs now, see `[[group.running]]`).
    source: Option<String>,
}

/// A number a capacity check reads.
#[derive(Debug)]
pub enum KeyRef {
    Constant(f64),
    /// The sum of the keys matching `key` in `file` (or `default` when none is set).
    Key {
        file: String,
        key: KeyGlob,
        default: Option<f64>,
    },
    /// How many keys match.
    Count {
        file: String,
        key: KeyGlob,
    },
}

/// Where a number was read: the line and, when an include brought it in, the file.
type ReadAt = (u32, Option<String>);

impl KeyRef {
    fn glob(&self) -> Option<(&str, &KeyGlob)> {
        match self {
            KeyRef::Constant(_) => None,
            KeyRef::Key { file, key, .. } | KeyRef::Count { file, key } => Some((file, key)),
        }
    }

    fn name(&self) -> String {
        match self {
            KeyRef::Constant(n) => num(*n),
            KeyRef::Key { key, .. } => key.as_str().to_string(),
            KeyRef::Count { key, .. } => format!("count({})", key.as_str()),
        }
    }

    /// The number on one host and where it was read, from its files or (`running`) from its
    /// running server; `Err` says what is missing.
    fn eval(&self, facts: &Facts, running: bool) -> Result<(f64, Option<ReadAt>), String> {
        let numbers = if running {
            &facts.running_numbers
        } else {
            &facts.numbers
        };
        match self {
            KeyRef::Constant(n) => Ok((*n, None)),
            KeyRef::Count { file, key } => Ok((
                numbers
                    .iter()
                    .filter(|n| &n.file == file && key.is_match(&n.key))
                    .count() as f64,
                None,
            )),
            KeyRef::Key { file, key, default } => {
                let mut sum = None::<f64>;
                let mut line = None;
                for n in numbers
                    .iter()
                    .filter(|n| &n.file == file && key.is_match(&n.key))
                {
                    let Some(x) = n.value.as_f64() else {
                        return Err(format!("{file}: {} = {} is not a number", n.key, n.value));
                    };
                    sum = Some(sum.unwrap_or(0.0) + x);
                    line = line.or(Some((n.line, n.from.clone())));
                }
                match (sum, default) {
                    (Some(s), _) => Ok((s, line)),
                    (None, Some(d)) => Ok((*d, None)),
                    (None, None) if running => Err(format!(
                        "the running server of {file} gave no {} (not asked, or it could not be asked: see this host's trouble)",
                        key.as_str()
                    )),
                    (None, None) => Err(format!(
                        "{file} sets no {}; give the capacity check a `default` for it",
                        key.as_str()
                    )),
                }
            }
        }
    }
}

#[derive(Debug)]
pub struct Side {
    pub group: String,
    pub main: KeyRef,
    pub extra: Option<KeyRef>,
    /// Read from the running server of the side's file, not from the file.
    pub running: bool,
}

impl Side {
    fn eval(&self, r: &KeyRef, facts: &Facts) -> Result<(f64, Option<ReadAt>), String> {
        r.eval(facts, self.running)
    }
}

#[derive(Debug)]
pub struct Capacity {
    pub name: String,
    pub demand: Vec<Side>,
    pub supply: Side,
    pub severity: Severity,
    pub hint: Option<String>,
    pub per_host: bool,
}

fn key_ref(v: toml::Value, file: &str, what: &str) -> Result<KeyRef> {
    let glob = |k: &str| KeyGlob::new(k).map_err(|e| anyhow::anyhow!("{what} key {k:?}: {e}"));
    Ok(match v {
        toml::Value::Integer(i) => KeyRef::Constant(i as f64),
        toml::Value::Float(f) if f.is_finite() => KeyRef::Constant(f),
        toml::Value::String(k) => KeyRef::Key {
            file: file.to_string(),
            key: glob(&k)?,
            default: None,
        },
        toml::Value::Table(t) => {
            let mut file = file.to_string();
            let (mut key, mut count, mut default) = (None, None, None);
            for (name, v) in t {
                match (name.as_str(), v) {
                    ("file", toml::Value::String(f)) => file = f,
                    ("key", toml::Value::String(k)) => key = Some(glob(&k)?),
                    ("count", toml::Value::String(k)) => count = Some(glob(&k)?),
                    ("default", toml::Value::Integer(i)) => default = Some(i as f64),
                    ("default", toml::Value::Float(f)) => default = Some(f),
                    (other, _) => {
                        bail!("{what}: unexpected `{other}`; expected file, key, count or default")
                    }
                }
            }
            crate::collect::FileSpec::new(&file, None)?;
            match (key, count) {
                (Some(key), None) => KeyRef::Key { file, key, default },
                (None, Some(key)) if default.is_none() => KeyRef::Count { file, key },
                _ => bail!("{what}: give either `key` (with an optional `default`) or `count`"),
            }
        }
        other => bail!("{what} = {other}: expected a number, a key, or a table {{ file, key }}"),
    })
}

impl Capacity {
    pub fn compile(raw: RawCapacity, groups: &[&str]) -> Result<Capacity> {
        let side = |s: RawSide, extra_name: &str| -> Result<Side> {
            if !groups.contains(&s.group.as_str()) {
                bail!("group {:?} is not a [[group]] of this config", s.group);
            }
            crate::collect::FileSpec::new(&s.file, None)?;
            let main = KeyRef::Key {
                file: s.file.clone(),
                key: KeyGlob::new(&s.key).map_err(|e| anyhow::anyhow!("key {:?}: {e}", s.key))?,
                default: s.default,
            };
            let (wanted, unwanted) = if extra_name == "multiplier" {
                (s.multiplier, s.reserve.map(|_| "reserve"))
            } else {
                (s.reserve, s.multiplier.map(|_| "multiplier"))
            };
            if let Some(u) = unwanted {
                bail!("`{u}` does not apply here (demand takes `multiplier`, supply `reserve`)");
            }
            let extra = wanted
                .map(|v| key_ref(v, &s.file, extra_name))
                .transpose()?;
            let running = match s.source.as_deref() {
                None | Some("file") => false,
                Some("running") => true,
                Some(other) => {
                    bail!("source = {other:?}: expected \"file\" or \"running\"")
                }
            };
            if running
                && extra
                    .as_ref()
                    .is_some_and(|e| e.glob().is_some_and(|(f, _)| f != s.file))
            {
                bail!(
                    "source = \"running\" reads one server: its `{extra_name}` must be a number or a key of {}",
                    s.file
                );
            }
            Ok(Side {
                group: s.group,
                main,
                extra,
                running,
            })
        };
        let sides: Vec<RawSide> = match raw.demand {
            toml::Value::Array(list) if !list.is_empty() => list
                .into_iter()
                .map(|v| v.try_into::<RawSide>())
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("demand: {}", e.message().trim()))?,
            t @ toml::Value::Table(_) => vec![
                t.try_into::<RawSide>()
                    .map_err(|e| anyhow::anyhow!("demand: {}", e.message().trim()))?,
            ],
            other => bail!(
                "demand = {other}: expected a table {{ group, file, key }} or an array of them"
            ),
        };
        let demand = sides
            .into_iter()
            .map(|s| side(s, "multiplier"))
            .collect::<Result<Vec<_>>>()?;
        let supply = side(raw.supply, "reserve")?;
        if raw.per_host && demand.iter().any(|d| d.group != supply.group) {
            bail!(
                "per_host = true compares a host with itself: demand and supply must name the same group"
            );
        }
        Ok(Capacity {
            name: raw.name,
            demand,
            supply,
            severity: raw.severity.unwrap_or(Severity::Critical),
            hint: raw.hint,
            per_host: raw.per_host,
        })
    }

    /// Every (group, file) this check reads, so the config can insist each is collected.
    pub fn reads(&self) -> Vec<(&str, &str)> {
        self.demand
            .iter()
            .chain([&self.supply])
            .flat_map(|s| {
                std::iter::once(&s.main)
                    .chain(s.extra.as_ref())
                    .filter_map(|r| r.glob())
                    .map(|(f, _)| (s.group.as_str(), f))
            })
            .collect()
    }

    /// Every (group, file) whose running server this check reads (`source = "running"`).
    pub fn running_reads(&self) -> Vec<(&str, &str)> {
        self.demand
            .iter()
            .chain([&self.supply])
            .filter(|s| s.running)
            .filter_map(|s| s.main.glob().map(|(f, _)| (s.group.as_str(), f)))
            .collect()
    }

    /// The key globs this check reads from `file` of hosts of `group`: in the file (`running`
    /// false) or from its running server.
    pub fn refs_for<'a>(
        &'a self,
        group: &'a str,
        file: &'a str,
        running: bool,
    ) -> impl Iterator<Item = &'a KeyGlob> + 'a {
        self.demand
            .iter()
            .chain([&self.supply])
            .filter(move |s| s.group == group && s.running == running)
            .flat_map(|s| std::iter::once(&s.main).chain(s.extra.as_ref()))
            .filter_map(|r| r.glob())
            .filter(move |(f, _)| *f == file)
            .map(|(_, k)| k)
    }

    /// Checks this capacity over the hosts (`(host, group, facts, reachable)`).
    pub fn check(
        &self,
        hosts: &[(&str, &str, &Facts, bool)],
        findings: &mut Vec<Finding>,
        errors: &mut Vec<Problem>,
    ) {
        let problem = |host: &str, msg: String| Problem {
            host: Some(host.to_string()),
            file: None,
            line: None,
            column: None,
            message: format!("capacity {:?}: {msg}", self.name),
        };
        // Demand per reachable host of the demand group.
        let mut terms: Vec<(&str, f64, String)> = Vec::new();
        let mut skipped: Vec<&str> = Vec::new();
        for side in &self.demand {
            for &(host, group, facts, up) in hosts {
                if group != side.group {
                    continue;
                }
                if !up {
                    skipped.push(host);
                    continue;
                }
                let main = side.eval(&side.main, facts);
                let extra = side.extra.as_ref().map(|m| side.eval(m, facts));
                match (main, extra) {
                    (Ok((a, _)), None) => terms.push((host, a, num(a))),
                    (Ok((a, _)), Some(Ok((m, _)))) => {
                        terms.push((host, a * m, format!("{}×{}", num(a), num(m))))
                    }
                    (Err(e), _) | (_, Some(Err(e))) => errors.push(problem(host, e)),
                }
            }
        }
        for &(host, group, facts, up) in hosts {
            if group != self.supply.group || !up {
                continue;
            }
            let own: Vec<(&str, f64, String)>;
            let demand: &[(&str, f64, String)] = if self.per_host {
                own = terms.iter().filter(|t| t.0 == host).cloned().collect();
                if own.is_empty() {
                    continue;
                }
                &own
            } else {
                &terms
            };
            if demand.is_empty() {
                continue;
            }
            let (supply, line) = match self.supply.eval(&self.supply.main, facts) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(problem(host, e));
                    continue;
                }
            };
            let reserve = match self
                .supply
                .extra
                .as_ref()
                .map(|r| self.supply.eval(r, facts))
            {
                None => None,
                Some(Ok((r, _))) => Some(r),
                Some(Err(e)) => {
                    errors.push(problem(host, e));
                    continue;
                }
            };
            let total: f64 = demand.iter().map(|t| t.1).sum();
            let available = supply - reserve.unwrap_or(0.0);
            if total <= available {
                continue;
            }
            let supply_name = self.supply.main.name();
            let mut message = format!(
                "{} = {} > {supply_name} {}",
                sum_text(demand),
                num(total),
                num(supply)
            );
            if let (Some(r), Some(extra)) = (reserve, &self.supply.extra) {
                // A constant reserve is its number; a key is named with its value.
                let reserve = match extra {
                    KeyRef::Constant(_) => num(r),
                    _ => format!("{} {}", extra.name(), num(r)),
                };
                message.push_str(&format!(" − {reserve} = {}", num(available)));
            }
            if let Some(big) = demand
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
                .filter(|_| demand.len() > 1)
            {
                message.push_str(&format!("; largest: {} ({})", big.0, num(big.1)));
            }
            if !skipped.is_empty() {
                message.push_str(&format!(
                    "; not counted (could not be checked): {}",
                    skipped.join(", ")
                ));
            }
            let mut file = match &self.supply.main {
                KeyRef::Key { file, .. } => file.clone(),
                _ => String::new(),
            };
            let (line, from) = line.map_or((None, None), |(l, f)| (Some(l), f));
            let line = line.filter(|_| !self.supply.running);
            if self.supply.running {
                message.push_str(&format!("; {supply_name} as the running server runs it"));
            }
            let via_include = from.is_some();
            // What the baseline intends there, when it sets it.
            let base_view = Facts {
                numbers: facts.base_numbers.clone(),
                ..Facts::default()
            };
            let intended = self
                .supply
                .main
                .eval(&base_view, false)
                .ok()
                .and_then(|(v, at)| at.map(|(l, f)| (value(v), l, f)));
            if let Some(from) = from {
                message.push_str(&format!(
                    "; {supply_name} is set in {from}, included by {file}"
                ));
                file = from;
            }
            findings.push(Finding {
                host: Some(host.to_string()),
                group: Some(group.to_string()),
                file,
                key: Some(supply_name),
                kind: Kind::Capacity,
                severity: self.severity,
                live: Some(value(supply)),
                line,
                baseline: intended.as_ref().map(|i| i.0.clone()),
                baseline_line: intended
                    .as_ref()
                    .filter(|i| i.2.is_none() && !via_include)
                    .map(|i| i.1),
                message,
                rule: Some(self.name.clone()),
                hint: self.hint.clone(),
                ..Finding::default()
            });
        }
    }
}

/// `40 + 40 + 120`, or `40 × 997 + 120 × 3` when there are many hosts.
fn sum_text(terms: &[(&str, f64, String)]) -> String {
    if terms.len() <= 8 {
        return terms
            .iter()
            .map(|t| t.2.as_str())
            .collect::<Vec<_>>()
            .join(" + ");
    }
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for t in terms {
        match groups.iter_mut().find(|g| g.0 == t.2) {
            Some(g) => g.1 += 1,
            None => groups.push((&t.2, 1)),
        }
    }
    groups
        .iter()
        .map(|(text, n)| {
            if *n == 1 {
                text.to_string()
            } else {
                format!("{text} × {n} hosts")
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        Value::Int(n as i64)
    } else {
        Value::Float(n)
    }
}

/// A number as people write it: `200`, not `200.0`.
fn num(n: f64) -> String {
    value(n).to_string()
}
