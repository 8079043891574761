//! Rules: guard rails on values (`[[rule]]`), capacity across hosts (`[[capacity]]`),
//! outliers within a group, and time-boxed waivers (`[[waiver]]`).
//!
//! The config file's tables are read into the `Raw*` types here and compiled once into
//! [`Rules`]; `file.rs` applies them to one file of one host, `unique.rs`, `capacity.rs` and
//! `outlier.rs` look across hosts, `waiver.rs` hides what a person has accepted for a while.

mod capacity;
pub mod drift;
pub mod facts_json;
mod file;
mod outlier;
mod running;
mod unique;
pub mod units;
pub mod waiver;

pub use capacity::{Capacity, KeyRef, RawCapacity};
pub use file::{Fact, Facts, FileCtx, Included};
pub use running::{RunningCtx, RunningValue};
pub use waiver::{RawWaiver, Waiver, today};

use crate::collect::FileSpec;
use crate::keyglob::KeyGlob;
use crate::normalize::Format;
use crate::report::Severity;
use crate::tree::Value;
use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// `[[rule]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    name: Option<String>,
    file: Option<String>,
    key: String,
    group: Option<String>,
    host: Option<String>,
    severity: Option<Severity>,
    min: Option<toml::Value>,
    max: Option<toml::Value>,
    one_of: Option<Vec<toml::Value>>,
    pattern: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    ignore: bool,
    tolerance: Option<toml::Value>,
    #[serde(default)]
    unique: bool,
    secret: Option<bool>,
    /// Why a built-in credential is not secret here (shows its values).
    not_secret: Option<String>,
    hint: Option<String>,
    /// `"file"` (the default) or `"running"`: judge what the group's `[[group.running]]`
    /// server for `file` runs with instead of the file.
    source: Option<String>,
}

/// A `min`/`max` as written: a number in the value's own unit, or a quantity (`"128MB"`).
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    Number(f64),
    Text(String),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Number(n) => write!(f, "{n}"),
            Bound::Text(t) => f.write_str(t),
        }
    }
}

/// How far a number may move from the baseline before it is drift.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    Absolute(f64),
    Percent(f64),
}

impl Tolerance {
    /// Whether `live` is within tolerance of `baseline`.
    pub fn allows(self, baseline: f64, live: f64) -> bool {
        let slack = match self {
            Tolerance::Absolute(a) => a,
            Tolerance::Percent(p) => baseline.abs() * p / 100.0,
        };
        (live - baseline).abs() <= slack + f64::EPSILON * baseline.abs().max(1.0)
    }
}

/// A compiled `[[rule]]`.
#[derive(Debug)]
pub struct Rule {
    /// How the report names it: its `name`, else what it checks (`production.pool in [10, 100]`).
    pub label: String,
    /// Line of the `[[rule]]` table in the config file.
    pub line: usize,
    file: Option<FileSpec>,
    pub key: KeyGlob,
    /// The key pattern as formats that normalize their keys write them (see
    /// [`Format::key_pattern`]); other formats use `key`.
    keys_by_format: Vec<(&'static str, KeyGlob)>,
    group: Option<String>,
    host: Option<globset::GlobMatcher>,
    pub severity: Option<Severity>,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub one_of: Vec<Value>,
    pub pattern: Option<regex::Regex>,
    pub required: bool,
    pub ignore: bool,
    pub tolerance: Option<Tolerance>,
    pub unique: bool,
    pub secret: bool,
    /// `not_secret = "reason"`: the key's values are shown although the catalogue names it.
    pub not_secret: Option<String>,
    pub hint: Option<String>,
    /// `source = "running"`: the rule judges the value the file's running server reports
    /// (its key is the setting as the server names it), never the file.
    pub running: bool,
}

impl Rule {
    /// The rule's plain key, as files of the rule's `file` read keys, when no such file can
    /// hold it (`max-connections` in postgresql.conf): the key and the format, for `lint`.
    pub fn impossible_key(&self) -> Option<(String, &'static str)> {
        let spec = self.file.as_ref()?;
        let format = spec.format_for(&spec.pattern);
        let key = self.key_for(format).literal()?;
        (format.can_have_key(key) == Some(false)).then(|| (key.to_string(), format.name()))
    }

    /// The key pattern for files of `format`: `PermitRootLogin` matches sshd's
    /// `permitrootlogin`.
    pub fn key_for(&self, format: Format) -> &KeyGlob {
        self.keys_by_format
            .iter()
            .find(|(f, _)| *f == format.name())
            .map_or(&self.key, |(_, k)| k)
    }

    /// Whether the rule covers this file of this host (`host` is `None` when a baseline file
    /// is checked for the whole group).
    pub fn covers(&self, group: &str, host: Option<&str>, file: &str) -> bool {
        self.file.as_ref().is_none_or(|f| f.matches(file))
            && self.group.as_deref().is_none_or(|g| g == group)
            && match (&self.host, host) {
                (None, _) => true,
                (Some(g), Some(h)) => g.is_match(h),
                (Some(_), None) => false,
            }
    }

    /// Whether the rule checks values one at a time (`min`, `max`, `one_of`, `pattern`).
    pub fn checks_values(&self) -> bool {
        self.min.is_some()
            || self.max.is_some()
            || !self.one_of.is_empty()
            || self.pattern.is_some()
    }

    /// A rule that only names a severity (and perhaps a hint) sets the severity of drift on
    /// its keys; a rule with checks sets the severity of what its checks find.
    pub fn sets_drift_severity(&self) -> bool {
        self.severity.is_some() && !self.checks_values() && !self.required && !self.unique
    }

    pub fn violation_severity(&self) -> Severity {
        self.severity.unwrap_or(Severity::Warning)
    }
}

/// Every rule, capacity check and waiver of the config file, compiled.
#[derive(Debug, Default)]
pub struct Rules {
    pub rules: Vec<Rule>,
    pub capacity: Vec<Capacity>,
    pub waivers: Vec<Waiver>,
}

impl Rules {
    /// Compiles the tables; `line` maps a table's byte offset to its line in the config file.
    pub fn compile(
        rules: Vec<toml::Spanned<RawRule>>,
        capacity: Vec<toml::Spanned<RawCapacity>>,
        waivers: Vec<toml::Spanned<RawWaiver>>,
        groups: &[&str],
        line: impl Fn(usize) -> usize,
    ) -> Result<Rules> {
        let mut out = Rules::default();
        for r in rules {
            let at = line(r.span().start);
            out.rules.push(
                compile_rule(r.into_inner(), at, groups)
                    .with_context(|| format!("[[rule]] at line {at}"))?,
            );
        }
        for c in capacity {
            let at = line(c.span().start);
            out.capacity.push(
                Capacity::compile(c.into_inner(), groups)
                    .with_context(|| format!("[[capacity]] at line {at}"))?,
            );
        }
        for w in waivers {
            let at = line(w.span().start);
            out.waivers.push(
                Waiver::compile(w.into_inner(), at)
                    .with_context(|| format!("[[waiver]] at line {at}"))?,
            );
        }
        Ok(out)
    }

    /// The rules that judge this file of this host (not those that judge its running server).
    pub fn covering<'a>(
        &'a self,
        group: &'a str,
        host: Option<&'a str>,
        file: &'a str,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules
            .iter()
            .filter(move |r| !r.running && r.covers(group, host, file))
    }

    /// The rules with `source = "running"` that judge the running server of this file of this
    /// host.
    pub fn covering_running<'a>(
        &'a self,
        group: &'a str,
        host: &'a str,
        file: &'a str,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules
            .iter()
            .filter(move |r| r.running && r.covers(group, Some(host), file))
    }

    /// Every (group or any group, file) whose running server a rule reads, with the rule's
    /// line, so the config can insist each has a `[[group.running]]` entry.
    pub fn running_reads(&self) -> impl Iterator<Item = (Option<&str>, &FileSpec, usize)> {
        self.rules
            .iter()
            .filter(|r| r.running)
            .filter_map(|r| Some((r.group.as_deref(), r.file.as_ref()?, r.line)))
    }
}

/// A `host` selector of a rule or waiver: a glob over host names.
pub(crate) fn host_glob(h: &str) -> Result<globset::GlobMatcher> {
    globset::Glob::new(h)
        .map(|g| g.compile_matcher())
        .with_context(|| format!("host {h:?}: invalid glob"))
}

fn compile_rule(raw: RawRule, line: usize, groups: &[&str]) -> Result<Rule> {
    let key = KeyGlob::new(&raw.key).map_err(|e| anyhow::anyhow!("key {:?}: {e}", raw.key))?;
    let file = raw
        .file
        .as_deref()
        .map(|f| FileSpec::new(f, None))
        .transpose()?;
    if let Some(g) = &raw.group
        && !groups.contains(&g.as_str())
    {
        bail!("group {g:?} is not a [[group]] of this config");
    }
    let host = raw.host.as_deref().map(host_glob).transpose()?;
    let bound = |v: Option<toml::Value>, what: &str| -> Result<Option<Bound>> {
        Ok(match v {
            None => None,
            Some(toml::Value::Integer(i)) => Some(Bound::Number(i as f64)),
            Some(toml::Value::Float(f)) if f.is_finite() => Some(Bound::Number(f)),
            Some(toml::Value::String(s)) if units::parse(&s).is_some() => Some(Bound::Text(s)),
            Some(other) => bail!(
                "{what} = {other}: expected a number or a quantity such as \"128MB\" or \"30s\""
            ),
        })
    };
    let min = bound(raw.min, "min")?;
    let max = bound(raw.max, "max")?;
    if let (Some(Bound::Number(lo)), Some(Bound::Number(hi))) = (&min, &max)
        && lo > hi
    {
        bail!("min {lo} is above max {hi}");
    }
    let one_of = raw
        .one_of
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            toml::Value::String(s) => Ok(Value::Str(s)),
            toml::Value::Integer(i) => Ok(Value::Int(i)),
            toml::Value::Float(f) => Ok(Value::Float(f)),
            toml::Value::Boolean(b) => Ok(Value::Bool(b)),
            other => bail!("one_of: {other} is not a string, number or boolean"),
        })
        .collect::<Result<Vec<_>>>()?;
    let pattern = raw
        .pattern
        .as_deref()
        .map(|p| {
            // Anchored: the whole value must match, as an operator reading `pattern` expects.
            regex::Regex::new(&format!("^(?:{p})$"))
                .with_context(|| format!("pattern {p:?} is not a valid regular expression"))
        })
        .transpose()?;
    let tolerance = match raw.tolerance {
        None => None,
        Some(toml::Value::Integer(i)) if i >= 0 => Some(Tolerance::Absolute(i as f64)),
        Some(toml::Value::Float(f)) if f >= 0.0 && f.is_finite() => Some(Tolerance::Absolute(f)),
        Some(toml::Value::String(s)) => match s.trim().strip_suffix('%') {
            Some(p) => match p.trim().parse::<f64>() {
                Ok(p) if p >= 0.0 && p.is_finite() => Some(Tolerance::Percent(p)),
                _ => bail!("tolerance {s:?}: expected a percentage such as \"10%\""),
            },
            None => match units::parse(&s) {
                Some(n) if n.value >= 0.0 => Some(Tolerance::Absolute(n.value)),
                _ => bail!("tolerance {s:?}: expected a number, a quantity or a percentage"),
            },
        },
        Some(other) => bail!("tolerance = {other}: expected a number or a percentage like \"10%\""),
    };
    let mut keys_by_format = Vec::new();
    for spec in crate::normalize::FORMATS {
        let format = Format::Structured(spec);
        if let Some(p) = format.key_pattern(&raw.key) {
            let glob = KeyGlob::new(&p).map_err(|e| anyhow::anyhow!("key {:?}: {e}", raw.key))?;
            keys_by_format.push((spec.name, glob));
        }
    }
    let mut rule = Rule {
        label: String::new(),
        line,
        file,
        key,
        keys_by_format,
        group: raw.group,
        host,
        severity: raw.severity,
        min,
        max,
        one_of,
        pattern,
        required: raw.required,
        ignore: raw.ignore,
        tolerance,
        unique: raw.unique,
        secret: raw.secret == Some(true),
        not_secret: raw.not_secret.clone(),
        hint: raw.hint,
        running: match raw.source.as_deref() {
            None | Some("file") => false,
            Some("running") => true,
            Some(other) => bail!("source = {other:?}: expected \"file\" or \"running\""),
        },
    };
    match (raw.secret, raw.not_secret.as_deref().map(str::trim)) {
        (Some(true), Some(_)) => bail!("`secret = true` and `not_secret` contradict each other"),
        (_, Some("")) => {
            bail!("`not_secret` needs a reason: not_secret = \"why these values may be shown\"")
        }
        (Some(false), None) => {
            if let Some(setting) = crate::secret::names_builtin(&rule.key) {
                bail!(
                    "rule for {:?} declares a built-in credential not secret ({setting}); its values would be shown in reports and committed in clear. Drop `secret = false`, or say why with not_secret = \"reason\"",
                    raw.key
                );
            }
        }
        _ => {}
    }
    if rule.ignore && (rule.checks_values() || rule.required || rule.unique) {
        bail!(
            "`ignore = true` hides the key; it cannot also check it (min, max, one_of, pattern, required, unique)"
        );
    }
    if !(rule.checks_values()
        || rule.required
        || rule.unique
        || rule.ignore
        || rule.secret
        || rule.not_secret.is_some()
        || rule.tolerance.is_some()
        || rule.severity.is_some()
        || rule.hint.is_some())
    {
        bail!(
            "rule for {:?} does nothing: give it a check (min, max, one_of, pattern, required, unique), ignore, tolerance, secret, severity or hint",
            raw.key
        );
    }
    if rule.running {
        if rule.file.is_none() {
            bail!(
                "source = \"running\" reads the running server of one file: name it with `file` (a file with a [[group.running]] entry)"
            );
        }
        if !rule.checks_values() {
            bail!(
                "source = \"running\" judges the value the server runs with: give it min, max, one_of or pattern"
            );
        }
        if let Some(what) = [
            (rule.required, "required"),
            (rule.unique, "unique"),
            (rule.ignore, "ignore"),
            (rule.tolerance.is_some(), "tolerance"),
        ]
        .iter()
        .find_map(|(set, what)| set.then_some(*what))
        {
            bail!(
                "`{what}` judges the file, not its running server: drop it, or put it in a rule without source = \"running\""
            );
        }
    }
    rule.label = raw.name.unwrap_or_else(|| describe(&rule));
    Ok(rule)
}

/// What a rule checks, for people: `production.pool in [10, 100]`.
fn describe(r: &Rule) -> String {
    let k = r.key.as_str();
    let mut parts = Vec::new();
    match (&r.min, &r.max) {
        (Some(lo), Some(hi)) => parts.push(format!("{k} in [{lo}, {hi}]")),
        (Some(lo), None) => parts.push(format!("{k} >= {lo}")),
        (None, Some(hi)) => parts.push(format!("{k} <= {hi}")),
        (None, None) => {}
    }
    if !r.one_of.is_empty() {
        let list: Vec<String> = r.one_of.iter().map(|v| v.to_string()).collect();
        parts.push(format!("{k} one of [{}]", list.join(", ")));
    }
    if let Some(p) = &r.pattern {
        let p = p.as_str();
        parts.push(format!("{k} matches {}", &p[4..p.len() - 2]));
    }
    if r.required {
        parts.push(format!("{k} required"));
    }
    if r.unique {
        parts.push(format!("{k} unique per host"));
    }
    if parts.is_empty() {
        if r.ignore {
            parts.push(format!("{k} ignored"));
        } else if let Some(t) = r.tolerance {
            parts.push(match t {
                Tolerance::Absolute(a) => format!("{k} within ±{a}"),
                Tolerance::Percent(p) => format!("{k} within ±{p}%"),
            });
        } else if let Some(s) = r.severity {
            parts.push(format!("{k} is {}", s.name()));
        } else {
            parts.push(k.to_string());
        }
    }
    let label = parts.join(", ");
    if r.running {
        format!("{label} (running)")
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Result<Rules> {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            rule: Vec<toml::Spanned<RawRule>>,
        }
        let doc: Doc = toml::from_str(text)?;
        Rules::compile(doc.rule, Vec::new(), Vec::new(), &["app"], |_| 1)
    }

    #[test]
    fn tolerance_absolute_and_percent() {
        assert!(Tolerance::Absolute(5.0).allows(100.0, 105.0));
        assert!(!Tolerance::Absolute(5.0).allows(100.0, 105.5));
        assert!(Tolerance::Percent(10.0).allows(200.0, 180.0));
        assert!(!Tolerance::Percent(10.0).allows(200.0, 179.0));
        assert!(
            Tolerance::Percent(0.0).allows(0.1 + 0.2, 0.3),
            "float noise is not drift"
        );
        let r = rules("[[rule]]\nkey = \"a\"\ntolerance = \"512MB\"\n").unwrap();
        assert_eq!(
            r.rules[0].tolerance,
            Some(Tolerance::Absolute(512.0 * 1048576.0))
        );
        assert!(rules("[[rule]]\nkey = \"a\"\ntolerance = \"x%\"\n").is_err());
        assert!(rules("[[rule]]\nkey = \"a\"\ntolerance = -1\n").is_err());
    }

    #[test]
    fn labels_say_what_a_rule_checks() {
        let r = rules(concat!(
            "[[rule]]\nkey = \"production.pool\"\nmin = 10\nmax = 100\n",
            "[[rule]]\nkey = \"shared_buffers\"\nmin = \"128MB\"\n",
            "[[rule]]\nkey = \"log\"\none_of = [\"a\", 2]\n",
            "[[rule]]\nname = \"ids\"\nkey = \"server_id\"\nunique = true\n",
            "[[rule]]\nkey = \"x\"\npattern = \"a|b\"\n",
        ))
        .unwrap();
        let labels: Vec<&str> = r.rules.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "production.pool in [10, 100]",
                "shared_buffers >= 128MB",
                "log one of [a, 2]",
                "ids",
                "x matches a|b",
            ]
        );
        assert!(r.rules[4].pattern.as_ref().unwrap().is_match("a"));
        assert!(
            !r.rules[4].pattern.as_ref().unwrap().is_match("ab"),
            "anchored"
        );
    }

    #[test]
    fn rules_cover_files_groups_and_hosts() {
        let r = rules(concat!(
            "[[rule]]\nfile = \"/etc/*/main/postgresql.conf\"\nkey = \"a\"\nmin = 1\n",
            "[[rule]]\ngroup = \"app\"\nhost = \"app-[12]\"\nkey = \"a\"\nmin = 1\n",
        ))
        .unwrap();
        assert!(r.rules[0].covers("db", Some("x"), "/etc/15/main/postgresql.conf"));
        assert!(!r.rules[0].covers("db", Some("x"), "/etc/15/x/main/postgresql.conf"));
        assert!(r.rules[1].covers("app", Some("app-2"), "/f"));
        assert!(!r.rules[1].covers("app", Some("app-3"), "/f"));
        assert!(!r.rules[1].covers("app", None, "/f"));
        let e = rules("[[rule]]\ngroup = \"nope\"\nkey = \"a\"\nmin = 1\n").unwrap_err();
        assert!(format!("{e:#}").contains("not a [[group]]"), "{e:#}");
    }
}
