//! The demo's traffic: the providers and models requests go to, which fleet instance serves a
//! request, and one request through `execute` against the fake providers, timing rotor's own
//! share of it. Starting the world and the workers that send the requests is `run.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::engine::{Attempt, ExecuteError};
use crate::fake::{call, FakeWorld};
use crate::ids::{Model, Provider};
use crate::select::SelectOpts;
use crate::Engine;

/// The models each provider is asked for.
pub fn models(p: Provider) -> &'static [&'static str] {
    match p {
        Provider::Claude => &["claude-sonnet-4-5", "claude-opus-4-1"],
        Provider::Codex => &["gpt-5-codex"],
        Provider::Antigravity => &["gemini-3-pro", "gemini-2.5-flash"],
        Provider::Openai => &["gpt-4o", "gpt-4o-mini"],
        Provider::Glm => &["glm-4.6"],
        Provider::Gemini => &["gemini-2.5-pro"],
    }
}

/// The providers requests go to, in turn.
pub(super) const MIX: [Provider; 5] = [
    Provider::Claude,
    Provider::Codex,
    Provider::Antigravity,
    Provider::Openai,
    Provider::Glm,
];

/// Which engine serves request `i`: the one its session sticks to (a load balancer keeps a
/// session on one replica, since affinity is per instance), else they take turns. Every 4th
/// request has a session, so the others are counted apart to keep the split even.
pub(super) fn route(i: usize, session: Option<usize>, engines: usize) -> usize {
    match session {
        Some(s) => (s / 4) % engines,
        None => (i - i / 4 - 1) % engines,
    }
}

/// One request through `execute` (select, call, report, retry elsewhere). Returns rotor's own
/// time (the whole `execute` minus the time spent in the provider call) and whether it was
/// served; `Err(())` when no account was available at all.
pub(super) async fn one_request(
    engine: &Engine,
    world: &FakeWorld,
    client: &reqwest::Client,
    provider: Provider,
    model: &Model,
    session: Option<String>,
) -> Result<Result<u64, u64>, ()> {
    let opts = SelectOpts {
        session,
        ..Default::default()
    };
    let in_call = AtomicU64::new(0);
    let started = Instant::now();
    let result = engine
        .execute(provider, model, opts, |lease| {
            let in_call = &in_call;
            async move {
                let t = Instant::now();
                let bearer = lease.bearer().unwrap_or_default().to_string();
                let attempt =
                    match call(client, &world.base_url(provider), provider, model, &bearer).await {
                        Ok(r) if r.is_success() => Attempt::Success {
                            usage: crate::quota::extract_usage(provider, &r.body),
                            headers: r.parse_headers(),
                            value: (),
                        },
                        Ok(r) => Attempt::failed(r.status, r.parse_headers(), r.body.to_vec()),
                        Err(e) => Attempt::network(e.to_string()),
                    };
                in_call.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                attempt
            }
        })
        .await;
    let overhead =
        (started.elapsed().as_nanos() as u64).saturating_sub(in_call.load(Ordering::Relaxed));
    match result {
        Ok(()) => Ok(Ok(overhead)),
        Err(ExecuteError::NoAccount(_)) => Err(()),
        Err(_) => Ok(Err(overhead)),
    }
}
