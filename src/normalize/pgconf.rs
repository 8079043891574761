//! postgresql.conf-style files (`postgresql.conf`, `postgresql.auto.conf`, `pgpool.conf`):
//! one `name = value` (or `name value`) per line, following PostgreSQL's `guc-file.l`.
//!
//! - `#` starts a comment, also after a value, except inside a single-quoted value.
//! - Names are case-insensitive and lowercased; `class.name` (extension settings such as
//!   `pg_stat_statements.max`) is kept as written, lowercased. The last assignment wins and
//!   keeps its line.
//! - A value is one token: a single-quoted string (`''` and backslash escapes `\b \f \n \r \t`,
//!   octal `\ooo`, `\x` = `x` are decoded), or an unquoted word or number made of letters,
//!   digits and `_ - . : / +`. Anything else on the line (a second token, `*`, `"`, a missing
//!   value or name) is an error naming the line, the column and what was expected, as the
//!   server would refuse the file.
//! - Numbers with units: settings whose `pg_settings.unit` is known (the table below, taken
//!   from `pg_settings` of PostgreSQL 15.18) become [`Value::Quantity`] with the amount in that
//!   base unit (memory units `B kB MB GB TB` are powers of 1024; time units `us ms s min h d`),
//!   rounded to an integer as the server does for integer settings, so
//!   `shared_buffers = 128MB`, `'131072kB'` and `16384` all have amount 16384. A plain number
//!   is already in the base unit; `0x` hex and leading-`0` octal are read as the server's
//!   `strtol` does. For settings not in the table a number with a memory unit is counted in
//!   bytes and one with a time unit in milliseconds. A unit that does not fit the setting
//!   (`shared_buffers = 10s`) or is unknown (`128mb`: units are case-sensitive) stays a
//!   [`Value::Str`]: the server would reject it, and the text still shows as drift.
//! - Boolean settings (the table below, all `bool` rows of `pg_settings`) read
//!   `on/off/true/false/yes/no/1/0` and unique prefixes of them, in any case, as the server's
//!   `parse_bool` does (`o` is ambiguous and stays a string), into [`Value::Bool`].
//! - Enum settings (`wal_level`, `synchronous_commit`, ...) read in any case and in the
//!   spellings the server takes (`hot_standby` is `replica`, `yes` is `on`) into the value the
//!   server shows; `DateStyle` and `client_encoding` are compared in lower case; integer and
//!   real settings written otherwise than as a plain decimal (`0x64`, `0100`, `100.4`) become
//!   a [`Value::Quantity`] of the number the server reads; old names (`sort_mem`) are the
//!   setting they set. All from PostgreSQL's own table ([`super::defaults`]).
//! - Everything else is a [`Value::Str`] of the value as written, quotes removed.
//! - `include`, `include_if_exists` and `include_dir` all apply, so they are not last-wins:
//!   each is recorded in order under its own name, `include[0]`, `include[1]`, ...,
//!   `include_if_exists[0]`, ..., `include_dir[0]`, ..., with the path as value.

use super::{column, defaults};
use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::HashMap;

/// Settings with a unit: name, `pg_settings.unit`, and whether the setting is `real` (not
/// rounded to an integer). Generated from `SELECT name, unit, vartype FROM pg_settings WHERE
/// unit IS NOT NULL` on PostgreSQL 15.18.
const UNIT_SETTINGS: &[(&str, &str, bool)] = &[
    ("archive_timeout", "s", false),
    ("authentication_timeout", "s", false),
    ("autovacuum_naptime", "s", false),
    ("autovacuum_work_mem", "kB", false),
    ("backend_flush_after", "8kB", false),
    ("bgwriter_delay", "ms", false),
    ("bgwriter_flush_after", "8kB", false),
    ("checkpoint_flush_after", "8kB", false),
    ("checkpoint_timeout", "s", false),
    ("checkpoint_warning", "s", false),
    ("client_connection_check_interval", "ms", false),
    ("deadlock_timeout", "ms", false),
    ("effective_cache_size", "8kB", false),
    ("gin_pending_list_limit", "kB", false),
    ("huge_page_size", "kB", false),
    ("idle_in_transaction_session_timeout", "ms", false),
    ("idle_session_timeout", "ms", false),
    ("lock_timeout", "ms", false),
    ("log_autovacuum_min_duration", "ms", false),
    ("log_min_duration_sample", "ms", false),
    ("log_min_duration_statement", "ms", false),
    ("log_parameter_max_length", "B", false),
    ("log_parameter_max_length_on_error", "B", false),
    ("log_rotation_age", "min", false),
    ("log_rotation_size", "kB", false),
    ("log_startup_progress_interval", "ms", false),
    ("log_temp_files", "kB", false),
    ("logical_decoding_work_mem", "kB", false),
    ("maintenance_work_mem", "kB", false),
    ("max_slot_wal_keep_size", "MB", false),
    ("max_stack_depth", "kB", false),
    ("max_standby_archive_delay", "ms", false),
    ("max_standby_streaming_delay", "ms", false),
    ("max_wal_size", "MB", false),
    ("min_dynamic_shared_memory", "MB", false),
    ("min_parallel_index_scan_size", "8kB", false),
    ("min_parallel_table_scan_size", "8kB", false),
    ("min_wal_size", "MB", false),
    ("old_snapshot_threshold", "min", false),
    ("post_auth_delay", "s", false),
    ("pre_auth_delay", "s", false),
    ("recovery_min_apply_delay", "ms", false),
    ("segment_size", "8kB", false),
    ("shared_buffers", "8kB", false),
    ("shared_memory_size", "MB", false),
    ("statement_timeout", "ms", false),
    ("tcp_keepalives_idle", "s", false),
    ("tcp_keepalives_interval", "s", false),
    ("tcp_user_timeout", "ms", false),
    ("temp_buffers", "8kB", false),
    ("temp_file_limit", "kB", false),
    ("track_activity_query_size", "B", false),
    ("wal_buffers", "8kB", false),
    ("wal_decode_buffer_size", "B", false),
    ("wal_keep_size", "MB", false),
    ("wal_receiver_status_interval", "s", false),
    ("wal_receiver_timeout", "ms", false),
    ("wal_retrieve_retry_interval", "ms", false),
    ("wal_segment_size", "B", false),
    ("wal_sender_timeout", "ms", false),
    ("wal_skip_threshold", "kB", false),
    ("wal_writer_delay", "ms", false),
    ("wal_writer_flush_after", "8kB", false),
    ("work_mem", "kB", false),
    ("autovacuum_vacuum_cost_delay", "ms", true),
    ("vacuum_cost_delay", "ms", true),
];

/// Boolean settings: every `bool` row of `pg_settings` on PostgreSQL 15.18.
const BOOL_SETTINGS: &[&str] = &[
    "allow_in_place_tablespaces",
    "allow_system_table_mods",
    "array_nulls",
    "autovacuum",
    "bonjour",
    "check_function_bodies",
    "data_checksums",
    "data_sync_retry",
    "db_user_namespace",
    "debug_assertions",
    "debug_pretty_print",
    "debug_print_parse",
    "debug_print_plan",
    "debug_print_rewritten",
    "default_transaction_deferrable",
    "default_transaction_read_only",
    "enable_async_append",
    "enable_bitmapscan",
    "enable_gathermerge",
    "enable_hashagg",
    "enable_hashjoin",
    "enable_incremental_sort",
    "enable_indexonlyscan",
    "enable_indexscan",
    "enable_material",
    "enable_memoize",
    "enable_mergejoin",
    "enable_nestloop",
    "enable_parallel_append",
    "enable_parallel_hash",
    "enable_partition_pruning",
    "enable_partitionwise_aggregate",
    "enable_partitionwise_join",
    "enable_seqscan",
    "enable_sort",
    "enable_tidscan",
    "escape_string_warning",
    "exit_on_error",
    "fsync",
    "full_page_writes",
    "geqo",
    "hot_standby",
    "hot_standby_feedback",
    "ignore_checksum_failure",
    "ignore_invalid_pages",
    "ignore_system_indexes",
    "in_hot_standby",
    "integer_datetimes",
    "jit",
    "jit_debugging_support",
    "jit_dump_bitcode",
    "jit_expressions",
    "jit_profiling_support",
    "jit_tuple_deforming",
    "krb_caseins_users",
    "lo_compat_privileges",
    "log_checkpoints",
    "log_connections",
    "log_disconnections",
    "log_duration",
    "log_executor_stats",
    "log_hostname",
    "log_lock_waits",
    "log_parser_stats",
    "log_planner_stats",
    "log_recovery_conflict_waits",
    "log_replication_commands",
    "log_statement_stats",
    "log_truncate_on_rotation",
    "logging_collector",
    "parallel_leader_participation",
    "quote_all_identifiers",
    "recovery_target_inclusive",
    "remove_temp_files_after_crash",
    "restart_after_crash",
    "row_security",
    "ssl",
    "ssl_passphrase_command_supports_reload",
    "ssl_prefer_server_ciphers",
    "standard_conforming_strings",
    "synchronize_seqscans",
    "syslog_sequence_numbers",
    "syslog_split_messages",
    "trace_notify",
    "trace_sort",
    "track_activities",
    "track_commit_timestamp",
    "track_counts",
    "track_io_timing",
    "track_wal_io_timing",
    "transaction_deferrable",
    "transaction_read_only",
    "transform_null_equals",
    "update_process_title",
    "wal_init_zero",
    "wal_log_hints",
    "wal_receiver_create_temp_slot",
    "wal_recycle",
    "zero_damaged_pages",
];

/// The include directives, recorded as lists.
const INCLUDES: &[&str] = &["include", "include_if_exists", "include_dir"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Memory,
    Time,
}

/// A unit as PostgreSQL spells it: its kind and its size in bytes or milliseconds.
fn unit(name: &str) -> Option<(Kind, f64)> {
    Some(match name {
        "B" => (Kind::Memory, 1.0),
        "kB" => (Kind::Memory, 1024.0),
        "8kB" => (Kind::Memory, 8192.0),
        "MB" => (Kind::Memory, 1024.0 * 1024.0),
        "GB" => (Kind::Memory, 1024.0 * 1024.0 * 1024.0),
        "TB" => (Kind::Memory, 1024.0 * 1024.0 * 1024.0 * 1024.0),
        "us" => (Kind::Time, 0.001),
        "ms" => (Kind::Time, 1.0),
        "s" => (Kind::Time, 1000.0),
        "min" => (Kind::Time, 60_000.0),
        "h" => (Kind::Time, 3_600_000.0),
        "d" => (Kind::Time, 86_400_000.0),
        _ => return None,
    })
}

/// PostgreSQL's `parse_bool`: the words, or unique prefixes of them, in any case.
fn parse_bool(v: &str) -> Option<bool> {
    let lower = v.to_ascii_lowercase();
    let l = lower.as_str();
    if l.is_empty() {
        return None;
    }
    let prefix_of = |word: &str| word.starts_with(l);
    match l.as_bytes()[0] {
        b't' if prefix_of("true") => Some(true),
        b'f' if prefix_of("false") => Some(false),
        b'y' if prefix_of("yes") => Some(true),
        b'n' if prefix_of("no") => Some(false),
        b'o' if l == "on" => Some(true),
        b'o' if l.len() >= 2 && prefix_of("off") => Some(false),
        b'1' if l == "1" => Some(true),
        b'0' if l == "0" => Some(false),
        _ => None,
    }
}

/// Splits `128MB`, `' 1.5 GB'`, `0x10`, `-1` into the number and the unit text after it, as
/// the server's `parse_int`/`parse_real` do (`strtol` with base 0, then `strtod` when the
/// number goes on with `.` or an exponent). None when it does not start with a number.
fn split_number(v: &str) -> Option<(f64, &str)> {
    let s = v.trim();
    let b = s.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let digits_from = |mut j: usize, radix: u32| -> (f64, usize) {
        let mut val = 0.0f64;
        while let Some(d) = b.get(j).and_then(|&c| (c as char).to_digit(radix)) {
            val = val * f64::from(radix) + f64::from(d);
            j += 1;
        }
        (val, j)
    };
    let (mut val, mut end) = if b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        digits_from(i + 2, 16)
    } else if b.get(i) == Some(&b'0') {
        digits_from(i, 8)
    } else {
        digits_from(i, 10)
    };
    if matches!(b.get(end), Some(b'.' | b'e' | b'E')) || (end == i && b.get(i) == Some(&b'.')) {
        // strtod: digits [. digits] [e [sign] digits]
        let mut j = i;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let int_digits = j - i;
        let mut frac_digits = 0;
        if b.get(j) == Some(&b'.') {
            j += 1;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
                frac_digits += 1;
            }
        }
        if int_digits + frac_digits == 0 {
            return None;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            let mut k = j + 1;
            if matches!(b.get(k), Some(b'+' | b'-')) {
                k += 1;
            }
            if b.get(k).is_some_and(u8::is_ascii_digit) {
                while b.get(k).is_some_and(u8::is_ascii_digit) {
                    k += 1;
                }
                j = k;
            }
        }
        val = s[i..j].parse::<f64>().ok()?;
        end = j;
    }
    if end == i || !val.is_finite() {
        return None;
    }
    Some((if negative { -val } else { val }, s[end..].trim()))
}

/// How postgresql.conf would read `text` as the value of setting `name` (lower case): a rule's
/// bound `"128MB"` for `shared_buffers` becomes the same amount of 8 kB pages as the file's value.
pub fn setting_value(name: &str, text: &str) -> Value {
    typed_value(name, text.to_string())
}

/// A value as a running server shows it in `pg_settings` (`setting` in the base unit `unit`),
/// typed as [`setting_value`] types the file's: `16384` with unit `8kB` for `shared_buffers`
/// has the amount `128MB` has in a file. Its text is the server's own display (`128MB`, as
/// `SHOW` prints it).
pub fn running_value(name: &str, setting: &str, base_unit: &str) -> Value {
    let Some((base_kind, base_size)) = unit(base_unit).filter(|_| !setting.is_empty()) else {
        return typed_value(name, setting.to_string());
    };
    let Some((number, "")) = split_number(setting) else {
        return typed_value(name, setting.to_string());
    };
    // A setting with a known unit (PostgreSQL 15's, or the newest table's that has it, as
    // [`typed_value`] reads files) is typed in its base unit; another one as a file's number
    // with a unit is: in bytes or milliseconds.
    let known = UNIT_SETTINGS.iter().any(|(n, _, _)| *n == name)
        || defaults::postgresql_reading(name).unit(name).is_some();
    let amount = if known { number } else { number * base_size };
    Value::Quantity {
        amount,
        text: shown(number, base_kind, base_size, base_unit),
    }
}

/// A number in a base unit as the server shows it: in the largest unit that holds it whole
/// (`_ShowOption`'s `convert_int_from_base_unit`), `0` and negatives without a unit.
fn shown(number: f64, kind: Kind, base_size: f64, base: &str) -> String {
    if number <= 0.0 || number.fract() != 0.0 {
        return if number <= 0.0 {
            format!("{number}")
        } else {
            format!("{number}{base}")
        };
    }
    let units: &[&str] = match kind {
        Kind::Memory => &["TB", "GB", "MB", "kB", "B"],
        Kind::Time => &["d", "h", "min", "s", "ms", "us"],
    };
    let total = number * base_size;
    for u in units {
        let Some((_, size)) = unit(u) else { continue };
        // Never finer than the base unit (kB for 8 kB pages).
        let finest = match kind {
            Kind::Memory => base_size.min(1024.0),
            Kind::Time => base_size,
        };
        if size < finest {
            break;
        }
        let n = total / size;
        if n.fract() == 0.0 {
            return format!("{n}{u}");
        }
    }
    format!("{number}{base}")
}

/// The value of a setting, typed by what the tables know about its name.
fn typed_value(name: &str, text: String) -> Value {
    // PostgreSQL 15's table, or for a setting it lacks the newest table that has it.
    let table = defaults::postgresql_reading(name);
    let vartype = table.vartype(name);
    if BOOL_SETTINGS.contains(&name) || vartype == Some("BOOLEAN") {
        return match parse_bool(&text) {
            Some(b) => Value::Bool(b),
            None => Value::Str(text),
        };
    }
    if vartype == Some("ENUM") {
        // The server's enum lookup ignores case and takes hidden spellings (`hot_standby`,
        // `yes`); a spelling it does not take stays as written.
        return Value::Str(table.enum_value(name, &text).map_or(text, str::to_string));
    }
    if vartype == Some("STRING") && table.folds_case(name) {
        // Read in any case (`DateStyle`, `client_encoding`): compared in lower case.
        return Value::Str(text.to_lowercase());
    }
    let Some((number, unit_text)) = split_number(&text) else {
        return Value::Str(text);
    };
    // The setting's unit: PostgreSQL 15's, else the one its table says the server reads.
    let base_unit = UNIT_SETTINGS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, base, real)| (base, real))
        .or_else(|| table.unit(name).map(|base| (base, vartype == Some("REAL"))));
    if unit_text.is_empty() && matches!(vartype, Some("INTEGER" | "REAL")) && base_unit.is_none() {
        // A number the server reads with strtol/strtod (`0x64`, `0144` and `100` are one
        // value), an integer setting's rounded as `parse_int` rounds it. Plain decimals stay
        // as written (they compare as numbers already).
        let amount = if vartype == Some("INTEGER") {
            number.round_ties_even()
        } else {
            number
        };
        let plain = text.trim_start_matches('-');
        let decimal = !(plain.len() > 1 && plain.starts_with('0') && !plain.starts_with("0."))
            && plain.parse::<f64>().ok() == Some(amount.abs());
        return if decimal {
            Value::Str(text)
        } else {
            Value::Quantity { amount, text }
        };
    }
    let amount = match base_unit {
        Some((base, real)) => {
            let Some((base_kind, base_size)) = unit(base) else {
                return Value::Str(text);
            };
            let in_base = if unit_text.is_empty() {
                number
            } else {
                match unit(unit_text) {
                    Some((kind, size)) if kind == base_kind && unit_text != "8kB" => {
                        number * size / base_size
                    }
                    _ => return Value::Str(text),
                }
            };
            if real {
                in_base
            } else {
                in_base.round_ties_even()
            }
        }
        None => match unit(unit_text) {
            Some((_, size)) if unit_text != "8kB" => number * size,
            _ => return Value::Str(text),
        },
    };
    if amount.is_finite() {
        Value::Quantity { amount, text }
    } else {
        Value::Str(text)
    }
}

/// Whether an unquoted value is one token of PostgreSQL's `guc-file.l`: `UNQUOTED_STRING`
/// (a letter or `_`, then letters, digits, `_ - . : /`), `INTEGER` (`[+-]?(digits|0x hex)`
/// then unit letters) or `REAL` (`[+-]?digits.digits`, an exponent only after a `.`). The
/// lexer takes the longest match, so `1.5MB` is a REAL then an ID, and `4e0` an INTEGER `4e`
/// then `0`: both refused.
fn one_token(word: &str) -> bool {
    let b = word.as_bytes();
    let letter = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
    if b.first().copied().is_some_and(letter) {
        return b[1..]
            .iter()
            .all(|&c| letter(c) || c.is_ascii_digit() || matches!(c, b'-' | b'.' | b':' | b'/'));
    }
    let s = b
        .strip_prefix(b"-")
        .or_else(|| b.strip_prefix(b"+"))
        .unwrap_or(b);
    let digits = |x: &[u8]| x.iter().take_while(|c| c.is_ascii_digit()).count();
    let integer = |x: &[u8]| {
        let n = digits(x);
        n > 0 && x[n..].iter().all(u8::is_ascii_alphabetic)
    };
    let hex = |x: &[u8]| {
        x.strip_prefix(b"0x").is_some_and(|h| {
            let n = h.iter().take_while(|c| c.is_ascii_hexdigit()).count();
            n > 0 && h[n..].iter().all(u8::is_ascii_alphabetic)
        })
    };
    let real = |x: &[u8]| {
        let n = digits(x);
        let Some(rest) = x[n..].strip_prefix(b".") else {
            return false;
        };
        let rest = &rest[digits(rest)..];
        match rest.first() {
            None => true,
            Some(b'e' | b'E') => {
                let e = &rest[1..];
                let e = e
                    .strip_prefix(b"-")
                    .or_else(|| e.strip_prefix(b"+"))
                    .unwrap_or(e);
                !e.is_empty() && digits(e) == e.len()
            }
            Some(_) => false,
        }
    };
    integer(s) || hex(s) || real(s)
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0c')
}

fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_letter_or_digit(c: char) -> bool {
    is_letter(c) || c.is_ascii_digit()
}

fn is_value_char(c: char) -> bool {
    is_letter_or_digit(c) || matches!(c, '-' | '.' | ':' | '/' | '+')
}

/// Reads the single-quoted string starting at byte `start` (on the opening quote): its decoded
/// text and the byte offset after the closing quote.
fn quoted(line: &str, start: usize, ln: u32) -> Result<(String, usize), ParseError> {
    // Bytes, as the server builds the value: an octal escape is one byte (`\351` is the same
    // byte as a Latin-1 é in the file, `\303\251` the same as a UTF-8 é).
    let mut out: Vec<u8> = Vec::new();
    let push = |out: &mut Vec<u8>, c: char| super::raw::push_char(out, c);
    let mut chars = line[start + 1..].char_indices().peekable();
    while let Some((off, c)) = chars.next() {
        match c {
            '\'' => {
                if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                    out.push(b'\'');
                } else {
                    return Ok((super::raw::decode_built(&out), start + 1 + off + 1));
                }
            }
            '\\' => match chars.next() {
                Some((_, 'b')) => out.push(8),
                Some((_, 'f')) => out.push(0x0c),
                Some((_, 'n')) => out.push(b'\n'),
                Some((_, 'r')) => out.push(b'\r'),
                Some((_, 't')) => out.push(b'\t'),
                Some((_, d @ '0'..='7')) => {
                    let mut v = d.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|&(_, n)| n.to_digit(8)) {
                            Some(n) => {
                                v = v * 8 + n;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    out.push((v & 0xff) as u8);
                }
                Some((_, other)) => push(&mut out, other),
                None => break,
            },
            c => push(&mut out, c),
        }
    }
    Err(ParseError::new(
        ln,
        column(line, start),
        "expected a closing ' for the quoted value that starts here",
    ))
}

/// One line: None for blank and comment lines, else the lowercased name, its column and the
/// value text.
fn parse_line(line: &str, ln: u32) -> Result<Option<(String, String)>, ParseError> {
    let err = |at: usize, msg: &str| Err(ParseError::new(ln, column(line, at), msg));
    let peek = |at: usize| line[at..].chars().next();
    let skip_space = |mut at: usize| {
        while let Some(c) = peek(at).filter(|&c| is_space(c)) {
            at += c.len_utf8();
        }
        at
    };
    let take_id = |mut at: usize| {
        while let Some(c) = peek(at).filter(|&c| is_letter_or_digit(c)) {
            at += c.len_utf8();
        }
        at
    };

    let start = skip_space(0);
    match peek(start) {
        None | Some('#') => return Ok(None),
        Some(c) if is_letter(c) => {}
        Some(_) => {
            return err(
                start,
                "expected a setting name (a letter or '_', then letters, digits or '_')",
            );
        }
    }
    let mut at = take_id(start);
    if peek(at) == Some('.') {
        if !peek(at + 1).is_some_and(is_letter) {
            return err(at + 1, "expected the rest of the setting name after '.'");
        }
        at = take_id(at + 1);
    }
    let name = line[start..at].to_ascii_lowercase();
    match peek(at) {
        None | Some('=' | '\'' | '#') => {}
        Some(c) if is_space(c) => {}
        Some(_) => {
            return err(
                at,
                "expected '=' or a value after the setting name (names hold only letters, digits and '_')",
            );
        }
    }
    at = skip_space(at);
    let had_equals = peek(at) == Some('=');
    if had_equals {
        at = skip_space(at + 1);
    }
    let value = match peek(at) {
        None | Some('#') => {
            return err(
                at,
                if had_equals {
                    "expected a value after '='"
                } else {
                    "expected '=' and a value after the setting name"
                },
            );
        }
        Some('\'') => {
            let (text, end) = quoted(line, at, ln)?;
            at = end;
            text
        }
        Some(_) => {
            let from = at;
            while let Some(c) = peek(at).filter(|&c| !is_space(c) && c != '#') {
                if !is_value_char(c) {
                    return err(
                        at,
                        "expected a number, a word (letters, digits, '_', '-', '.', ':', '/', '+') \
                         or a value in single quotes",
                    );
                }
                at += c.len_utf8();
            }
            let word = &line[from..at];
            if !one_token(word) {
                return err(
                    from,
                    "expected one value PostgreSQL reads unquoted (a whole number with an optional \
                     unit such as 128MB, a decimal number without a unit, or a word starting with \
                     a letter); the server reads this as two tokens and refuses the file: put it \
                     in single quotes",
                );
            }
            word.to_string()
        }
    };
    at = skip_space(at);
    match peek(at) {
        None | Some('#') => Ok(Some((name, value))),
        Some(_) => err(
            at,
            "expected the end of the line or a '#' comment after the value \
             (put a value with spaces in single quotes)",
        ),
    }
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let mut tree = Tree::new();
    let mut includes: HashMap<&'static str, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let ln = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Some((name, value)) = parse_line(line, ln)? else {
            continue;
        };
        if let Some(&directive) = INCLUDES.iter().find(|d| **d == name) {
            let n = includes.entry(directive).or_insert(0);
            let mut path = String::new();
            push_key(&mut path, directive);
            push_index(&mut path, *n);
            *n += 1;
            tree.insert(path, Value::Str(value), ln);
            continue;
        }
        // Old names the server still reads set the setting they were renamed to.
        let name = match defaults::postgresql_spellings().alias(&name) {
            Some(new) => new.to_string(),
            None => name,
        };
        let value = typed_value(&name, value);
        tree.insert(name, value, ln);
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const SAMPLE: &str =
        include_str!("../../fixtures/upstream/postgresql-15/postgresql.conf.sample");

    fn amount(t: &Tree, key: &str) -> f64 {
        match get(t, key).0 {
            Value::Quantity { amount, .. } => *amount,
            other => panic!("{key} is not a quantity: {other:?}"),
        }
    }

    fn q(amount: f64, text: &str) -> Value {
        Value::Quantity {
            amount,
            text: text.into(),
        }
    }

    /// pg_settings rows as PostgreSQL 15.18 shows them, against the file's spellings.
    #[test]
    fn running_values_meet_the_files() {
        for (name, setting, unit, file, shown) in [
            ("shared_buffers", "16384", "8kB", "128MB", "128MB"),
            ("work_mem", "8192", "kB", "8MB", "8MB"),
            ("work_mem", "4100", "kB", "4100kB", "4100kB"),
            ("max_wal_size", "1024", "MB", "1GB", "1GB"),
            ("checkpoint_timeout", "300", "s", "5min", "5min"),
            ("deadlock_timeout", "1000", "ms", "1s", "1s"),
            ("log_rotation_age", "1440", "min", "1d", "1d"),
            ("autovacuum_work_mem", "-1", "kB", "-1", "-1"),
            ("statement_timeout", "0", "ms", "0", "0"),
            ("vacuum_cost_delay", "0.5", "ms", "500us", "0.5ms"),
            // A setting PostgreSQL 15 does not have (16's): read with the newest table that has it.
            ("vacuum_buffer_usage_limit", "256", "kB", "256kB", "256kB"),
            // One no table has (a later version's): bytes either side.
            ("some_future_limit", "256", "kB", "256kB", "256kB"),
        ] {
            let r = running_value(name, setting, unit);
            assert!(r.same(&setting_value(name, file)), "{name}: {r:?}");
            assert_eq!(r.to_string(), shown, "{name}");
        }
        for (name, setting, file) in [
            ("datestyle", "ISO, MDY", "iso, mdy"),
            ("wal_level", "replica", "hot_standby"),
            ("fsync", "on", "yes"),
            ("max_connections", "100", "0x64"),
            ("random_page_cost", "4", "4.0"),
        ] {
            let r = running_value(name, setting, "");
            assert!(r.same(&setting_value(name, file)), "{name}: {r:?}");
        }
        assert!(!running_value("work_mem", "4096", "kB").same(&setting_value("work_mem", "8MB")));
    }

    #[test]
    fn shipped_sample_is_all_comments() {
        assert!(parse(SAMPLE).unwrap().is_empty());
    }

    /// Every `#name = value` line of the sample, uncommented, is a valid line: the reader
    /// accepts every value spelling PostgreSQL ships, with the right lines and types.
    #[test]
    fn shipped_sample_uncommented() {
        let enabled: String = SAMPLE
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase()) => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let t = parse(&enabled).unwrap();
        assert!(t.len() > 290, "{}", t.len());
        assert_eq!(get(&t, "shared_buffers"), (&q(16384.0, "128MB"), 127));
        assert_eq!(get(&t, "listen_addresses"), (&Value::text("localhost"), 60));
        assert_eq!(get(&t, "port"), (&Value::text("5432"), 64));
        assert_eq!(get(&t, "fsync"), (&Value::Bool(true), 207));
        assert_eq!(get(&t, "wal_log_hints"), (&Value::Bool(false), 220));
        assert_eq!(get(&t, "synchronous_commit").0, &Value::text("on"));
        assert_eq!(get(&t, "max_wal_size").0, &q(1024.0, "1GB"));
        assert_eq!(get(&t, "checkpoint_timeout").0, &q(300.0, "5min"));
        assert_eq!(get(&t, "log_rotation_age").0, &q(1440.0, "1d"));
        assert_eq!(get(&t, "log_rotation_size").0, &q(10240.0, "10MB"));
        assert_eq!(get(&t, "wal_sender_timeout").0, &q(60000.0, "60s"));
        assert_eq!(get(&t, "autovacuum_vacuum_cost_delay").0, &q(2.0, "2ms"));
        assert_eq!(amount(&t, "log_min_duration_statement"), -1.0);
        assert_eq!(get(&t, "search_path").0, &Value::text("\"$user\", public"));
        assert_eq!(get(&t, "log_line_prefix").0, &Value::text("%m [%p] "));
        assert_eq!(
            get(&t, "ssl_ciphers").0,
            &Value::text("HIGH:MEDIUM:+3DES:!aNULL")
        );
        assert_eq!(get(&t, "include_dir[0]"), (&Value::text("..."), 805));
        assert_eq!(get(&t, "include_if_exists[0]"), (&Value::text("..."), 807));
        assert_eq!(get(&t, "include[0]"), (&Value::text("..."), 808));
    }

    #[test]
    fn unit_spellings_and_key_case_are_not_drift() {
        let a = parse("shared_buffers = 128MB\nwork_mem = 4MB\nstatement_timeout = 30s\n").unwrap();
        let b = parse(
            "# tuned\nSTATEMENT_TIMEOUT '30000ms' # 30 seconds\nShared_Buffers='131072kB'\n\
             work_mem = 4096\n",
        )
        .unwrap();
        let c =
            parse("shared_buffers 16384\nwork_mem='4 MB'\nstatement_timeout = '0.5min'\n").unwrap();
        assert!(same_tree(&a, &b));
        assert!(same_tree(&a, &c));
        assert_eq!(get(&b, "shared_buffers"), (&q(16384.0, "131072kB"), 3));
        assert_eq!(amount(&c, "statement_timeout"), 30000.0);
        let d =
            parse("shared_buffers = 0x4000\nwork_mem = 010000\nstatement_timeout=30000\n").unwrap();
        assert!(same_tree(&a, &d), "{d:?}");

        let edited =
            parse("shared_buffers = 256MB\nwork_mem = 4MB\nstatement_timeout = 30s\n").unwrap();
        assert!(!same_tree(&a, &edited));
        assert!(!get(&a, "shared_buffers").0.same(&Value::text("128MB")));
    }

    #[test]
    fn booleans_units_that_do_not_fit_and_other_settings() {
        let t = parse(
            "ssl = TRUE\nfsync = of\nautovacuum = y\njit = o\nlogging_collector = 1\n\
             hot_standby = 'On'\nshared_buffers = 10s\nwork_mem = 4mb\n\
             my.custom_mem = 2kB\nmy.custom_time = 2min\nmax_connections = 100\n\
             wal_level = replica\nsynchronous_commit = off\nlog_destination = 'stderr,csvlog'\n\
             escaped = 'it''s a \\'test\\' \\t \\101'\n",
        )
        .unwrap();
        assert_eq!(get(&t, "ssl").0, &Value::Bool(true));
        assert_eq!(get(&t, "fsync").0, &Value::Bool(false));
        assert_eq!(get(&t, "autovacuum").0, &Value::Bool(true));
        assert_eq!(get(&t, "jit").0, &Value::text("o"));
        assert_eq!(get(&t, "logging_collector").0, &Value::Bool(true));
        assert_eq!(get(&t, "hot_standby").0, &Value::Bool(true));
        assert_eq!(get(&t, "shared_buffers").0, &Value::text("10s"));
        assert_eq!(get(&t, "work_mem").0, &Value::text("4mb"));
        assert_eq!(get(&t, "my.custom_mem").0, &q(2048.0, "2kB"));
        assert_eq!(get(&t, "my.custom_time").0, &q(120_000.0, "2min"));
        assert_eq!(get(&t, "max_connections").0, &Value::text("100"));
        assert!(get(&t, "max_connections").0.same(&Value::Int(100)));
        assert_eq!(get(&t, "wal_level").0, &Value::text("replica"));
        assert_eq!(get(&t, "synchronous_commit").0, &Value::text("off"));
        assert_eq!(get(&t, "log_destination").0, &Value::text("stderr,csvlog"));
        assert_eq!(get(&t, "escaped").0, &Value::text("it's a 'test' \t A"));
    }

    #[test]
    fn last_assignment_wins_but_includes_all_apply() {
        let t = parse(
            "include 'base.conf'\nmax_connections = 100\ninclude_dir 'conf.d'\n\
             max_connections = 200 # raised\ninclude = 'tuning.conf'\n\
             INCLUDE_IF_EXISTS = 'local.conf'\n",
        )
        .unwrap();
        assert_eq!(get(&t, "max_connections"), (&Value::text("200"), 4));
        assert_eq!(get(&t, "include[0]"), (&Value::text("base.conf"), 1));
        assert_eq!(get(&t, "include[1]"), (&Value::text("tuning.conf"), 5));
        assert_eq!(get(&t, "include_dir[0]"), (&Value::text("conf.d"), 3));
        assert_eq!(
            get(&t, "include_if_exists[0]"),
            (&Value::text("local.conf"), 6)
        );
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn errors_name_line_column_and_what_was_expected() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("port = 5432\n= 5\n", 2, 1, "expected a setting name"),
            ("  shared-buffers = 1\n", 1, 9, "expected '=' or a value"),
            ("work_mem =\n", 1, 11, "expected a value after '='"),
            ("work_mem # no value\n", 1, 10, "expected '=' and a value"),
            (
                "shared_buffers = 128 MB\n",
                1,
                22,
                "expected the end of the line",
            ),
            ("listen_addresses = *\n", 1, 20, "expected a number, a word"),
            ("search_path = 'a, b\n", 1, 15, "expected a closing '"),
            ("a.\n", 1, 3, "after '.'"),
            ("x = \"quoted\"\n", 1, 5, "single quotes"),
        ];
        for &(text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
    }

    #[test]
    fn empty_and_junk_input_never_panic() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("\n  \t\n# x = 1\n").unwrap().is_empty());
        let e = parse(&"[".repeat(100_000)).unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        let long = format!("a = '{}'\n", "\\'".repeat(100_000));
        assert_eq!(
            get(&parse(&long).unwrap(), "a").0,
            &Value::text("'".repeat(100_000))
        );
        let long = format!("a = '{}\n", "\\'".repeat(100_000));
        assert_eq!(parse(&long).unwrap_err().column, 5);
        let long = format!("a = '{}'\n", "x''#".repeat(100_000));
        assert_eq!(parse(&long).unwrap().len(), 1);
        let digits = format!("shared_buffers = {}\n", "9".repeat(100_000));
        assert!(matches!(
            get(&parse(&digits).unwrap(), "shared_buffers").0,
            Value::Str(_)
        ));
        for junk in [
            "a",
            "a'",
            "a '\\",
            "a = '\\7777'",
            "é = ü",
            "a.b.c = 1",
            "a = -",
            "a = .",
            "a = +e",
            "work_mem = 1e",
            "work_mem = 0x",
            "work_mem = 1e999",
            "work_mem = -.5e-3kB",
            "\u{feff}a = 1",
            "a\r= 1\r\n",
            "\x0c",
            "statement_timeout = 08",
            "a = 'é\\é'",
        ] {
            let _ = parse(junk);
        }
    }
}
