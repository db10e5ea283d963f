//! `rotor demo` never overwrites a file it did not make: `$ROTOR_DB` is ignored (the demo writes
//! `demo.db`), `--db PATH` is refused when PATH holds a real log or anything else, and only a
//! previous demo's log is replaced.

use std::path::Path;
use std::process::{Command, Output};

use super::common::*;

/// `rotor demo` in `dir`, with `args` and `env`, and without any `--db` the helpers add.
fn demo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rotor"));
    cmd.args(["demo", "--requests", "30", "--json"])
        .args(args)
        .env_remove("ROTOR_DB")
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn real_log(db: &Path) -> Vec<u8> {
    add_key_account(db, "openai", "production");
    std::fs::read(db).unwrap()
}

#[test]
fn the_demo_ignores_rotor_db_and_never_touches_the_real_log() {
    let (dir, db) = temp_db();
    let before = real_log(&db);
    let o = demo(dir.path(), &[], &[("ROTOR_DB", db.to_str().unwrap())]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the real log changed"
    );
    let o = rotor(&dir.path().join("demo.db"), &["replay", "--verify"]);
    assert!(o.status.success(), "{o:?}");
    let o = rotor(&db, &["status", "--json"]);
    let accounts = json(&o)["accounts"].as_array().unwrap().len();
    assert_eq!(accounts, 1);
}

#[test]
fn demo_db_pointing_at_a_real_log_is_refused_untouched() {
    let (dir, db) = temp_db();
    let before = real_log(&db);
    for args in [&["--db", "rotor.db"][..], &["--db=rotor.db"]] {
        let o = demo(dir.path(), args, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("rotor.db") && err.contains("not a log `rotor demo` made"),
            "{err}"
        );
        assert!(
            std::fs::read(&db).unwrap() == before,
            "the real log changed"
        );
    }
    // A real log that happens to be called demo.db is not the demo's either.
    std::fs::copy(&db, dir.path().join("demo.db")).unwrap();
    let o = demo(dir.path(), &[], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(std::fs::read(dir.path().join("demo.db")).unwrap() == before);
    // Nor is a file of another program.
    let other = dir.path().join("notes.db");
    std::fs::write(&other, "my notes").unwrap();
    let o = demo(dir.path(), &["--db", "notes.db"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&other).unwrap(), b"my notes");
}

#[test]
fn a_previous_demo_log_is_replaced_by_the_next_demo() {
    let (dir, _) = temp_db();
    for args in [&[][..], &["--db", "mine.db"]] {
        let name = args.get(1).copied().unwrap_or("demo.db");
        let log = dir.path().join(name);
        let mut counts = Vec::new();
        for _ in 0..2 {
            let o = demo(dir.path(), args, &[]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let added = records(&log)
                .iter()
                .filter(|r| matches!(r.event, rotor::event::Event::AccountAdded(_)))
                .count();
            counts.push(added);
            let o = rotor(&log, &["replay", "--verify"]);
            assert!(o.status.success(), "{o:?}");
        }
        // Replaced, not added to: the second run's log holds only the second run's accounts.
        assert!(
            counts[0] > 0 && counts[0] == counts[1],
            "{name}: {counts:?}"
        );
    }
}
