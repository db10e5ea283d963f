//! A simulated day: 10,000 requests over 20 accounts of 3 providers through `execute`, against
//! the stateful fakes of `fakes.rs`, on tokio paused time with a `TokioClock`. Then, from the log
//! alone: no request went to an account inside a block rotor had stated (probes aside), no
//! request ignored a `retry-after` the fake had sent, and `replay --verify` reproduces every
//! decision (library and CLI).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rotor::event::{Event, EventRecord};
use rotor::parse::Scope;
use rotor::time::{add, Clock, Timestamp, TokioClock};
use rotor::{AccountId, Engine, ExecuteError, NewAccount, Provider, SelectOpts};

use super::common::*;
use super::fakes::{Fake, Script};

const REQUESTS: usize = 10_000;

struct World {
    fakes: HashMap<AccountId, Fake>,
    rng: StdRng,
    /// Requests that reached a fake before a `retry-after` it had stated, and were no probe.
    ignored_retry_after: u32,
}

fn script(p: Provider, limit: u32) -> Script {
    Script {
        provider: p,
        per_minute: 6,
        window_limit: limit,
        window: Duration::from_secs(5 * 3600),
        early_reset: None,
        revoked: None,
        denied_from: None,
        overload_pm: 20,
        gateway_pm: 5,
        network_pm: 3,
    }
}

fn at(h: u64) -> Timestamp {
    add(t(T0), Duration::from_secs(h * 3600))
}

/// 8 Claude (6 in tier 0, 2 spares in tier 1), 6 Codex, 6 Antigravity, each with its fake.
fn accounts(e: &Engine) -> HashMap<AccountId, Fake> {
    let mut fakes = HashMap::new();
    for i in 0..20 {
        let (p, n) = match i {
            0..=7 => (Provider::Claude, i),
            8..=13 => (Provider::Codex, i - 8),
            _ => (Provider::Antigravity, i - 14),
        };
        let mut acct = NewAccount::api_key(
            p,
            &format!("{p}-{n}"),
            &format!("sk-test-sim-{i:02}-0123456789abcdef"),
        );
        let mut s = script(p, if p == Provider::Claude { 100 } else { 75 });
        if p == Provider::Claude && n >= 6 {
            acct.priority = 1;
            s.window_limit = 130;
        }
        match (p, n) {
            (Provider::Claude, 3) => s.early_reset = Some(Duration::from_secs(3 * 3600)),
            (Provider::Claude, 5) => s.revoked = Some((at(6), at(7))),
            (Provider::Codex, 5) => {
                s.revoked = Some((at(12), at(12) + chrono::Duration::minutes(30)))
            }
            (Provider::Antigravity, 2) => s.denied_from = Some(at(18)),
            _ => {}
        }
        let id = e.add_account(acct).unwrap();
        fakes.insert(id, Fake::new(s));
    }
    fakes
}

const MODELS: [(Provider, &str); 5] = [
    (Provider::Claude, "claude-sonnet-4-5"),
    (Provider::Claude, "claude-opus-4-1"),
    (Provider::Codex, "gpt-5-codex"),
    (Provider::Antigravity, "gemini-3-pro"),
    (Provider::Antigravity, "gemini-2.5-flash"),
];

#[tokio::test(start_paused = true)]
async fn a_simulated_day_of_ten_thousand_requests() {
    let (_d, db) = temp_db();
    let clock = TokioClock::new(t(T0));
    let e = Engine::builder()
        .path(&db)
        .clock(clock)
        .jitter_seed(11)
        .open()
        .unwrap();
    let world = Mutex::new(World {
        fakes: accounts(&e),
        rng: StdRng::seed_from_u64(2026),
        ignored_retry_after: 0,
    });
    let mut tally: HashMap<&str, u32> = HashMap::new();
    // Steady traffic (a request every 0-18 s), with bursts of 60 quick requests to one model.
    let mut burst: Option<((Provider, &str), u32)> = None;
    for _ in 0..REQUESTS {
        let (gap, (p, model), session) = {
            let mut w = world.lock().unwrap();
            if burst.is_none() && w.rng.gen_range(0..200) == 0 {
                burst = Some((MODELS[w.rng.gen_range(0..MODELS.len())], 60));
            }
            let (gap, pm) = match &mut burst {
                Some((pm, left)) => {
                    *left -= 1;
                    let pm = *pm;
                    if *left == 0 {
                        burst = None;
                    }
                    (Duration::from_millis(w.rng.gen_range(100..500)), pm)
                }
                None => (
                    Duration::from_millis(w.rng.gen_range(0..18_000)),
                    MODELS[w.rng.gen_range(0..MODELS.len())],
                ),
            };
            let session =
                (w.rng.gen_range(0..5) == 0).then(|| format!("conv-{}", w.rng.gen_range(0..40)));
            (gap, pm, session)
        };
        tokio::time::sleep(gap).await;
        let opts = SelectOpts {
            session,
            ..Default::default()
        };
        let r = e
            .execute(p, model, opts, |lease| {
                let now = clock.now();
                let mut guard = world.lock().unwrap();
                let w = &mut *guard;
                let fake = w.fakes.get_mut(&lease.account).expect("a fake per account");
                if !lease.probe && fake.told_to_wait(model, now) {
                    w.ignored_retry_after += 1;
                }
                let (answer, latency) = fake.answer(model, now, &mut w.rng);
                async move {
                    tokio::time::sleep(latency).await;
                    answer
                }
            })
            .await;
        let key = match r {
            Ok(()) => "ok",
            Err(ExecuteError::NoAccount(_)) => "no_account",
            Err(ExecuteError::Failed { .. }) => "failed",
            Err(ExecuteError::Cancelled { .. }) => "cancelled",
            Err(ExecuteError::Engine(err)) => panic!("engine error: {err}"),
        };
        *tally.entry(key).or_default() += 1;
    }
    e.flush().await.unwrap();
    let recs = records(&db);
    let ignored = world.lock().unwrap().ignored_retry_after;
    let probes = recs
        .iter()
        .filter(|r| matches!(&r.event, Event::Selected(s) if s.probe))
        .count();
    let mut kinds: HashMap<String, u32> = HashMap::new();
    for r in &recs {
        if let Event::RequestFailed(f) = &r.event {
            *kinds
                .entry(format!(
                    "{}/{}",
                    f.error.kind.as_str(),
                    f.error.status.map_or(0, |s| s)
                ))
                .or_default() += 1;
        }
    }
    eprintln!(
        "simulated day: {tally:?}; {} events; {probes} probes; failures {kinds:?}; ended {}",
        recs.len(),
        e.now()
    );

    assert_eq!(tally.values().sum::<u32>() as usize, REQUESTS);
    assert!(
        tally["ok"] as usize > REQUESTS * 7 / 10,
        "most requests succeed: {tally:?}"
    );
    assert!(
        probes > 0 && tally.contains_key("no_account"),
        "the day blocked whole providers at times"
    );
    assert!(
        kinds.len() >= 5,
        "the fakes answered with many kinds of failure: {kinds:?}"
    );
    assert_eq!(
        blocked_leases(&recs),
        Vec::<u64>::new(),
        "leases inside a stated block"
    );
    assert_eq!(
        ignored, 0,
        "requests sent before a retry-after the provider stated"
    );

    let decisions = recs
        .iter()
        .filter(|r| matches!(r.event, Event::Selected(_) | Event::NoAccount(_)))
        .count();
    assert_eq!(
        rotor::replay::verify(&recs, e.config().probe.after.0),
        Ok(decisions)
    );
    drop(e);
    let o = rotor(&db, &["replay", "--verify"]);
    assert!(o.status.success(), "{o:?}");
    assert!(
        stdout(&o).contains(&format!("verified {decisions} decisions")),
        "{}",
        stdout(&o)
    );
}

/// Seqs of `selected` events (not probes) whose account was inside a block that an earlier
/// `request_failed` stated, recomputed from the log independently of rotor's fold: a block
/// lasts until its `until` (never shortened), and ends early only by a success on that model
/// (a probe's success also ends the account-wide one) or `state_cleared`. (Lenient where rotor
/// is strict: rotor also keeps a block against successes of requests leased before it.)
fn blocked_leases(recs: &[EventRecord]) -> Vec<u64> {
    let mut blocks: HashMap<(AccountId, Option<String>), Timestamp> = HashMap::new();
    let mut disabled: HashSet<AccountId> = HashSet::new();
    let mut probes: HashSet<rotor::RequestId> = HashSet::new();
    let mut bad = Vec::new();
    for r in recs {
        match &r.event {
            Event::Selected(s) => {
                let model = Some(s.model.to_string());
                let inside = [(s.account, None), (s.account, model)]
                    .iter()
                    .any(|k| blocks.get(k).is_some_and(|u| r.at < *u));
                if s.probe {
                    probes.insert(s.request);
                } else if inside || disabled.contains(&s.account) {
                    bad.push(r.seq);
                }
            }
            Event::RequestFailed(f) => {
                if let Some(b) = &f.block {
                    let key = (
                        f.account,
                        (b.scope == Scope::Model).then(|| f.model.to_string()),
                    );
                    let slot = blocks.entry(key).or_insert(b.until);
                    if *slot <= r.at || b.until > *slot {
                        *slot = b.until;
                    }
                }
            }
            Event::RequestSucceeded(s) => {
                blocks.remove(&(s.account, Some(s.model.to_string())));
                if s.request.is_some_and(|q| probes.contains(&q)) {
                    blocks.remove(&(s.account, None));
                }
            }
            Event::StateCleared {
                account,
                model,
                account_wide,
            } => {
                blocks.retain(|(a, m), _| {
                    let lifted = model.is_none()
                        || m.as_deref() == model.as_deref()
                        || (*account_wide && m.is_none());
                    !(a == account && lifted)
                });
            }
            Event::AccountDisabled { account, .. } => {
                disabled.insert(*account);
            }
            Event::AccountEnabled { account } => {
                disabled.remove(account);
            }
            _ => {}
        }
    }
    bad
}
