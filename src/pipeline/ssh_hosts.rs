//! ssh_config judged by what each host gets (issue 18): the changes of an ssh_config whose
//! hosts all get what they got are no drift (a keyword written out at ssh's default, another
//! case or unit, a block moved where it changes no match), and a host that gets another value
//! with no line of the keyword changed (a `Host db1` block moved after `Host *`) is a change
//! keyed `host."db1".user`: the host's name, not a block's patterns, with its old and new
//! effective values. The hosts asked about are those [`sshclient::candidates`] names. The
//! defaults come from the version's table (`version = "9.2"`, `--program-version 9.2`); without
//! one, nothing is assumed of an absent keyword. Not for the files an `Include` reads
//! (`ssh_config.d/*.conf`: what they set depends on where they are read), nor a file with an
//! `Include` or a decision taken on the client's machine (see [`sshclient::unreadable`]): those
//! keep their changes as written, with a notice.

use crate::diff::Change;
use crate::normalize::defaults::{self, Table};
use crate::normalize::sshclient::{self, View};
use crate::report::Kind;
use crate::tree::{Entry, Tree, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Drops the changes that leave every host's configuration as it was, and adds one per host
/// and keyword that changed with no line of its own. A notice says what was done or why not.
pub(crate) fn settle(
    path: &str,
    version: Option<&str>,
    base: Option<&Tree>,
    live: Option<&Tree>,
    changes: &mut Vec<Change>,
) -> Option<String> {
    let (Some(base), Some(live)) = (base, live) else {
        return None;
    };
    if path.contains("ssh_config.d/") || changes.is_empty() && base == live {
        return None;
    }
    if let Some(why) = [base, live].into_iter().find_map(sshclient::unreadable) {
        return (!changes.is_empty())
            .then(|| format!("{path}: compared as written, not host by host ({why})"));
    }
    let table = version.and_then(defaults::ssh);
    let (kept, added) = judge(base, live, table, changes);
    let mut notice = None;
    if table.is_none() && !changes.is_empty() {
        let (with_defaults, _) = judge(base, live, Some(defaults::ssh_spellings()), changes);
        if with_defaults.len() < kept.len() {
            notice = Some(match version {
                None => format!(
                    "{path}: no OpenSSH version known (`version = \"9.2\"` on its file or group, `--program-version 9.2` for diff), so a keyword written out at ssh's default counts as drift"
                ),
                Some(v) => format!(
                    "{path}: no ssh_config table for OpenSSH {v} (confdrift has {}), so a keyword written out at ssh's default counts as drift",
                    defaults::SSH_VERSIONS.join(", ")
                ),
            });
        }
    }
    let dropped = changes.len() - kept.len();
    let mut out: Vec<Change> = changes
        .drain(..)
        .enumerate()
        .filter(|(i, _)| kept.contains(i))
        .map(|(_, c)| c)
        .collect();
    out.extend(added);
    *changes = out;
    if dropped > 0 && notice.is_none() {
        notice = Some(format!(
            "{path}: {dropped} line{} changed without changing what any host gets (read as ssh reads it, host by host)",
            if dropped == 1 { "" } else { "s" }
        ));
    }
    notice
}

/// The indexes of the changes that stay, and the changes no line shows.
fn judge(
    base: &Tree,
    live: &Tree,
    table: Option<&Table>,
    changes: &[Change],
) -> (BTreeSet<usize>, Vec<Change>) {
    let hosts = sshclient::candidates(&[base, live]);
    let (bl, ll) = (sshclient::lines(base), sshclient::lines(live));
    let views: Vec<(String, View, View)> = hosts
        .into_iter()
        .map(|h| {
            let (b, l) = (
                sshclient::view(&bl, &h, table),
                sshclient::view(&ll, &h, table),
            );
            (h, b, l)
        })
        .collect();
    let unsure: BTreeSet<&String> = views
        .iter()
        .flat_map(|(_, b, l)| b.unsure.iter().chain(&l.unsure))
        .collect();
    // keyword → the hosts that get it otherwise.
    let mut differ: BTreeMap<&str, Vec<&(String, View, View)>> = BTreeMap::new();
    for v in &views {
        let (_, b, l) = v;
        let keys: BTreeSet<&String> = b.options.keys().chain(l.options.keys()).collect();
        for k in keys {
            if !unsure.contains(k) && !sshclient::same_values(b.options.get(k), l.options.get(k)) {
                differ.entry(k.as_str()).or_default().push(v);
            }
        }
    }
    let known = |kw: &str| table.is_none_or(|t| t.takes(kw) && !t.ignores(kw));
    let kept: BTreeSet<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let kw = sshclient::keyword(&c.key);
            !known(&kw) && !table.is_some_and(|t| t.ignores(&kw))
                || unsure.contains(&kw)
                || differ.contains_key(kw.as_str())
        })
        .map(|(i, _)| i)
        .collect();
    let named: BTreeSet<String> = kept
        .iter()
        .map(|&i| sshclient::keyword(&changes[i].key))
        .collect();
    let mut added = Vec::new();
    for (kw, hosts) in differ {
        if named.contains(kw) {
            continue;
        }
        for (host, b, l) in hosts {
            let entry = |v: &View| {
                v.options.get(kw).map(|vs| Entry {
                    value: Value::Str(sshclient::shown(Some(vs))),
                    line: vs.first().map_or(0, |(_, line)| *line),
                })
            };
            let (old, new) = (entry(b), entry(l));
            let kind = match (&old, &new) {
                (Some(_), Some(_)) => Kind::Changed,
                (None, _) => Kind::Added,
                (_, None) => Kind::Removed,
            };
            let mut key = String::new();
            crate::tree::push_key(&mut key, "host");
            crate::tree::push_key(&mut key, host);
            crate::tree::push_key(&mut key, kw);
            added.push(Change {
                key,
                kind,
                baseline: old,
                live: new,
            });
        }
    }
    (kept, added)
}

/// The lines of `tree` ssh refuses ("Bad configuration option", a value it does not take), with
/// the version's table; none without one.
pub(crate) fn refusals(version: Option<&str>, tree: &Tree) -> Vec<(u32, String)> {
    let Some(table) = version.and_then(defaults::ssh) else {
        return Vec::new();
    };
    let ignore: Vec<String> = tree
        .iter()
        .filter(|(k, _)| sshclient::keyword(k) == "ignoreunknown")
        .flat_map(|(_, e)| {
            e.value
                .to_string()
                .split(',')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let refuses = |why: String| format!("OpenSSH {}'s ssh refuses this line: {why}", table.version);
    let mut out = Vec::new();
    for (key, e) in tree.iter() {
        let kw = sshclient::keyword(key);
        if !table.takes(&kw) {
            if !ignore
                .iter()
                .any(|p| sshclient::glob(&kw, &p.to_lowercase()))
            {
                out.push((e.line, refuses(format!("Bad configuration option: {kw}"))));
            }
            continue;
        }
        let text = e.value.to_string();
        let one = !text.contains(char::is_whitespace);
        let bad = match table.strict(&kw) {
            Some("enum") => !table.takes_word(&kw, &text),
            Some("time") => {
                one && !table.takes_word(&kw, &text)
                    && crate::normalize::convtime(&text).is_none()
                    && !matches!(e.value, Value::Quantity { .. })
            }
            Some("number") => !text.bytes().all(|b| b.is_ascii_digit()) || text.is_empty(),
            Some("list") => {
                let names = text.trim_start_matches(['+', '^']);
                !text.starts_with('-')
                    && names.split(',').any(|n| table.enum_exact(&kw, n).is_none())
            }
            _ => false,
        };
        if bad {
            out.push((
                e.line,
                refuses(format!("\"{text}\" is not a value {kw} takes")),
            ));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Format;

    fn settled(a: &str, b: &str, version: Option<&str>) -> (Vec<String>, Option<String>) {
        let format = Format::detect("/etc/ssh/ssh_config");
        let (da, db) = (
            format.parse(a.as_bytes()).unwrap(),
            format.parse(b.as_bytes()).unwrap(),
        );
        let mut changes = crate::diff::diff_with(&da, &db, &|_| false);
        let notice = settle(
            "/etc/ssh/ssh_config",
            version,
            da.tree(),
            db.tree(),
            &mut changes,
        );
        (changes.into_iter().map(|c| c.key).collect(), notice)
    }

    #[test]
    fn what_each_host_gets() {
        let base = "Host db1\n User alice\nHost *\n User admin\n";
        // Explicit defaults and capitals: nothing.
        let (keys, notice) = settled(
            base,
            "Host db1\n USER alice\nHost *\n User admin\n Port 22\n BatchMode NO\n",
            Some("9.2"),
        );
        assert!(keys.is_empty(), "{keys:?}");
        assert!(
            notice
                .unwrap()
                .contains("without changing what any host gets")
        );
        // Without the version, the explicit default stays, and a notice says why.
        let (keys, notice) = settled(
            base,
            "Host db1\n User alice\nHost *\n User admin\n Port 22\n",
            None,
        );
        assert_eq!(keys, ["host.*.port"]);
        assert!(notice.unwrap().contains("no OpenSSH version known"));
        // A block moved after Host *: the host it reaches.
        let (keys, _) = settled(
            base,
            "Host *\n User admin\nHost db1\n User alice\n",
            Some("9.2"),
        );
        assert_eq!(keys, ["host.db1.user"]);
        // An Include: as written.
        let (keys, notice) = settled(
            "Include a.conf\nHost *\n Port 22\n",
            "Include a.conf\nHost *\n Port 22\n BatchMode no\n",
            Some("9.2"),
        );
        assert_eq!(keys, ["host.*.batchmode"]);
        assert!(notice.unwrap().contains("compared as written"));
    }

    #[test]
    fn what_ssh_refuses() {
        let tree = crate::normalize::Format::detect("/etc/ssh/ssh_config")
            .parse(b"Host *\n Usr a\n BatchMode maybe\n Port 22x\n ConnectTimeout soon\n Ciphers aes128-ctr,rot13\n Ciphers -rot13\n IgnoreUnknown Foo*\n Foobar 1\n")
            .unwrap();
        let lines: Vec<u32> = refusals(Some("9.2"), tree.tree().unwrap())
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
        assert!(refusals(None, tree.tree().unwrap()).is_empty());
    }
}
