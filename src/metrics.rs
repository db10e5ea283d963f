//! The series rotor records through the `metrics` facade: names, help texts, and the bounded
//! model label. The engine and the writer record them at their own points; nothing is exported
//! here (a service installs a recorder, e.g. `rotor serve`'s Prometheus one). With no recorder
//! installed every call is a no-op, and `select`'s series are cached per thread so the hot path
//! never builds a label set or takes a shared lock.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics::{Counter, Histogram};
use parking_lot::Mutex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::ids::{Model, Provider};

pub const SELECTIONS: &str = "rotor_selections_total";
pub const SELECT_SECONDS: &str = "rotor_select_seconds";
pub const REPORTS: &str = "rotor_reports_total";
pub const REFRESHES: &str = "rotor_refreshes_total";
pub const BLOCKS: &str = "rotor_blocks_in_force";
pub const ACCOUNTS: &str = "rotor_accounts";
pub const WRITER_QUEUE: &str = "rotor_writer_queue_depth";
pub const WRITER_COMMIT_SECONDS: &str = "rotor_writer_commit_seconds";
pub const EVENTS_APPENDED: &str = "rotor_events_appended_total";
#[cfg(any(feature = "server", feature = "postgres"))]
pub const LOG_REACHABLE: &str = "rotor_log_reachable";
#[cfg(any(feature = "server", feature = "postgres"))]
pub const STALE_SELECTIONS: &str = "rotor_selections_unreachable_log_total";

/// Distinct model names that get a label of their own in this process; later ones (unless an
/// account's allow-list names them) are counted as `other`, so a caller inventing model names
/// cannot grow the series without bound.
pub const MODEL_LABELS: usize = 64;
/// The label of every model past [`MODEL_LABELS`].
pub const OTHER_MODEL: &str = "other";

/// Registers help texts and units with the installed recorder (call once after installing it).
#[cfg(feature = "server")]
pub fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        SELECTIONS,
        "select calls by provider, model and outcome (selected, no_account)"
    );
    describe_histogram!(
        SELECT_SECONDS,
        Unit::Seconds,
        "time one select call took, by provider (one select in 8 is timed)"
    );
    describe_counter!(
        REPORTS,
        "outcomes reported, by provider and kind (success, cancelled, or the error kind)"
    );
    describe_counter!(
        REFRESHES,
        "token refreshes run, by provider and result (refreshed, failed, skipped)"
    );
    describe_gauge!(
        BLOCKS,
        "blocks in force, by provider and reason (at the last Engine::record_gauges)"
    );
    describe_gauge!(
        ACCOUNTS,
        "accounts by provider and status (at the last Engine::record_gauges)"
    );
    describe_gauge!(
        WRITER_QUEUE,
        "messages waiting for the log writer after its last batch"
    );
    describe_histogram!(
        WRITER_COMMIT_SECONDS,
        Unit::Seconds,
        "time one group commit of the log took"
    );
    describe_counter!(EVENTS_APPENDED, "events committed to the log");
    describe_gauge!(
        LOG_REACHABLE,
        "1 while the PostgreSQL log answers, 0 while it does not (SQLite logs: unset)"
    );
    describe_counter!(
        STALE_SELECTIONS,
        "selections answered from the last known state while the PostgreSQL log was unreachable"
    );
}

/// The series of one (provider, model label), resolved once per thread.
struct SelectSeries {
    selected: Counter,
    no_account: Counter,
    latency: Histogram,
}

/// Per-thread cache size; past it the cache starts over (series handles are cheap to resolve).
const THREAD_CACHE: usize = 256;

thread_local! {
    static SELECT_CACHE: RefCell<FxHashMap<Provider, FxHashMap<Model, Rc<SelectSeries>>>> =
        RefCell::new(FxHashMap::default());
}

/// One select in this many is timed into [`SELECT_SECONDS`]: reading a clock twice costs ~135 ns
/// on the virtual machines measured here, a sixth of a whole `select`; a sample keeps the
/// histogram's shape at an eighth of that cost. Counts come from [`SELECTIONS`].
pub const SELECT_TIMED_EVERY: u32 = 8;

thread_local! {
    static SELECT_TICK: Cell<u32> = const { Cell::new(0) };
}

/// A `select` being recorded: its series, and its start when this one is timed.
pub struct SelectProbe {
    series: Rc<SelectSeries>,
    started: Option<Instant>,
}

impl SelectProbe {
    /// Call before deciding. `configured` says whether an account's allow-list names the model
    /// (asked only when a new name meets a full label set).
    pub fn start(provider: Provider, model: &str, configured: impl FnOnce() -> bool) -> Self {
        let cached = SELECT_CACHE.with(|c| c.borrow().get(&provider)?.get(model).cloned());
        let series = cached.unwrap_or_else(|| {
            let s = Rc::new(resolve(provider, model, configured));
            SELECT_CACHE.with(|c| {
                let mut c = c.borrow_mut();
                if c.values().map(FxHashMap::len).sum::<usize>() >= THREAD_CACHE {
                    c.clear();
                }
                c.entry(provider)
                    .or_default()
                    .insert(Model::from(model), s.clone());
            });
            s
        });
        let tick = SELECT_TICK.with(|t| {
            let n = t.get().wrapping_add(1);
            t.set(n);
            n
        });
        let started = tick.is_multiple_of(SELECT_TIMED_EVERY).then(Instant::now);
        SelectProbe { series, started }
    }

    /// Call with the outcome once decided.
    pub fn finish(self, selected: bool) {
        if selected {
            self.series.selected.increment(1);
        } else {
            self.series.no_account.increment(1);
        }
        if let Some(t) = self.started {
            self.series.latency.record(t.elapsed().as_secs_f64());
        }
    }
}

fn resolve(provider: Provider, model: &str, configured: impl FnOnce() -> bool) -> SelectSeries {
    let label = model_label(model, configured);
    let p = provider.as_str();
    SelectSeries {
        selected: metrics::counter!(SELECTIONS, "provider" => p, "model" => label.clone(), "outcome" => "selected"),
        no_account: metrics::counter!(SELECTIONS, "provider" => p, "model" => label, "outcome" => "no_account"),
        latency: metrics::histogram!(SELECT_SECONDS, "provider" => p),
    }
}

/// The label `model` is counted under: itself while fewer than [`MODEL_LABELS`] names have one
/// (or when configured), else [`OTHER_MODEL`].
fn model_label(model: &str, configured: impl FnOnce() -> bool) -> String {
    static ADMITTED: OnceLock<Mutex<FxHashSet<String>>> = OnceLock::new();
    let mut admitted = ADMITTED.get_or_init(Default::default).lock();
    if admitted.contains(model) {
        return model.to_string();
    }
    if admitted.len() < MODEL_LABELS || configured() {
        admitted.insert(model.to_string());
        return model.to_string();
    }
    OTHER_MODEL.to_string()
}

/// Records one reported outcome; `kind` is `success`, `cancelled` or the error kind.
pub fn record_report(provider: Provider, kind: &'static str) {
    metrics::counter!(REPORTS, "provider" => provider.as_str(), "kind" => kind).increment(1);
}

/// Records one refresh that ran (or was skipped); `result` is `refreshed`, `failed`, `skipped`.
pub fn record_refresh(provider: Provider, result: &'static str) {
    metrics::counter!(REFRESHES, "provider" => provider.as_str(), "result" => result).increment(1);
}

/// A PostgreSQL log became reachable (1) or unreachable (0).
#[cfg(feature = "postgres")]
pub fn record_log_reachable(up: bool) {
    metrics::gauge!(LOG_REACHABLE).set(if up { 1.0 } else { 0.0 });
}

/// A selection made while the PostgreSQL log was unreachable (from the last known state).
#[cfg(feature = "postgres")]
pub fn record_stale_selection() {
    metrics::counter!(STALE_SELECTIONS).increment(1);
}

/// Records one group commit of the writer: events appended, what is still queued, its time.
pub fn record_commit(events: u64, still_queued: usize, took: Duration) {
    metrics::counter!(EVENTS_APPENDED).increment(events);
    metrics::gauge!(WRITER_QUEUE).set(still_queued as f64);
    metrics::histogram!(WRITER_COMMIT_SECONDS).record(took.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_labels_are_bounded_but_configured_models_keep_theirs() {
        // The admitted set is process-wide: fill it with names no other test uses.
        for i in 0..MODEL_LABELS {
            model_label(&format!("label-test-{i}"), || false);
        }
        assert_eq!(model_label("label-test-0", || false), "label-test-0");
        assert_eq!(model_label("label-test-new", || false), OTHER_MODEL);
        assert_eq!(
            model_label("label-test-allowed", || true),
            "label-test-allowed"
        );
        assert_eq!(
            model_label("label-test-allowed", || false),
            "label-test-allowed"
        );
    }
}
