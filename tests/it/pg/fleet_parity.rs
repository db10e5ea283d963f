//! Peer-parity operations on a fleet's PostgreSQL log: an account update one instance makes
//! (cooldowns off) rules the others' selections once they follow it, and they say which block
//! they looked past; a model alias is recorded beside its canonical model; `selected` rows are
//! version 2 with the leased generation; `rotor status` and `account list` on the database say
//! which OAuth account can never be refreshed; `replay --verify` needs no configuration.

use rotor::secret::Secrets;
use rotor::time::ManualClock;
use rotor::{AccountChanges, Config, Engine, NewAccount, Provider, SelectOpts};
use serde_json::Value;

use super::fleet::rate_limited;
use super::fleet_replay::rotor_url;
use super::harness;
use crate::it::common::{add_keys, json, stdout, T0};

const O: Provider = Provider::Openai;

/// An instance of the fleet on `url` that serves `fast` as an alias of `gpt-4o`.
fn aliasing_instance(url: &str, clock: &ManualClock) -> Engine {
    let config = Config::from_toml("[model_alias]\nfast = \"gpt-4o\"\n").unwrap();
    Engine::builder()
        .path(url)
        .config(config)
        .clock(clock.clone())
        .open()
        .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_on_one_instance_rules_the_others_and_the_cli_reads_it_from_postgres() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let clock = ManualClock::at(T0);
    let a = super::fleet::instance(&url, &clock);
    let b = aliasing_instance(&url, &clock);
    // Given one OpenAI key, and a Claude OAuth account stored without a refresh token
    let x = add_keys(&a, O, &["x"])[0];
    let mut stuck = NewAccount::api_key(Provider::Claude, "stuck", "unused");
    stuck.secrets = Secrets::oauth("sk-ant-oat01-test-stuck-0123456789", None);
    a.add_account(stuck).unwrap();
    a.flush().await.unwrap();
    b.catch_up().await.unwrap();

    // When B leases x by its alias and the provider rate-limits it for 100 s
    let l = b.select(O, "fast", &SelectOpts::default()).unwrap();
    assert_eq!((&*l.model, &*l.asked_model), ("gpt-4o", "fast"));
    b.report(&l, rate_limited(100)).unwrap();
    // Then B has nothing to lease for the canonical model nor the alias
    assert!(b.select(O, "gpt-4o", &SelectOpts::default()).is_err());
    assert!(b.select(O, "fast", &SelectOpts::default()).is_err());

    // When A switches x's cooldowns off and B follows the log
    let off = AccountChanges {
        cooldown: Some(false),
        ..Default::default()
    };
    a.change_account(x, off).unwrap();
    a.flush().await.unwrap();
    b.catch_up().await.unwrap();
    // Then B leases x again, through its block
    let l = b.select(O, "fast", &SelectOpts::default()).unwrap();
    assert_eq!(l.account, x);
    b.flush().await.unwrap();

    // And the log holds it as a version 2 `selected`: both names, the generation leased, and
    // the block looked past with whose switch that was
    let pg = harness::connect_url(&url).await;
    let row = pg
        .query_one(
            "SELECT v, data::text FROM events WHERE kind = 'selected' ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 2);
    let selected: Value = serde_json::from_str(row.get::<_, &str>(1)).unwrap();
    assert_eq!(selected["model"], "gpt-4o", "{selected}");
    assert_eq!(selected["asked_model"], "fast", "{selected}");
    assert_eq!(selected["generation"], 1, "{selected}");
    assert_eq!(selected["cooldown_ignored"]["by"], "account", "{selected}");
    assert_eq!(
        selected["cooldown_ignored"]["reason"], "rate_limit",
        "{selected}"
    );

    // And the CLI reads the fleet's database: account list and status name the account
    // that can never be refreshed, and x's cooldowns as off
    let dir = tempfile::tempdir().unwrap();
    let out = rotor_url(dir.path(), &url, &["--json", "account", "list"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let rows = json(&out);
    let row = |label: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .unwrap_or_else(|| panic!("no {label} in {rows}"))
            .clone()
    };
    let why = row("stuck")["cannot_refresh"].clone();
    assert!(
        why.as_str().is_some_and(|w| w.contains("no refresh token")),
        "{rows}"
    );
    assert_eq!(row("x")["cannot_refresh"], Value::Null, "{rows}");
    assert_eq!(row("x")["cooldown"], false, "{rows}");
    let out = rotor_url(dir.path(), &url, &["status"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains("cannot refresh"), "{}", stdout(&out));

    // And replay --verify recomputes every decision from the log alone (no alias configured)
    let out = rotor_url(dir.path(), &url, &["replay", "--verify", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json(&out)["decisions"], 4, "{}", stdout(&out));
}
