//! Snapshots of `replay --explain` for five kinds of decision: tier fallback, session failover,
//! a half-open probe, all blocked, weighted. Account ids are replaced by labels and request
//! ids by a placeholder, so the snapshots are stable across runs.

use std::time::Duration;

use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Engine, NewAccount, Outcome, Provider, RequestId, SelectOpts, Strategy};

use super::common::*;

fn block(e: &Engine, p: Provider, m: &str, want: rotor::AccountId, status: u16, retry_after: &str) {
    for _ in 0..16 {
        let l = e.select(p, m, &SelectOpts::default()).unwrap();
        if l.account == want {
            let h: Headers = [("retry-after", retry_after)].into_iter().collect();
            e.report(&l, Outcome::failure(status, h, "")).unwrap();
            return;
        }
        e.report(&l, Outcome::success()).unwrap();
    }
    panic!("never leased");
}

/// The explanation of `request` as JSON and text, with uuids replaced by labels.
fn explained(db: &std::path::Path, e: &Engine, request: RequestId) -> (serde_json::Value, String) {
    e.flush_blocking().unwrap();
    let ex = rotor::replay::explain(&records(db), request).expect("decision in the log");
    let mut text = serde_json::to_string_pretty(&ex).unwrap();
    e.with_state(|s| {
        for a in s.accounts.values() {
            text = text.replace(&a.id.to_string(), &format!("<{}>", a.label));
        }
    });
    text = text.replace(&request.to_string(), "<request>");
    let o = rotor(db, &["replay", "--explain", &request.to_string()]);
    assert!(o.status.success(), "{o:?}");
    let mut human = stdout(&o).replace(&request.to_string(), "<request>");
    e.with_state(|s| {
        for a in s.accounts.values() {
            human = human.replace(&a.id.to_string(), &format!("<{}>", a.label));
        }
    });
    (serde_json::from_str(&text).unwrap(), human)
}

#[test]
fn explain_snapshots_of_five_kinds_of_decision() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let e = engine_at(&db, &clock);

    // Tier fallback: both tier-0 accounts rate limited, the tier-1 spare serves.
    let ids = add_keys(&e, Provider::Openai, &["oa-1", "oa-2"]);
    let mut spare = NewAccount::api_key(
        Provider::Openai,
        "oa-spare",
        "sk-test-spare-0123456789abcdef",
    );
    spare.priority = 1;
    e.add_account(spare).unwrap();
    block(&e, Provider::Openai, "gpt-4o", ids[0], 429, "30");
    block(&e, Provider::Openai, "gpt-4o", ids[1], 429, "60");
    let fallback = e
        .select(Provider::Openai, "gpt-4o", &SelectOpts::default())
        .unwrap();

    // Session failover: the session's account is overloaded, the session moves.
    let cl = add_keys(&e, Provider::Claude, &["cl-1", "cl-2"]);
    let s = SelectOpts {
        session: Some("conv-42".into()),
        ..Default::default()
    };
    let first = e.select(Provider::Claude, "opus", &s).unwrap();
    assert_eq!(first.account, cl[0]);
    e.report(&first, Outcome::failure(529, Headers::new(), ""))
        .unwrap();
    let failover = e.select(Provider::Claude, "opus", &s).unwrap();

    // All blocked: both GLM keys rate limited; no account, earliest time stated.
    let glm = add_keys(&e, Provider::Glm, &["glm-1", "glm-2"]);
    block(&e, Provider::Glm, "glm-4.6", glm[0], 429, "20");
    block(&e, Provider::Glm, "glm-4.6", glm[1], 429, "45");
    let none = e
        .select(Provider::Glm, "glm-4.6", &SelectOpts::default())
        .unwrap_err();

    // A probe: the lone Codex account has been billing-blocked for 20 minutes.
    let cx = add_keys(&e, Provider::Codex, &["cx-1"]);
    block(&e, Provider::Codex, "gpt-5", cx[0], 402, "");
    clock.advance(Duration::from_secs(20 * 60));
    let probe = e
        .select(Provider::Codex, "gpt-5", &SelectOpts::default())
        .unwrap();
    assert!(probe.probe);

    for (name, req) in [
        ("explain_tier_fallback", fallback.request),
        ("explain_session_failover", failover.request),
        ("explain_all_blocked", none.request),
        ("explain_probe", probe.request),
    ] {
        let (json, text) = explained(&db, &e, req);
        snap!(name, json);
        snap!(text format!("{name}_text"), text);
    }
}

#[test]
fn explain_snapshot_of_a_weighted_pick() {
    let clock = ManualClock::at(T0);
    let (_d, db) = temp_db();
    let cfg = with_strategy(Strategy::Weighted);
    let e = Engine::builder()
        .path(&db)
        .clock(clock.clone())
        .config(cfg)
        .open()
        .unwrap();
    let mut heavy =
        NewAccount::api_key(Provider::Openai, "heavy", "sk-test-heavy-0123456789abcdef");
    heavy.weight = 3;
    e.add_account(heavy).unwrap();
    add_keys(&e, Provider::Openai, &["light"]);
    let leases: Vec<_> = (0..3)
        .map(|_| {
            e.select(Provider::Openai, "gpt-4o", &SelectOpts::default())
                .unwrap()
        })
        .collect();
    let (json, text) = explained(&db, &e, leases[2].request);
    snap!("explain_weighted", json);
    snap!(text "explain_weighted_text", text);
}
