//! PHP-FPM's php-fpm.conf and pool files against php-fpm 8.2 itself: for each pair of
//! files, `php-fpm8.2 -tt -y FILE` prints every option as it read it, and confdrift must find
//! no drift exactly where php-fpm prints the same, and name the key and line where it does not;
//! a file php-fpm refuses is trouble for confdrift too. Also Debian 12's own files, a capacity
//! check on `pm.max_children` and the passwords in `env[...]`.

use crate::harness::Fleet;
use std::process::Command;

const POOL: &str = include_str!("../../fixtures/upstream/php8.2-fpm/www.conf");
const MAIN: &str = include_str!("../../fixtures/upstream/php8.2-fpm/php-fpm.conf");

/// What php-fpm read from `conf`: its `-tt` dump, timestamps dropped and each section's lines
/// sorted (FPM prints `php_value[...]` lines in reverse file order); `Err` with its message when
/// it refuses the file.
fn fpm_dump(dir: &std::path::Path, conf: &str) -> Result<Vec<String>, String> {
    let file = dir.join("fpm-under-test.conf");
    std::fs::write(&file, conf).unwrap();
    Ok(fpm_sections(&file)?
        .into_iter()
        .flat_map(|mut s| {
            s[1..].sort();
            s
        })
        .collect())
}

/// `php-fpm8.2 -tt -y FILE`'s dump: each section's header (`[www]`) and lines as printed,
/// timestamps dropped; `Err` with its message when php-fpm refuses the file.
pub(crate) fn fpm_sections(file: &std::path::Path) -> Result<Vec<Vec<String>>, String> {
    let out = Command::new("php-fpm8.2")
        .args(["-tt", "-y"])
        .arg(file)
        .output()
        .expect("php-fpm8.2 must be installed for this test (.ci/run installs php8.2-fpm)");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(text);
    }
    let mut sections: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        let Some((_, rest)) = line.split_once("] NOTICE: ") else {
            continue;
        };
        if rest.starts_with('[') {
            sections.push(vec![rest.to_string()]);
        } else if let Some(s) = sections.last_mut()
            && !rest.trim().is_empty()
        {
            s.push(rest.trim().to_string());
        }
    }
    Ok(sections)
}

/// `confdrift diff --format json a b`, the files written as `www.conf`: the findings' (key,
/// live line) and how many errors.
fn confdrift(dir: &std::path::Path, a: &str, b: &str) -> (Vec<(String, u64)>, usize, i32) {
    for (side, text) in [("a", a), ("b", b)] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
        std::fs::write(dir.join(side).join("www.conf"), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--format", "json"])
        .arg(dir.join("a/www.conf"))
        .arg(dir.join("b/www.conf"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let keys = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let errors = json["errors"].as_array().map_or(0, Vec::len);
    (keys, errors, out.status.code().unwrap_or(-1))
}

/// A pool file php-fpm accepts as it stands: Debian's www.conf with a global section whose
/// pid and log are in `dir`.
fn base(dir: &std::path::Path) -> String {
    format!(
        "[global]\npid = {0}/fpm.pid\nerror_log = {0}/fpm.log\n\n{1}\nrequest_terminate_timeout = 60\ncatch_workers_output = yes\nlisten.backlog = 511\nphp_admin_value[memory_limit] = 128M\nphp_flag[display_errors] = off\naccess.format = \"%R - %u %t \\\"%m %r\\\" %s\"\n",
        dir.display(),
        POOL.replace("/run/php/php8.2-fpm.sock", "/run/php/www-fpm.sock")
    )
}

/// Drops `;` comment lines and blank lines.
fn strip(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.is_empty() || t.starts_with(';'))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The line (1-based) of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> u64 {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("no line {prefix}"))
}

/// What a case is, the file it makes, and the keys (with lines) confdrift must name; none: no drift.
type Case<'a> = (&'a str, String, Vec<(&'a str, u64)>);

#[test]
fn confdrift_reads_pool_files_as_php_fpm_8_2_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = base(d);
    let edit = |from: &str, to: &str| {
        assert!(a.contains(from), "{from}");
        a.replacen(from, to, 1)
    };
    // (what, rewritten or edited file, the keys confdrift must name; empty: no drift)
    let max50 = edit("pm.max_children = 5\n", "pm.max_children = 50\n");
    let cases: Vec<Case> = vec![
        ("comments and blank lines dropped", strip(&a), vec![]),
        (
            "spacing",
            edit("pm.max_children = 5\n", "  pm.max_children\t=5   \n"),
            vec![],
        ),
        (
            "quoting",
            edit("pm = dynamic\n", "pm = \"dynamic\"\n").replacen(
                "user = www-data\n",
                "user = 'www-data'\n",
                1,
            ),
            vec![],
        ),
        (
            "a key in capitals",
            edit("pm.max_children", "PM.Max_Children"),
            vec![],
        ),
        (
            "a boolean's spelling",
            edit("catch_workers_output = yes", "catch_workers_output = On"),
            vec![],
        ),
        (
            "a quoted boolean",
            edit("catch_workers_output = yes", "catch_workers_output = \"1\""),
            vec![],
        ),
        (
            "a time in minutes",
            edit(
                "request_terminate_timeout = 60",
                "request_terminate_timeout = 1m",
            ),
            vec![],
        ),
        (
            "a leading zero",
            edit("listen.backlog = 511", "listen.backlog = 0511"),
            vec![],
        ),
        (
            "$pool for the pool's name",
            edit(
                "listen = /run/php/www-fpm.sock",
                "listen = /run/php/$pool-fpm.sock",
            ),
            vec![],
        ),
        (
            "a comment after the value",
            edit(
                "listen = /run/php/www-fpm.sock",
                "listen = /run/php/www-fpm.sock ; the socket",
            ),
            vec![],
        ),
        (
            "a flag as a value",
            edit(
                "\nphp_flag[display_errors] = off",
                "\nphp_value[display_errors] = 0",
            ),
            vec![],
        ),
        (
            "order within the pool",
            edit("pm = dynamic\n", "").replacen("[www]\n", "[www]\npm = dynamic\n", 1),
            vec![],
        ),
        (
            "the pool reopened in another case",
            format!(
                "{a}[global]\npid = {}/fpm.pid\n[WWW]\npm.max_children = 5\n",
                d.display()
            ),
            vec![],
        ),
        (
            "quotes joined to the text around them",
            edit(
                "access.format = \"%R - %u %t \\\"%m %r\\\" %s\"",
                "access.format = %R - %u %t '\"%m %r\"' %s",
            ),
            vec![],
        ),
        (
            "pm.max_children 5 -> 50",
            max50.clone(),
            vec![("www.pm.max_children", line_of(&max50, "pm.max_children"))],
        ),
        (
            "pm dynamic -> static",
            edit("pm = dynamic", "pm = static"),
            vec![("www.pm", line_of(&a, "pm = "))],
        ),
        (
            "memory_limit 128M -> 256M",
            edit(
                "\nphp_admin_value[memory_limit] = 128M",
                "\nphp_admin_value[memory_limit] = 256M",
            ),
            vec![(
                "www.php_admin_value.memory_limit",
                line_of(&a, "php_admin_value[memory_limit]"),
            )],
        ),
        (
            "a flag on",
            edit(
                "\nphp_flag[display_errors] = off",
                "\nphp_flag[display_errors] = on",
            ),
            vec![(
                "www.php_value.display_errors",
                line_of(&a, "php_flag[display_errors]"),
            )],
        ),
        (
            "a quoted word is not a boolean",
            edit(
                "\nphp_flag[display_errors] = off",
                "\nphp_value[display_errors] = \"off\"",
            ),
            vec![(
                "www.php_value.display_errors",
                line_of(&a, "php_flag[display_errors]"),
            )],
        ),
        (
            "the socket's path",
            edit(
                "listen = /run/php/www-fpm.sock",
                "listen = /run/php/$pool.sock",
            ),
            vec![("www.listen", line_of(&a, "listen = "))],
        ),
    ];
    let fpm_a = fpm_dump(d, &a).expect("php-fpm accepts the base file");
    let mut wrong = Vec::new();
    for (what, b, want) in &cases {
        let fpm_b = fpm_dump(d, b).unwrap_or_else(|e| panic!("{what}: php-fpm refuses it: {e}"));
        let (keys, errors, _) = confdrift(d, &a, b);
        let fpm_same = fpm_a == fpm_b;
        let want: Vec<(String, u64)> = want.iter().map(|(k, l)| (k.to_string(), *l)).collect();
        if fpm_same != want.is_empty() {
            let only: Vec<_> = fpm_b.iter().filter(|l| !fpm_a.contains(l)).collect();
            wrong.push(format!(
                "{what}: the test's expectation disagrees with php-fpm (lines only in the edit: {only:?})"
            ));
        } else if keys != want || errors != 0 {
            wrong.push(format!("{what}: php-fpm same={fpm_same}; confdrift {keys:?}, {errors} errors; want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn what_php_fpm_refuses_is_trouble_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = base(d);
    for (what, from, to) in [
        (
            "a number with a unit",
            "\npm.max_children = 5",
            "\npm.max_children = 5x",
        ),
        (
            "a process manager that does not exist",
            "\npm = dynamic",
            "\npm = sometimes",
        ),
        ("a '#' comment", "\npm = dynamic", "\n# pm = dynamic"),
        (
            "a word for a boolean",
            "\ncatch_workers_output = yes",
            "\ncatch_workers_output = maybe",
        ),
        (
            "an array in capitals",
            "\nphp_admin_value[memory_limit]",
            "\nPhp_Admin_Value[memory_limit]",
        ),
    ] {
        let b = a.replacen(from, to, 1);
        assert!(fpm_dump(d, &b).is_err(), "{what}: php-fpm accepts it");
        let (_, errors, code) = confdrift(d, &a, &b);
        assert_eq!((errors, code), (1, 2), "{what}");
    }
}

#[test]
fn debians_files_parse_to_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Equal to themselves and to their copies without comments.
    for text in [POOL, MAIN] {
        assert_eq!(confdrift(d, text, text).0, vec![]);
        assert_eq!(confdrift(d, text, &strip(text)).0, vec![]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--format", "json", "-v"])
        .arg(d.join("a/www.conf"))
        .arg(d.join("b/www.conf"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The main file's include, as a key with its line.
    let (keys, _, _) = confdrift(d, MAIN, &MAIN.replace("pool.d/*.conf", "pool.d/*.pool"));
    assert_eq!(keys, vec![("%include[0]".to_string(), 145)]);
}

#[test]
fn a_capacity_check_sees_pm_max_children() {
    let pool = "/etc/php/8.2/fpm/pool.d/www.conf";
    let pg = "/etc/postgresql/15/main/postgresql.conf";
    let fleet = Fleet::new(&format!(
        "[[group]]\nname = \"php\"\nhosts = [\"php-1\", \"php-2\", \"php-3\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{pool}\"]\n\n\
         [[group]]\nname = \"db\"\nhosts = [\"db-1\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [\"{pg}\"]\n\n\
         [[capacity]]\nname = \"PHP workers fit in PostgreSQL\"\n\
         demand = {{ group = \"php\", file = \"{pool}\", key = \"www.pm.max_children\" }}\n\
         supply = {{ group = \"db\", file = \"{pg}\", key = \"max_connections\" }}\n"
    ));
    let www = POOL.replace("pm.max_children = 5\n", "pm.max_children = 50\n");
    for host in ["php-1", "php-2", "php-3"] {
        fleet.live(host, pool, &www);
    }
    fleet.group_baseline("php", pool, &www);
    fleet.live("db-1", pg, "max_connections = 100\n");
    fleet.group_baseline("db", pg, "max_connections = 100\n");
    fleet.commit("baseline");
    let out = fleet.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = out.json();
    let f = r["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["kind"], "capacity");
    assert_eq!(
        f[0]["message"],
        "50 + 50 + 50 = 150 > max_connections 100; largest: php-1 (50)"
    );
}

#[test]
fn a_password_in_a_pool_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = format!(
        "{POOL}env[DB_PASSWORD] = Hunter2-old-pw\nphp_admin_value[mysqli.default_pw] = \"Old-mysqli-pw\"\n"
    );
    let b = a
        .replace("Hunter2-old-pw", "Hunter2-new-pw")
        .replace("Old-mysqli-pw", "New-mysqli-pw");
    let (keys, errors, _) = confdrift(d, &a, &b);
    assert_eq!(errors, 0);
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "www.env.DB_PASSWORD",
            "www.php_admin_value.\"mysqli.default_pw\""
        ]
    );
    for format in ["text", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
            .args(["diff", "--format", format])
            .arg(d.join("a/www.conf"))
            .arg(d.join("b/www.conf"))
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        for secret in ["Hunter2", "mysqli-pw"] {
            assert!(!all.contains(secret), "{format}: {all}");
        }
        assert!(all.contains("DB_PASSWORD"), "{all}");
    }
}
