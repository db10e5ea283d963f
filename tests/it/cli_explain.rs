//! `replay --explain` of a retried request names the attempt that excluded each account: which
//! attempt, under which request id, and how it failed. An account the caller excluded itself
//! says so instead.

use rotor::parse::Headers;
use rotor::time::TokioClock;
use rotor::{Attempt, Engine, Provider, SelectOpts};

use super::common::*;

#[tokio::test(start_paused = true)]
async fn a_retry_names_the_attempt_that_excluded_each_account() {
    let (_d, db) = temp_db();
    let e = Engine::builder()
        .path(&db)
        .clock(TokioClock::new(t(T0)))
        .open()
        .unwrap();
    add_keys(&e, Provider::Openai, &["a", "b", "c"]);
    // The first two attempts are rate limited, the third serves.
    let mut calls = 0;
    let served = e
        .execute(
            Provider::Openai,
            "gpt-4o",
            SelectOpts::default(),
            |_lease| {
                calls += 1;
                let attempt = if calls < 3 {
                    Attempt::failed(429, Headers::new(), "")
                } else {
                    Attempt::ok("done")
                };
                async move { attempt }
            },
        )
        .await
        .unwrap();
    assert_eq!(served, "done");
    e.flush().await.unwrap();
    let selected: Vec<(String, String)> = records(&db)
        .iter()
        .filter_map(|r| match &r.event {
            rotor::event::Event::Selected(s) => Some((
                s.request.to_string(),
                e.with_state(|st| st.accounts[&s.account].label.clone()),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(selected.len(), 3);
    drop(e);
    let (third, _) = &selected[2];
    let o = rotor(&db, &["replay", "--explain", third]);
    assert!(o.status.success(), "{o:?}");
    let text = stdout(&o);
    for (n, (request, label)) in selected[..2].iter().enumerate() {
        let line = format!(
            "{label:<20} excluded: tried earlier in this request (attempt {}, request {request}, failed rate_limit)",
            n + 1
        );
        assert!(text.contains(&line), "no {line:?} in:\n{text}");
    }
    assert!(!text.contains("until -"), "{text}");
    let o = rotor(&db, &["--json", "replay", "--explain", third]);
    let ex = json(&o);
    let first = ex["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == selected[0].1.as_str())
        .unwrap()
        .clone();
    assert_eq!(first["reason"], "excluded");
    assert_eq!(
        first["excluded_by"],
        serde_json::json!({"attempt": 1, "request": selected[0].0, "failed": "rate_limit"})
    );

    // An hour later, `a` is excluded again: no attempt of this request failed on it.
    let select = [
        "--json",
        "select",
        "--provider",
        "openai",
        "--model",
        "gpt-4o",
        "--exclude",
        "a",
        "--at",
        "2026-01-01T01:00:00Z",
    ];
    let request = json(&rotor(&db, &select))["request"]
        .as_str()
        .unwrap()
        .to_string();
    let o = rotor(&db, &["replay", "--explain", &request]);
    assert!(
        stdout(&o).contains("a                    excluded by the caller"),
        "{}",
        stdout(&o)
    );
}
