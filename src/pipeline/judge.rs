//! A compared file judged: the rules applied to its trees (through its includes when it has
//! any), findings about an included file folded into that file's own, and the values the
//! checks across hosts need gathered.

use super::compare::Compared;
use super::{HostResult, Target};
use crate::normalize::includes::Effective;
use crate::rules::{FileCtx, Included, Rules};

/// Applies the rules to one compared file and gathers what checks across hosts need.
/// `effective` holds the trees read with the file's includes (postgresql.conf).
pub(super) fn settle(
    t: &Target,
    rules: &Rules,
    mut file: Compared,
    effective: Option<(Option<&Effective>, Option<&Effective>)>,
    out: &mut HostResult,
) {
    let changes = std::mem::take(&mut file.changes);
    let (base_eff, live_eff) = effective.unwrap_or((None, None));
    let ctx = FileCtx {
        group: &t.group.name,
        host: Some(t.host),
        file: file.path,
        format: file.format,
        baseline_source: t.expected.get(file.path).map(|b| b.source.as_str()),
        included: Included {
            live: live_eff.map(|e| &e.from),
            base: base_eff.map(|e| &e.from),
        },
    };
    let own_live = file.live_tree();
    let base = base_eff.map(|e| &e.tree).or(file.base);
    let live = live_eff.map(|e| &e.tree).or(own_live);
    let found = rules.apply_file(&ctx, base, live, changes);
    if effective.is_none() {
        out.findings.extend(found);
    } else {
        for mut f in found {
            if f.file == *file.path {
                out.findings.push(f);
                continue;
            }
            // A value an included file set: named with that file's baseline; folded into
            // that file's own finding on the same line, as a rule's message is into drift.
            f.baseline_source = f
                .baseline_line
                .and_then(|_| t.expected.get(&f.file))
                .map(|b| b.source.clone());
            // (MariaDB: the rule's `mysqld.X` is the file's own `mariadb.X` on that line.)
            let mycnf = file.format.name() == "mycnf";
            let same = out.findings.iter_mut().find(|g| {
                g.file == f.file
                    && (g.key == f.key || mycnf && g.line.is_some())
                    && g.line == f.line
            });
            match same {
                Some(g) if g.kind == f.kind => {}
                Some(g) if g.kind.is_drift() => {
                    g.severity = g.severity.max(f.severity);
                    g.message = f.message;
                    g.rule = f.rule;
                    g.hint = g.hint.take().or(f.hint);
                }
                _ => out.findings.push(f),
            }
        }
    }
    if let Some(tree) = base {
        rules.gather_base(&ctx, tree, &mut out.facts);
    }
    if let Some(tree) = live {
        rules.gather(&ctx, tree, true, &mut out.facts);
        if !file.baselined
            && let Some(own) = own_live
        {
            out.facts
                .unbaselined
                .push((file.path.to_string(), own.clone()));
        }
    }
}
