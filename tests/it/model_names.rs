//! Model variants and aliases share their canonical model's state: a reasoning-effort suffix
//! (`(high)` always; `-high`-style suffixes listed in `model_variants.suffixes`) or an alias
//! (`model_alias.<name>`) is blocked, counted and rotated as the canonical model, and `selected`
//! records both names, so `replay --verify` needs no configuration to reproduce the decisions.

use rotor::parse::Headers;
use rotor::time::ManualClock;
use rotor::{Config, Outcome, Provider, SelectOpts};
use serde_json::Value;

use super::common::*;

const P: Provider = Provider::Openai;

const NAMES: &str = r#"
[model_alias]
codex = "gpt-5-codex"
[model_variants]
suffixes = ["-low", "-medium", "-high"]
"#;

fn config() -> Config {
    Config::from_toml(NAMES).unwrap()
}

#[test]
fn variants_and_aliases_rotate_on_the_canonical_models_cursor() {
    // Given two accounts in round robin and a configuration naming variants and an alias
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, config());
    let [a, b] = add_keys(&e, P, &["a", "b"])[..] else {
        unreachable!()
    };
    // When the canonical model, a listed variant, the alias and a `(level)` variant are asked
    let asked = [
        "gpt-5-codex",
        "gpt-5-codex-high",
        "codex",
        "gpt-5-codex(low)",
    ];
    let leases: Vec<_> = asked.iter().map(|m| lease(&e, P, m)).collect();
    // Then they take turns on one cursor, as one model
    let got: Vec<_> = leases.iter().map(|l| l.account).collect();
    assert_eq!(got, vec![a, b, a, b]);
    // And each lease names the canonical model and the one asked for
    for (l, m) in leases.iter().zip(asked) {
        assert_eq!((&*l.model, &*l.asked_model), ("gpt-5-codex", m));
    }
    // And the lease counters are the canonical model's only
    let s = e.state();
    assert_eq!(s.leased(P, "gpt-5-codex", a), 2);
    let h = &s.accounts[&a].health;
    assert_eq!(h.keys().map(|m| &**m).collect::<Vec<_>>(), ["gpt-5-codex"]);
    // And a suffix that is not listed is another model, with its own cursor
    assert_eq!(lease(&e, P, "gpt-5-codex-turbo").account, a);
}

#[test]
fn a_block_on_a_variant_holds_the_canonical_model_and_every_other_variant() {
    // Given account a rate limited for 60 s through a variant
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, config());
    let [a, b] = add_keys(&e, P, &["a", "b"])[..] else {
        unreachable!()
    };
    let l = lease(&e, P, "gpt-5-codex-high");
    assert_eq!(l.account, a);
    let h: Headers = [("retry-after", "60")].into_iter().collect();
    let r = e.report(&l, Outcome::failure(429, h, "")).unwrap();
    assert!(r.block.is_some(), "{r:?}");
    // Then every name of that model goes to b
    for m in [
        "gpt-5-codex",
        "gpt-5-codex-low",
        "codex",
        "gpt-5-codex(high)",
    ] {
        assert_eq!(lease(&e, P, m).account, b, "{m}");
    }
    // And the block is the canonical model's, as status shows it
    let view = rotor::status::status(&e.state(), t(T0));
    let row = view.accounts.iter().find(|x| x.id == a).unwrap();
    let models: Vec<_> = row.blocks.iter().map(|b| b.model.clone()).collect();
    assert_eq!(models, vec![Some("gpt-5-codex".into())]);
    // And a report by account and model name (no lease) resolves the name the same way
    let target = rotor::ReportFor::new(b, "codex", t(T0));
    e.report_for(target, Outcome::failure(429, Headers::new(), ""))
        .unwrap();
    assert!(e
        .select(P, "gpt-5-codex-medium", &SelectOpts::default())
        .is_err());
}

#[test]
fn an_allow_list_naming_a_variant_allows_the_model_it_is_a_variant_of() {
    let clock = ManualClock::at(T0);
    let e = mem_engine(&clock, config());
    let mut only = rotor::NewAccount::api_key(P, "only", "sk-test-only-0123456789abcdef0123");
    only.models = Some(vec!["gpt-5-codex-high".into()]);
    let only = e.add_account(only).unwrap();
    assert_eq!(lease(&e, P, "gpt-5-codex").account, only);
    assert_eq!(lease(&e, P, "codex").account, only);
    assert!(e.select(P, "gpt-4o", &SelectOpts::default()).is_err());
}

#[test]
fn selected_records_both_names_and_replay_verifies_without_the_configuration() {
    // Given a log written by the CLI with aliases configured
    let (dir, db) = temp_db();
    let conf = dir.path().join("names.toml");
    std::fs::write(&conf, NAMES).unwrap();
    let conf = conf.display().to_string();
    add_key_account(&db, "openai", "a");
    add_key_account(&db, "openai", "b");
    let o = rotor(
        &db,
        &[
            "--config",
            &conf,
            "--json",
            "select",
            "--provider",
            "openai",
            "--model",
            "codex",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let sel = json(&o);
    assert_eq!(
        (&sel["model"], &sel["asked_model"]),
        (&"gpt-5-codex".into(), &"codex".into())
    );
    let o = rotor(
        &db,
        &[
            "--config",
            &conf,
            "report",
            "--account",
            "a",
            "--model",
            "gpt-5-codex-high",
            "--status",
            "429",
            "--header",
            "retry-after: 600",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    for m in ["gpt-5-codex-low", "gpt-5-codex", "codex"] {
        let o = rotor(
            &db,
            &[
                "--config",
                &conf,
                "--json",
                "select",
                "--provider",
                "openai",
                "--model",
                m,
            ],
        );
        assert_eq!(json(&o)["label"], "b", "{m}");
    }
    // Then the log records the canonical model everywhere and the asked name where it differs
    let selected = logged(&db, "selected");
    let names: Vec<_> = selected
        .iter()
        .map(|s| (s["model"].clone(), s["asked_model"].clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("gpt-5-codex".into(), "codex".into()),
            ("gpt-5-codex".into(), "gpt-5-codex-low".into()),
            ("gpt-5-codex".into(), Value::Null),
            ("gpt-5-codex".into(), "codex".into()),
        ]
    );
    assert_eq!(logged(&db, "request_failed")[0]["model"], "gpt-5-codex");
    // And replay --verify, with no configuration at all, reproduces every decision
    let o = rotor(&db, &["--json", "replay", "--verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(json(&o)["decisions"], 4);
}

#[test]
fn an_alias_to_itself_or_to_an_empty_name_is_a_configuration_error() {
    for bad in [
        "[model_alias]\nloop = \"loop\"\n",
        "[model_alias]\nx = \"\"\n",
        "[model_variants]\nsuffixes = [\"\"]\n",
    ] {
        let e = Config::from_toml(bad).unwrap_err().to_string();
        assert!(e.contains("model_"), "{bad}: {e}");
    }
}
