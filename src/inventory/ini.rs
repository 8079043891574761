//! The INI inventory reader: sections, host lines and `key=value` variables into a
//! [`Builder`] (see the semantics in [`super`]). Must not resolve groups or variables itself:
//! [`Builder::finish`] does, for both formats.

use super::Inventory;
use super::build::{Builder, UNGROUPED, err};
use super::words::split_words;
use crate::tree::ParseError;

/// Parses an INI inventory (see the module documentation).
pub fn parse_ini(text: &str) -> Result<Inventory, ParseError> {
    enum Section {
        Hosts,
        Vars,
        Children,
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut b = Builder::new();
    let mut group = UNGROUPED;
    let mut section = Section::Hosts;
    // Groups defined by a `[g]` / `[g:children]` section (all and ungrouped always are).
    let mut defined = vec![true, true];
    // Groups that must be defined somewhere: (group, line, what needs it).
    let mut needed: Vec<(usize, u32, String)> = Vec::new();

    for (index, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let (name, kind) = section_header(line).map_err(|m| err(line_no, m))?;
            group = b.group(name, line_no)?;
            defined.resize(b.groups.len(), false);
            section = match kind {
                "hosts" => Section::Hosts,
                "children" => Section::Children,
                "vars" => Section::Vars,
                other => {
                    return Err(err(
                        line_no,
                        format!(
                            "section [{name}:{other}] has unknown type {other:?}: expected \
                             [{name}], [{name}:vars] or [{name}:children]"
                        ),
                    ));
                }
            };
            match section {
                Section::Vars => needed.push((
                    group,
                    line_no,
                    format!("section [{name}:vars] is for an undefined group {name:?}"),
                )),
                _ => defined[group] = true,
            }
            continue;
        }
        match section {
            Section::Hosts => {
                let words = split_words(line).map_err(|m| err(line_no, m))?;
                let Some((pattern, assignments)) = words.split_first() else {
                    continue; // only a comment
                };
                let hosts = b.add_hosts(group, pattern, line_no)?;
                for word in assignments {
                    let Some((key, value)) = word.split_once('=') else {
                        return Err(err(
                            line_no,
                            format!("expected key=value host variable assignment, found {word:?}"),
                        ));
                    };
                    b.set_host_var(&hosts, key, Some(value), line_no)?;
                }
            }
            Section::Vars => {
                let Some((key, value)) = line.split_once('=') else {
                    return Err(err(
                        line_no,
                        format!("expected key=value in a :vars section, found {line:?}"),
                    ));
                };
                b.set_group_var(group, key.trim(), Some(unquote(value.trim())), line_no)?;
            }
            Section::Children => {
                let name = line.split_once('#').map_or(line, |(name, _)| name).trim();
                if name.is_empty() || name.contains(char::is_whitespace) {
                    return Err(err(
                        line_no,
                        format!(
                            "expected one group name per line in a :children section, found {line:?}"
                        ),
                    ));
                }
                let child = b.group(name, line_no)?;
                defined.resize(b.groups.len(), false);
                needed.push((
                    child,
                    line_no,
                    format!(
                        "section [{}:children] includes an undefined group {name:?} \
                         (expected a [{name}] or [{name}:children] section)",
                        b.groups[group].name
                    ),
                ));
                b.add_child(group, child, line_no)?;
            }
        }
    }
    if let Some((_, line, message)) = needed.into_iter().find(|&(g, _, _)| !defined[g]) {
        return Err(err(line, message));
    }
    b.finish()
}

/// `[name]`, `[name:type]`, optionally followed by a `#` comment.
fn section_header(line: &str) -> Result<(&str, &str), String> {
    let Some(close) = line.find(']') else {
        return Err(format!("unclosed section header {line:?}: expected ']'"));
    };
    let after = line[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
        return Err(format!(
            "unexpected text after section header {line:?}: expected nothing or a comment"
        ));
    }
    let inner = &line[1..close];
    let (name, kind) = inner.split_once(':').unwrap_or((inner, "hosts"));
    if name.is_empty() || name.contains(char::is_whitespace) || kind.contains(':') {
        return Err(format!(
            "invalid section header {line:?}: expected [group], [group:vars] or [group:children]"
        ));
    }
    Ok((name, kind))
}

/// Removes one pair of matching surrounding quotes.
fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::tests::{ini_err, names, vars};

    #[test]
    fn section_headers() {
        let e = ini_err("web0\n[web\nweb1\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("expected ']'"), "{e}");
        let e = ini_err("[web:stuff]\nweb1\n");
        assert!(e.message.contains("unknown type"), "{e}");
        let e = ini_err("[web server]\n");
        assert!(e.message.contains("invalid section header"), "{e}");
        // [g:hosts] is [g]; a comment may follow a header.
        let inv = parse_ini("[web:hosts] # front\nweb1\n").unwrap();
        assert_eq!(inv.groups["web"], names(&["web1"]));
    }

    #[test]
    fn ini_details() {
        // Quoting, comments, a host in several groups with vars from each line.
        let inv = parse_ini(
            "; comment\n[a]\nh1 ansible_user='deploy user' # ansible_port=1\n\
             [b]\nh1 ansible_port=\"2022\"\n[b:vars]\nansible_host = 'b.example.com'\n",
        );
        // A user with a space is refused (it would go on an ssh command line).
        let e = inv.expect_err("space");
        assert_eq!(e.line, 3);
        let inv = parse_ini(
            "[a]\nh1 ansible_user=\"deploy\" # ansible_port=1\n\
             [b]\nh1 ansible_port=\"2022\"\n[b:vars]\nansible_host = 'b.example.com'\n",
        )
        .unwrap();
        assert_eq!(
            inv.hosts["h1"],
            vars(Some("b.example.com"), Some(2022), Some("deploy"))
        );
        assert_eq!(inv.groups["ungrouped"], Vec::<String>::new());
        // Missing `=`, undefined groups, unclosed quotes.
        let e = ini_err("[a]\nh1 ansible_port\n");
        assert!(e.message.contains("expected key=value"), "{e}");
        let e = ini_err("[a:vars]\nx=1\n[b]\nh\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("undefined group"), "{e}");
        let e = ini_err("[a:children]\nb\n\n[c]\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("undefined group \"b\""), "{e}");
        let e = ini_err("[a]\nh1 ansible_user=\"x\n");
        assert!(e.message.contains("unclosed quote"), "{e}");
        // A group defined after its :vars / in :children is fine.
        let inv = parse_ini("[a:vars]\nansible_port=3\n[p:children]\na\n[a]\nh\n").unwrap();
        assert_eq!(inv.hosts["h"].ansible_port, Some(3));
        assert_eq!(inv.groups["p"], names(&["h"]));
        // An empty file is an empty inventory.
        let empty = parse_ini("").unwrap();
        assert_eq!(empty.groups.len(), 2);
        assert!(empty.hosts.is_empty());
    }
}
