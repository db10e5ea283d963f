//! Migrations of a PostgreSQL log: the numbered files of `schema/postgres/`, applied in order in
//! one transaction under an advisory lock (two instances starting at once do not race) and
//! recorded in `rotor_migrations`, which is also the marker that a database is rotor's. A
//! database with other tables and no marker is refused before anything is written to it.

use tokio_postgres::Client;

use super::target::Target;
use super::MIGRATE_LOCK;
use crate::error::{Error, Result};

/// Every shipped migration, in order. A shipped file is never edited; new ones are appended.
pub const MIGRATIONS: [(&str, &str); 4] = [
    (
        "0001_events.sql",
        include_str!("../../../schema/postgres/0001_events.sql"),
    ),
    (
        "0002_credentials.sql",
        include_str!("../../../schema/postgres/0002_credentials.sql"),
    ),
    (
        "0003_checkpoints.sql",
        include_str!("../../../schema/postgres/0003_checkpoints.sql"),
    ),
    (
        "0004_refresh_claims.sql",
        include_str!("../../../schema/postgres/0004_refresh_claims.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The marker table: one row per applied migration.
const MARKER: &str = "CREATE TABLE rotor_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)";

/// Checks that the database (its current schema) is a rotor log or empty, then applies what
/// is missing. Returns the version found before migrating (0: a new log).
pub async fn migrate(client: &mut Client, target: &Target) -> Result<i64> {
    let pg = |e| target.error(e);
    let tx = client.transaction().await.map_err(pg)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&MIGRATE_LOCK.0, &MIGRATE_LOCK.1],
    )
    .await
    .map_err(pg)?;
    // Read only after the lock: an instance that migrated meanwhile has committed by now.
    let found = check_in(&tx, target).await?;
    if found == 0 {
        tx.batch_execute(MARKER).await.map_err(pg)?;
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).await.map_err(pg)?;
        tx.execute(
            "INSERT INTO rotor_migrations (version, name) VALUES ($1, $2)",
            &[&(i as i32 + 1), name],
        )
        .await
        .map_err(pg)?;
    }
    tx.commit().await.map_err(pg)?;
    Ok(found)
}

/// The schema version of a rotor log (0: an empty database), refusing anything else. Writes
/// nothing.
pub async fn check(client: &Client, target: &Target) -> Result<i64> {
    check_in(client, target).await
}

async fn check_in(client: &impl tokio_postgres::GenericClient, target: &Target) -> Result<i64> {
    let pg = |e| target.error(e);
    let not_ours = |why: String| Error::NotARotorLog {
        path: target.describe().into(),
        source: why.into(),
    };
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() ORDER BY table_name",
            &[],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if tables.is_empty() {
        return Ok(0);
    }
    if !tables.iter().any(|t| t == "rotor_migrations") {
        return Err(not_ours(format!(
            "it holds other tables ({}) and no rotor schema",
            tables.join(", ")
        )));
    }
    let applied = client
        .query(
            "SELECT version, name FROM rotor_migrations ORDER BY version",
            &[],
        )
        .await
        .map_err(|e| not_ours(format!("its rotor_migrations table is not rotor's: {e}")))?;
    if applied.is_empty() {
        return Err(not_ours("its rotor_migrations table is empty".into()));
    }
    let mut version = 0i64;
    for row in &applied {
        let (v, name): (i32, String) = (row.get(0), row.get(1));
        if i64::from(v) != version + 1 {
            return Err(not_ours(format!("migration {v} follows {version}")));
        }
        version = v.into();
        if let Some((ours, _)) = MIGRATIONS.get(version as usize - 1) {
            if *ours != name {
                return Err(not_ours(format!(
                    "migration {v} is {name:?}, this rotor's is {ours:?}"
                )));
            }
        }
    }
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            path: target.describe().into(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version > 0 && !tables.iter().any(|t| t == "events") {
        return Err(not_ours(format!(
            "migration {version} recorded but no events table"
        )));
    }
    Ok(version)
}
