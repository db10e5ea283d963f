//! The log the server reads beside its engine's writer, whichever it is: a SQLite file (through
//! `logread`'s pool of read-only connections) or a fleet's PostgreSQL log (through the
//! instance's own connections, on its runtime). One async question per route; the answers are
//! decided by the same functions on both (`logread::found_among`, `cause_among`).

#[cfg(feature = "postgres")]
use std::sync::Arc;

use super::logread::{self, Found, LogReader};
use crate::event::EventRecord;
use crate::ids::{AccountId, RequestId};
use crate::replay::Explanation;
use crate::time::Timestamp;
use crate::{Engine, Error, Result};

#[cfg(feature = "postgres")]
use crate::store::postgres::PgInstance;

#[derive(Clone)]
pub enum LogSource {
    Sqlite(LogReader),
    #[cfg(feature = "postgres")]
    Postgres(Arc<PgInstance>),
}

impl LogSource {
    /// The log `engine` writes (an in-memory engine has none to read back).
    pub fn of(engine: &Engine) -> Result<LogSource> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = engine.fleet_instance() {
            return Ok(LogSource::Postgres(pg));
        }
        let path = engine.path().ok_or_else(|| {
            Error::InvalidInput(
                "rotor serve needs a log file or a postgres:// log, not an in-memory engine".into(),
            )
        })?;
        Ok(LogSource::Sqlite(LogReader::new(path.to_path_buf())))
    }

    /// The newest seq committed (0 when empty).
    pub async fn last_seq(&self) -> Result<u64> {
        match self {
            LogSource::Sqlite(r) => r.with(logread::last_seq).await,
            #[cfg(feature = "postgres")]
            LogSource::Postgres(pg) => pg.last_seq().await,
        }
    }

    /// Up to `limit` events after `after` (or the newest with `last`), of `kind` when given.
    pub async fn page(
        &self,
        after: u64,
        limit: u32,
        kind: Option<String>,
        last: bool,
    ) -> Result<Vec<EventRecord>> {
        match self {
            LogSource::Sqlite(r) => {
                r.with(move |c| logread::page(c, after, limit, kind.as_deref(), last))
                    .await
            }
            #[cfg(feature = "postgres")]
            LogSource::Postgres(pg) => {
                let store = pg.store();
                let page = pg
                    .run(async move { store.page(after, limit, kind.as_deref(), last).await })
                    .await??;
                Ok(page.into_iter().map(|e| e.record).collect())
            }
        }
    }

    /// The lease and outcome the log holds for `request`.
    pub async fn find_request(&self, request: RequestId) -> Result<Found> {
        match self {
            LogSource::Sqlite(r) => r.with(move |c| logread::find_request(c, request)).await,
            #[cfg(feature = "postgres")]
            LogSource::Postgres(pg) => {
                let store = pg.store();
                let events = pg
                    .run(async move { store.request_events(request).await })
                    .await??;
                Ok(logread::found_among(
                    events.into_iter().map(|e| e.record),
                    request,
                ))
            }
        }
    }

    /// The seq of the failure that set the block of `account` (on `model`) lasting `until`.
    pub async fn block_cause(
        &self,
        account: AccountId,
        model: Option<String>,
        until: Timestamp,
    ) -> Result<Option<u64>> {
        match self {
            LogSource::Sqlite(r) => {
                r.with(move |c| logread::block_cause(c, account, model.as_deref(), until))
                    .await
            }
            #[cfg(feature = "postgres")]
            LogSource::Postgres(pg) => {
                let store = pg.store();
                let scan = logread::CAUSE_SCAN as u32;
                let failures = pg
                    .run(async move { store.account_failures(account, scan).await })
                    .await??;
                let records = failures.into_iter().map(|e| e.record);
                Ok(logread::cause_among(records, model.as_deref(), until))
            }
        }
    }

    /// The `replay --explain` document for `request` (on a fleet log: from its writer's order
    /// of application, naming the writer).
    pub async fn explain(&self, request: RequestId) -> Result<Option<Explanation>> {
        match self {
            LogSource::Sqlite(r) => r.with(move |c| logread::explain(c, request)).await,
            #[cfg(feature = "postgres")]
            LogSource::Postgres(pg) => {
                let store = pg.store();
                let events = pg
                    .run(async move {
                        let mut all = Vec::new();
                        loop {
                            let after = all
                                .last()
                                .map_or(0, |e: &crate::store::postgres::LogEvent| e.record.seq);
                            let page = store
                                .events_after(
                                    after,
                                    crate::store::postgres::READ_LIMIT,
                                    crate::store::Unknown::Skip,
                                )
                                .await?;
                            if page.is_empty() {
                                return Ok::<_, Error>(all);
                            }
                            all.extend(page);
                        }
                    })
                    .await??;
                Ok(crate::replay::fleet::explain_fleet(&events, request))
            }
        }
    }
}
