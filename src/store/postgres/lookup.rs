//! The questions `rotor serve` asks a fleet log beside its own writer, by index: the events of
//! one request, a page of events (oldest first, or the newest), an account's latest failures.
//! Kinds this rotor cannot read are skipped with a warning, as the server does on SQLite.

use tokio_postgres::types::ToSql;

use super::{LogEvent, PgStore};
use crate::error::Result;
use crate::ids::{AccountId, RequestId};
use crate::store::Unknown;

const COLUMNS: &str = "seq, at, kind, v, data::text, writer, seen";

impl PgStore {
    /// Every event naming `request`, in seq order.
    pub async fn request_events(&self, request: RequestId) -> Result<Vec<LogEvent>> {
        let sql = format!("SELECT {COLUMNS} FROM events WHERE request = $1 ORDER BY seq");
        self.lookup(&sql, &[&request.0]).await
    }

    /// Up to `limit` events after `after` (oldest first), or with `last` the newest `limit`;
    /// only those of `kind` when given. Returned in seq order.
    pub async fn page(
        &self,
        after: u64,
        limit: u32,
        kind: Option<&str>,
        last: bool,
    ) -> Result<Vec<LogEvent>> {
        let order = if last { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE seq > $1 AND ($2::text IS NULL OR kind = $2)
             ORDER BY seq {order} LIMIT $3"
        );
        let after = after.min(i64::MAX as u64) as i64;
        let mut out = self.lookup(&sql, &[&after, &kind, &(limit as i64)]).await?;
        out.sort_by_key(|e| e.record.seq);
        Ok(out)
    }

    /// The newest `limit` `request_failed` events of `account`, newest first.
    pub async fn account_failures(&self, account: AccountId, limit: u32) -> Result<Vec<LogEvent>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE account = $1 AND kind = 'request_failed'
             ORDER BY seq DESC LIMIT $2"
        );
        self.lookup(&sql, &[&account.0, &(limit as i64)]).await
    }

    async fn lookup(&self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<LogEvent>> {
        let client = self.read.client().await?;
        let rows = client
            .query(sql, args)
            .await
            .map_err(|e| self.target.error(e))?;
        super::read::decode_rows(&rows, &self.target, Unknown::Skip)
    }
}
