//! `EngineBuilder`: where the log is, configuration, clock, token endpoints and refreshers, and
//! `open` (lock, newest checkpoint plus the folded tail, credentials, writer thread).

use super::*;
use crate::store::Writer;

/// Options for opening an [`Engine`].
pub struct EngineBuilder {
    pub(super) path: Option<PathBuf>,
    pub(super) config: Config,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) jitter_seed: Option<u64>,
    pub(super) endpoints: Option<crate::refresh::RefreshEndpoints>,
    pub(super) refreshers: Vec<Arc<dyn crate::refresh::TokenRefresher>>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            path: None,
            config: Config::default(),
            clock: Arc::new(SystemClock),
            jitter_seed: None,
            endpoints: None,
            refreshers: Vec::new(),
        }
    }
}

impl EngineBuilder {
    /// A `postgres://` log given as the path: a fleet instance opens it.
    #[cfg(feature = "postgres")]
    fn postgres_url(&self) -> Option<String> {
        let p = self.path.as_ref()?.to_str()?;
        crate::store::postgres::is_postgres_url(p).then(|| p.to_string())
    }

    /// The log to open: a SQLite file (created with mode 0600 when missing), or with the
    /// `postgres` feature a `postgres://` URL, which joins the fleet sharing that database.
    /// Without it: in memory.
    pub fn path(mut self, path: impl AsRef<Path>) -> Self {
        self.path = Some(path.as_ref().to_path_buf());
        self
    }
    /// The settings to run with (default: [`Config::default`]).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }
    /// The clock every event's time and every block's end is read from (default: the system clock;
    /// tests pass a manual one).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Seeds the jitter `execute` adds to its waits (default: from the OS), for reproducible
    /// runs. The jitter never reaches the log: only the times of later events depend on it.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }
    /// Token endpoints to use instead of those the config names (validated at open).
    pub fn endpoints(mut self, endpoints: crate::refresh::RefreshEndpoints) -> Self {
        self.endpoints = Some(endpoints);
        self
    }
    /// A refresher replacing the built one of its provider (tests, custom HTTP clients).
    pub fn refresher(mut self, refresher: Arc<dyn crate::refresh::TokenRefresher>) -> Self {
        self.refreshers.push(refresher);
        self
    }

    /// Opens the log for writing (exclusively), folds it, and starts the writer thread.
    pub fn open(self) -> Result<Engine> {
        #[cfg(feature = "postgres")]
        if let Some(url) = self.postgres_url() {
            return fleet::open(self, &url);
        }
        // Bad token URLs fail here, before the log is touched.
        let refresh = refresh::Refreshers::build(&self.config, self.endpoints, self.refreshers)?;
        let log = match &self.path {
            Some(p) => store::open_writable(p)?,
            None => store::open_in_memory()?,
        };
        let (state, loaded) = checkpoint::load_state(&log.conn, Unknown::Fail)?;
        tracing::debug!(
            checkpoint = loaded.checkpoint_seq,
            folded = loaded.folded,
            "projections loaded"
        );
        let creds = store::read::credentials(&log.conn)?.into_iter().collect();
        let thread = Writer::spawn(log.conn)?;
        Ok(Engine {
            inner: Arc::new(Inner {
                core: Arc::new(RwLock::new(Core::new(state, creds, loaded.checkpoint_seq))),
                checkpoint_due: Default::default(),
                sink: LogSink::Sqlite(thread.handle),
                join: Mutex::new(Some(thread.join)),
                #[cfg(feature = "postgres")]
                fleet: None,
                clock: self.clock,
                config: self.config,
                jitter: Mutex::new(match self.jitter_seed {
                    Some(seed) => rand::SeedableRng::seed_from_u64(seed),
                    None => rand::SeedableRng::from_entropy(),
                }),
                refresh,
                gauges_seen: Default::default(),
                path: log.path,
                _lock: log.lock,
            }),
        })
    }
}
