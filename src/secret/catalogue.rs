//! The catalogue of credentials: what each program treats as a password, passphrase, key or
//! token, per format, as one table to review. The README's secrets table is generated from
//! [`CATALOGUE`] and a test keeps the two equal; [`super::spans`] applies it.

/// One kind of credential a program reads from its config files.
#[derive(Debug)]
pub struct Credential {
    /// Who reads it (`Redis`, `PgBouncer`, ...; `any` for what holds in every format).
    pub program: &'static str,
    /// The formats (names as in `format = "..."`) it applies to; empty: every format.
    pub formats: &'static [&'static str],
    /// The setting as an operator writes it, for people.
    pub setting: &'static str,
    pub key: Key,
    pub part: Part,
    /// What is hidden, for people.
    pub hidden: &'static str,
    /// Where the program defines it (repository and file or document).
    pub source: &'static str,
}

/// The words of the naming rule: a key whose last segment holds one is a secret.
pub const WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "private_key",
    "private-key",
    "credential",
];

/// Which keys hold the credential.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    /// A key whose last segment holds one of [`WORDS`], but not a setting *about* a secret
    /// (ending `_encryption`, `_file`, `_path` or `_dir`).
    Words,
    /// A setting by name: the key's last segment, list index dropped, ASCII case ignored.
    Name(&'static str),
    /// A MariaDB/MySQL option by name in any group: `-` and `_` are the same, a `loose-`
    /// prefix and leading `--` are dropped, and an unambiguous prefix of at least `min`
    /// characters names it too (option files accept prefixes: `pass` is `password`).
    Option { name: &'static str, min: usize },
    /// Every key in the named section (`databases.*`).
    Section(&'static str),
    /// Every key of the format: the file is a credential store.
    Every,
    /// Every key under these fields of a Kubernetes object of this kind
    /// (`Secret/db/pg.data.password`), in a manifest.
    Object {
        kind: &'static str,
        fields: &'static [&'static str],
    },
    /// Any key (used by the rows that look at values, whatever the key).
    Any,
}

/// Which part of the value is the credential.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    /// The whole value.
    Whole,
    /// When the value's first word is `first`, its words from index `from` on
    /// (`sentinel auth-pass <master> <password>`).
    WordsFrom { first: &'static str, from: usize },
    /// Redis ACL rules on a `user` line: the text after `>`, `<`, `#` and `!`.
    AclRules,
    /// `user:password`: everything after the first `:`.
    AfterColon,
    /// The `password=` (also `sslpassword=`, `pwd=`) fields of a libpq connection string
    /// or a URL's query, quoted or not.
    ConninfoPassword,
    /// The password of a URL's user-info: `scheme://user:PASSWORD@host`.
    UrlPassword,
    /// Values with the shape of a well-known token (see [`super::tokens`]).
    TokenShapes,
}

/// Every credential confdrift knows, program by program. Rows with `formats: &[]` hold in
/// every format. `secret = true` rules add keys; a rule can take a built-in one away only
/// with `not_secret = "reason"`.
pub static CATALOGUE: &[Credential] = &[
    Credential {
        program: "any",
        formats: &[],
        setting: "a key whose name holds password, passwd, secret, token, api_key, apikey, private_key or credential",
        key: Key::Words,
        part: Part::Whole,
        hidden: "the whole value (not settings about one: `*_encryption`, `*_file`, `*_path`, `*_dir`)",
        source: "confdrift's own naming rule",
    },
    Credential {
        program: "any",
        formats: &[],
        setting: "a URL with user-info",
        key: Key::Any,
        part: Part::UrlPassword,
        hidden: "the password: `postgres://app:[redacted]@db/app`",
        source: "RFC 3986 §3.2.1",
    },
    Credential {
        program: "libpq (and JDBC/ODBC)",
        formats: &[],
        setting: "a connection string, in any value: `host=db password=...`, `...?password=...`",
        key: Key::Any,
        part: Part::ConninfoPassword,
        hidden: "the value of `password=`, `sslpassword=`, `passwd=`, `pwd=` and `*secret=` (`oauth_client_secret=`), quoted or not",
        source: "postgres/postgres src/interfaces/libpq/fe-connect.c (PQconninfoOptions, conninfo_parse, conninfo_uri_parse_params)",
    },
    Credential {
        program: "any",
        formats: &[],
        setting: "a value shaped like a well-known token, whatever the key",
        key: Key::Any,
        part: Part::TokenShapes,
        hidden: "PEM private key blocks, AWS access key ids, GitHub, GitLab, Slack, Stripe, Google API and npm tokens, JWTs, the credential of an `Authorization: Basic/Bearer ...` header (e.g. nginx `proxy_set_header`)",
        source: "the issuers' documented formats (gitleaks/gitleaks config/gitleaks.toml)",
    },
    Credential {
        program: "Redis",
        formats: &["redis"],
        setting: "requirepass",
        key: Key::Name("requirepass"),
        part: Part::Whole,
        hidden: "the whole value",
        source: "redis/redis src/config.c (standardConfig)",
    },
    Credential {
        program: "Redis",
        formats: &["redis"],
        setting: "masterauth",
        key: Key::Name("masterauth"),
        part: Part::Whole,
        hidden: "the whole value",
        source: "redis/redis src/config.c (standardConfig)",
    },
    Credential {
        program: "Valkey",
        formats: &["redis"],
        setting: "primaryauth (Valkey's name for masterauth)",
        key: Key::Name("primaryauth"),
        part: Part::Whole,
        hidden: "the whole value",
        source: "valkey-io/valkey src/config.c (standardConfig)",
    },
    Credential {
        program: "Redis",
        formats: &["redis"],
        setting: "tls-key-file-pass",
        key: Key::Name("tls-key-file-pass"),
        part: Part::Whole,
        hidden: "the whole value",
        source: "redis/redis src/config.c (standardConfig)",
    },
    Credential {
        program: "Redis",
        formats: &["redis"],
        setting: "tls-client-key-file-pass",
        key: Key::Name("tls-client-key-file-pass"),
        part: Part::Whole,
        hidden: "the whole value",
        source: "redis/redis src/config.c (standardConfig)",
    },
    Credential {
        program: "Redis",
        formats: &["redis"],
        setting: "user NAME ... >password <password #sha256 !sha256",
        key: Key::Name("user"),
        part: Part::AclRules,
        hidden: "each password and password hash of the ACL rules",
        source: "redis/redis src/acl.c (ACLSetUser)",
    },
    Credential {
        program: "Redis Sentinel",
        formats: &["redis"],
        setting: "sentinel auth-pass MASTER PASSWORD",
        key: Key::Name("sentinel"),
        part: Part::WordsFrom {
            first: "auth-pass",
            from: 2,
        },
        hidden: "the password",
        source: "redis/redis src/sentinel.c (sentinelHandleConfiguration)",
    },
    Credential {
        program: "Redis Sentinel",
        formats: &["redis"],
        setting: "sentinel sentinel-pass PASSWORD",
        key: Key::Name("sentinel"),
        part: Part::WordsFrom {
            first: "sentinel-pass",
            from: 1,
        },
        hidden: "the password",
        source: "redis/redis src/sentinel.c (sentinelHandleConfiguration)",
    },
    Credential {
        program: "PostgreSQL",
        formats: &["pgconf"],
        setting: "primary_conninfo",
        key: Key::Name("primary_conninfo"),
        part: Part::ConninfoPassword,
        hidden: "the connection string's `password=`",
        source: "postgres/postgres src/backend/utils/misc/guc_tables.c",
    },
    Credential {
        program: "PostgreSQL",
        formats: &["pgconf"],
        setting: "ssl_passphrase_command",
        key: Key::Name("ssl_passphrase_command"),
        part: Part::Whole,
        hidden: "the whole command (it may hold the passphrase: `echo ...`)",
        source: "postgres/postgres src/backend/utils/misc/guc_tables.c",
    },
    Credential {
        program: "PgBouncer",
        formats: &["ini", "pgbouncer"],
        setting: "[databases] NAME = host=... password=...",
        key: Key::Section("databases"),
        part: Part::ConninfoPassword,
        hidden: "the connection string's `password=`",
        source: "pgbouncer/pgbouncer doc/config.md (section [databases]), src/loader.c (parse_database)",
    },
    Credential {
        program: "PgBouncer",
        formats: &["userlist"],
        setting: "auth_file (userlist.txt): \"user\" \"password\"",
        key: Key::Every,
        part: Part::Whole,
        hidden: "every password or hash",
        source: "pgbouncer/pgbouncer src/loader.c (load_auth_file)",
    },
    Credential {
        program: "libpq",
        formats: &["pgpass"],
        setting: ".pgpass: host:port:database:user:password",
        key: Key::Every,
        part: Part::Whole,
        hidden: "every password",
        source: "postgres/postgres src/interfaces/libpq/fe-connect.c (passwordFromFile)",
    },
    Credential {
        program: "Apache httpd, nginx",
        formats: &["htpasswd"],
        setting: "htpasswd: user:hash",
        key: Key::Every,
        part: Part::Whole,
        hidden: "every password hash",
        source: "apache/httpd support/htpasswd.c, modules/aaa/mod_authn_file.c",
    },
    Credential {
        program: "Kubernetes",
        formats: &["k8s", "yaml"],
        setting: "a Secret's `data` and `stringData` (and, in a ConfigMap's `data` or a Secret's `stringData` entry read in its own format, that format's rows)",
        key: Key::Object {
            kind: "Secret",
            fields: &["data", "stringData"],
        },
        part: Part::Whole,
        hidden: "every value",
        source: "kubernetes/kubernetes staging/src/k8s.io/api/core/v1/types.go (Secret)",
    },
    Credential {
        program: "MariaDB, MySQL",
        formats: &["mycnf"],
        setting: "password in any group (also loose-password, --password, a prefix such as pas or pass)",
        key: Key::Option {
            name: "password",
            min: 3,
        },
        part: Part::Whole,
        hidden: "the whole value",
        source: "MariaDB/server client/mysql.cc (my_long_options), mysys/my_getopt.c (findopt)",
    },
    Credential {
        program: "MariaDB Galera",
        formats: &["mycnf"],
        setting: "wsrep_sst_auth = user:password",
        key: Key::Option {
            name: "wsrep-sst-auth",
            min: 14,
        },
        part: Part::AfterColon,
        hidden: "the password after the first `:`",
        source: "MariaDB/server sql/sys_vars.cc (wsrep_sst_auth)",
    },
    Credential {
        program: "MariaDB",
        formats: &["mycnf"],
        setting: "file_key_management_filekey",
        key: Key::Option {
            name: "file-key-management-filekey",
            min: 28,
        },
        part: Part::Whole,
        hidden: "the whole value (a literal encryption key, or FILE:path)",
        source: "MariaDB/server plugin/file_key_management/file_key_management_plugin.cc",
    },
    Credential {
        program: "PHP-FPM",
        formats: &["phpfpm"],
        setting: "php_value[mysqli.default_pw], php_admin_value[mysqli.default_pw]",
        key: Key::Name("mysqli.default_pw"),
        part: Part::Whole,
        hidden: "the whole value",
        source: "php/php-src ext/mysqli/mysqli.c (PHP_INI_BEGIN: mysqli.default_pw)",
    },
    Credential {
        program: "HAProxy",
        formats: &["haproxy"],
        setting: "stats auth USER:PASSWORD",
        key: Key::Name("auth"),
        part: Part::AfterColon,
        hidden: "the password after the first `:`",
        source: "haproxy/haproxy doc/configuration.txt (stats auth), src/uri_auth.c (stats_add_auth)",
    },
    Credential {
        program: "HAProxy",
        formats: &["haproxy"],
        setting: "userlist: user NAME password HASH, user NAME insecure-password PASSWORD",
        key: Key::Words,
        part: Part::Whole,
        hidden: "the hash or password",
        source: "haproxy/haproxy doc/configuration.txt (3.4 Userlists), src/auth.c",
    },
];

/// The catalogue as the README's markdown table.
pub fn markdown_table() -> String {
    let mut out = String::from("| program | format | setting | what is hidden | source |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for c in CATALOGUE {
        let formats = if c.formats.is_empty() {
            "every format".to_string()
        } else {
            c.formats
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.program,
            formats,
            c.setting.replace('|', "\\|"),
            c.hidden.replace('|', "\\|"),
            c.source.replace('|', "\\|"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_table_is_the_catalogue() {
        let readme = include_str!("../../README.md");
        let start = "<!-- secrets-catalogue: generated from src/secret/catalogue.rs -->\n";
        let inside = readme
            .split_once(start)
            .and_then(|(_, rest)| rest.split_once("<!-- /secrets-catalogue -->"))
            .map(|(t, _)| t);
        let table = super::markdown_table();
        assert_eq!(
            inside,
            Some(table.as_str()),
            "README.md's secrets table differs from src/secret/catalogue.rs; paste this:\n{table}"
        );
    }
}
