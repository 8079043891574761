//! Rules applied to one file of one host (or to one baseline file, for `lint`): drift on
//! ignored keys or within tolerance is dropped, drift takes its rule's severity and hint, and
//! every `min`/`max`/`one_of`/`pattern`/`required` rule is checked on the live value and on
//! the baseline value. Values that cross-host checks need are gathered into [`Facts`].

use super::{Bound, Rule, Rules, units};
use crate::diff::Change;
use crate::normalize::Format;
use crate::report::{Finding, Kind, Severity};
use crate::secret;
use crate::tree::{Entry, Tree, Value};
use std::collections::{BTreeMap, HashMap};

/// Which file of which host the rules are applied to.
pub struct FileCtx<'a> {
    pub group: &'a str,
    /// `None` for a baseline file checked on its own (`lint`).
    pub host: Option<&'a str>,
    pub file: &'a str,
    pub format: Format,
    pub baseline_source: Option<&'a str>,
    /// For a postgresql.conf read with its includes: the keys an included file set.
    pub included: Included<'a>,
}

/// Per side, the keys whose value an included file set (key → that file's path); see
/// [`crate::normalize::includes`]. Empty for every other file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Included<'a> {
    pub live: Option<&'a HashMap<String, String>>,
    pub base: Option<&'a HashMap<String, String>>,
}

impl Included<'_> {
    fn live(&self, key: &str) -> Option<&str> {
        self.live.and_then(|m| m.get(key)).map(String::as_str)
    }

    fn base(&self, key: &str) -> Option<&str> {
        self.base.and_then(|m| m.get(key)).map(String::as_str)
    }
}

/// What one host's files hold that checks across hosts need.
#[derive(Debug, Default)]
pub struct Facts {
    /// Values of keys under a `unique` rule: (rule index, file, key, value, line, the value
    /// as it may be shown).
    pub unique: Vec<(usize, String, String, Value, u32, Value)>,
    /// Values of keys a `[[capacity]]` check reads.
    pub numbers: Vec<Fact>,
    /// The same keys in the host's baseline, so that a capacity finding shows the intended
    /// value beside the live one.
    pub base_numbers: Vec<Fact>,
    /// Values of keys a `[[capacity]]` side with `source = "running"` reads, as the host's
    /// running server reports them (line 0).
    pub running_numbers: Vec<Fact>,
    /// Files with no baseline for this host, kept whole for outlier detection.
    pub unbaselined: Vec<(String, Tree)>,
}

/// One value a capacity check reads.
#[derive(Clone, Debug)]
pub struct Fact {
    /// The file as the check names it.
    pub file: String,
    pub key: String,
    pub value: Value,
    pub line: u32,
    /// The file that set the value, when an include brought it in (see [`crate::normalize::includes`]).
    pub from: Option<String>,
}

/// One broken rule on one side of one key.
struct Broken<'r> {
    rule: &'r Rule,
    range: bool,
    live_side: bool,
    message: String,
}

impl Rules {
    /// Drift findings from `changes`, then the rules' own findings, for one file.
    pub fn apply_file(
        &self,
        ctx: &FileCtx,
        base: Option<&Tree>,
        live: Option<&Tree>,
        changes: Vec<Change>,
    ) -> Vec<Finding> {
        let rules: Vec<&Rule> = self.covering(ctx.group, ctx.host, ctx.file).collect();
        let mut findings = Vec::with_capacity(changes.len());
        for c in changes {
            let matching: Vec<&&Rule> = rules
                .iter()
                .filter(|r| r.key_for(ctx.format).is_match(&c.key))
                .collect();
            if matching.iter().any(|r| r.ignore) || within_tolerance(ctx.format, &matching, &c) {
                continue;
            }
            let c_key = c.key.clone();
            let mut f = super::drift::finding_from_change(
                ctx.format,
                ctx.host,
                Some(ctx.group),
                ctx.file,
                ctx.baseline_source,
                c,
            );
            if let Some(s) = matching
                .iter()
                .filter(|r| r.sets_drift_severity())
                .filter_map(|r| r.severity)
                .max()
            {
                f.severity = s;
                f.rule = matching
                    .iter()
                    .find(|r| r.sets_drift_severity())
                    .map(|r| r.label.clone());
            }
            f.hint = matching.iter().find_map(|r| r.hint.clone());
            if let (Some(file), Some(tree)) = (ctx.included.live(&c_key), live) {
                // Drift in a setting an included file sets again later: it changes nothing.
                if let Some(e) = tree.get(&c_key) {
                    f.message = format!(
                        "{}; no effect on the host: {file} line {} sets it later",
                        f.message, e.line
                    );
                }
            }
            findings.push(f);
        }
        if rules.iter().any(|r| r.checks_values() || r.required) {
            let broken = broken_rules(ctx, &rules, base, live);
            merge(ctx, broken, base, live, &mut findings);
        }
        findings
    }

    /// Records the baseline's values of the keys capacity checks read (see
    /// [`Facts::base_numbers`]).
    pub fn gather_base(&self, ctx: &FileCtx, tree: &Tree, facts: &mut Facts) {
        facts
            .base_numbers
            .extend(self.capacity_numbers(ctx, tree, |k| ctx.included.base(k)));
    }

    /// The values of `tree` that capacity checks read from this file; `from` names the
    /// included file that set a key.
    fn capacity_numbers<'c>(
        &self,
        ctx: &FileCtx<'c>,
        tree: &Tree,
        from: impl Fn(&str) -> Option<&'c str>,
    ) -> Vec<Fact> {
        let refs: Vec<&crate::keyglob::KeyGlob> = self
            .capacity
            .iter()
            .flat_map(|c| c.refs_for(ctx.group, ctx.file, false))
            .collect();
        if refs.is_empty() {
            return Vec::new();
        }
        tree.iter()
            .filter(|(k, _)| refs.iter().any(|r| r.is_match(k)))
            .map(|(key, e)| Fact {
                file: ctx.file.to_string(),
                key: key.to_string(),
                value: e.value.clone(),
                line: e.line,
                from: from(key).map(str::to_string),
            })
            .collect()
    }

    /// Records what cross-host checks need from one tree of one host.
    pub fn gather(&self, ctx: &FileCtx, tree: &Tree, baselined: bool, facts: &mut Facts) {
        facts
            .numbers
            .extend(self.capacity_numbers(ctx, tree, |k| ctx.included.live(k)));
        for (i, r) in self.rules.iter().enumerate() {
            if r.unique && !r.running && r.covers(ctx.group, ctx.host, ctx.file) {
                for (key, e) in matching(tree, r, ctx.format) {
                    facts.unique.push((
                        i,
                        ctx.file.to_string(),
                        key.to_string(),
                        e.value.clone(),
                        e.line,
                        secret::redact(ctx.format, key, &e.value),
                    ));
                }
            }
        }
        if !baselined {
            facts.unbaselined.push((ctx.file.to_string(), tree.clone()));
        }
    }
}

/// The keys of `tree` a rule names: one lookup for a plain key, else a scan.
pub(super) fn matching<'t>(tree: &'t Tree, r: &Rule, format: Format) -> Vec<(&'t str, &'t Entry)> {
    let key = r.key_for(format);
    match key.literal() {
        Some(k) => tree.get_key_value(k).into_iter().collect(),
        None => tree.iter().filter(|(k, _)| key.is_match(k)).collect(),
    }
}

fn within_tolerance(format: Format, rules: &[&&Rule], c: &Change) -> bool {
    let (Some(b), Some(l)) = (&c.baseline, &c.live) else {
        return false;
    };
    let Some((b, l)) = units::of_value(format, &b.value)
        .zip(units::of_value(format, &l.value))
        .and_then(|(b, l)| b.comparable(l))
    else {
        return false;
    };
    rules
        .iter()
        .filter_map(|r| r.tolerance)
        .any(|t| t.allows(b, l))
}

/// The last segment of a key, for messages (`production.pool` → `pool`).
fn leaf(key: &str) -> &str {
    let last = key.rsplit('.').next().unwrap_or(key);
    last.trim_matches('"')
}

/// Checks one value against one rule's value checks; messages name the value with its
/// secrets redacted.
pub(super) fn check_value(format: Format, r: &Rule, key: &str, v: &Value) -> Vec<(bool, String)> {
    let shown = secret::redact(format, key, v).to_string();
    let name = leaf(key);
    let mut out = Vec::new();
    if r.min.is_some() || r.max.is_some() {
        let bound = |b: &Bound| match b {
            Bound::Number(n) => Some(units::Number::plain(*n)),
            Bound::Text(t) => units::of_text(format, key, t),
        };
        match units::of_value(format, v) {
            None => out.push((true, format!("{name} {shown} is not a number"))),
            Some(n) => {
                for (b, below) in [(&r.min, true), (&r.max, false)] {
                    let Some(b) = b else { continue };
                    match bound(b).and_then(|bn| n.comparable(bn)) {
                        None => {
                            out.push((true, format!("{name} {shown} cannot be compared with {b}")))
                        }
                        Some((x, lim)) if below && x < lim => {
                            out.push((true, format!("{name} {shown} is below the minimum {b}")))
                        }
                        Some((x, lim)) if !below && x > lim => {
                            out.push((true, format!("{name} {shown} is above the maximum {b}")))
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    if !r.one_of.is_empty()
        && !r
            .one_of
            .iter()
            .any(|o| o.same(v) || units::read_as(format, key, o).same(v))
    {
        let list: Vec<String> = r.one_of.iter().map(|o| o.to_string()).collect();
        out.push((
            false,
            format!("{name} {shown} is not one of [{}]", list.join(", ")),
        ));
    }
    if let Some(p) = &r.pattern
        && !p.is_match(&v.to_string())
    {
        let p = p.as_str();
        out.push((
            false,
            format!("{name} {shown} does not match {}", &p[4..p.len() - 2]),
        ));
    }
    out
}

fn broken_rules<'r>(
    ctx: &FileCtx,
    rules: &[&'r Rule],
    base: Option<&Tree>,
    live: Option<&Tree>,
) -> BTreeMap<String, Vec<Broken<'r>>> {
    let mut out: BTreeMap<String, Vec<Broken>> = BTreeMap::new();
    for r in rules.iter().filter(|r| r.checks_values() || r.required) {
        for (tree, live_side) in [(live, true), (base, false)] {
            let Some(tree) = tree else { continue };
            let found = matching(tree, r, ctx.format);
            if r.required && found.is_empty() {
                out.entry(r.key.as_str().to_string())
                    .or_default()
                    .push(Broken {
                        rule: r,
                        range: false,
                        live_side,
                        message: format!("required key {} is missing", r.key.as_str()),
                    });
            }
            for (key, e) in found {
                if secret::is_fingerprint(&e.value.to_string()) {
                    continue; // a secret kept as its fingerprint: the value is not known here
                }
                for (range, message) in check_value(ctx.format, r, key, &e.value) {
                    out.entry(key.to_string()).or_default().push(Broken {
                        rule: r,
                        range,
                        live_side,
                        message,
                    });
                }
            }
        }
    }
    out
}

/// Puts broken rules into the findings: onto the key's drift finding when there is one, else
/// as an `out_of_range` or `violation` finding of their own.
fn merge(
    ctx: &FileCtx,
    broken: BTreeMap<String, Vec<Broken>>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    findings: &mut Vec<Finding>,
) {
    for (key, list) in broken {
        let b = base.and_then(|t| t.get(&key));
        let l = live.and_then(|t| t.get(&key));
        let same_value = matches!((b, l), (Some(b), Some(l)) if b.value.same(&l.value));
        let mut messages: Vec<String> = Vec::new();
        for x in &list {
            let twin = list.iter().any(|y| {
                y.live_side != x.live_side && std::ptr::eq(y.rule, x.rule) && y.message == x.message
            });
            let text = match (x.live_side, twin && same_value) {
                (true, true) => format!("{} (the baseline too)", x.message),
                (false, true) => continue,
                (true, false) => x.message.clone(),
                (false, false) => format!("the baseline's {}", x.message),
            };
            if !messages.contains(&text) {
                messages.push(text);
            }
        }
        let severity = list
            .iter()
            .map(|x| x.rule.violation_severity())
            .max()
            .unwrap_or(Severity::Warning);
        let mut labels: Vec<&str> = Vec::new();
        for x in &list {
            if !labels.contains(&x.rule.label.as_str()) {
                labels.push(&x.rule.label);
            }
        }
        let hint = list.iter().find_map(|x| x.rule.hint.clone());
        let live_from = ctx.included.live(&key);
        let base_from = ctx.included.base(&key);
        let mut message = messages.join("; ");
        if let Some(file) = live_from {
            message = format!("{message} (read through an include of {})", ctx.file);
            if let Some(e) = b.filter(|_| base_from != Some(file)) {
                let there = base_from.unwrap_or(ctx.file);
                message = format!("{message}; the baseline sets it in {there} line {}", e.line);
            }
        } else if let Some(file) = base_from {
            message = format!(
                "{message} (the baseline sets it in {file}, included by {})",
                ctx.file
            );
        }
        let included = live_from.is_some() || base_from.is_some();
        if let Some(f) = findings
            .iter_mut()
            .find(|f| !included && f.key.as_deref() == Some(key.as_str()))
        {
            f.severity = f.severity.max(severity);
            f.message = message;
            f.rule = Some(labels.join("; "));
            f.hint = f.hint.take().or(hint);
            continue;
        }
        let show = |e: Option<&Entry>| e.map(|e| secret::redact(ctx.format, &key, &e.value));
        let file = live_from
            .or(if l.is_none() { base_from } else { None })
            .unwrap_or(ctx.file);
        let base_file = base_from.unwrap_or(ctx.file);
        findings.push(Finding {
            host: ctx.host.map(str::to_string),
            group: Some(ctx.group.to_string()),
            file: file.to_string(),
            kind: if list.iter().any(|x| x.range) {
                Kind::OutOfRange
            } else {
                Kind::Violation
            },
            severity,
            baseline: show(b),
            live: show(l),
            line: l.map(|e| e.line),
            // The baseline's line, when the baseline sets the key in the finding's file.
            baseline_line: b.filter(|_| base_file == file).map(|e| e.line),
            baseline_source: ctx.baseline_source.map(str::to_string),
            message,
            rule: Some(labels.join("; ")),
            hint,
            key: Some(key),
            ..Finding::default()
        });
    }
}
