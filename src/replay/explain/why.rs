//! The sentence of `replay --explain`: why the chosen account won (a session staying put or
//! moving off, tier fallback, the strategy's pick, a cooldown looked past, weighted scores), a
//! probe, or why no account could serve; weight-0 accounts are named as parked. The candidates
//! it speaks of are worked out in `explain.rs`.

use crate::event::{BlockReason, Event, EventRecord};
use crate::ids::AccountId;
use crate::select::Strategy;
use crate::state::State;

use super::Explanation;

/// In words: why `ex.chosen` won, or why none could, with `state` as it was just before the
/// decision `rec`.
pub(super) fn sentence(state: &State, rec: &EventRecord, ex: &Explanation) -> String {
    let label = |id: AccountId| {
        state
            .accounts
            .get(&id)
            .map_or(id.to_string(), |a| a.label.clone())
    };
    // The three are set together, from the same `selected` event.
    let why = match ex.chosen.zip(ex.strategy).zip(ex.tier) {
        Some(((acct, _), _)) if ex.probe => format!(
            "every candidate was blocked; {} took a half-open probe (its block is older than probe.after)",
            label(acct)
        ),
        Some(((acct, strategy), tier)) => {
            let sticky = ex
                .session
                .as_ref()
                .is_some_and(|s| state.selector.sessions.get(s, rec.at) == Some(acct));
            if sticky {
                format!("session {:?} stays on {} while it is available", ex.session.as_deref().unwrap_or(""), label(acct))
            } else {
                let lower = ex.candidates.iter().filter(|c| c.tier < tier).count();
                let mut why = String::new();
                // A session whose account could not serve moved: say from where and why.
                let prev = ex.session.as_ref().and_then(|s| state.selector.sessions.get(s, rec.at));
                if let (Some(s), Some(prev)) = (&ex.session, prev) {
                    let cause = ex.candidates.iter().find(|c| c.account == prev).and_then(|c| c.reason);
                    why += &format!(
                        "session {s:?} moved off {} ({}); ",
                        label(prev),
                        cause.map_or("no longer a candidate", |r| r.as_str())
                    );
                }
                if lower > 0 {
                    why += &format!("tier {tier} is used because every account of the tiers before it is blocked; ");
                }
                why += &format!("{} picked {} in tier {tier}", strategy.as_str(), label(acct));
                if let Event::Selected(e) = &rec.event {
                    if let Some(i) = &e.cooldown_ignored {
                        why += &format!(
                            "; its {} block was looked past: cooldowns were off {}",
                            i.reason.as_str(),
                            match i.by {
                                crate::event::CooldownOff::Config => "(cooldown.disabled)",
                                crate::event::CooldownOff::Account => "for this account",
                            }
                        );
                    }
                }
                if strategy == Strategy::Weighted {
                    // Smooth weighted round robin: the highest current weight + weight wins.
                    let scores: Vec<String> = ex
.candidates
                        .iter()
                        .filter(|c| c.eligible && c.tier == tier)
                        .filter_map(|c| state.accounts.get(&c.account))
                        .map(|a| {
                            let cur = state.selector.current_weight(ex.provider, &ex.model, a.id);
                            format!("{} {cur:+} + {} = {}", a.label, a.weight, cur + a.weight as i64)
                        })
                        .collect();
                    why += &format!(" (highest current weight + weight: {})", scores.join(", "));
                }
                why
            }
        }
        None => {
            // The log states when the first one frees: the caller's honest Retry-After.
            let earliest = match &rec.event {
                Event::NoAccount(e) => e.earliest_at,
                _ => None,
            };
            match earliest {
                Some(t) => format!(
                    "every candidate was blocked, so no account was leased; the first frees at {}",
                    crate::time::format_ts(t)
                ),
                None => "every candidate was blocked, and none frees by itself (disabled, refreshing or excluded)".to_string(),
            }
        }
    };
    let parked: Vec<&str> = ex
        .candidates
        .iter()
        .filter(|c| c.reason == Some(BlockReason::Parked))
        .map(|c| c.label.as_str())
        .collect();
    match parked.as_slice() {
        [] => why,
        [one] => format!("{why}; {one} is parked (weight 0, never chosen under weighted)"),
        many => format!(
            "{why}; {} are parked (weight 0, never chosen under weighted)",
            many.join(", ")
        ),
    }
}
