//! `--help` is the CLI's reference: every command, option and argument has a line of help,
//! `--provider` lists its values, and the help of the main commands is snapshotted so that its
//! text is reviewed like code.

use super::common::*;

/// Every argument of `cmd` and its subcommands without help, as `command --option`.
fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {}", arg.get_id()));
        }
    }
    for sub in cmd.get_subcommands() {
        let name = format!("{path} {}", sub.get_name());
        if sub.get_name() != "help" && sub.get_about().is_none() {
            out.push(format!("{name} (the command itself)"));
        }
        undocumented(sub, &name, out);
    }
}

#[test]
fn every_command_option_and_argument_has_help() {
    let mut missing = Vec::new();
    undocumented(&rotor::cli::command(), "rotor", &mut missing);
    assert!(missing.is_empty(), "without help: {missing:#?}");
}

#[test]
fn help_of_the_main_commands() {
    let (_d, db) = temp_db();
    // `demo` and `export` are left out: their options are changing in other work.
    let commands: [&[&str]; 11] = [
        &[],
        &["account", "add"],
        &["account", "import"],
        &["account", "update"],
        &["select"],
        &["report"],
        &["classify"],
        &["status"],
        &["replay"],
        &["clear"],
        &["refresh"],
    ];
    for args in commands {
        let o = rotor(&db, &[args, &["--help"]].concat());
        assert!(o.status.success(), "{args:?}: {o:?}");
        let text = stdout(&o);
        if args.contains(&"select") || args.contains(&"classify") {
            assert!(
                text.contains("[possible values: claude, codex, antigravity, openai, glm, gemini]"),
                "{text}"
            );
        }
        let name = format!(
            "help_{}",
            if args.is_empty() {
                "rotor".to_string()
            } else {
                args.join("_")
            }
        );
        snap!(text name, text);
    }
}
