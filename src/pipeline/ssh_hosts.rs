//! ssh_config judged by what each host gets (issue 18): the changes of an ssh_config whose
//! hosts all get what they got are no drift (a keyword written out at ssh's default, another
//! case or unit, a block moved where it changes no match), and a host that gets another value
//! with no line of the keyword changed (a `Host db1` block moved after `Host *`) is a change
//! keyed `host."db1".user`: the host's name, not a block's patterns, with its old and new
//! effective values. The hosts asked about are those [`sshclient::candidates`] names. The
//! defaults come from the version's table (`version = "9.2"`, `--program-version 9.2`); without
//! one, nothing is assumed of an absent keyword. In `check`, a file is read with the files its
//! `Include`s name ([`settle_host`]), judged with it; an `ssh_config.d/*.conf` no file reads,
//! a file whose includes were not all collected, `diff` of a file with an `Include`, and a file
//! with a decision taken on the client's machine (see [`sshclient::unreadable`]) keep their
//! changes as written, with a notice.

use super::compare::{Compared, Live};
use super::scope::Scope;
use crate::diff::Change;
use crate::normalize::defaults::{self, Table};
use crate::normalize::ssh_includes::{self, Reading};
use crate::normalize::sshclient::{self, View};
use crate::report::{Finding, Kind};
use crate::tree::{Entry, Tree, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Drops the changes that leave every host's configuration as it was, and adds one per host
/// and keyword that changed with no line of its own. A notice says what was done or why not.
/// One file alone (`confdrift diff`): a file with an `Include` keeps its changes as written.
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
    let why = [base, live]
        .into_iter()
        .find_map(|t| {
            sshclient::first_include(t)
                .map(|l| format!("line {l}: `Include` reads files confdrift does not follow"))
        })
        .or_else(|| [base, live].into_iter().find_map(sshclient::unreadable));
    if let Some(why) = why {
        return as_written(path, &why, !changes.is_empty());
    }
    let side = |t: &Tree| Reading {
        lines: sshclient::lines(t),
        files: vec![path.to_string()],
        ..Reading::default()
    };
    let all: Vec<&Change> = changes.iter().collect();
    let (kept, added, notice) = weigh(path, version, &[base, live], &side(base), &side(live), &all);
    let mut out: Vec<Change> = changes
        .drain(..)
        .enumerate()
        .filter(|(i, _)| kept.contains(i))
        .map(|(_, c)| c)
        .collect();
    out.extend(added.into_iter().map(|(_, c)| c));
    *changes = out;
    notice
}

/// The notice of a file compared as written, when it has changes.
fn as_written(path: &str, why: &str, changed: bool) -> Option<String> {
    changed.then(|| format!("{path}: compared as written, not host by host ({why})"))
}

/// The stage of `check`: each ssh_config of the host that no other includes is read with the
/// files its `Include`s name (collected beside it, see [`ssh_includes`]), host by host, and the
/// changes of all those files that leave what every host gets as it was are dropped; what a
/// host gets otherwise with no line of its keyword changed is added to the file that sets it.
/// Only when every file the includes name was collected: else, and for a file ssh does not
/// read host by host here, the changes stay as written, with a notice. An included file that
/// appeared or went without changing what any host gets is a notice, not a finding. Returns
/// what ssh refuses to run with (file, line, why). `scope`: as the effective stage's (whether
/// what a glob names is known whole, whether a file is listed, a file's version).
pub(super) fn settle_host(
    scope: &Scope,
    files: &mut [Compared],
    notices: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) -> Vec<(String, u32, String)> {
    let mut refused = Vec::new();
    let ssh: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].format.name() == "ssh")
        .collect();
    if ssh
        .iter()
        .all(|&i| matches!(files[i].live, Live::Same) && files[i].changes.is_empty())
    {
        return refused;
    }
    let index_of = |path: &str| ssh.iter().copied().find(|&i| files[i].path == path);
    // Both sides of every ssh file, read as the file ssh reads first.
    let readings: Vec<[Option<Reading>; 2]> = {
        let tree = |i: usize, live: bool| {
            if live {
                files[i].live_tree()
            } else {
                files[i].base
            }
        };
        let side = |live: bool| -> Vec<&str> {
            ssh.iter()
                .filter(|&&i| tree(i, live).is_some())
                .map(|&i| files[i].path.as_str())
                .collect()
        };
        let paths = [side(false), side(true)];
        ssh.iter()
            .map(|&i| {
                [false, true].map(|live| {
                    let lookup = |p: &str| index_of(p).and_then(|j| tree(j, live));
                    tree(i, live).map(|t| {
                        ssh_includes::read(files[i].path, t, &lookup, &paths[usize::from(live)])
                    })
                })
            })
            .collect()
    };
    let reads = |n: usize, path: &str| {
        readings[n]
            .iter()
            .flatten()
            .any(|r| r.files.iter().skip(1).any(|f| f == path))
    };
    // Per file: the changes some root keeps (none: as written), and whether a root judged it.
    let mut keep: Vec<Option<BTreeSet<usize>>> = vec![Some(BTreeSet::new()); files.len()];
    let mut judged = vec![false; files.len()];
    let mut added: Vec<(usize, Change)> = Vec::new();
    for (n, &r) in ssh.iter().enumerate() {
        let path = files[r].path.as_str();
        if path.contains("ssh_config.d/") || (0..ssh.len()).any(|o| o != n && reads(o, path)) {
            continue;
        }
        let [Some(base), Some(live)] = &readings[n] else {
            continue;
        };
        let read: BTreeSet<usize> = base
            .files
            .iter()
            .chain(&live.files)
            .filter_map(|p| index_of(p))
            .collect();
        if read
            .iter()
            .all(|&i| matches!(files[i].live, Live::Same) && files[i].changes.is_empty())
        {
            continue;
        }
        let changed = read.iter().any(|&i| !files[i].changes.is_empty());
        let missing = [base, live]
            .into_iter()
            .flat_map(|s| &s.patterns)
            .find(|(p, _, _)| !(scope.known)(p));
        let why = [base, live]
            .into_iter()
            .find_map(|s| s.trouble.clone())
            .or_else(|| {
                missing.map(|(p, file, line)| {
                    format!("{file} line {line}: `Include` names {p}, which was not collected")
                })
            })
            .or_else(|| {
                read.iter()
                    .flat_map(|&i| [files[i].base, files[i].live_tree()])
                    .flatten()
                    .find_map(sshclient::unreadable)
            });
        if let Some((file, line)) = &live.refused
            && let Some(why) = &live.trouble
        {
            refused.push((file.clone(), *line, why.clone()));
        }
        if let Some(why) = why {
            for &i in &read {
                keep[i] = None;
            }
            if let Some(notice) = as_written(path, &why, changed) {
                push_notice(notices, notice);
            }
            continue;
        }
        // Every change of the files read, but the include directives (what they change is
        // found host by host).
        let mut all: Vec<(usize, usize)> = Vec::new();
        let mut directives = Vec::new();
        for &i in &read {
            judged[i] = true;
            for (c, change) in files[i].changes.iter().enumerate() {
                if sshclient::keyword(&change.key) == "include" {
                    let line = change
                        .live
                        .as_ref()
                        .or(change.baseline.as_ref())
                        .map_or(0, |e| e.line);
                    directives.push(format!("{} line {line}", files[i].path));
                } else {
                    all.push((i, c));
                }
            }
        }
        if !directives.is_empty() {
            push_notice(
                notices,
                format!(
                    "{path}: `Include` lines changed ({}); what a host gets otherwise through them, if anything, is in the findings",
                    directives.join(", ")
                ),
            );
        }
        let trees: Vec<&Tree> = read
            .iter()
            .flat_map(|&i| [files[i].base, files[i].live_tree()])
            .flatten()
            .collect();
        let changes: Vec<&Change> = all.iter().map(|&(i, c)| &files[i].changes[c]).collect();
        let version = (scope.version_of)(path);
        let (kept, more, notice) = weigh(path, version, &trees, base, live, &changes);
        for (k, &(i, c)) in all.iter().enumerate() {
            if kept.contains(&k)
                && let Some(set) = &mut keep[i]
            {
                set.insert(c);
            }
        }
        for (setter, change) in more {
            added.push((setter.and_then(|p| index_of(&p)).unwrap_or(r), change));
        }
        if let Some(notice) = notice {
            push_notice(notices, notice);
        }
    }
    // A file collected for an `Include` that ssh reads on neither side (collection's globs take
    // names starting with `.`, glob(3) does not): nothing any host gets.
    let clean = readings
        .iter()
        .flatten()
        .flatten()
        .all(|r| r.trouble.is_none());
    for (n, &i) in ssh.iter().enumerate() {
        let path = files[i].path.as_str();
        if !clean || (scope.listed)(path) || (0..ssh.len()).any(|o| o != n && reads(o, path)) {
            continue;
        }
        let had = files[i].changes.len();
        files[i].changes.clear();
        let before = findings.len();
        findings.retain(|x| {
            !(x.file == path && matches!(x.kind, Kind::MissingFile | Kind::UnexpectedFile))
        });
        if had > 0 || findings.len() < before {
            push_notice(
                notices,
                format!(
                    "{path}: collected for an `Include` glob, but ssh reads it on neither side (glob(3) leaves out names starting with `.`)"
                ),
            );
        }
    }
    for &i in &ssh {
        if let (true, Some(set)) = (judged[i], &keep[i]) {
            let mut c = 0;
            files[i].changes.retain(|_| {
                c += 1;
                set.contains(&(c - 1))
            });
        }
    }
    for (i, change) in added {
        files[i].changes.push(change);
    }
    // An included file no entry lists that appeared or went and changes nothing any host gets.
    for &i in &ssh {
        let f = &files[i];
        if !judged[i] || keep[i].is_none() || !f.changes.is_empty() || (scope.listed)(f.path) {
            continue;
        }
        let before = findings.len();
        findings.retain(|x| {
            !(x.file == *f.path && matches!(x.kind, Kind::MissingFile | Kind::UnexpectedFile))
        });
        if findings.len() < before {
            push_notice(
                notices,
                format!(
                    "{}: {} (read through an include) without changing what any host gets",
                    f.path,
                    if f.base.is_some() { "gone" } else { "new" }
                ),
            );
        }
    }
    refused
}

/// A change no line shows, with the file that sets the value (its path).
type Added = (Option<String>, Change);

fn push_notice(notices: &mut Vec<String>, notice: String) {
    if !notices.contains(&notice) {
        notices.push(notice);
    }
}

/// The changes (of `path` and what it reads, `trees` the files of both sides) that stay, the
/// changes no line shows (with the file that sets the value), and a notice.
fn weigh(
    path: &str,
    version: Option<&str>,
    trees: &[&Tree],
    base: &Reading,
    live: &Reading,
    changes: &[&Change],
) -> (BTreeSet<usize>, Vec<Added>, Option<String>) {
    let table = version.and_then(defaults::ssh);
    let (kept, added) = judge(trees, base, live, table, changes);
    let mut notice = None;
    if table.is_none() && !changes.is_empty() {
        let (with_defaults, _) = judge(trees, base, live, Some(defaults::ssh_spellings()), changes);
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
    if dropped > 0 && notice.is_none() {
        notice = Some(format!(
            "{path}: {dropped} line{} changed without changing what any host gets (read as ssh reads it, host by host{})",
            if dropped == 1 { "" } else { "s" },
            table.map_or(String::new(), |t| format!(
                ", with confdrift's ssh_config table for OpenSSH {}, from {}",
                t.version, t.source
            ))
        ));
    }
    (kept, added, notice)
}

/// The indexes of the changes that stay, and the changes no line shows (with the file that
/// sets the value ssh now gives, else the one that set the old one).
fn judge(
    trees: &[&Tree],
    base: &Reading,
    live: &Reading,
    table: Option<&Table>,
    changes: &[&Change],
) -> (BTreeSet<usize>, Vec<Added>) {
    let hosts = sshclient::candidates(trees);
    let (bl, ll) = (&base.lines, &live.lines);
    let views: Vec<(String, View, View)> = hosts
        .into_iter()
        .map(|h| {
            let (b, l) = (
                sshclient::view(bl, &h, table),
                sshclient::view(ll, &h, table),
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
            let setter = (l.from.get(kw).map(|&f| &live.files[f]))
                .or_else(|| b.from.get(kw).map(|&f| &base.files[f]))
                .cloned();
            added.push((
                setter,
                Change {
                    key,
                    kind,
                    baseline: old,
                    live: new,
                },
            ));
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
