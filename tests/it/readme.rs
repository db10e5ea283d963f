//! The README is real: its configuration example parses with its values and shows every key
//! the configuration has (a key added to the loader and not to the example fails); its
//! embedding example names every crate it uses in the dependencies it lists (the example itself
//! compiles and runs as a doctest, see `ReadmeDoctests` in `src/lib.rs`); the `rotor` commands
//! it shows have an install step.

const README: &str = include_str!("../../README.md");

/// Every fenced block of `lang`, in order.
fn blocks(lang: &str) -> Vec<&'static str> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = README;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let end = body.find("```").expect("a closed block");
        out.push(&body[..end]);
        rest = &body[end + 3..];
    }
    out
}

/// The README's configuration example.
fn config_example() -> &'static str {
    blocks("toml")
        .into_iter()
        .find(|b| b.contains("strategy ="))
        .expect("the configuration example")
}

#[test]
fn the_readme_config_example_parses_with_its_values() {
    let c = rotor::Config::from_toml(config_example()).unwrap();
    assert_eq!(c.retry.max_attempts, 3);
    assert_eq!(c.probe.after.0, std::time::Duration::from_secs(900));
    assert_eq!(
        c.endpoints[&rotor::Provider::Claude].token_url.as_deref(),
        Some("https://platform.claude.com/v1/oauth/token")
    );
    // The keys the peers' users rely on: cooldowns can be switched off, model variants and
    // aliases are rotated as their canonical model, and rules correct a classification.
    assert!(!c.cooldown.disabled);
    assert_eq!(c.canonical_model("gpt-5-codex-high"), "gpt-5-codex");
    assert_eq!(c.canonical_model("claude-sonnet"), "claude-sonnet-4-5");
    assert_eq!(
        c.canonical_model("claude-sonnet-4-5(high)"),
        "claude-sonnet-4-5"
    );
    assert_eq!(c.canonical_model("gpt-4o"), "gpt-4o");
    assert_eq!(c.rules.len(), 2, "{:?}", c.rules);
    assert_eq!(c.rules[0].name.as_deref(), Some("gateway capacity"));
    assert_eq!(c.rules[0].wait.map(|w| w.0.as_secs()), Some(10));
}

/// Every key `full` holds that `written` does not, as dotted paths: tables are followed where
/// both hold a table, arrays of tables item by item; a value is not looked into.
fn missing_keys(full: &toml::Value, written: &toml::Value, path: &str, out: &mut Vec<String>) {
    match (full, written) {
        (toml::Value::Table(f), toml::Value::Table(w)) => {
            for (key, value) in f {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match w.get(key) {
                    Some(there) => missing_keys(value, there, &at, out),
                    None => out.push(at),
                }
            }
        }
        (toml::Value::Array(f), toml::Value::Array(w)) => {
            for (i, (value, there)) in f.iter().zip(w).enumerate() {
                missing_keys(value, there, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_readme_config_example_names_every_key_the_configuration_has() {
    // The example as the loader reads it, written back with every default filled in
    let example = config_example();
    let config = rotor::Config::from_toml(example).unwrap();
    let full = toml::Value::try_from(&config).unwrap();
    // (and written back faithfully: it reads back to the same configuration)
    let mut back = rotor::Config::from_toml(&toml::to_string(&config).unwrap()).unwrap();
    back.antigravity.client_secret = config.antigravity.client_secret.clone();
    assert_eq!(back, config);
    let written: toml::Value = toml::from_str(example).unwrap();
    let mut missing = Vec::new();
    missing_keys(&full, &written, "", &mut missing);
    assert!(
        missing.is_empty(),
        "keys the configuration has and the README's example does not show: {missing:?}"
    );
    // Each table the example shows as a map of names holds one entry at least
    for key in ["model_alias", "endpoints", "refresh.lead", "quota.window"] {
        let table = key.split('.').fold(&written, |v, k| &v[k]);
        assert!(!table.as_table().unwrap().is_empty(), "{key} is empty");
    }
    // And its [[rules]] show every key a rule has between them (a rule's keys are optional, so
    // one rule with every key is the measure; a new key fails to compile here first)
    let every = rotor::config::ErrorRule {
        name: Some("n".into()),
        provider: Some(rotor::Provider::Openai),
        status: Some(400),
        code: Some("c".into()),
        message: Some("m".into()),
        kind: Some(rotor::ErrorKind::RateLimit),
        scope: Some(rotor::Scope::Model),
        wait: Some(rotor::config::Dur(std::time::Duration::from_secs(1))),
    };
    let keys = |v: &toml::Value| -> Vec<String> { v.as_table().unwrap().keys().cloned().collect() };
    let mut shown: Vec<String> = written["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(keys)
        .collect();
    shown.sort();
    shown.dedup();
    let mut all = keys(&toml::Value::try_from(&every).unwrap());
    all.sort();
    assert_eq!(shown, all, "the keys the README's [[rules]] show");
}

/// Crates a Rust snippet names: lowercase path roots (`tokio::main`, `rotor::Result`), not the
/// standard library's.
fn crates_used(code: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for (i, _) in code.match_indices("::") {
        let head = &code[..i];
        let start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |p| p + 1);
        let name = &head[start..];
        let nested = head[..start].ends_with("::");
        let lower = name.starts_with(|c: char| c.is_ascii_lowercase());
        if !nested && lower && !["std", "core", "alloc", "crate", "self", "super"].contains(&name) {
            out.insert(name.to_string());
        }
    }
    out
}

#[test]
fn the_embedding_example_lists_the_dependencies_it_needs() {
    let example = blocks("rust")
        .into_iter()
        .find(|b| b.contains("Engine::"))
        .expect("the embedding example");
    let deps_block = blocks("toml")
        .into_iter()
        .find(|b| b.contains("[dependencies]"))
        .expect("a [dependencies] block for the embedding example");
    let deps: toml::Table = toml::from_str(deps_block).unwrap();
    let deps = deps["dependencies"].as_table().unwrap();
    let used = crates_used(example);
    assert!(used.contains("rotor") && used.contains("tokio"), "{used:?}");
    for c in &used {
        assert!(
            deps.contains_key(c),
            "the example uses {c}, not listed: {deps:?}"
        );
    }
    // `#[tokio::main]` needs the macros and, for its default flavour, the multi-thread runtime.
    let features: Vec<&str> = deps["tokio"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    for f in ["macros", "rt-multi-thread"] {
        assert!(
            features.contains(&f),
            "tokio features {features:?} lack {f}"
        );
    }
}

#[test]
fn the_rotor_commands_shown_have_an_install_step() {
    let uses_rotor = blocks("sh")
        .iter()
        .any(|b| b.lines().any(|l| l.starts_with("rotor ")));
    assert!(uses_rotor);
    assert!(
        blocks("sh")
            .iter()
            .any(|b| b.lines().any(|l| l.starts_with("cargo install --path ."))),
        "no install step for the `rotor` binary"
    );
}

#[test]
fn the_readme_config_example_shows_an_error_rule() {
    let block = blocks("toml")
        .into_iter()
        .find(|b| b.contains("strategy ="))
        .expect("the configuration example");
    let c = rotor::Config::from_toml(block).unwrap();
    let rule = c
        .rules
        .first()
        .expect("a [[rules]] entry in the configuration example");
    assert_eq!(
        (rule.provider, rule.status, rule.kind),
        (
            Some(rotor::Provider::Openai),
            Some(400),
            Some(rotor::parse::ErrorKind::RateLimit)
        )
    );
    assert_eq!(
        rule.wait.map(|d| d.0),
        Some(std::time::Duration::from_secs(10))
    );
}
