//! The real `rotor serve` binary's token: generated with mode 0600 on first start and named on
//! stderr, reused, or given by file or environment; a wrong one is 401 and logged without it;
//! it never appears in the server's log; a second writer on the same log is refused.

use reqwest::StatusCode;
use serde_json::json;

use super::common::*;
use super::serve_support::*;

#[test]
fn the_token_is_generated_private_reused_or_given_and_never_logged() {
    let (_dir, db) = db_with(&["a"]);
    let p = ServeProcess::start(&db, &[], &[]);
    let token_file = std::path::PathBuf::from(format!("{}.token", db.display()));
    assert!(
        p.stderr[0].contains("generated an API token in")
            && p.stderr[0].contains("rotor.db.token (mode 0600)"),
        "{:?}",
        p.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(
        p.stderr.last().unwrap(),
        &format!("rotor serve: dashboard http://{}/#token={token}", p.addr)
    );

    let second = rotor(&db, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(
        second.status.code(),
        Some(2),
        "one writer per log: {second:?}"
    );
    assert!(String::from_utf8_lossy(&second.stderr).contains("open for writing by another process"));

    runtime().block_on(async {
        let http = reqwest::Client::new();
        let body = json!({"provider": "openai", "model": "gpt-4o"});
        let (s, v) = post(&http, p.url("/v1/select"), &token, body.clone())
            .await
            .unwrap();
        assert_eq!(
            (s, v["credential"]["bearer"].as_str()),
            (StatusCode::OK, Some("sk-test-a-0123456789abcdef"))
        );
        let (s, _) = post(
            &http,
            p.url("/v1/select"),
            "wrong-but-long-enough-token",
            body,
        )
        .await
        .unwrap();
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let res = http.get(p.url("/metrics")).send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "/metrics wants the token without --public-metrics"
        );
        let res = http
            .get(p.url("/metrics"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    });
    let (status, rest) = p.terminate();
    assert!(status.success(), "{status:?} {rest:?}");
    assert!(
        rest.iter().any(
            |l| l.contains("rejected a request without the server's token")
                && l.contains("/v1/select")
        ),
        "{rest:?}"
    );
    for line in &rest {
        assert!(
            !line.contains(&token)
                && !line.contains("sk-test-a-")
                && !line.contains("wrong-but-long"),
            "secret in the log: {line}"
        );
    }

    // A restart reuses the file; --token-file and $ROTOR_SERVE_TOKEN take precedence.
    let p = ServeProcess::start(&db, &[], &[]);
    assert!(
        p.stderr[0].starts_with("rotor serve: API token from")
            && p.stderr[0].ends_with("rotor.db.token"),
        "{:?}",
        p.stderr
    );
    assert!(p.stderr.last().unwrap().ends_with(&token));
    assert!(p.terminate().0.success());
    let given = db.with_file_name("given.token");
    std::fs::write(&given, "from-a-file-0123456789abcdef\n").unwrap();
    let p = ServeProcess::start(&db, &["--token-file", given.to_str().unwrap()], &[]);
    assert!(
        p.stderr
            .last()
            .unwrap()
            .ends_with("#token=from-a-file-0123456789abcdef"),
        "{:?}",
        p.stderr
    );
    assert!(p.terminate().0.success());
    let p = ServeProcess::start(
        &db,
        &[],
        &[("ROTOR_SERVE_TOKEN", "from-the-env-0123456789abcdef")],
    );
    assert!(
        p.stderr[0].contains("$ROTOR_SERVE_TOKEN")
            && p.stderr
                .last()
                .unwrap()
                .ends_with("from-the-env-0123456789abcdef")
    );
    assert!(p.terminate().0.success());
    let short = rotor_env(
        &db,
        &["serve", "--listen", "127.0.0.1:0"],
        &[("ROTOR_SERVE_TOKEN", "short")],
    );
    assert_eq!(short.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 16"),
        "{short:?}"
    );
}
