//! Binding a batch of event rows: the rows as ten arrays, inserted by one statement that the
//! server unnests. Shared by appends and the raw baseline, so both write the same rows the same
//! way; seqs and the writer are the caller's.

use std::borrow::Cow;

use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use crate::store::EventRow;

/// Inserts a batch given as arrays (`$1`..`$9`, one element per row) by writer `$10`.
pub const INSERT_ROWS: &str = "INSERT INTO events (seq, at, kind, v, account, model, request, data, seen, writer)
     SELECT s, a, k, v, acc::uuid, m, r::uuid, d::json, n, $10::uuid
     FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[])
          AS t(s, a, k, v, acc, m, r, d, n)";

/// Columns of a batch of rows, ready to bind to [`INSERT_ROWS`].
pub struct RowArrays<'a> {
    seqs: Vec<i64>,
    ats: Vec<&'a str>,
    kinds: Vec<&'static str>,
    vs: Vec<i32>,
    accounts: Vec<Option<&'a str>>,
    models: Vec<Option<Cow<'a, str>>>,
    requests: Vec<Option<&'a str>>,
    datas: Vec<&'a str>,
    seens: Vec<Option<i64>>,
}

impl<'a> RowArrays<'a> {
    /// From (seq, row, seen) triples.
    pub fn new(rows: impl Iterator<Item = (u64, &'a EventRow, Option<u64>)>) -> Self {
        let n = rows.size_hint().0;
        let mut a = RowArrays {
            seqs: Vec::with_capacity(n),
            ats: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            vs: Vec::with_capacity(n),
            accounts: Vec::with_capacity(n),
            models: Vec::with_capacity(n),
            requests: Vec::with_capacity(n),
            datas: Vec::with_capacity(n),
            seens: Vec::with_capacity(n),
        };
        for (seq, r, seen) in rows {
            a.seqs.push(seq.min(i64::MAX as u64) as i64);
            a.ats.push(&r.at);
            a.kinds.push(r.kind);
            a.vs.push(r.v as i32);
            a.accounts.push(r.account.as_deref());
            a.models.push(r.model.as_deref().map(text_column));
            a.requests.push(r.request.as_deref());
            a.datas.push(&r.data);
            a.seens.push(seen.map(|s| s.min(i64::MAX as u64) as i64));
        }
        a
    }

    /// Runs `statement` (an [`INSERT_ROWS`] into some table) with these rows.
    pub async fn insert(
        &self,
        client: &impl GenericClient,
        statement: &tokio_postgres::Statement,
        writer: Option<uuid::Uuid>,
    ) -> Result<u64, tokio_postgres::Error> {
        let params: [&(dyn ToSql + Sync); 10] = [
            &self.seqs,
            &self.ats,
            &self.kinds,
            &self.vs,
            &self.accounts,
            &self.models,
            &self.requests,
            &self.datas,
            &self.seens,
            &writer,
        ];
        client.execute(statement, &params).await
    }
}

/// PostgreSQL text cannot hold NUL; the indexed `model` column gets U+FFFD in its place (the
/// JSON in `data`, where NUL is escaped, keeps the exact name).
pub fn text_column(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\u{fffd}"))
    } else {
        Cow::Borrowed(s)
    }
}
