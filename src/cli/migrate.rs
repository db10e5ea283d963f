//! `rotor migrate --from rotor.db --to postgres://...`: copies a SQLite log (every event with
//! its seq, the credentials, the checkpoint) into an empty PostgreSQL log, so a single instance
//! can become a fleet. The copying is the store's; this file only opens both ends and prints.

use std::path::PathBuf;

use clap::Args;

use super::Ctx;
use crate::store::postgres::{is_postgres_url, PgOptions, PgStore};
use crate::{Error, Result};

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The SQLite log to copy (read-only; may be open by a running writer).
    #[arg(long)]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into: empty, or a rotor log with no events yet.
    #[arg(long)]
    pub to: String,
}

pub fn migrate(ctx: &Ctx, a: MigrateArgs) -> Result<i32> {
    if !is_postgres_url(&a.to) {
        return Err(Error::InvalidInput(format!(
            "--to must be a postgres:// URL, not {:?}",
            a.to
        )));
    }
    let sqlite = crate::store::open_read_only(&a.from)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (report, target) = rt.block_on(async {
        let store = PgStore::open(&a.to, PgOptions::default()).await?;
        let report = store.copy_sqlite_log(&sqlite).await?;
        Ok::<_, Error>((report, store.describe().to_string()))
    })?;
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        out!(
            "copied {} events (last seq {}), {} credentials and {} checkpoints from {} to {target}",
            report.events,
            report.last_seq,
            report.credentials,
            report.checkpoints,
            a.from.display()
        );
    }
    Ok(0)
}
