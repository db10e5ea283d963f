//! Reading a log back: `verify` (recompute every logged decision from the events before it)
//! lives here; the human timeline in `replay/timeline.rs`, `explain` in `replay/explain.rs`.
//! Pure functions over event records; the CLI only prints them. Blocks are recorded on the
//! events, so only `probe.after` comes from today's configuration: verify with the value the
//! log was written with.

mod explain;
#[cfg(feature = "postgres")]
pub mod fleet;
mod timeline;

pub use explain::{explain, explain_from, Candidate, Explanation, PriorAttempt};
pub use timeline::{timeline_line, timeline_text};

use crate::event::{Event, EventRecord};
use crate::ids::{AccountId, RequestId};
use crate::select::{decide, Policy, SelectOpts};
use crate::state::State;

/// The first logged decision that a recomputation does not reproduce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Log position of the `selected` or `no_account` event that differs.
    pub seq: u64,
    /// The request the decision was for.
    pub request: RequestId,
    /// The decision as the log recorded it, in words.
    pub logged: String,
    /// The decision the fold recomputes at that point, in words.
    pub recomputed: String,
}

/// Recomputes every `selected` / `no_account` from the events before it. Returns how many
/// decisions were checked, or the first that differs.
pub fn verify(
    records: &[EventRecord],
    probe_after: std::time::Duration,
) -> Result<usize, Mismatch> {
    verify_in_order(records.iter().map(|r| (r, true)), probe_after)
}

/// [`verify`] over events in the order one writer applied them, each with whether it is the
/// writer's own: only its own decisions are recomputed, and the others' events are applied as
/// another instance's ([`State::apply_as`]).
pub fn verify_in_order<'a>(
    steps: impl IntoIterator<Item = (&'a EventRecord, bool)>,
    probe_after: std::time::Duration,
) -> Result<usize, Mismatch> {
    let mut state = State::default();
    let mut checked = 0;
    for (rec, own) in steps {
        if !own {
            state.apply_as(rec, false);
            continue;
        }
        let check = match &rec.event {
            Event::Selected(e) => Some((
                e.provider,
                &e.model,
                (e.strategy, e.cooldown_disabled),
                &e.session,
                &e.excluded,
                e.request,
                Some((e.account, e.probe)),
            )),
            Event::NoAccount(e) => Some((
                e.provider,
                &e.model,
                (e.strategy.unwrap_or_default(), e.cooldown_disabled),
                &e.session,
                &e.excluded,
                e.request,
                None,
            )),
            _ => None,
        };
        if let Some((
            provider,
            model,
            (strategy, cooldown_disabled),
            session,
            excluded,
            request,
            logged,
        )) = check
        {
            let opts = SelectOpts {
                session: session.clone(),
                exclude: excluded.clone(),
                at: Some(rec.at),
            };
            let policy = Policy {
                strategy,
                probe_after,
                cooldown_disabled,
            };
            let got = decide(&state, provider, model, &opts, rec.at, policy)
                .ok()
                .map(|c| (c.account, c.probe));
            if got != logged {
                let show = |d: Option<(AccountId, bool)>| match d {
                    Some((a, p)) => format!("{a}{}", if p { " (probe)" } else { "" }),
                    None => "no account".to_string(),
                };
                return Err(Mismatch {
                    seq: rec.seq,
                    request,
                    logged: show(logged),
                    recomputed: show(got),
                });
            }
            checked += 1;
        }
        state.apply(rec);
    }
    Ok(checked)
}
