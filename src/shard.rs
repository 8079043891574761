//! `--shard K/N`: the K-th of N stable partitions of the hosts, for CI matrix jobs and
//! Kubernetes Indexed Jobs (`--shard auto/N` reads `JOB_COMPLETION_INDEX`, which is 0-based).
//!
//! A host belongs to shard `fnv1a64(host name) % N + 1`. FNV-1a is fixed by its definition,
//! unlike Rust's randomly seeded hasher, so a host lands in the same shard in every run, on
//! every machine, in every version of confdrift. Hosts are split by name, so a host listed in
//! two groups is checked in one shard.

use std::fmt;

/// As written on the command line: a fixed K (1-based) or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardSpec {
    Fixed { k: u32, n: u32 },
    Auto { n: u32 },
}

/// A resolved shard: index 0..count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

pub const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";

impl ShardSpec {
    /// `3/8` or `auto/8` (the value parser of `--shard`).
    pub fn parse(s: &str) -> Result<ShardSpec, String> {
        let expected = "expected K/N with 1 <= K <= N (like 2/4), or auto/N";
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: {expected}"))?;
        let n: u32 =
            n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("{s:?}: N must be a whole number of at least 1; {expected}")
            })?;
        if k.trim() == "auto" {
            return Ok(ShardSpec::Auto { n });
        }
        match k.trim().parse::<u32>() {
            Ok(k) if (1..=n).contains(&k) => Ok(ShardSpec::Fixed { k, n }),
            _ => Err(format!("{s:?}: K must be 1 to {n}; {expected}")),
        }
    }

    /// The shard to check; `auto` reads `JOB_COMPLETION_INDEX` from `env`.
    pub fn resolve(self, env: Option<&str>) -> Result<Shard, String> {
        match self {
            ShardSpec::Fixed { k, n } => Ok(Shard {
                index: k - 1,
                count: n,
            }),
            ShardSpec::Auto { n } => {
                let raw = env.ok_or_else(|| {
                    format!(
                        "--shard auto/{n}: {INDEX_VAR} is not set; it is set by Kubernetes \
                         Indexed Jobs (completionMode: Indexed); elsewhere give --shard K/{n}"
                    )
                })?;
                match raw.trim().parse::<u32>() {
                    Ok(i) if i < n => Ok(Shard { index: i, count: n }),
                    _ => Err(format!(
                        "--shard auto/{n}: {INDEX_VAR}={raw:?}; expected 0 to {} \
                         (the job's completions must equal N)",
                        n - 1
                    )),
                }
            }
        }
    }
}

impl Shard {
    pub fn contains(&self, host: &str) -> bool {
        shard_of(host, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// The 0-based shard of `host` among `count`.
pub fn shard_of(host: &str, count: u32) -> u32 {
    (fnv1a64(host.as_bytes()) % u64::from(count.max(1))) as u32
}

/// 64-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn every_host_is_in_exactly_one_shard_always_the_same() {
        for i in 0..200 {
            let host = format!("web-{i}.example.com");
            let shards: Vec<u32> = (0..5)
                .filter(|k| {
                    Shard {
                        index: *k,
                        count: 5,
                    }
                    .contains(&host)
                })
                .collect();
            assert_eq!(shards.len(), 1, "{host}");
            assert_eq!(shards[0], shard_of(&host, 5));
        }
        // Pinned: the partition is part of the contract (CI matrices rely on it).
        assert_eq!(fnv1a64(b"app-1"), 0xf674_32a4_5808_f146);
        assert_eq!(shard_of("app-1", 3), (0xf674_32a4_5808_f146_u64 % 3) as u32);
    }

    #[test]
    fn bad_specs_say_what_was_expected() {
        assert_eq!(ShardSpec::parse("2/4"), Ok(ShardSpec::Fixed { k: 2, n: 4 }));
        assert_eq!(ShardSpec::parse("auto/3"), Ok(ShardSpec::Auto { n: 3 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", "auto/x"] {
            let e = ShardSpec::parse(bad).unwrap_err();
            assert!(e.contains("expected K/N"), "{bad}: {e}");
        }
        let auto = ShardSpec::Auto { n: 3 };
        assert_eq!(auto.resolve(Some("2")), Ok(Shard { index: 2, count: 3 }));
        assert!(
            auto.resolve(Some("3"))
                .unwrap_err()
                .contains("expected 0 to 2")
        );
        assert!(auto.resolve(None).unwrap_err().contains("is not set"));
    }
}
