//! `GET /v1/events/stream`: server-sent events, one per event committed to the log, in order
//! (`id` is the seq, so a client resumes with `Last-Event-ID` or `?after=SEQ`). One poller
//! watches the log's last seq; each stream reads what is new after its own cursor, so a slow
//! client never makes another miss events. Events carry no secret by construction.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::response::Sse as SseResponse;
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::watch;

use super::logread;
use super::logsource::LogSource;
use super::App;
use crate::event::EventRecord;

/// How often the poller asks the log for its last seq.
const POLL: Duration = Duration::from_millis(100);
/// Events read from the log per step of one stream.
const STEP: u32 = 500;

/// Publishes the log's last committed seq until `stop` turns true.
pub async fn poll_committed(
    log: LogSource,
    tx: watch::Sender<u64>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match log.last_seq().await {
            Ok(n) => {
                tx.send_if_modified(|v| std::mem::replace(v, n) != n);
            }
            Err(e) => tracing::warn!(%e, "reading the log's last seq failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            r = stop.changed() => if r.is_err() || *stop.borrow() { break },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Start after this seq (default: the newest committed now, or `Last-Event-ID`).
    #[serde(default)]
    after: Option<u64>,
}

struct Cursor {
    app: App,
    after: u64,
    buf: VecDeque<EventRecord>,
    committed: watch::Receiver<u64>,
    stop: watch::Receiver<bool>,
}

pub async fn stream(
    State(app): State<App>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
) -> SseResponse<impl Stream<Item = Result<Sse, Infallible>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let after = q
        .after
        .or(resume)
        .unwrap_or_else(|| *app.committed.borrow());
    let cursor = Cursor {
        committed: app.committed.clone(),
        stop: app.stop.clone(),
        app,
        after,
        buf: VecDeque::new(),
    };
    SseResponse::new(futures_util::stream::unfold(cursor, next)).keep_alive(KeepAlive::default())
}

/// The stream's next event; `None` (the end) at shutdown.
async fn next(mut c: Cursor) -> Option<(Result<Sse, Infallible>, Cursor)> {
    loop {
        if let Some(rec) = c.buf.pop_front() {
            c.after = rec.seq;
            let data = logread::to_json(&rec).to_string();
            let ev = Sse::default()
                .id(rec.seq.to_string())
                .event(rec.event.kind())
                .data(data);
            return Some((Ok(ev), c));
        }
        if *c.stop.borrow() {
            return None;
        }
        let committed = *c.committed.borrow();
        if committed > c.after {
            let after = c.after;
            match c.app.log.page(after, STEP, None, false).await {
                Ok(page) if !page.is_empty() => c.buf.extend(page),
                // Only kinds this rotor cannot read: step over them.
                Ok(_) => c.after = committed,
                Err(e) => {
                    tracing::warn!(%e, "reading events for a stream failed");
                    return None;
                }
            }
            continue;
        }
        tokio::select! {
            r = c.committed.changed() => if r.is_err() { return None },
            r = c.stop.changed() => if r.is_err() { return None },
        }
    }
}
