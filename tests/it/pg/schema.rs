//! Migrations of a PostgreSQL log: applied once however often and however concurrently the log
//! is opened, tracked in `rotor_migrations`; a foreign database (other tables, no marker) is
//! refused and left untouched, and a newer schema is refused naming both versions.

use rotor::store::postgres::{PgStore, MIGRATIONS, SCHEMA_VERSION};
use rotor::Error;

use super::harness::{self, connect_url};
use super::{open, tagged};

async fn tables(url: &str) -> Vec<String> {
    connect_url(url)
        .await
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn migrations(url: &str) -> Vec<(i32, String)> {
    connect_url(url)
        .await
        .query(
            "SELECT version, name FROM rotor_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_however_many_instances_open_the_log_at_once() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    assert_eq!(PgStore::check(&url).await.unwrap(), 0, "an empty database");
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { open(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await.unwrap());
    }
    let want: Vec<(i32, String)> = MIGRATIONS
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (i as i32 + 1, name.to_string()))
        .collect();
    assert_eq!(migrations(&url).await, want);
    stores[0].append(&[tagged("kept")]).await.unwrap();

    // Opening again changes nothing and keeps the log.
    let again = open(&url).await;
    assert_eq!(migrations(&url).await, want);
    assert_eq!(again.last_seq().await.unwrap(), 1);
    assert_eq!(PgStore::check(&url).await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        tables(&url).await,
        [
            "checkpoints",
            "credentials",
            "events",
            "refresh_claims",
            "rotor_migrations"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_database_is_refused_and_left_untouched() {
    let server = crate::pg_or_skip!(harness::shared());
    for foreign in [
        "CREATE TABLE users (id int)",
        // Even one with an `events` table of its own.
        "CREATE TABLE events (seq bigint PRIMARY KEY, at text, kind text, v int, data json)",
    ] {
        let url = server.fresh_db().await;
        connect_url(&url)
            .await
            .batch_execute(foreign)
            .await
            .unwrap();
        let before = tables(&url).await;
        let err = PgStore::open(&url, Default::default())
            .await
            .err()
            .expect("refused");
        assert!(matches!(err, Error::NotARotorLog { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("no rotor schema") && msg.contains(&before.join(", ")),
            "{msg}"
        );
        assert_eq!(tables(&url).await, before, "nothing was written");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_from_a_newer_rotor_is_refused_naming_both_versions() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    drop(open(&url).await);
    let newer = SCHEMA_VERSION + 1;
    connect_url(&url)
        .await
        .execute(
            "INSERT INTO rotor_migrations (version, name) VALUES ($1, '9999_future.sql')",
            &[&(newer as i32)],
        )
        .await
        .unwrap();
    let err = PgStore::open(&url, Default::default())
        .await
        .err()
        .expect("refused");
    match err {
        Error::SchemaTooNew {
            found, supported, ..
        } => {
            assert_eq!((found, supported), (newer, SCHEMA_VERSION))
        }
        other => panic!("expected SchemaTooNew, got {other}"),
    }
}

#[tokio::test]
async fn a_url_that_is_not_postgres_is_a_clear_error() {
    for bad in [
        "mysql://x/y",
        "postgres://u@h:notaport/db",
        "postgres://h/db?nosuchoption=1",
    ] {
        let err = PgStore::open(bad, Default::default())
            .await
            .err()
            .expect("refused");
        assert!(matches!(err, Error::InvalidInput(_)), "{bad}: {err}");
    }
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_that_names_it_without_the_password() {
    // Port 1 on loopback: refused at once.
    let err = PgStore::open(
        "postgres://rotor:s3cret-pw@127.0.0.1:1/fleet",
        Default::default(),
    )
    .await
    .err()
    .expect("unreachable");
    let msg = err.to_string();
    assert!(matches!(err, Error::Postgres { .. }), "{msg}");
    assert!(msg.contains("postgres://rotor@127.0.0.1:1/fleet"), "{msg}");
    assert!(!msg.contains("s3cret"), "{msg}");
}
