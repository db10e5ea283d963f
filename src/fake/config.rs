//! Configuration of the fake world: the scripted accounts (`FakeWorldConfig`, with the demo's
//! preset cast) and the credentials each account starts with (`FakeAccountSpec`), which the demo
//! registers with rotor. No HTTP here.

use std::sync::Arc;
use std::time::Duration;

use super::FakeBehavior;
use crate::ids::Provider;
use crate::secret::{Secret, Secrets};
use crate::time::{Clock, SystemClock, Timestamp};

/// One scripted account of the fake world.
#[derive(Clone, Debug)]
pub struct FakeAccountConfig {
    /// The provider whose wire format the account speaks.
    pub provider: Provider,
    /// The account's label, as rotor will show it.
    pub label: String,
    /// Which faults the fake scripts for it.
    pub behavior: FakeBehavior,
}

/// What the world serves. Claude, Codex and Antigravity accounts get OAuth tokens; OpenAI and
/// GLM accounts get API keys. Gemini is not served.
#[derive(Clone)]
pub struct FakeWorldConfig {
    /// Every token, id and usage figure derives from this seed: same seed, same world.
    pub seed: u64,
    /// The scripted accounts, in the order they are served.
    pub accounts: Vec<FakeAccountConfig>,
    /// Lifetime of each access token issued (initial ones included); the default refresh lead is
    /// 5 min, so a TTL under that makes every token "due" at once.
    pub access_ttl: Duration,
    /// Google usually keeps its refresh token; `true` makes it rotate like Claude and Codex.
    pub google_rotates_refresh: bool,
    /// The fakes' notion of now (token expiry, quota windows). Share a `ManualClock` with the
    /// engine for a reproducible run.
    pub clock: Arc<dyn Clock>,
}

impl Default for FakeWorldConfig {
    fn default() -> Self {
        FakeWorldConfig {
            seed: 1,
            accounts: Vec::new(),
            access_ttl: Duration::from_secs(3600),
            google_rotates_refresh: false,
            clock: Arc::new(SystemClock),
        }
    }
}

impl FakeWorldConfig {
    /// The demo's cast: two or three accounts per provider, each failing in its own way.
    pub fn demo(seed: u64) -> Self {
        let b = FakeBehavior::default;
        let acc = |p, l: &str, behavior| FakeAccountConfig {
            provider: p,
            label: l.into(),
            behavior,
        };
        use Provider::*;
        let accounts = vec![
            acc(
                Claude,
                "claude-a",
                FakeBehavior {
                    rate_limit_every: 7,
                    rate_limit_retry_after_s: 20,
                    token_uses: 40,
                    ..b()
                },
            ),
            acc(
                Claude,
                "claude-b",
                FakeBehavior {
                    overloaded_every: 11,
                    quota_after: 60,
                    quota_reset_s: 300,
                    ..b()
                },
            ),
            acc(
                Claude,
                "claude-c",
                FakeBehavior {
                    forbidden: true,
                    ..b()
                },
            ),
            acc(
                Codex,
                "codex-a",
                FakeBehavior {
                    quota_after: 50,
                    quota_reset_s: 600,
                    token_uses: 30,
                    ..b()
                },
            ),
            acc(
                Codex,
                "codex-b",
                FakeBehavior {
                    bad_gateway_every: 13,
                    ..b()
                },
            ),
            acc(
                Codex,
                "codex-c",
                FakeBehavior {
                    token_uses: 20,
                    refresh_revoked: true,
                    ..b()
                },
            ),
            acc(
                Antigravity,
                "antigravity-a",
                FakeBehavior {
                    rate_limit_every: 5,
                    rate_limit_retry_after_s: 10,
                    quota_after: 80,
                    quota_reset_s: 3600,
                    ..b()
                },
            ),
            acc(
                Antigravity,
                "antigravity-b",
                FakeBehavior {
                    overloaded_every: 9,
                    token_uses: 50,
                    ..b()
                },
            ),
            acc(Openai, "openai-a", b()),
            acc(
                Openai,
                "openai-b",
                FakeBehavior {
                    rate_limit_every: 4,
                    rate_limit_retry_after_s: 2,
                    quota_after: 100,
                    quota_reset_s: 1800,
                    ..b()
                },
            ),
            acc(
                Glm,
                "glm-a",
                FakeBehavior {
                    quota_after: 40,
                    quota_reset_s: 900,
                    ..b()
                },
            ),
            acc(
                Glm,
                "glm-b",
                FakeBehavior {
                    rate_limit_every: 6,
                    bad_gateway_every: 17,
                    ..b()
                },
            ),
        ];
        FakeWorldConfig {
            seed,
            accounts,
            access_ttl: Duration::from_secs(900),
            ..Default::default()
        }
    }
}

/// The credential an account starts with, as a user would import it.
#[derive(Clone, Debug)]
pub enum FakeCredential {
    /// An API key (OpenAI, GLM).
    ApiKey(Secret),
    /// OAuth tokens the fake token endpoint will refresh (Claude, Codex, Antigravity).
    Oauth {
        /// The first access token.
        access: Secret,
        /// The refresh token the fake endpoint accepts.
        refresh: Secret,
        /// When the first access token expires.
        expires_at: Timestamp,
        /// An OpenID id token carrying the identity (Codex); `None` for the others.
        id_token: Option<Secret>,
    },
}

/// One account as the demo registers it with rotor.
#[derive(Clone, Debug)]
pub struct FakeAccountSpec {
    /// The provider the account belongs to.
    pub provider: Provider,
    /// The label to register it under.
    pub label: String,
    /// The credential it starts with.
    pub credential: FakeCredential,
}

impl FakeAccountSpec {
    /// The row for rotor's `credentials` table.
    pub fn secrets(&self) -> Secrets {
        match &self.credential {
            FakeCredential::ApiKey(k) => Secrets::api_key(k.expose()),
            FakeCredential::Oauth {
                access,
                refresh,
                id_token,
                ..
            } => Secrets {
                id_token: id_token.clone(),
                ..Secrets::oauth(access.expose(), Some(refresh.expose().to_string()))
            },
        }
    }
    /// When its first access token expires; `None` for API keys.
    pub fn expires_at(&self) -> Option<Timestamp> {
        match &self.credential {
            FakeCredential::Oauth { expires_at, .. } => Some(*expires_at),
            FakeCredential::ApiKey(_) => None,
        }
    }
}
