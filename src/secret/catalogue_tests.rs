//! Property tests over the whole catalogue: for any value placed in a catalogued setting,
//! the finding its change makes never holds it (so no report writer can show it), the
//! change is still found, and the baseline form `accept` writes never holds it either.

use super::catalogue::CATALOGUE;
use super::{KeySource, SecretKey, protect_file};
use crate::diff::diff;
use crate::normalize::Format;
use proptest::prelude::*;

/// One example per catalogue row (matched by its `setting`): the format and a file with
/// `{V}` where the secret goes, and the shape of values to try.
const EXAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "a key whose name holds",
        "yaml",
        "db:\n  pool: 5\n  password: {V}\n",
        PLAIN,
    ),
    (
        "a URL with user-info",
        "yaml",
        "url: postgres://app:{V}@db:5432/app\n",
        PLAIN,
    ),
    (
        "a connection string",
        "env",
        "DSN=\"host=db password={V} dbname=app\"\n",
        PLAIN,
    ),
    (
        "a value shaped like",
        "properties",
        "deploy.note=ghp_{V}\n",
        "[A-Za-z0-9]{36}",
    ),
    (
        "requirepass",
        "redis",
        "port 6379\nrequirepass {V}\n",
        PLAIN,
    ),
    ("masterauth", "redis", "masterauth {V}\n", PLAIN),
    ("primaryauth", "redis", "primaryauth {V}\n", PLAIN),
    (
        "tls-key-file-pass",
        "redis",
        "tls-key-file-pass {V}\n",
        PLAIN,
    ),
    (
        "tls-client-key-file-pass",
        "redis",
        "tls-client-key-file-pass {V}\n",
        PLAIN,
    ),
    (
        "user NAME",
        "redis",
        "user app on >{V} ~cache:* +@read\n",
        PLAIN,
    ),
    (
        "sentinel auth-pass",
        "redis",
        "sentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-pass mymaster {V}\n",
        PLAIN,
    ),
    (
        "sentinel sentinel-pass",
        "redis",
        "sentinel sentinel-pass {V}\n",
        PLAIN,
    ),
    (
        "primary_conninfo",
        "pgconf",
        "primary_conninfo = 'host=p user=r password={V} sslmode=require'\n",
        PLAIN,
    ),
    (
        "ssl_passphrase_command",
        "pgconf",
        "ssl_passphrase_command = 'echo {V}'\n",
        PLAIN,
    ),
    (
        "file_key_management_filekey",
        "mycnf",
        "[mariadb]\nfile_key_management_filekey = {V}\n",
        PLAIN,
    ),
    (
        "[databases]",
        "pgbouncer",
        "[pgbouncer]\n[databases]\napp = host=db port=5432 password={V} dbname=app\n",
        PLAIN,
    ),
    ("auth_file", "userlist", "\"app\" \"{V}\"\n", PLAIN),
    (
        ".pgpass",
        "pgpass",
        "db.example.com:5432:app:app:{V}\n",
        PLAIN,
    ),
    ("htpasswd", "htpasswd", "app:{V}\n", PLAIN),
    (
        "a Secret's `data`",
        "k8s",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\nstringData:\n  DB_PASS: {V}\n",
        PLAIN,
    ),
    (
        "password in any group",
        "mycnf",
        "[client]\npassword={V}\n",
        PLAIN,
    ),
    (
        "wsrep_sst_auth",
        "mycnf",
        "[galera]\nwsrep_sst_auth=sst:{V}\n",
        PLAIN,
    ),
    (
        "php_value[mysqli.default_pw]",
        "phpfpm",
        "[www]\nphp_admin_value[mysqli.default_pw] = {V}\n",
        PLAIN,
    ),
    (
        "stats auth",
        "haproxy",
        "listen stats\n  bind :8404\n  stats auth admin:{V}\n",
        PLAIN,
    ),
    (
        "userlist:",
        "haproxy",
        "userlist ops\n  user bob insecure-password {V}\n",
        PLAIN,
    ),
];

/// Values that read as one plain word in every format above.
const PLAIN: &str = "Zq[A-Za-z0-9_.,+/%-]{6,24}";

fn example(
    setting: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str)> {
    EXAMPLES.iter().find(|e| setting.starts_with(e.0))
}

fn key() -> SecretKey {
    SecretKey::from_text("0123456789abcdef0123456789abcdef", KeySource::Env).unwrap()
}

#[test]
fn every_catalogued_credential_has_an_example() {
    for c in CATALOGUE {
        let e = example(c.setting).unwrap_or_else(|| panic!("no example for {}", c.setting));
        let f = Format::from_name(e.1).unwrap_or_else(|| panic!("no format {}", e.1));
        assert!(
            c.formats.is_empty() || c.formats.contains(&f.name()),
            "{}: {}",
            c.setting,
            e.1
        );
    }
}

/// Checks one example with one secret value; `Err` says what went wrong.
fn hidden_everywhere(e: &(&str, &str, &str, &str), secret: &str) -> Result<(), String> {
    let format = Format::from_name(e.1).unwrap();
    let old = if e.3 == PLAIN {
        "ZqBase0value".to_string()
    } else {
        "B".repeat(36)
    };
    let base_text = e.2.replace("{V}", &old);
    let live_text = e.2.replace("{V}", secret);
    let base = format.parse(base_text.as_bytes()).map_err(|x| x.message)?;
    let live = format.parse(live_text.as_bytes()).map_err(|x| x.message)?;
    let changes = diff(&base, &live);
    if changes.is_empty() {
        return Err("the change was not found".into());
    }
    for c in changes {
        let f =
            crate::rules::drift::finding_from_change(format, Some("h"), Some("g"), "/f", None, c);
        let all = format!("{f:?}");
        if all.contains(secret) || all.contains(&old) {
            return Err(format!("a finding shows the secret: {all}"));
        }
        if !all.contains(super::REDACTED) {
            return Err(format!("nothing redacted: {all}"));
        }
    }
    let protected = protect_file(format, live_text.as_bytes(), Some(&key()))
        .map_err(|x| format!("cannot protect: {}", x.message))?;
    if String::from_utf8_lossy(&protected).contains(secret) {
        return Err("the baseline form holds the secret".into());
    }
    Ok(())
}

fn example_and_value() -> impl Strategy<Value = (usize, String)> {
    (0..EXAMPLES.len()).prop_flat_map(|i| {
        let values = proptest::string::string_regex(EXAMPLES[i].3).expect("valid value regex");
        (Just(i), values)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_finding_or_baseline_holds_a_catalogued_secret((index, value) in example_and_value()) {
        let e = &EXAMPLES[index];
        prop_assert_eq!(hidden_everywhere(e, &value), Ok(()), "{} with {:?}", e.0, value);
    }
}

#[test]
fn every_example_with_fixed_values() {
    for e in EXAMPLES {
        let v = if e.3 == PLAIN {
            "Zq-fixed.Value+1".to_string()
        } else {
            "a".repeat(36)
        };
        assert_eq!(hidden_everywhere(e, &v), Ok(()), "{}", e.0);
    }
}
