//! The README is real: its configuration example parses with its values; its embedding example
//! names every crate it uses in the dependencies it lists (the example itself compiles and runs
//! as a doctest, see `ReadmeDoctests` in `src/lib.rs`); the `rotor` commands it shows have an
//! install step.

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

#[test]
fn the_readme_config_example_parses_with_its_values() {
    let block = blocks("toml")
        .into_iter()
        .find(|b| b.contains("strategy ="))
        .expect("the configuration example");
    let c = rotor::Config::from_toml(block).unwrap();
    assert_eq!(c.retry.max_attempts, 3);
    assert_eq!(c.probe.after.0, std::time::Duration::from_secs(900));
    assert_eq!(
        c.endpoints[&rotor::Provider::Claude].token_url.as_deref(),
        Some("https://platform.claude.com/v1/oauth/token")
    );
    // The keys the peers' users rely on: cooldowns can be switched off, and model variants and
    // aliases are rotated as their canonical model.
    assert!(!c.cooldown.disabled);
    assert_eq!(c.canonical_model("gpt-5-codex-high"), "gpt-5-codex");
    assert_eq!(c.canonical_model("claude-sonnet"), "claude-sonnet-4-5");
    assert_eq!(
        c.canonical_model("claude-sonnet-4-5(high)"),
        "claude-sonnet-4-5"
    );
    assert_eq!(c.canonical_model("gpt-4o"), "gpt-4o");
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
