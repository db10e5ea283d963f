//! Scripted failures of the fake providers: 429 rate limits, quota exhaustion with each
//! provider's reset hint, 401 on expiry, 403, overload and the HTML 502, in each real wire shape,
//! and a quota window that reopens after the time it stated.

use super::*;

/// The scripted failures of one provider: (label, behaviour, status, a fragment of the body).
fn faults(p: Provider) -> Vec<(&'static str, FakeBehavior, u16, &'static str)> {
    let b = FakeBehavior::default;
    let (rl, quota, unauth, forbid, over) = match p {
        Provider::Claude => (
            "rate_limit_error",
            "rate_limit_error",
            "OAuth token has expired",
            "permission_error",
            "overloaded_error",
        ),
        Provider::Codex => (
            "rate_limit_exceeded",
            "usage_limit_reached",
            "token_expired",
            "usage_not_included",
            "server_is_overloaded",
        ),
        Provider::Antigravity => (
            "RATE_LIMIT_EXCEEDED",
            "quotaResetDelay",
            "UNAUTHENTICATED",
            "PERMISSION_DENIED",
            "UNAVAILABLE",
        ),
        Provider::Openai => (
            "rate_limit_exceeded",
            "requests per day",
            "invalid_api_key",
            "unsupported_country",
            "overloaded",
        ),
        _ => ("1302", "1308", "1000", "1309", "1305"),
    };
    let over_status = match p {
        Provider::Claude => 529,
        Provider::Glm => 429,
        _ => 503,
    };
    // API keys do not expire: the 401 case for them is an unknown key (tested separately).
    let expire = if p.uses_oauth() { 1 } else { 0 };
    vec![
        (
            "rl",
            FakeBehavior {
                rate_limit_every: 1,
                rate_limit_retry_after_s: 17,
                ..b()
            },
            429,
            rl,
        ),
        (
            "quota",
            FakeBehavior {
                quota_after: 1,
                quota_reset_s: 7200,
                ..b()
            },
            429,
            quota,
        ),
        (
            "expired",
            FakeBehavior {
                token_uses: expire,
                ..b()
            },
            if expire == 1 { 401 } else { 200 },
            if expire == 1 { unauth } else { "" },
        ),
        (
            "forbidden",
            FakeBehavior {
                forbidden: true,
                ..b()
            },
            403,
            forbid,
        ),
        (
            "over",
            FakeBehavior {
                overloaded_every: 1,
                ..b()
            },
            over_status,
            over,
        ),
        (
            "gw",
            FakeBehavior {
                bad_gateway_every: 1,
                ..b()
            },
            502,
            "502 Bad Gateway",
        ),
    ]
}

#[tokio::test]
async fn scripted_failures_come_in_each_providers_wire_shape() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let mut accounts = Vec::new();
    for p in SERVED {
        for (label, behavior, ..) in faults(p) {
            accounts.push(acc(p, &format!("{p}-{label}"), behavior));
        }
    }
    let w = world(accounts, &clock).await;
    for p in SERVED {
        for (label, _, status, fragment) in faults(p) {
            let label = format!("{p}-{label}");
            // The quota case needs one success to use the window up; the expiry case one use.
            let first = hit(&w, &label).await;
            let r = if label.ends_with("quota") || label.ends_with("expired") {
                hit(&w, &label).await
            } else {
                first
            };
            let text = String::from_utf8_lossy(&r.body).to_string();
            assert_eq!(r.status, status, "{label}: {text}");
            assert!(
                text.contains(fragment),
                "{label}: {fragment:?} not in {text}"
            );
        }
    }
    // Headers and stated waits where the provider states them.
    let r = hit(&w, "claude-rl").await;
    assert_eq!(r.header("retry-after"), Some("17"));
    let r = hit(&w, "claude-quota").await;
    assert_eq!(
        r.header("anthropic-ratelimit-unified-status"),
        Some("rejected")
    );
    let reset: i64 = r
        .header("anthropic-ratelimit-unified-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reset, clock_epoch(&clock) + 7200);
    let b = body(&hit(&w, "codex-quota").await);
    assert_eq!(b["error"]["resets_in_seconds"], 7200);
    let b = body(&hit(&w, "antigravity-quota").await);
    let details = b["error"]["details"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["metadata"]["quotaResetDelay"] == "2h0m0s"),
        "{b}"
    );
    assert!(details.iter().any(|d| d["retryDelay"] == "7200s"), "{b}");
    let b = body(&hit(&w, "antigravity-rl").await);
    assert_eq!(b["error"]["details"][0]["retryDelay"], "17s");
    let r = hit(&w, "openai-quota").await;
    assert_eq!(r.header("x-ratelimit-reset-requests"), Some("2h0m0s"));
    let b = body(&hit(&w, "glm-quota").await);
    // 00:00Z + 2 h, written in Beijing time (UTC+8).
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-01-01 10:00:00"),
        "{b}"
    );
    let r = hit(&w, "codex-gw").await;
    assert_eq!(r.header("content-type"), Some("text/html"));
}

fn clock_epoch(c: &ManualClock) -> i64 {
    use rotor::time::Clock;
    c.now().timestamp()
}

#[tokio::test]
async fn quota_window_resets_after_the_stated_time() {
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let w = world(
        vec![acc(
            Provider::Codex,
            "c",
            FakeBehavior {
                quota_after: 2,
                quota_reset_s: 600,
                ..Default::default()
            },
        )],
        &clock,
    )
    .await;
    assert_eq!(hit(&w, "c").await.status, 200);
    assert_eq!(hit(&w, "c").await.status, 200);
    assert_eq!(hit(&w, "c").await.status, 429);
    clock.advance(Duration::from_secs(300));
    let b = body(&hit(&w, "c").await);
    assert_eq!(b["error"]["resets_in_seconds"], 300);
    clock.advance(Duration::from_secs(301));
    assert_eq!(hit(&w, "c").await.status, 200);
}

/// The contract between the fakes and the parsers: every scripted failure classifies as the
/// provider's real error would, with the stated wait.
#[tokio::test]
async fn parsers_classify_every_scripted_failure() {
    use rotor::parse::{parse, ErrorKind::*, Scope::*};
    let clock = ManualClock::at("2026-01-01T00:00:00Z");
    let mut accounts = Vec::new();
    for p in SERVED {
        for (label, behavior, ..) in faults(p) {
            accounts.push(acc(p, &format!("{p}-{label}"), behavior));
        }
    }
    let w = world(accounts, &clock).await;
    let now = {
        use rotor::time::Clock;
        clock.now()
    };
    let mut wrong = Vec::new();
    for p in SERVED {
        // OpenAI's "quota" is its requests-per-day limit: a rate_limit that states its reset.
        let quota = match p {
            Provider::Claude | Provider::Codex | Provider::Glm => (QuotaExceeded, Account),
            Provider::Openai => (RateLimit, Model),
            _ => (QuotaExceeded, Model),
        };
        let cases = [
            ("rl", (RateLimit, Model), (p != Provider::Glm).then_some(17)),
            ("quota", quota, Some(7200)),
            ("expired", (Authentication, Account), None),
            ("forbidden", (Permission, Account), None),
            ("over", (Overloaded, Model), None),
            ("gw", (Transient, Model), None),
        ];
        for (label, (kind, scope), wait_s) in cases {
            if label == "expired" && !p.uses_oauth() {
                continue;
            }
            let label = format!("{p}-{label}");
            let mut r = hit(&w, &label).await;
            if r.status == 200 {
                r = hit(&w, &label).await;
            }
            let e = parse(p, r.status, &r.parse_headers(), &r.body);
            let stated = e
                .retry_after_ms
                .map(|ms| ms as i64 / 1000)
                .or(e.reset_at.map(|t| (t - now).num_seconds()));
            let wait_ok = wait_s.is_none_or(|s| stated.is_some_and(|x| (x - s as i64).abs() <= 2));
            if e.kind != kind || e.scope != scope || !wait_ok {
                wrong.push(format!("{label}: got {:?}/{:?} wait {stated:?}, want {kind:?}/{scope:?} wait {wait_s:?}", e.kind, e.scope));
            }
        }
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}
