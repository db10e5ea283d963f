//! In-process loopback fake providers and OAuth token endpoints for `rotor demo` and tests.
//! `FakeWorld::start` binds one axum server on 127.0.0.1:0 serving every provider under its own
//! path prefix, plus the token endpoints; dropping the world (or `shutdown`) stops it. Scripted
//! behaviour lives in `script`, HTTP routing in `server`, configuration in `config`, wire shapes
//! in one file per provider, and the client side in `client`.

mod antigravity;
mod claude;
mod client;
mod codex;
mod config;
mod glm;
mod oauth;
mod openai;
mod reply;
mod script;
mod server;

pub use client::{call, FakeResponse};
pub use config::{FakeAccountConfig, FakeAccountSpec, FakeCredential, FakeWorldConfig};
pub use oauth::{CLAUDE_CLIENT_ID, CODEX_CLIENT_ID};
pub use script::{FakeAccountStats, FakeBehavior};

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::ids::Provider;
use crate::secret::Secret;
use script::{hex_token, AccountState, World};
use server::{Shared, ROUTES, TOKEN_PATHS};

/// What the fakes answered so far.
#[derive(Clone, Debug, Default)]
pub struct FakeStats {
    /// Per account, in the world's order.
    pub accounts: Vec<FakeAccountStats>,
    /// 401s for bearers that belong to no account (rotated-away or made-up tokens).
    pub unknown_bearer: u64,
}

/// A running fake world. Dropping it stops the server.
///
/// How the demo driver uses it: start it with `FakeWorldConfig::demo(seed)` (sharing the
/// engine's clock), add each `accounts[i]` to rotor with `spec.secrets()` and
/// `spec.expires_at()`, point `endpoints.<provider>.token_url` at `token_url(provider)` (an
/// explicit loopback override), and inside `execute`'s call closure run
/// `call(&client, &world.base_url(provider), provider, model, lease_bearer)`: a 2xx is a
/// success (usage in the body, quota in the headers), anything else goes to `parse::parse`
/// with `resp.parse_headers()` and `resp.body`; an `Err` is a network error.
pub struct FakeWorld {
    root: String,
    /// The accounts to register with rotor, in the world's order.
    pub accounts: Vec<FakeAccountSpec>,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FakeWorld {
    /// Issues every account's initial credentials and starts serving on 127.0.0.1 (any port).
    pub async fn start(config: FakeWorldConfig) -> std::io::Result<FakeWorld> {
        let now = config.clock.now();
        let mut world = World {
            seed: config.seed,
            access_ttl: config.access_ttl,
            google_rotates: config.google_rotates_refresh,
            ..Default::default()
        };
        let mut specs = Vec::new();
        for (idx, a) in config.accounts.iter().enumerate() {
            if !ROUTES.iter().any(|(p, _)| *p == a.provider) {
                let msg = format!("the fake world does not serve provider {}", a.provider);
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
            }
            world.accounts.push(AccountState {
                provider: a.provider,
                behavior: a.behavior.clone(),
                requests: 0,
                window_used: Default::default(),
                exhausted_until: Default::default(),
                generation: 0,
                stats: FakeAccountStats {
                    provider: Some(a.provider),
                    label: a.label.clone(),
                    ..Default::default()
                },
            });
            let credential = if a.provider.uses_oauth() {
                let i = oauth::issue(&mut world, idx, now, true);
                let id_token = (a.provider == Provider::Codex)
                    .then(|| Secret::new(oauth::codex_id_token(config.seed, idx, &a.label, now)));
                FakeCredential::Oauth {
                    access: Secret::new(i.access),
                    refresh: Secret::new(i.refresh),
                    expires_at: i.expires_at,
                    id_token,
                }
            } else {
                let h = |n| hex_token(config.seed, &[idx as u64, 3], n);
                let key = match a.provider {
                    Provider::Glm => format!("{}.{}", h(32), &h(48)[32..]),
                    _ => format!("sk-proj-{}", h(48)),
                };
                world.api_keys.insert(key.clone(), idx);
                FakeCredential::ApiKey(Secret::new(key))
            };
            specs.push(FakeAccountSpec {
                provider: a.provider,
                label: a.label.clone(),
                credential,
            });
        }
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            clock: config.clock,
            next_request: AtomicU64::new(1),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let root = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!("fake world server stopped: {e}");
            }
        });
        Ok(FakeWorld {
            root,
            accounts: specs,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Base URL of a provider's API (`call` appends the endpoint path).
    pub fn base_url(&self, provider: Provider) -> String {
        format!("{}/{}", self.root, provider.as_str())
    }

    /// The token endpoint for OAuth providers; `None` for API-key providers.
    pub fn token_url(&self, provider: Provider) -> Option<String> {
        TOKEN_PATHS
            .iter()
            .find(|(p, _)| *p == provider)
            .map(|(_, path)| format!("{}{path}", self.root))
    }

    /// What the fakes answered so far, per account.
    pub fn stats(&self) -> FakeStats {
        let w = self.shared.world.lock();
        FakeStats {
            accounts: w.accounts.iter().map(|a| a.stats.clone()).collect(),
            unknown_bearer: w.unknown_bearer,
        }
    }

    /// Stops the server and waits (briefly) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
    }
}

impl Drop for FakeWorld {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
