//! `selected` records the credential generation it leased, so a 401 reported later for an
//! older generation triggers no refresh, whether it comes through the library (see
//! `refresh_engine`) or the CLI (`rotor report --request`, which finds the lease in the log).
//! `selected` events written before the generation was recorded (version 1) are upcast: their
//! generation is unknown, and a 401 against one counts as against the current credential.

use std::path::Path;
use std::time::Duration;

use rotor::{Engine, NewAccount, Provider};
use serde_json::Value;

use super::common::*;
use super::fake_oauth::FakeOAuth;

/// A Claude account signed in at the fake, its token good until 2030.
fn add_signed_in(db: &Path, fake: &FakeOAuth, label: &str) {
    let e = Engine::builder()
        .path(db)
        .endpoints(fake.endpoints(Duration::from_secs(10)))
        .open()
        .unwrap();
    let secrets = fake.sign_in(Provider::Claude, &format!("{label}@example.com"));
    let new = NewAccount {
        secrets,
        ..NewAccount::oauth(
            Provider::Claude,
            label,
            "x",
            None,
            Some(t("2030-01-01T00:00:00Z")),
        )
    };
    e.add_account(new).unwrap();
    e.flush_blocking().unwrap();
}

async fn select(db: &Path, conf: &Path) -> String {
    let o = rotor_with_config(
        db,
        conf,
        &[
            "--json",
            "select",
            "--provider",
            "claude",
            "--model",
            "opus",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    json(&o)["request"].as_str().unwrap().to_string()
}

async fn report_401(db: &Path, conf: &Path, request: &str) -> Value {
    let o = rotor_with_config(
        db,
        conf,
        &["--json", "report", "--request", request, "--status", "401"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    json(&o)
}

fn on_401_refreshes(db: &Path) -> usize {
    logged(db, "refresh_due")
        .iter()
        // (serde's snake_case writes `On401` as `on401`)
        .filter(|r| r["why"] == "on401")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_reported_by_the_cli_for_an_older_generation_refreshes_nothing() {
    // Given a lease of generation 1, then a refresh by hand, then a lease of generation 2
    let fake = FakeOAuth::start().await;
    let (dir, db) = temp_db();
    let conf = fake.write_claude_config(dir.path());
    add_signed_in(&db, &fake, "a");
    let old = select(&db, &conf).await;
    let o = rotor_with_config(&db, &conf, &["refresh", "a"]).await;
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let new = select(&db, &conf).await;
    // Then each selection records the generation it leased
    let generations: Vec<_> = logged(&db, "selected")
        .iter()
        .map(|s| s["generation"].clone())
        .collect();
    assert_eq!(generations, vec![Value::from(1), Value::from(2)]);
    // When the old request reports a 401
    let r = report_401(&db, &conf, &old).await;
    // Then no refresh is asked for and nothing blocks: that token was replaced already
    assert_eq!(
        (&r["refresh_due"], &r["block"]),
        (&Value::Bool(false), &Value::Null),
        "{r}"
    );
    assert_eq!(on_401_refreshes(&db), 0);
    assert_eq!(fake.requests(Provider::Claude), 1);
    // When the current generation's request reports a 401, a refresh is asked for
    let r = report_401(&db, &conf, &new).await;
    assert_eq!(r["refresh_due"], true, "{r}");
    assert_eq!(on_401_refreshes(&db), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_selected_event_is_upcast_with_an_unknown_generation() {
    // Given a log whose selection was written before generations were recorded
    let fake = FakeOAuth::start().await;
    let (dir, db) = temp_db();
    let conf = fake.write_claude_config(dir.path());
    add_signed_in(&db, &fake, "a");
    let request = select(&db, &conf).await;
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let data: String = conn
            .query_row("SELECT data FROM events WHERE kind = 'selected'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let mut v1: serde_json::Map<String, Value> = serde_json::from_str(&data).unwrap();
        v1.remove("generation")
            .expect("version 2 records the generation");
        let v1 = serde_json::to_string(&v1).unwrap();
        conn.execute(
            "UPDATE events SET v = 1, data = ?1 WHERE kind = 'selected'",
            [v1],
        )
        .unwrap();
        // The version rotor writes today is newer than 1.
        let v: i64 = conn
            .query_row(
                "SELECT max(v) FROM events WHERE kind = 'selected'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, 1);
    }
    // Then it reads back with no generation, as the raw log shows
    let o = rotor_with_config(&db, &conf, &["--json", "events"]).await;
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let selected: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["kind"] == "selected")
        .collect();
    assert_eq!(selected.len(), 1);
    assert_eq!(
        selected[0]["data"]["generation"],
        Value::Null,
        "{}",
        selected[0]
    );
    // And replay verifies it
    let o = rotor_with_config(&db, &conf, &["--json", "replay", "--verify"]).await;
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // And a new selection is written as today's version, with its generation
    select(&db, &conf).await;
    let conn = rusqlite::Connection::open(&db).unwrap();
    let newest: (i64, i64) = conn
        .query_row(
            "SELECT v, json_extract(data, '$.generation') FROM events WHERE kind = 'selected' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(newest, (2, 1));
    // And a 401 for the old request counts as one against the current credential
    let r = report_401(&db, &conf, &request).await;
    assert_eq!(r["refresh_due"], true, "{r}");
}
