//! `rotor serve` names the accounts that can never be refreshed (an OAuth token without a
//! refresh token, or a provider without a token refresher) as the CLI's `status` and
//! `account list` do: `GET /v1/status` and `GET /v1/accounts` carry the same `cannot_refresh`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::common::*;
use super::serve_support::*;

/// `cannot_refresh` by label, from a list of accounts.
fn by_label(rows: &Value) -> BTreeMap<String, Value> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not a list: {rows}"))
        .iter()
        .map(|r| {
            let label = r["label"].as_str().unwrap().to_string();
            (label, r["cannot_refresh"].clone())
        })
        .collect()
}

#[test]
fn serve_names_the_accounts_that_can_never_be_refreshed_as_the_cli_does() {
    // Given a Claude token without a refresh token, a Claude token with one, an Antigravity
    // token with one but no Antigravity client configured, and an API key
    let (_dir, db) = temp_db();
    let conf = add_refreshability_mix(&db, "2030-01-01T00:00:00Z");
    // And what the CLI says of them
    let cli_list = by_label(&json(&rotor(
        &db,
        &["--config", &conf, "--json", "account", "list"],
    )));
    let cli_status =
        by_label(&json(&rotor(&db, &["--config", &conf, "--json", "status"]))["accounts"]);
    assert!(cli_list["stuck"]
        .as_str()
        .unwrap()
        .contains("no refresh token"));
    assert!(cli_list["ag"].as_str().unwrap().contains("antigravity"));
    assert_eq!(cli_list["fine"], Value::Null);
    assert_eq!(cli_list["key"], Value::Null);
    // When the same log is served under the same configuration
    let p = ServeProcess::start(&db, &["--config", &conf], &[("ROTOR_SERVE_TOKEN", TOKEN)]);
    let (status, accounts) = runtime().block_on(async {
        let http = reqwest::Client::new();
        let get = |path: &'static str| {
            let req = http.get(p.url(path)).bearer_auth(TOKEN);
            async move {
                let res = req.send().await.unwrap();
                assert!(res.status().is_success(), "{path}: {}", res.status());
                res.json::<Value>().await.unwrap()
            }
        };
        (get("/v1/status").await, get("/v1/accounts").await)
    });
    let (exit, _) = p.terminate();
    assert!(exit.success(), "{exit:?}");
    // Then the server says what the CLI says, account by account
    assert_eq!(by_label(&status["accounts"]), cli_status, "{status}");
    assert_eq!(by_label(&accounts), cli_list, "{accounts}");
}
