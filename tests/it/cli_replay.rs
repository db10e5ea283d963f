//! `rotor replay --verify` on a log whose decision was tampered with: exit 1 naming the first
//! decision that the events before it do not reproduce.

use super::common::*;

#[test]
fn verify_exits_1_naming_the_first_decision_that_differs() {
    let (_d, db) = temp_db();
    for l in ["a", "b"] {
        add_key_account(&db, "openai", l);
    }
    for _ in 0..4 {
        assert!(rotor(
            &db,
            &[
                "select",
                "--provider",
                "openai",
                "--model",
                "gpt-4o",
                "--at",
                T0
            ]
        )
        .status
        .success());
    }
    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        stdout(&o).contains("verified 4 decisions"),
        "{}",
        stdout(&o)
    );

    // Swap the account of the third decision for the other one.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (seq, data): (i64, String) = conn
        .query_row(
            "SELECT seq, data FROM events WHERE kind = 'selected' ORDER BY seq LIMIT 1 OFFSET 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&data).unwrap();
    let (a, b): (String, String) = conn
        .query_row(
            "SELECT min(account), max(account) FROM events WHERE kind = 'account_added'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let other = if v["account"] == a.as_str() { b } else { a };
    v["account"] = serde_json::Value::String(other.clone());
    conn.execute(
        "UPDATE events SET data = ?1, account = ?2 WHERE seq = ?3",
        rusqlite::params![v.to_string(), other, seq],
    )
    .unwrap();
    drop(conn);

    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("seq {seq}")) && err.contains(&other),
        "{err}"
    );
}
