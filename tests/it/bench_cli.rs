//! `rotor bench --quick --json` on a small size prints every documented field, each a positive
//! number. No test asserts a time: figures depend on the machine.

use super::common::{rotor, stdout, temp_db};

#[test]
fn bench_json_prints_every_spec_field_positive() {
    let (_dir, db) = temp_db();
    let out = rotor(
        &db,
        &[
            "bench",
            "--quick",
            "--json",
            "--accounts",
            "20",
            "--models",
            "3",
            "--events",
            "2000",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for field in [
        "accounts",
        "models",
        "select_median_ns",
        "append_events_per_s",
        "append_raw_events_per_s",
        "fold_events_per_s",
        "fold_raw_events_per_s",
    ] {
        let x = v[field].as_f64().unwrap_or(-1.0);
        assert!(x > 0.0, "{field} = {}", v[field]);
    }
    assert_eq!(v["accounts"], 20);
    assert!(!db.exists(), "bench never touches --db");
}

#[test]
fn bench_rejects_impossible_sizes() {
    let (_dir, db) = temp_db();
    let out = rotor(&db, &["bench", "--quick", "--accounts", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
