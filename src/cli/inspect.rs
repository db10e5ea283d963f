//! The read-only commands `status`, `events` and `export`, and the helpers every read-only
//! command opens the log with (`fold_read_only`, `fleet_log`; `replay.rs` uses them too). They
//! open the log read-only, so they work beside a running writer on a consistent snapshot.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{output, parse_at, Ctx};
use crate::event::EventRecord;
use crate::ids::AccountId;
use crate::state::State;
use crate::store::{self, Unknown};
use crate::time::{format_ts, Timestamp};
use crate::Result;

/// Folds the whole log read-only; returns the state and the records.
pub fn fold_read_only(ctx: &Ctx, skip_unknown: bool) -> Result<(State, Vec<EventRecord>)> {
    let unknown = if skip_unknown {
        Unknown::Skip
    } else {
        Unknown::Fail
    };
    let records = match fleet_log(ctx, unknown)? {
        Some(events) => events.into_iter().map(|e| e.record).collect(),
        None => store::read::all_events(&store::open_read_only(&ctx.db)?, unknown)?,
    };
    Ok((State::fold(&records), records))
}

/// Every event of the log when `--db` is a fleet's PostgreSQL database (`None`: a SQLite file).
#[cfg(feature = "postgres")]
pub fn fleet_log(ctx: &Ctx, unknown: Unknown) -> Result<Option<Vec<store::postgres::LogEvent>>> {
    ctx.postgres_url()
        .map(|url| store::postgres::read_log(url, unknown))
        .transpose()
}

/// Without the `postgres` feature there is no fleet log.
#[cfg(not(feature = "postgres"))]
pub struct NoFleetEvent {
    pub record: EventRecord,
}

#[cfg(not(feature = "postgres"))]
pub fn fleet_log(_: &Ctx, _: Unknown) -> Result<Option<Vec<NoFleetEvent>>> {
    Ok(None)
}

/// The events of a fleet's log after `after` (none for a SQLite file).
#[cfg(feature = "postgres")]
fn fleet_log_after(ctx: &Ctx, after: u64) -> Result<Vec<store::postgres::LogEvent>> {
    match ctx.postgres_url() {
        Some(url) => store::postgres::read_log_after(url, after, Unknown::Skip),
        None => Ok(Vec::new()),
    }
}

#[cfg(not(feature = "postgres"))]
fn fleet_log_after(_: &Ctx, _: u64) -> Result<Vec<NoFleetEvent>> {
    Ok(Vec::new())
}

/// Fills `cannot_refresh` on the view's accounts from the credentials store (read-only, the
/// secrets stay in this process) and the configuration's refreshers.
pub fn note_refreshability(ctx: &Ctx, view: &mut crate::status::StatusView) -> Result<()> {
    let creds = stored_credentials(ctx)?;
    let endpoints =
        crate::refresh::RefreshEndpoints::from_config(&ctx.config).map_err(|e| e.to_string());
    let has_refresh_token = |id: AccountId| {
        creds
            .get(&id)
            .is_some_and(|c| c.secrets.refresh_token.is_some())
    };
    let missing = |p| crate::status::refreshable::missing_refresher(&endpoints, p);
    crate::status::refreshable::note(&mut view.accounts, has_refresh_token, missing);
    Ok(())
}

/// The newest credential of every account, from the SQLite file or the fleet's database.
fn stored_credentials(
    ctx: &Ctx,
) -> Result<std::collections::HashMap<AccountId, store::StoredCredential>> {
    #[cfg(feature = "postgres")]
    if let Some(url) = ctx.postgres_url() {
        return store::postgres::read_credentials(url);
    }
    store::read::credentials(&store::open_read_only(&ctx.db)?)
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Show the blocks in force at this time (RFC 3339); default now.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<Timestamp>,
}

pub fn status(ctx: &Ctx, a: StatusArgs) -> Result<i32> {
    let (state, _) = fold_read_only(ctx, false)?;
    let at = a.at.unwrap_or_else(chrono::Utc::now);
    let mut view = crate::status::status_with(&state, at, ctx.config.cooldown.disabled);
    note_refreshability(ctx, &mut view)?;
    if ctx.json {
        ctx.print_json(&view)?;
        return Ok(0);
    }
    output::text(&crate::status::render(&view))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Keep printing new events as they are appended (--json: one JSON object per line).
    #[arg(long)]
    pub follow: bool,
}

pub fn events(ctx: &Ctx, a: EventsArgs) -> Result<i32> {
    let conn = match ctx.postgres_url() {
        Some(_) => None,
        None => Some(store::open_read_only(&ctx.db)?),
    };
    let mut last = 0;
    loop {
        let print = |rec: EventRecord| -> Result<()> {
            let data = serde_json::to_value(&rec.event).unwrap_or_default();
            if ctx.json {
                out!(
                    "{}",
                    json!({"seq": rec.seq, "at": format_ts(rec.at), "kind": rec.event.kind(), "data": data})
                );
            } else {
                out!(
                    "{:>6}  {}  {:<17} {}",
                    rec.seq,
                    format_ts(rec.at),
                    rec.event.kind(),
                    data
                );
            }
            Ok(())
        };
        match &conn {
            Some(conn) => store::read::for_each_event(conn, last, None, Unknown::Skip, |rec| {
                last = rec.seq;
                print(rec)
            })?,
            // A fleet's log, read from the last seq printed.
            None => {
                for e in fleet_log_after(ctx, last)? {
                    last = e.record.seq;
                    print(e.record)?;
                }
            }
        }
        if !a.follow {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The new SQLite file to write (never overwritten): the events, without the credentials
    /// table, for a bug report.
    #[arg(value_name = "OUT.db")]
    pub out: PathBuf,
    /// Keep e-mails, provider account ids and Cloud projects as logged. By default they are
    /// replaced by pseudonyms (`user-<hex>@redacted`) that are stable within the file only.
    #[arg(long)]
    pub keep_identities: bool,
}

pub fn export(ctx: &Ctx, a: ExportArgs) -> Result<i32> {
    // The copy is a SQLite log, which has no place for each event's writer and `seen`:
    // without them a fleet's decisions cannot be replayed (`replay --verify` rebuilds each
    // instance's order from them), so a copy that looks complete would not verify.
    #[cfg(feature = "postgres")]
    if let Some(url) = ctx.postgres_url() {
        let log = crate::store::postgres::describe_url(url);
        return Err(crate::Error::InvalidInput(format!(
            "{log}: export writes a SQLite copy, which cannot keep a fleet's writers, so \
             `replay --verify` could not check it. Dump the events instead (no secrets are in \
             them; identities are kept as logged, not pseudonymized): \
             pg_dump --table=events --table=rotor_migrations '{log}' > fleet-log.sql \
             (`psql -f` loads it into an empty database, where `rotor replay` reads it)"
        )));
    }
    let conn = store::open_read_only(&ctx.db)?;
    let identities = if a.keep_identities {
        store::Identities::Keep
    } else {
        store::Identities::Pseudonymize
    };
    let n = store::export(&conn, &a.out, identities)?;
    if ctx.json {
        ctx.print_json(&json!({
            "out": a.out, "events": n, "identities_kept": a.keep_identities,
        }))?;
    } else {
        let who = if a.keep_identities {
            "identities kept"
        } else {
            "identities pseudonymized"
        };
        out!(
            "exported {n} events to {} (no credentials, {who})",
            a.out.display()
        );
    }
    Ok(0)
}
