//! The PostgreSQL edge (feature `postgres`): one log shared by a fleet of instances. `PgStore`
//! opens a `postgres://` log (refusing a foreign database, migrating under a lock), appends
//! batches in seq = commit order, follows the log's end, claims refreshes, and copies a SQLite
//! log in. Nothing here knows about projections: the engine folds what it reads.
//!
//! # How the engine uses it
//!
//! ```text
//! open      PgStore::open(url, PgOptions { writer, poll })       // writer: this instance's id
//! catch up  latest_checkpoint(u64::MAX), then events_after(seq) until empty; credentials()
//! write     append(&[Append { row: EventRow::new(at, &event), seen, credential }])
//!             one call per group-commit batch, from one task; Ok = committed, so `flush`
//!             acknowledges exactly what returned Ok. On Err(Postgres): nothing committed,
//!             keep the batch queued and append it again later. On Err(CommitInDoubt): append
//!             the SAME batch again; the store finds out whether it landed and never writes it
//!             twice. Outcomes are per item: GenerationTaken means another instance refreshed
//!             first, so drop that event and take its credential from the tail.
//! follow    let mut tail = store.tail(last_applied, Unknown::Fail); tail.next().await
//!             returns every event after the last returned, in seq order (own ones too: skip
//!             those by `writer`), waking on NOTIFY and polling every `poll`.
//! refresh   claim_refresh(account, now, ttl) -> Acquired: call the token endpoint (no
//!             transaction open), append refresh_succeeded with CredentialWrite::Put of the
//!             next generation, release_refresh(account). HeldBy: wait for the tail.
//! checkpoint write_checkpoint(seq, bytes) with the fold of every event up to seq.
//! ```
//!
//! # Why seq order is commit order
//!
//! Every append transaction first takes one transaction-scoped advisory lock
//! ([`APPEND_LOCK`]) and only then reads `max(seq)` and inserts `max+1..`. The lock is released
//! after the commit is visible, and under READ COMMITTED the next holder's `max` is read after it
//! got the lock, so each batch numbers above every committed event and commits before any later
//! batch can number. A reader of `seq > last` therefore never sees seq n+1 before seq n is
//! committed. A sequence or identity column drawn without the lock does not give this: two
//! transactions draw 10 and 11, 11 commits first, a reader moves past 10, and 10 commits
//! unseen. `max+1` rather than a sequence also keeps the log free of gaps. Holding one lock per
//! batch (not per event) is what keeps a fleet's appends fast: group commit makes batches large.

mod append;
mod baseline;
mod batch;
mod claim;
mod copy;
mod credentials;
mod doubt;
mod follow;
mod group_commit;
mod instance;
mod link;
mod lookup;
mod reachable;
mod read;
mod rows;
mod schema;
mod snapshot;
mod tail;
mod target;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use baseline::RAW_TABLE;
pub use batch::{Append, AppendOutcome, Committed};
pub use claim::Claim;
pub use copy::CopyReport;
pub use follow::{ApplyForeign, Follower, Foreign};
pub use instance::{Opened, PgInstance, MAX_QUEUED};
pub use read::LogEvent;
pub use schema::{MIGRATIONS, SCHEMA_VERSION};
pub use snapshot::{read_credentials, read_log, read_log_after};
pub use tail::{Tail, READ_LIMIT};
pub use target::{describe_url, is_postgres_url};

use link::{Link, WriteLink};
use target::Target;

use crate::error::Result;
use crate::ids::AccountId;
use crate::store::{EventRow, StoredCredential, Unknown};
use crate::time::Timestamp;

/// Class of rotor's advisory locks (ASCII "rotr"); the second key says which lock.
pub const LOCK_CLASS: i32 = 0x726f_7472;
/// Taken by every append transaction before it draws seqs.
pub const APPEND_LOCK: (i32, i32) = (LOCK_CLASS, 1);
/// Taken while checking and migrating the schema.
pub const MIGRATE_LOCK: (i32, i32) = (LOCK_CLASS, 2);
/// The channel each committed batch notifies (payload: its last seq).
pub const NOTIFY_CHANNEL: &str = "rotor_events";
/// How often a tail polls when no notification wakes it (`postgres.poll`).
pub const DEFAULT_POLL: Duration = Duration::from_millis(250);

/// How an instance opens the log.
#[derive(Clone, Debug)]
pub struct PgOptions {
    /// This instance's writer id, recorded on every event it appends and on its claims.
    pub writer: uuid::Uuid,
    /// The poll interval of tails (notifications only shorten it).
    pub poll: Duration,
    /// Whether tails LISTEN for the notification each batch sends (false: they only poll).
    pub listen: bool,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            writer: uuid::Uuid::now_v7(),
            poll: DEFAULT_POLL,
            listen: true,
        }
    }
}

/// A PostgreSQL log opened by one instance. Reads and claims share one connection, appends
/// run on their own; both reconnect on the next call after the server comes back.
pub struct PgStore {
    target: Arc<Target>,
    options: PgOptions,
    read: Link,
    write: tokio::sync::Mutex<WriteSide>,
}

struct WriteSide {
    link: WriteLink,
    statements: Option<append::Statements>,
    in_doubt: Option<doubt::InDoubt>,
}

impl PgStore {
    /// Opens the log at `url` for writing: refuses a database that holds other tables and no
    /// rotor schema (or a newer schema), then applies missing migrations.
    pub async fn open(url: &str, options: PgOptions) -> Result<PgStore> {
        let target = Target::parse(url)?;
        let mut link = WriteLink::new(target.clone());
        let (client, _) = link.client().await?;
        schema::migrate(client, &target).await?;
        Ok(PgStore {
            read: Link::new(target.clone()),
            write: tokio::sync::Mutex::new(WriteSide {
                link,
                statements: None,
                in_doubt: None,
            }),
            target,
            options,
        })
    }

    /// The schema version of the log at `url` (0: an empty database); writes nothing.
    pub async fn check(url: &str) -> Result<i64> {
        let target = Target::parse(url)?;
        let client = target.connect().await?;
        schema::check(&client, &target).await
    }

    /// The URL without its password.
    pub fn describe(&self) -> &str {
        self.target.describe()
    }

    /// This instance's writer id.
    pub fn writer(&self) -> uuid::Uuid {
        self.options.writer
    }

    /// Commits `batch` in one transaction (see the module docs for the error contract).
    pub async fn append(&self, batch: &[Append]) -> Result<Committed> {
        if batch.is_empty() {
            return Ok(Committed {
                outcomes: Vec::new(),
            });
        }
        let mut side = self.write.lock().await;
        let WriteSide {
            link,
            statements,
            in_doubt,
        } = &mut *side;
        let (client, fresh) = link.client().await?;
        // Statements live on the connection they were prepared on.
        let prepared = match statements.take() {
            Some(s) if !fresh => s,
            _ => append::Statements::prepare(client)
                .await
                .map_err(|e| self.target.error(e))?,
        };
        let prepared = statements.insert(prepared);
        append::append(
            client,
            prepared,
            &self.target,
            self.options.writer,
            in_doubt,
            batch,
        )
        .await
    }

    /// Up to `limit` events after `after`, in seq order.
    pub async fn events_after(
        &self,
        after: u64,
        limit: usize,
        unknown: Unknown,
    ) -> Result<Vec<LogEvent>> {
        let client = self.read.client().await?;
        read::events_after(&client, &self.target, after, limit, unknown).await
    }

    /// The last seq in the log (0 when empty).
    pub async fn last_seq(&self) -> Result<u64> {
        let client = self.read.client().await?;
        read::last_seq(&client, &self.target).await
    }

    /// A follower of the log from `after` on, with its own connections (its listener is a task
    /// of the current tokio runtime).
    pub fn tail(&self, after: u64, unknown: Unknown) -> Tail {
        Tail::start(
            self.target.clone(),
            after,
            self.options.poll,
            self.options.listen,
            unknown,
        )
    }

    /// The newest credential generation of every account.
    pub async fn credentials(&self) -> Result<HashMap<AccountId, StoredCredential>> {
        let client = self.read.client().await?;
        read::credentials(&client, &self.target).await
    }

    /// The newest credential generation stored for `account` (0: none).
    pub async fn generation(&self, account: AccountId) -> Result<u64> {
        let client = self.read.client().await?;
        let row = client
            .query_one(
                "SELECT COALESCE(max(generation), 0) FROM credentials WHERE account = $1",
                &[&account.0],
            )
            .await
            .map_err(|e| self.target.error(e))?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    /// The newest checkpoint at or below `max_seq`: (seq, bytes).
    pub async fn latest_checkpoint(&self, max_seq: u64) -> Result<Option<(u64, Vec<u8>)>> {
        let client = self.read.client().await?;
        read::latest_checkpoint(&client, &self.target, max_seq).await
    }

    /// Stores the fold up to `seq` (false: `seq` is not in the log, or already checkpointed).
    pub async fn write_checkpoint(&self, seq: u64, data: &[u8]) -> Result<bool> {
        let client = self.read.client().await?;
        read::write_checkpoint(&client, &self.target, seq, data).await
    }

    /// Claims the refresh of `account` for this instance until `now + ttl`.
    pub async fn claim_refresh(
        &self,
        account: AccountId,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Claim> {
        let client = self.read.client().await?;
        claim::claim(
            &client,
            &self.target,
            account,
            self.options.writer,
            now,
            ttl,
        )
        .await
    }

    /// Releases this instance's claim on `account` (false: it holds none).
    pub async fn release_refresh(&self, account: AccountId) -> Result<bool> {
        let client = self.read.client().await?;
        claim::release(&client, &self.target, account, self.options.writer).await
    }

    /// Copies a SQLite log (opened read-only) into this log, which must be empty.
    pub async fn copy_sqlite_log(&self, sqlite: &rusqlite::Connection) -> Result<CopyReport> {
        let mut side = self.write.lock().await;
        let (client, _) = side.link.client().await?;
        copy::copy_sqlite_log(sqlite, client, &self.target).await
    }

    /// The benchmark baseline: `rows` inserted `batch` per transaction into a scratch copy of
    /// `events` ([`RAW_TABLE`], dropped afterwards), with none of the store's work.
    pub async fn raw_batched_insert(&self, rows: &[EventRow], batch: usize) -> Result<u64> {
        baseline::raw_batched_insert(&self.target, rows, batch).await
    }
}
