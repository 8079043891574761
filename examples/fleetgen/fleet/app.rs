//! The application hosts' files (groups `app` and `api`): a Spring-style YAML, a Java
//! `.properties`, a TOML and a JSON file, a few KB each, with values that differ per group.

use super::doc::{Map, V, m};

/// What differs between the application groups.
pub struct AppParams {
    pub name: &'static str,
    pub port: i64,
    pub pool: i64,
    pub threads: i64,
    pub db_host: String,
}

const SERVICES: &[&str] = &[
    "orders",
    "payments",
    "users",
    "catalog",
    "search",
    "inventory",
    "shipping",
    "billing",
    "reports",
    "auth",
    "notifications",
    "recommendations",
    "reviews",
    "pricing",
    "promotions",
    "returns",
    "invoices",
    "tax",
    "fraud",
    "loyalty",
    "media",
    "sessions",
    "audit",
    "export",
];

pub fn application_yml(p: &AppParams) -> V {
    let routes: Vec<V> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let i = i as i64;
            m(vec![
                ("name", (*s).into()),
                ("path", format!("/api/v1/{s}").into()),
                (
                    "upstream",
                    format!("http://{s}.internal:{}", 8000 + i).into(),
                ),
                ("timeout-ms", (1000 + 250 * (i % 8)).into()),
                ("retries", (i % 4).into()),
                (
                    "rate-limit",
                    m(vec![
                        ("per-second", (50 * (1 + i % 5)).into()),
                        ("burst", (100 * (1 + i % 3)).into()),
                    ]),
                ),
                ("auth-required", (i % 5 != 0).into()),
            ])
        })
        .collect();
    m(vec![
        (
            "server",
            m(vec![
                ("port", p.port.into()),
                ("shutdown", "graceful".into()),
                (
                    "compression",
                    m(vec![
                        ("enabled", true.into()),
                        ("min-response-size", 2048.into()),
                    ]),
                ),
                (
                    "tomcat",
                    m(vec![
                        (
                            "threads",
                            m(vec![
                                ("max", (p.threads * 25).into()),
                                ("min-spare", 10.into()),
                            ]),
                        ),
                        ("accept-count", 100.into()),
                        ("connection-timeout", 20000.into()),
                    ]),
                ),
            ]),
        ),
        (
            "spring",
            m(vec![
                ("application", m(vec![("name", p.name.into())])),
                (
                    "datasource",
                    m(vec![
                        (
                            "url",
                            format!("jdbc:postgresql://{}:6432/myapp", p.db_host).into(),
                        ),
                        ("username", "myapp".into()),
                        ("password", "vault-managed-placeholder".into()),
                        (
                            "hikari",
                            m(vec![
                                ("maximum-pool-size", p.pool.into()),
                                ("minimum-idle", 5.into()),
                                ("connection-timeout", 30000.into()),
                                ("idle-timeout", 600000.into()),
                                ("max-lifetime", 1800000.into()),
                            ]),
                        ),
                    ]),
                ),
                (
                    "jpa",
                    m(vec![
                        ("open-in-view", false.into()),
                        ("show-sql", false.into()),
                    ]),
                ),
            ]),
        ),
        (
            "management",
            m(vec![(
                "endpoints",
                m(vec![(
                    "web",
                    m(vec![(
                        "exposure",
                        m(vec![(
                            "include",
                            V::L(vec!["health".into(), "info".into(), "prometheus".into()]),
                        )]),
                    )]),
                )]),
            )]),
        ),
        (
            "logging",
            m(vec![
                (
                    "level",
                    m(vec![
                        ("root", "INFO".into()),
                        ("sql", "WARN".into()),
                        ("web", "INFO".into()),
                    ]),
                ),
                (
                    "file",
                    m(vec![
                        ("name", "/var/log/myapp/app.log".into()),
                        ("max-size", "100MB".into()),
                        ("max-history", 14.into()),
                    ]),
                ),
            ]),
        ),
        ("routes", V::L(routes)),
    ])
}

/// Keys (confdrift's dotted paths) a drifted host may have changed in `application.yml`.
pub const YML_DRIFT: &[&str] = &[
    "spring.datasource.hikari.maximum-pool-size",
    "server.tomcat.threads.max",
    "logging.file.max-history",
];

pub fn application_properties(p: &AppParams) -> V {
    let mut e: Map = Vec::new();
    let mut put = |k: String, v: V| e.push((k, v));
    put("server.port".into(), (p.port + 1000).into());
    put("server.servlet.context-path".into(), "/".into());
    put("worker.threads".into(), p.threads.into());
    put("worker.queue.capacity".into(), (p.threads * 100).into());
    for (i, s) in SERVICES.iter().enumerate() {
        let i = i as i64;
        put(format!("cache.region.{s}.ttl"), (60 * (1 + i % 10)).into());
        put(
            format!("cache.region.{s}.max-entries"),
            (1000 * (1 + i % 7)).into(),
        );
        put(format!("cache.region.{s}.eviction"), "lru".into());
    }
    put(
        "kafka.bootstrap-servers".into(),
        "kafka-1:9092,kafka-2:9092,kafka-3:9092".into(),
    );
    put("kafka.consumer.group-id".into(), p.name.into());
    put("kafka.consumer.max-poll-records".into(), 500.into());
    put("kafka.producer.acks".into(), "all".into());
    put("kafka.producer.linger-ms".into(), 5.into());
    for (i, s) in SERVICES.iter().take(12).enumerate() {
        put(format!("feature.{s}.enabled"), (i % 3 != 0).into());
    }
    put("mail.smtp.host".into(), "smtp.internal".into());
    put("mail.smtp.port".into(), 587.into());
    put("mail.smtp.starttls".into(), true.into());
    V::M(e)
}

pub const PROPERTIES_DRIFT: &[&str] = &[
    "worker.threads",
    "cache.region.sessions.ttl",
    "kafka.consumer.max-poll-records",
];

pub fn settings_toml(p: &AppParams) -> V {
    let upstreams: Vec<V> = SERVICES
        .iter()
        .take(12)
        .enumerate()
        .map(|(i, s)| {
            let i = i as i64;
            m(vec![
                ("name", (*s).into()),
                ("url", format!("http://{s}.internal:{}", 8000 + i).into()),
                ("weight", (1 + i % 3).into()),
                ("max-connections", (64 * (1 + i % 4)).into()),
            ])
        })
        .collect();
    m(vec![
        ("title", format!("{} settings", p.name).into()),
        ("environment", "production".into()),
        (
            "server",
            m(vec![
                ("bind", format!("0.0.0.0:{}", p.port).into()),
                ("workers", p.threads.into()),
                ("keepalive-seconds", 75.into()),
                ("max-body-bytes", 10485760.into()),
            ]),
        ),
        (
            "database",
            m(vec![
                ("host", p.db_host.clone().into()),
                ("port", 6432.into()),
                ("name", "myapp".into()),
                ("pool-size", p.pool.into()),
                ("statement-timeout-ms", 30000.into()),
            ]),
        ),
        (
            "cache",
            m(vec![
                ("backend", "redis".into()),
                ("url", "redis://cache.internal:6379/0".into()),
                ("default-ttl", 300.into()),
            ]),
        ),
        (
            "tracing",
            m(vec![
                ("enabled", true.into()),
                ("sample-rate-percent", 5.into()),
                ("exporter", "otlp".into()),
            ]),
        ),
        ("upstream", V::L(upstreams)),
    ])
}

pub const TOML_DRIFT: &[&str] = &["server.workers", "database.pool-size", "cache.default-ttl"];

pub fn features_json(p: &AppParams) -> V {
    let flags: Vec<V> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let i = i as i64;
            m(vec![
                ("name", format!("{s}-v2").into()),
                ("enabled", (i % 4 != 1).into()),
                ("rollout-percent", (i * 7 % 101).into()),
                ("owner", format!("team-{s}").into()),
                (
                    "regions",
                    V::L(vec!["eu-west-1".into(), "us-east-1".into()]),
                ),
            ])
        })
        .collect();
    m(vec![
        ("schema-version", 3.into()),
        ("service", p.name.into()),
        (
            "limits",
            m(vec![
                ("requests-per-minute", (p.threads * 750).into()),
                ("max-payload-kb", 512.into()),
                ("max-concurrent-exports", 4.into()),
            ]),
        ),
        ("flags", V::L(flags)),
    ])
}

pub const JSON_DRIFT: &[&str] = &["limits.requests-per-minute", "limits.max-payload-kb"];
