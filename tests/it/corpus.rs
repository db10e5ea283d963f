//! The provider error corpus: every case in `tests/cases/<provider>/<name>.json` is parsed and
//! must match its expected kind, scope and stated wait (as an absolute time, within max(2 s,
//! 5 %)); each classification is also snapshotted as `corpus__<provider>__<name>`. The test
//! walks the folder, so new files need no code. It reads nothing outside the repository.

use std::path::{Path, PathBuf};

use rotor::parse::{parse, Headers, ParsedError};
use rotor::time::{parse_ts, Timestamp};
use rotor::Provider;
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(snapshot name, path)` of every case under `tests/cases`, sorted by name.
fn case_files() -> Vec<(String, PathBuf)> {
    let dir = repo().join("tests/cases");
    let mut out = Vec::new();
    let providers = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().is_dir());
    for provider in providers {
        let files = std::fs::read_dir(provider.path())
            .unwrap_or_else(|e| panic!("{}: {e}", provider.path().display()));
        for file in files.flatten() {
            let path = file.path();
            if path.extension().is_some_and(|x| x == "json") {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                let name = format!("{}__{stem}", provider.file_name().to_string_lossy());
                out.push((name, path));
            }
        }
    }
    out.sort();
    out
}

/// Case names that reviewed snapshots exist for (`snapshots/corpus__<name>.snap`).
fn snapshotted_cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("snapshots"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let name = file.strip_prefix("corpus__")?.strip_suffix(".snap")?;
            Some(name.to_string())
        })
        .collect();
    names.sort();
    names
}

struct Case {
    received_at: Timestamp,
    parsed: ParsedError,
    expected: Value,
}

fn run_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("unreadable: {e}"))?;
    let case: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let provider: Provider = case["provider"]
        .as_str()
        .unwrap_or("")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let status = case["status"].as_u64().ok_or("no status")? as u16;
    let mut headers = Headers::new();
    if let Some(map) = case["headers"].as_object() {
        for (k, v) in map {
            headers.insert(
                k,
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            );
        }
    }
    let body = match &case["body"] {
        Value::String(s) => s.clone().into_bytes(),
        Value::Null => Vec::new(),
        other => serde_json::to_vec(other).map_err(|e| e.to_string())?,
    };
    let received_at = parse_ts(
        case["received_at"]
            .as_str()
            .unwrap_or("2025-12-27T10:00:00Z"),
    )
    .map_err(|e| e.to_string())?;
    let parsed = parse(provider, status, &headers, &body);
    Ok(Case {
        received_at,
        parsed,
        expected: case["expected"].clone(),
    })
}

fn check(c: &Case) -> Result<(), String> {
    let e = &c.expected;
    let got = c.parsed.classify_json(c.received_at);
    let mut problems = Vec::new();
    for field in ["kind", "scope"] {
        if !e[field].is_null() && e[field] != got[field] {
            problems.push(format!(
                "{field}: expected {}, got {}",
                e[field], got[field]
            ));
        }
    }
    let expected_until = match (e["retry_after_s"].as_f64(), e["reset_at"].as_str()) {
        (Some(s), _) => Some(c.received_at + chrono::Duration::milliseconds((s * 1000.0) as i64)),
        (None, Some(t)) => Some(parse_ts(t).map_err(|e| e.to_string())?),
        (None, None) => None,
    };
    if let Some(want) = expected_until {
        match c.parsed.stated_until(c.received_at) {
            None => problems.push(format!("wait: expected until {want}, parser stated none")),
            Some(have) => {
                let span_ms = (want - c.received_at).num_milliseconds().abs();
                let tolerance = (span_ms / 20).max(2000);
                if (have - want).num_milliseconds().abs() > tolerance {
                    problems.push(format!("wait: expected until {want}, got {have}"));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn corpus() {
    let files = case_files();
    for p in Provider::ALL {
        assert!(
            files
                .iter()
                .any(|(n, _)| n.starts_with(&format!("{}__", p.as_str()))),
            "no case for {} in tests/cases",
            p.as_str()
        );
    }
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    for (name, path) in &files {
        match run_case(path).and_then(|c| check(&c).map(|()| c)) {
            Ok(c) => passed.push((name.clone(), c.parsed)),
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    for (name, parsed) in passed {
        snap!(format!("corpus__{name}"), parsed);
    }
}

/// A reviewed snapshot without its case means a case went missing (the corpus only grows).
#[test]
fn every_reviewed_corpus_snapshot_still_has_its_case() {
    let cases: Vec<String> = case_files().into_iter().map(|(n, _)| n).collect();
    let orphans: Vec<String> = snapshotted_cases()
        .into_iter()
        .filter(|n| cases.binary_search(n).is_err())
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a case in tests/cases: {orphans:?}"
    );
}
