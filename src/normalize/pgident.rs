//! PostgreSQL's user name maps (`pg_ident.conf`), read as `parse_ident_line` in
//! src/backend/libpq/hba.c reads them, with pg_hba.conf's tokens ([`super::pghba`]: `\`
//! continues a line, `#` comments, `"..."` quotes): `MAPNAME SYSTEM-USERNAME PG-USERNAME`, a
//! system user name starting with `/` a regular expression whose `\1` the PostgreSQL user name
//! may use. A connection may use any line of its map that matches, so order is no meaning and
//! a map's lines for one system user are one key: `omicron.bryanh` = `bryanh`, `omicron.
//! "/^(.*)@example\\.com$"` = `\1`; several PostgreSQL users, sorted and blank-separated (one
//! with a blank in double quotes). Fields after the third are ignored, as PostgreSQL ignores
//! them. `include`, `include_if_exists` and `include_dir` lines (PostgreSQL 16) are keys of
//! their own (`"include FILE"`); the files are read together in [`super::pgident_includes`];
//! PostgreSQL 15 refuses them.
//!
//! Errors, as the server marks them in `pg_ident_file_mappings`: a field with several values
//! (`multiple values in ident field`), fewer than three fields (`missing entry at end of
//! line`). Not judged: whether a regular expression compiles.

use super::pghba::{fields, logical_lines};
use crate::tree::{ParseError, Tree, Value, push_key};

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut maps: crate::tree::Map<String, (Vec<String>, u32)> = Default::default();
    for l in logical_lines(text) {
        let fields = fields(&l.text);
        let Some(first) = fields.first() else {
            continue;
        };
        let word = first[0].text.as_str();
        if matches!(word, "include" | "include_if_exists" | "include_dir") {
            if fields.len() != 2 || fields[1].len() != 1 {
                return Err(l.error(
                    first[0].at,
                    format!(
                        "expected one file name after {word} (PostgreSQL 16's include \
                         directives; PostgreSQL 15 has none in pg_ident.conf)"
                    ),
                ));
            }
            let mut key = String::new();
            push_key(&mut key, &format!("{word} {}", fields[1][0].text));
            maps.entry(key).or_insert_with(|| (Vec::new(), l.line()));
            continue;
        }
        for f in fields.iter().take(3) {
            if f.len() > 1 {
                return Err(l.error(f[1].at, "multiple values in ident field"));
            }
        }
        if fields.len() < 3 {
            return Err(l.error(
                l.text.trim_end().len(),
                "missing entry at end of line (expected MAPNAME SYSTEM-USERNAME PG-USERNAME)",
            ));
        }
        let mut key = String::new();
        push_key(&mut key, &fields[0][0].text);
        push_key(&mut key, &fields[1][0].text);
        let user = &fields[2][0].text;
        let user = if user.is_empty() || user.contains([' ', '\t', '"']) {
            format!("\"{}\"", user.replace('"', "\"\""))
        } else {
            user.clone()
        };
        let entry = maps.entry(key).or_insert_with(|| (Vec::new(), l.line()));
        if !entry.0.contains(&user) {
            entry.0.push(user);
        }
    }
    let mut tree = Tree::new();
    for (key, (mut users, line)) in maps {
        users.sort();
        tree.insert(key, Value::Str(users.join(" ")), line);
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    #[test]
    fn maps_by_system_user_in_any_order() {
        let t = parse(
            "# MAPNAME SYSTEM-USERNAME PG-USERNAME\nomicron bryanh bryanh\n\
             omicron \"ann\" ann\nomicron /^(.*)@example\\.com$ \\1\nomicron bryanh admin\n\
             m4 a b ignored\n\"m6\" \"a b\" \"c d\"\n",
        )
        .unwrap();
        assert_eq!(get(&t, "omicron.bryanh"), (&s("admin bryanh"), 2));
        assert_eq!(get(&t, "omicron.ann"), (&s("ann"), 3));
        assert_eq!(get(&t, "omicron.\"/^(.*)@example\\\\.com$\"").0, &s("\\1"));
        assert_eq!(get(&t, "m4.a"), (&s("b"), 6));
        assert_eq!(get(&t, "m6.\"a b\""), (&s("\"c d\""), 7));
        let reordered = parse(
            "omicron bryanh admin\nm4 a b\nomicron ann ann\n\"m6\" \"a b\" \"c d\"\n\
             omicron /^(.*)@example\\.com$ \\1\nomicron bryanh bryanh\n",
        )
        .unwrap();
        assert!(same_tree(&t, &reordered), "{:?}", drift(&t, &reordered));
    }

    #[test]
    fn lines_the_server_marks_with_an_error() {
        for (text, line, col, msg) in [
            ("m2 a,b c\n", 1, 6, "multiple values"),
            ("m3 a\n", 1, 5, "missing entry"),
            ("ok a a\n\\\nm3\n", 3, 3, "missing entry"),
            (
                "include x.conf y\n",
                1,
                1,
                "expected one file name after include",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
        assert!(
            parse("include x.conf\n")
                .unwrap()
                .get("\"include x.conf\"")
                .is_some()
        );
    }
}
