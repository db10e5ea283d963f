//! How `rotor serve` says no, through real HTTP: every protected route answers 401 JSON to a
//! missing or wrong token (the page and its assets need none and no route sends CORS headers),
//! and bad JSON, wrong fields and oversize bodies are JSON errors naming what is wrong (an
//! oversize body's 413 reaches a client that sends it whole before reading).

use reqwest::StatusCode;
use rotor::serve;
use rotor::time::ManualClock;
use serde_json::Value;

use super::common::*;
use super::serve_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_route_wants_the_token_and_the_page_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let id = rotor::AccountId::new_random();
    let routes = [
        ("POST", "/v1/select".to_string()),
        ("POST", "/v1/report".to_string()),
        ("GET", "/v1/status".to_string()),
        ("GET", "/v1/accounts".to_string()),
        ("POST", "/v1/accounts".to_string()),
        ("POST", "/v1/accounts/import".to_string()),
        ("PATCH", format!("/v1/accounts/{id}")),
        ("DELETE", format!("/v1/accounts/{id}")),
        ("POST", format!("/v1/accounts/{id}/refresh")),
        ("POST", format!("/v1/accounts/{id}/clear")),
        ("GET", format!("/v1/explain/{}", rotor::RequestId::new_v7())),
        ("GET", "/v1/events?after=0".to_string()),
        ("GET", "/v1/events/stream".to_string()),
        ("GET", "/v1/no-such-route".to_string()),
        ("GET", "/metrics".to_string()),
        ("GET", "/healthz".to_string()),
    ];
    for (method, path) in &routes {
        for auth in [
            None,
            Some("Bearer wrong-token-0123456789abcdef"),
            Some(&*format!("Basic {TOKEN}")),
            Some(&*format!("Bearer {TOKEN}x")),
        ] {
            let mut req = srv
                .http
                .request(method.parse().unwrap(), srv.url(path))
                .body("{}");
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let res = req.send().await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {auth:?}"
            );
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["error"], "unauthorized", "{method} {path}");
        }
    }
    // With the token (any case of the scheme) the same routes answer.
    let res = srv
        .http
        .get(srv.url("/v1/status"))
        .header("authorization", format!("bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The page and its assets hold no data and need no token; no CORS header anywhere.
    for (path, ty) in [
        ("/", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/style.css", "text/css"),
    ] {
        let res = srv
            .http
            .get(srv.url(path))
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(ty),
            "{path}"
        );
        assert!(res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
        assert!(res.headers().get("access-control-allow-origin").is_none());
        let body = res.text().await.unwrap();
        assert!(
            !body.contains(KEY_A) && !body.contains(TOKEN),
            "{path} holds no data"
        );
    }
    let preflight = srv
        .http
        .request(reqwest::Method::OPTIONS, srv.url("/v1/select"))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_wrong_fields_and_oversize_bodies_are_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let raw = |path: &'static str, body: Vec<u8>| {
        let req = srv.http.post(srv.url(path)).bearer_auth(TOKEN).body(body);
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    for (path, body, status, mentions) in [
        ("/v1/select", "{", 400, "not the expected JSON"),
        ("/v1/select", "", 400, "not the expected JSON"),
        (
            "/v1/select",
            "\u{0}\u{1}binary",
            400,
            "not the expected JSON",
        ),
        ("/v1/select", r#"{"provider":"openai"}"#, 400, "model"),
        (
            "/v1/select",
            r#"{"provider":"openai","model":7}"#,
            400,
            "model",
        ),
        (
            "/v1/select",
            r#"{"provider":"nope","model":"m"}"#,
            400,
            "unknown provider",
        ),
        (
            "/v1/select",
            r#"{"provider":"openai","model":"m","bogus":1}"#,
            400,
            "bogus",
        ),
        (
            "/v1/select",
            r#"{"provider":"openai","model":"   "}"#,
            400,
            "model must be",
        ),
        (
            "/v1/select",
            r#"{"provider":"openai","model":"m","exclude":["nobody"]}"#,
            404,
            "nobody",
        ),
        (
            "/v1/report",
            r#"{"request":"01a2322d-e7e8-7442-a117-affe151e8a00","status":"429"}"#,
            400,
            "status",
        ),
        (
            "/v1/accounts",
            r#"{"provider":"openai","label":"x"}"#,
            400,
            "api_key",
        ),
        (
            "/v1/accounts",
            r#"{"provider":"openai","label":"x","api_key":"k","weight":-1}"#,
            400,
            "weight",
        ),
        (
            "/v1/accounts/import",
            r#"{"nothing":"here"}"#,
            400,
            "unknown format",
        ),
        ("/v1/accounts/import", "not json", 400, "not JSON"),
    ] {
        let (s, v) = raw(path, body.as_bytes().to_vec()).await;
        assert_eq!(s.as_u16(), status, "{path} {body:?} -> {v}");
        assert!(
            v["message"].as_str().unwrap().contains(mentions),
            "{path} {body:?} -> {v}"
        );
        assert!(v["error"].is_string(), "{v}");
    }
    // Over the body limit: 413 as JSON, which the client reads although it sends its whole
    // body first (the server reads the rest and throws it away), and the kept-alive connection
    // goes on serving the next request.
    let huge = format!(
        r#"{{"provider":"openai","model":"{}"}}"#,
        "m".repeat(3 << 20)
    );
    let mut served = Vec::new();
    for _ in 0..3 {
        let (s, v) = raw("/v1/select", huge.clone().into_bytes()).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")),
            "{v}"
        );
        served.push(srv.select("openai", "gpt-4o").await["label"].clone());
    }
    assert_eq!(served, ["a", "b", "a"]);
    srv.stop().await;
}

/// Sends `head` (a request line and headers, then the blank line) and `body` over a new
/// connection, all of it before reading, then reads until the server closes: the answer's text.
async fn send_whole_then_read(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_body_is_read_to_its_end_before_the_413_and_a_huge_one_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let srv = two_keys(dir.path(), &clock).await;
    let head = |length: u64| {
        format!(
            "POST /v1/select HTTP/1.1\r\nHost: rotor\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };
    // A body well over the limit (more than the sockets' buffers hold, so the server must read
    // it for the send to finish), sent whole before reading: the 413 arrives intact.
    let body = vec![b' '; serve::BODY_LIMIT + (8 << 20)];
    let answer = send_whole_then_read(srv.addr, &head(body.len() as u64), &body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains(r#""error":"payload_too_large""#),
        "{answer}"
    );
    // A length past what the server drains: refused from the headers, before any body is sent.
    let answer = send_whole_then_read(srv.addr, &head(serve::DRAIN_LIMIT + 1), b"").await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains(r#""error":"payload_too_large""#),
        "{answer}"
    );
    srv.stop().await;
}
