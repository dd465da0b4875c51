//! The config reader on hostile input at the size cap (1 MiB): memory in proportion to the
//! input, and time that does not grow with its square.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use connector_kit::config::{Findings, LoadOptions, PathSegment, parse_json};
use serde_json::Value;

/// `{"kkk…": {"a":0, "a":0, …}}` of about `size` bytes, its key `key_len` bytes long.
fn one_key_repeated_under_a_long_key(key_len: usize, size: usize) -> String {
    let key = "k".repeat(key_len);
    let mut text = format!("{{\"{key}\": {{");
    while text.len() < size - 8 {
        text.push_str("\"a\":0,");
    }
    text.push_str("\"a\":0}}");
    text
}

/// The bytes of paths the parse of `text` keeps for its repeated keys (a key's length, 8 for
/// a position), each copy counted once however many repeats share it.
fn path_bytes_kept(text: &str) -> (usize, usize) {
    let parsed = parse_json(text).unwrap();
    let mut copies = HashSet::new();
    let used = parsed
        .duplicates
        .iter()
        .filter(|d| copies.insert(d.path.as_ptr()))
        .map(|d| {
            d.path
                .iter()
                .map(|s| match s {
                    PathSegment::Key(k) => k.len(),
                    PathSegment::Index(_) => 8,
                })
                .sum::<usize>()
        })
        .sum();
    (used, parsed.duplicates.len())
}

/// A 64 KiB input with one long key and many repeated keys below it used to keep one copy of
/// the long key per repeat (179 MB of paths).
#[test]
fn parsing_a_config_costs_memory_in_proportion_to_its_size() {
    let text = one_key_repeated_under_a_long_key(32 * 1024, 64 * 1024);
    let started = Instant::now();
    let (used, duplicates) = path_bytes_kept(&text);
    let elapsed = started.elapsed();
    assert!(duplicates > 5000, "{duplicates} repeated keys");
    assert!(
        used < 64 * text.len(),
        "{} bytes of input, {duplicates} repeated keys: {used} bytes of paths kept ({}x), parsed in {elapsed:?}",
        text.len(),
        used / text.len()
    );
}

/// At the real 1 MiB cap, through a loader (it used to need about 45 GB). The 64 KiB case is
/// checked first, so that a regression fails here rather than exhausting the machine.
#[test]
fn a_one_mib_config_repeating_a_key_under_a_long_key_loads_with_bounded_memory() {
    let small = one_key_repeated_under_a_long_key(32 * 1024, 64 * 1024);
    let (used, _) = path_bytes_kept(&small);
    assert!(used < 64 * small.len(), "{used} bytes of paths kept");

    let text = one_key_repeated_under_a_long_key(512 * 1024, 1 << 20);
    assert!(text.len() <= 1 << 20);
    let factory = connector_kit::RoutingFactory::new(connector_kit::Registry::new());
    let err = factory.load(&text, &LoadOptions::default()).unwrap_err();
    let shown = err.to_string();
    let times = text.matches("\"a\":").count();
    assert!(
        shown.contains(&format!(".a: is given {times} times")),
        "the repeated key is counted: {}",
        &shown[..shown.len().min(2000)]
    );
}

/// Many different keys repeated under a long key: each key's path is a copy of the long key,
/// so past 8 times the input's size (and 64 KiB) the config is refused, not kept.
#[test]
fn many_keys_repeated_under_a_long_key_are_refused_not_kept() {
    let key = "k".repeat(32 * 1024);
    let mut text = format!("{{\"{key}\": {{");
    for i in 0..3000 {
        text.push_str(&format!("\"a{i}\":0,\"a{i}\":1,"));
    }
    text.push_str("\"z\":0}}");
    assert!(text.len() < 128 * 1024);
    let err = match parse_json(&text) {
        Ok(parsed) => panic!("kept {} repeated keys", parsed.duplicates.len()),
        Err(err) => err,
    };
    assert!(err.is_data(), "{err}");
    assert!(
        err.to_string()
            .starts_with("it repeats keys under keys so long that their paths would take more than 8 times its size; give each key once at line 1 column"),
        "{err}"
    );
    let mut findings = Findings::new(&LoadOptions::default());
    assert!(findings.parse_json(&text).is_none());
    let err = findings.finish::<()>(None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the config is refused: it repeats keys under keys so long"),
        "{err}"
    );

    // The same keys under a short key are kept, each repeat listed.
    let text = text.replacen(&key, "k", 1);
    assert_eq!(parse_json(&text).unwrap().duplicates.len(), 3000);
}

/// Secrets given as a list (`{"hashSecret": [..90k strings..]}`, under 1 MiB): each one used to
/// be checked against all before it (`Vec::contains`).
#[test]
fn registering_the_secrets_of_a_1_mib_config_is_not_quadratic() {
    let list: Vec<Value> = (0..90_000)
        .map(|i| Value::String(format!("s{i:06}")))
        .collect();
    let value = Value::Array(list);
    assert!(value.to_string().len() < 1 << 20);
    let mut findings = Findings::new(&LoadOptions::default());
    let started = Instant::now();
    findings.add_secrets_in(&value);
    let elapsed = started.elapsed();
    // Generous: it runs unoptimised on a loaded machine; quadratic, it took tens of seconds.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}

/// Each echoed value used to be searched for every secret; with 90,000 secrets and as many
/// values checked (a config's worth), a load took 88 s. All of them still never show.
#[test]
fn checking_values_against_the_secrets_of_a_1_mib_config_is_not_quadratic() {
    let secrets: Vec<Value> = (0..90_000)
        .map(|i| Value::String(format!("s{i:06}")))
        .collect();
    let mut findings = Findings::new(&LoadOptions::default());
    findings.add_secrets_in(&Value::Array(secrets));
    let started = Instant::now();
    for i in (0..90_000).step_by(7) {
        assert_eq!(
            findings.echo(&format!("x-s{i:06}-y")),
            connector_kit::REDACTED
        );
    }
    for i in 0..20_000 {
        findings.error(format!("v{i}"), format!("bad s{i:06} and t{i:06}"));
    }
    let err = findings.finish::<()>(None).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.problems[1].message, "bad ** redacted ** and t000001");
    assert_eq!(err.omitted, 20_000 - 20);
    // Generous, as above: the scan of every secret per value took well over a minute.
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}
