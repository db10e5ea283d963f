//! Appending a batch: one transaction that first takes the log's transaction-scoped advisory
//! lock, then draws `seq`s as max+1, inserts the rows in one statement, writes the credential
//! rows, and sends one `NOTIFY`. A credential generation that is not newer than the stored one
//! is refused item by item (the rest of the batch commits). A lost answer to COMMIT is `doubt`'s.

use std::collections::HashMap;

use tokio_postgres::{Client, IsolationLevel, Statement, Transaction};

use super::batch::{Append, AppendOutcome, Committed};
use super::credentials::write_credential;
use super::doubt::{self, InDoubt};
use super::rows::{RowArrays, INSERT_ROWS};
use super::target::Target;
use super::{APPEND_LOCK, NOTIFY_CHANNEL};
use crate::error::{Error, Result};
use crate::store::CredentialWrite;

/// The statements of the batch transaction, prepared once per connection.
pub struct Statements {
    max: Statement,
    insert: Statement,
    notify: Statement,
}

impl Statements {
    pub async fn prepare(client: &Client) -> Result<Statements, tokio_postgres::Error> {
        Ok(Statements {
            max: client
                .prepare("SELECT COALESCE(max(seq), 0) FROM events")
                .await?,
            insert: client.prepare(INSERT_ROWS).await?,
            notify: client.prepare("SELECT pg_notify($1, $2)").await?,
        })
    }
}

/// Appends `batch` as `writer`, resolving an earlier in-doubt commit first (see module docs).
pub async fn append(
    client: &mut Client,
    statements: &Statements,
    target: &Target,
    writer: uuid::Uuid,
    in_doubt: &mut Option<InDoubt>,
    batch: &[Append],
) -> Result<Committed> {
    if let Some(landed) = doubt::settle(in_doubt, client, target, writer, batch).await? {
        return Ok(landed);
    }
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await
        .map_err(|e| target.error(e))?;
    let (base, committed) = write_batch(&tx, statements, writer, batch)
        .await
        .map_err(|e| target.error(e))?;
    let stored = committed.seqs().len() as u64;
    match tx.commit().await {
        Ok(()) => Ok(committed),
        Err(e) if !doubt::unanswered(&e) => Err(target.error(e)),
        Err(_) => {
            *in_doubt = Some(InDoubt::new(base, batch, committed));
            Err(Error::CommitInDoubt {
                target: target.describe().to_string(),
                events: stored as usize,
            })
        }
    }
}

/// Everything of the batch transaction before COMMIT. Returns the seq before the batch.
async fn write_batch(
    tx: &Transaction<'_>,
    statements: &Statements,
    writer: uuid::Uuid,
    batch: &[Append],
) -> Result<(u64, Committed), tokio_postgres::Error> {
    // The lock first, and the max only after it: under READ COMMITTED each statement sees what
    // committed before it started, and the previous holder released the lock only after its
    // commit became visible. So every batch draws seqs above every committed one, and no batch
    // can commit a lower seq later: seq order is commit order.
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock({}, {})",
        APPEND_LOCK.0, APPEND_LOCK.1
    ))
    .await?;
    let base: i64 = tx.query_one(&statements.max, &[]).await?.get(0);
    let base = base as u64;
    let outcomes = decide(tx, batch, base).await?;
    let stored: Vec<(u64, &Append)> = outcomes
        .iter()
        .zip(batch)
        .filter_map(|(o, a)| match o {
            AppendOutcome::Stored { seq } => Some((*seq, a)),
            AppendOutcome::GenerationTaken { .. } => None,
        })
        .collect();
    if !stored.is_empty() {
        RowArrays::new(stored.iter().map(|(seq, a)| (*seq, &a.row, a.seen)))
            .insert(tx, &statements.insert, Some(writer))
            .await?;
        for (_, a) in &stored {
            if let Some(cred) = &a.credential {
                write_credential(tx, cred).await?;
            }
        }
        let last = stored.last().map(|(s, _)| *s).unwrap_or(base);
        tx.execute(&statements.notify, &[&NOTIFY_CHANNEL, &last.to_string()])
            .await?;
    }
    Ok((base, Committed { outcomes }))
}

/// Numbers the items, refusing credential generations that are not newer than the account's.
async fn decide(
    tx: &Transaction<'_>,
    batch: &[Append],
    base: u64,
) -> Result<Vec<AppendOutcome>, tokio_postgres::Error> {
    let accounts: Vec<String> = batch
        .iter()
        .filter_map(|a| match &a.credential {
            Some(CredentialWrite::Put { account, .. }) => Some(account.to_string()),
            _ => None,
        })
        .collect();
    let mut latest: HashMap<String, u64> = HashMap::new();
    if !accounts.is_empty() {
        for row in tx
            .query(
                "SELECT account::text, max(generation) FROM credentials
                 WHERE account = ANY($1::text[]::uuid[]) GROUP BY account",
                &[&accounts],
            )
            .await?
        {
            latest.insert(row.get(0), row.get::<_, i64>(1) as u64);
        }
    }
    let mut next = base;
    let mut outcomes = Vec::with_capacity(batch.len());
    for a in batch {
        match &a.credential {
            Some(CredentialWrite::Put {
                account,
                generation,
                ..
            }) => {
                let held = latest.entry(account.to_string()).or_insert(0);
                if *generation <= *held {
                    outcomes.push(AppendOutcome::GenerationTaken {
                        account: *account,
                        generation: *generation,
                        latest: *held,
                    });
                    continue;
                }
                *held = *generation;
            }
            Some(CredentialWrite::Delete { account }) => {
                latest.insert(account.to_string(), 0);
            }
            None => {}
        }
        next += 1;
        outcomes.push(AppendOutcome::Stored { seq: next });
    }
    Ok(outcomes)
}
