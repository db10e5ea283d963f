//! Snapshots of what people read from a log: the schema, one stored row of every event kind,
//! `status --json` and the `replay` timeline of a small scripted history.

use std::time::Duration;

use rotor::event::*;
use rotor::ids::{AccountId, Model, Provider, RequestId};
use rotor::parse::{ErrorKind, Headers, ParsedError, Scope};
use rotor::secret::Secrets;
use rotor::store::{self, CredentialWrite, Writer};
use rotor::time::ManualClock;
use rotor::{NewAccount, Outcome, SelectOpts};
use uuid::Uuid;

use super::common::*;

fn id(n: u128) -> AccountId {
    AccountId(Uuid::from_u128(n))
}

#[test]
fn schema() {
    let (_d, db) = temp_db();
    drop(rotor::Engine::open(&db).unwrap());
    let conn = store::open_read_only(&db).unwrap();
    snap!(text "schema", store::schema_sql(&conn).unwrap());
}

fn one_of_each_kind() -> Vec<Event> {
    let (a, req, m): (AccountId, RequestId, Model) = (
        id(1),
        RequestId(Uuid::from_u128(0xabc)),
        "claude-sonnet-4".into(),
    );
    let until = t("2026-01-01T00:05:00Z");
    let mut err = ParsedError::new(
        ErrorKind::RateLimit,
        Some(429),
        "Number of request tokens has exceeded your per-minute rate limit",
    );
    err.error_type = Some("rate_limit_error".into());
    err.retry_after_ms = Some(30_000);
    let obs = QuotaObservation {
        window: "5h".into(),
        model: None,
        used_percent: Some(42.0),
        remaining: None,
        limit: None,
        window_minutes: Some(300),
        reset_at: Some(until),
        source: "anthropic-ratelimit-unified-5h-utilization".into(),
    };
    vec![
        Event::AccountAdded(AccountAdded {
            account: a,
            provider: Provider::Claude,
            label: "work".into(),
            priority: 0,
            weight: 2,
            models: Some(vec![m.clone()]),
            credential: CredentialKind::Oauth,
            fingerprint: "0123456789ab".into(),
            expires_at: Some(until),
            identity: Identity {
                email: Some("dev@example.com".into()),
                account_id: None,
                plan: Some("max".into()),
                project_id: None,
            },
            quota_window_s: Some(18_000),
        }),
        Event::AccountUpdated(AccountUpdated {
            account: a,
            label: Some("work-2".into()),
            priority: Some(1),
            weight: None,
            models: None,
            fingerprint: None,
            expires_at: None,
            generation: None,
            cooldown: Some(false),
        }),
        Event::AccountDisabled {
            account: a,
            reason: DisableReason::Manual,
        },
        Event::AccountEnabled { account: a },
        Event::Selected(Selected {
            request: req,
            provider: Provider::Claude,
            model: m.clone(),
            asked_model: Some("claude-sonnet-4-5(high)".into()),
            account: a,
            generation: Some(3),
            strategy: rotor::Strategy::RoundRobin,
            tier: 0,
            probe: false,
            session: Some("chat-7".into()),
            excluded: vec![],
            skipped: vec![Skip {
                account: id(2),
                reason: BlockReason::Error(ErrorKind::RateLimit),
                until: Some(until),
            }],
            cooldown_disabled: false,
            cooldown_ignored: Some(IgnoredBlock {
                reason: BlockReason::Error(ErrorKind::RateLimit),
                until: Some(until),
                by: CooldownOff::Account,
            }),
        }),
        Event::NoAccount(NoAccount {
            request: req,
            provider: Provider::Claude,
            model: m.clone(),
            asked_model: None,
            strategy: Some(rotor::Strategy::Weighted),
            cooldown_disabled: true,
            earliest_at: Some(until),
            session: None,
            excluded: vec![id(3)],
            skipped: vec![
                Skip {
                    account: id(2),
                    reason: BlockReason::Error(ErrorKind::QuotaExceeded),
                    until: Some(until),
                },
                Skip {
                    account: id(3),
                    reason: BlockReason::Excluded,
                    until: None,
                },
            ],
        }),
        Event::RequestSucceeded(RequestSucceeded {
            request: Some(req),
            account: a,
            model: m.clone(),
            latency_ms: Some(812),
            usage: Some(Usage {
                input_tokens: Some(1200),
                output_tokens: Some(340),
                total_tokens: None,
            }),
            quota: vec![obs.clone()],
        }),
        Event::RequestFailed(RequestFailed {
            request: Some(req),
            account: a,
            model: m.clone(),
            latency_ms: Some(95),
            error: err,
            block: Some(BlockSet {
                scope: Scope::Model,
                reason: BlockReason::Error(ErrorKind::RateLimit),
                until,
                level: 0,
            }),
            generation: Some(1),
            quota: vec![],
            rule: Some(AppliedRule {
                index: 0,
                name: Some("gateway capacity".into()),
                parsed_kind: ErrorKind::InvalidRequest,
                parsed_scope: Scope::Model,
            }),
        }),
        Event::RequestCancelled {
            request: Some(req),
            account: a,
            model: m.clone(),
        },
        Event::QuotaObserved(QuotaObserved {
            account: a,
            observation: obs,
        }),
        Event::RefreshDue {
            account: a,
            expires_at: Some(until),
            why: RefreshWhy::On401,
            generation: Some(1),
        },
        Event::RefreshSucceeded(RefreshSucceeded {
            account: a,
            expires_at: Some(t("2026-01-01T08:00:00Z")),
            generation: 2,
            fingerprint: "ba9876543210".into(),
            identity: Identity::default(),
        }),
        Event::RefreshFailed(RefreshFailed {
            account: a,
            error: RefreshErrorClass::Server,
            status: Some(503),
            message: "upstream unavailable".into(),
            next_attempt_at: Some(t("2026-01-01T00:01:00Z")),
        }),
        Event::StateCleared {
            account: a,
            model: Some(m),
            account_wide: true,
        },
        Event::AccountRemoved { account: a },
        Event::InstanceStarted {
            host: "replica-1".into(),
            pid: 4242,
        },
    ]
}

#[test]
fn one_stored_event_of_each_kind() {
    let events = one_of_each_kind();
    let mut kinds: Vec<_> = events.iter().map(|e| e.kind()).collect();
    kinds.sort();
    let mut known: Vec<_> = Event::KINDS.iter().map(|(k, _)| *k).collect();
    known.sort();
    assert_eq!(kinds, known, "the snapshot covers every kind");

    let (_d, db) = temp_db();
    let log = store::open_writable(&db).unwrap();
    let w = Writer::spawn(log.conn).unwrap();
    let at = t(T0);
    for (i, e) in events.into_iter().enumerate() {
        let cred = (i == 0).then(|| CredentialWrite::Put {
            account: id(1),
            generation: 1,
            secrets: Secrets::api_key("sk-never-in-an-event-0123456789"),
            expires_at: None,
        });
        w.handle.append(at, e, cred).unwrap();
    }
    w.handle.flush_blocking().unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT seq, at, kind, v, account, model, request, data FROM events ORDER BY seq")
        .unwrap();
    let rows: Vec<serde_json::Value> = stmt
        .query_map([], |r| {
            Ok(serde_json::json!({
                "seq": r.get::<_, i64>(0)?, "at": r.get::<_, String>(1)?, "kind": r.get::<_, String>(2)?, "v": r.get::<_, i64>(3)?,
                "account": r.get::<_, Option<String>>(4)?, "model": r.get::<_, Option<String>>(5)?, "request": r.get::<_, Option<String>>(6)?,
                "data": serde_json::from_str::<serde_json::Value>(&r.get::<_, String>(7)?).unwrap(),
            }))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!serde_json::to_string(&rows).unwrap().contains("sk-never"));
    // Every row reads back to the event that was written.
    let back = store::read::all_events(&conn, store::Unknown::Fail).unwrap();
    assert_eq!(
        back.iter().map(|r| r.event.clone()).collect::<Vec<_>>(),
        one_of_each_kind()
    );
    snap!("events_one_of_each_kind", rows);
}

/// A scripted morning: three Claude accounts in two tiers, a rate limit, an overload, a
/// subscription window rejected for the whole account, a manual clear.
fn scripted_history(db: &std::path::Path) -> Vec<(String, AccountId)> {
    let clock = ManualClock::at(T0);
    let e = engine_at(db, &clock);
    let mut names = Vec::new();
    for (label, tier) in [("alpha", 0), ("beta", 0), ("backup", 1)] {
        let mut n = NewAccount::api_key(
            Provider::Claude,
            label,
            &format!("sk-ant-api03-{label}-0123456789abcdef"),
        );
        n.priority = tier;
        names.push((label.to_string(), e.add_account(n).unwrap()));
    }
    let sel = |m: &str| e.select(Provider::Claude, m, &SelectOpts::default());
    let l = sel("opus").unwrap();
    e.report(&l, Outcome::success()).unwrap();
    clock.advance(Duration::from_secs(10));
    let l = sel("opus").unwrap();
    let h: Headers = [("retry-after", "45")].into_iter().collect();
    e.report(
        &l,
        Outcome::failure(
            429,
            h,
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}"#,
        ),
    )
    .unwrap();
    let l = sel("opus").unwrap();
    let h: Headers = [
        ("anthropic-ratelimit-unified-status", "rejected"),
        ("anthropic-ratelimit-unified-reset", "1767232800"),
    ]
    .into_iter()
    .collect();
    e.report(&l, Outcome::failure(429, h, r#"{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's rate limit."}}"#)).unwrap();
    let l = sel("opus").unwrap();
    e.report(
        &l,
        Outcome::failure(
            529,
            Headers::new(),
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
    )
    .unwrap();
    clock.advance(Duration::from_secs(5));
    let _ = sel("opus");
    let _ = sel("haiku").unwrap();
    clock.advance(Duration::from_secs(60));
    e.clear(names[2].1, Some("opus")).unwrap();
    let _ = sel("opus").unwrap();
    e.flush_blocking().unwrap();
    names
}

fn redact(mut text: String, names: &[(String, AccountId)]) -> String {
    for (label, id) in names {
        text = text.replace(&id.to_string(), &format!("<{label}>"));
    }
    text
}

#[test]
fn status_json_and_replay_timeline_of_a_scripted_history() {
    let (_d, db) = temp_db();
    let names = scripted_history(&db);
    let o = rotor(&db, &["status", "--json", "--at", "2026-01-01T00:00:20Z"]);
    assert!(o.status.success(), "{o:?}");
    snap!(text "status_json_scripted", redact(stdout(&o), &names));
    let o = rotor(&db, &["replay"]);
    assert!(o.status.success(), "{o:?}");
    snap!(text "replay_timeline_scripted", redact(stdout(&o), &names));
    let o = rotor(&db, &["replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

#[test]
fn human_status_table_of_a_scripted_history() {
    let (_d, db) = temp_db();
    scripted_history(&db);
    let o = rotor(&db, &["status", "--at", "2026-01-01T00:00:20Z"]);
    assert!(o.status.success(), "{o:?}");
    let table = stdout(&o);
    assert!(
        table.contains("claude 2/3 accounts available: healthy"),
        "{table}"
    );
    snap!(text "status_table_scripted", table);
}
