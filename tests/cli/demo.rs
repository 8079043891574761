//! The bundled demo (`cargo run --release -- check` in the repository): the connection-pool
//! outage must be obvious, the reformatted host must be clean, and the exit status is 1.

use crate::harness::{kinds, run_in};
use std::path::Path;

#[test]
fn the_demo_fleet_shows_the_pool_outage() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run_in(root, &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let found: Vec<(String, String, String)> =
        kinds(&r).into_iter().map(|k| (k.0, k.2, k.3)).collect();
    let want = |h: &str, k: &str, kind: &str| (h.to_string(), k.to_string(), kind.to_string());
    assert_eq!(
        found,
        [
            want("app-2", "default.pool", "changed"),
            want("app-2", "production.pool", "changed"),
            want("db-1", "max_connections", "changed"),
            want("db-1", "max_connections", "capacity"),
        ],
        "app-3 is reformatted but equivalent; shared_buffers is 2GB written in kB"
    );
    let pool = &r["findings"][1];
    assert_eq!(
        (pool["baseline"].as_i64(), pool["live"].as_i64()),
        (Some(50), Some(5))
    );
    assert_eq!(pool["severity"], "critical");
    assert_eq!(pool["message"], "pool 5 is below the minimum 10");
    let capacity = &r["findings"][3];
    assert_eq!(
        capacity["message"],
        "50 + 5 + 50 = 105 > max_connections 100 − superuser_reserved_connections 3 = 97; largest: app-1 (50)"
    );
    assert_eq!(r["summary"]["by_severity"]["critical"], 4);
    assert_eq!(r["summary"]["hosts"], 4);
    assert_eq!(r["summary"]["files"], 8);

    let text = run_in(root, &["check"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.starts_with("confdrift: DRIFT on 2 of 4 hosts"),
        "{}",
        text.stdout
    );
    assert!(
        !text.stdout.contains("s3cret"),
        "the demo's password must never be printed"
    );
}
