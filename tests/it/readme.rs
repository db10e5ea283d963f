//! The README's configuration example is real: it parses, and its values arrive.

#[test]
fn the_readme_config_example_parses_with_its_values() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let c = rotor::Config::from_toml(block).unwrap();
    assert_eq!(c.retry.max_attempts, 3);
    assert_eq!(c.probe.after.0, std::time::Duration::from_secs(900));
    assert_eq!(
        c.endpoints[&rotor::Provider::Claude].token_url.as_deref(),
        Some("https://platform.claude.com/v1/oauth/token")
    );
}
