//! `rotor migrate --from rotor.db --to postgres://...`: every event row arrives byte for byte
//! with its seq, the credentials and the checkpoint with it, and the copy reads back as the
//! same events; a log that is not empty, or a foreign database, is refused with exit 2.

use std::path::Path;
use std::process::{Command, Output};

use rotor::bench::baseline;
use rotor::bench::events::{generate, MixConfig};
use rotor::bench::rows::to_rows;
use rotor::store::{self, Unknown};
use rotor::{Engine, Provider};

use super::harness::{self, connect_url};
use super::open;
use crate::it::common::{add_keys, temp_db};

fn migrate(from: &Path, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rotor"))
        .args(["migrate", "--from"])
        .arg(from)
        .args(["--to", to])
        .env_remove("ROTOR_DB")
        .output()
        .unwrap()
}

type Row = (
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn sqlite_rows(path: &Path) -> Vec<Row> {
    let conn = store::open_read_only(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT seq, at, kind, v, account, model, request, data FROM events ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_every_row_credential_and_checkpoint_of_a_sqlite_log() {
    let server = crate::pg_or_skip!(harness::shared());
    let (_dir, path) = temp_db();
    {
        let engine = Engine::open(&path).unwrap();
        add_keys(&engine, Provider::Openai, &["alpha", "beta", "gamma"]);
        engine.close().await.unwrap();
    }
    let rows = to_rows(&generate(&MixConfig::new(8, 3, 5), 400));
    baseline::raw_insert(&mut baseline::open(&path).unwrap(), &rows, 500).unwrap();
    let total = sqlite_rows(&path).len() as u64;
    rotor::bench::engine::write_checkpoint_at(&path, total - 10).unwrap();

    let url = server.fresh_db().await;
    let out = migrate(&path, &url);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains(&format!("copied {total} events")), "{said}");

    // Every column of every row, compared as text.
    let client = connect_url(&url).await;
    let copied: Vec<Row> = client
        .query(
            "SELECT seq, at, kind, v::int8, account::text, model, request::text, data::text
             FROM events ORDER BY seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
            )
        })
        .collect();
    assert_eq!(copied, sqlite_rows(&path));
    let writers: i64 = client
        .query_one("SELECT count(*) FROM events WHERE writer IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(writers, 0, "copied events name no fleet writer");

    // Read back through both stores: the same events, credentials and checkpoint.
    let pg = open(&url).await;
    let conn = store::open_read_only(&path).unwrap();
    let from_pg: Vec<_> = pg
        .events_after(0, usize::MAX >> 1, Unknown::Fail)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.record)
        .collect();
    assert_eq!(
        from_pg,
        store::read::all_events(&conn, Unknown::Fail).unwrap()
    );
    let (pg_creds, sqlite_creds) = (
        pg.credentials().await.unwrap(),
        store::read::credentials(&conn).unwrap(),
    );
    assert_eq!(pg_creds.len(), 3);
    for (account, want) in &sqlite_creds {
        let got = &pg_creds[account];
        assert_eq!(
            (got.generation, &got.secrets, got.expires_at),
            (want.generation, &want.secrets, want.expires_at)
        );
    }
    assert_eq!(
        pg.latest_checkpoint(u64::MAX).await.unwrap(),
        store::read::latest_checkpoint(&conn, u64::MAX).unwrap()
    );
    assert_eq!(
        pg.latest_checkpoint(u64::MAX).await.unwrap().map(|c| c.0),
        Some(total - 10)
    );

    // A second copy into the same log is refused; so is a foreign database.
    let again = migrate(&path, &url);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a log"));
    let foreign = server.fresh_db().await;
    connect_url(&foreign)
        .await
        .batch_execute("CREATE TABLE orders (id int)")
        .await
        .unwrap();
    let refused = migrate(&path, &foreign);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a rotor log"));
}
