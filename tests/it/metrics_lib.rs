//! The library records its own metrics: a service that embeds rotor and installs its recorder
//! (here a Prometheus one, local to the test's thread) gets selections, reports and the gauges
//! without `rotor serve`.

use metrics_exporter_prometheus::PrometheusBuilder;
use rotor::parse::Headers;
use rotor::{Engine, NewAccount, Outcome, Provider, SelectOpts};

#[test]
fn an_embedding_services_recorder_gets_the_library_series() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let engine = Engine::in_memory().unwrap();
    // An allow-list names the model, so it keeps its own label whatever other tests selected.
    for label in ["a", "b"] {
        let mut acct =
            NewAccount::api_key(Provider::Glm, label, &format!("glm-key-{label}-0123456789"));
        acct.models = Some(vec!["glm-embedded".into()]);
        engine.add_account(acct).unwrap();
    }
    metrics::with_local_recorder(&recorder, || {
        let opts = SelectOpts::default();
        for _ in 0..2 {
            let lease = engine.select(Provider::Glm, "glm-embedded", &opts).unwrap();
            let headers: Headers = [("retry-after", "600")].into_iter().collect();
            engine
                .report(&lease, Outcome::failure(429, headers, "slow down"))
                .unwrap();
        }
        // 16 selects on this (fresh) thread: one in 8 is timed.
        for _ in 0..14 {
            assert!(engine.select(Provider::Glm, "glm-embedded", &opts).is_err());
        }
        engine.record_gauges(engine.now());
    });
    let text = handle.render();
    for series in [
        r#"rotor_selections_total{provider="glm",model="glm-embedded",outcome="selected"} 2"#,
        r#"rotor_selections_total{provider="glm",model="glm-embedded",outcome="no_account"} 14"#,
        r#"rotor_reports_total{provider="glm",kind="rate_limit"} 2"#,
        r#"rotor_blocks_in_force{provider="glm",reason="rate_limit"} 2"#,
        r#"rotor_accounts{provider="glm",status="active"} 2"#,
        r#"rotor_select_seconds_count{provider="glm"} 2"#,
    ] {
        assert!(
            text.lines().any(|l| l == series),
            "{series} missing from\n{text}"
        );
    }
}
