//! The main job as CI runs it: `rotor demo --requests 200` exits 0 and leaves a log that
//! `replay --verify` accepts, with every kind of trouble the fakes script showing up in it.

use super::common::*;

#[test]
fn demo_runs_and_leaves_a_log_that_replays_exactly() {
    let (_d, db) = temp_db();
    let o = rotor(&db, &["demo", "--requests", "200", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = json(&o);
    assert_eq!(s["requests"], 200);
    assert!(s["served"].as_u64().unwrap() > 100, "{s}");
    assert!(s["rotations"].as_u64().unwrap() > 0, "{s}");
    assert!(
        s["blocks_by_reason"]["rate_limit"].as_u64().unwrap_or(0) > 0,
        "{s}"
    );
    let req = s["interesting_request"]
        .as_str()
        .expect("an interesting request");

    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = rotor(&db, &["replay", "--explain", req, "--json"]);
    assert!(o.status.success());
    assert_eq!(json(&o)["request"], req);
}
