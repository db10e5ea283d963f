//! Where a PostgreSQL log is: a `postgres://` URL parsed into a tokio-postgres config and a
//! rustls connector, a description of it without the password (for errors and logs), and one
//! connection made from it. Reconnecting is `link`'s business, listening `tail`'s.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::{AsyncMessage, Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed `postgres://` URL: what to connect to and with which TLS settings.
pub struct Target {
    config: Config,
    tls: MakeRustlsConnect,
    described: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.described)
    }
}

/// `user@host:port/db` for `url`: what errors and messages name instead of the URL, which may
/// hold a password.
pub fn describe_url(url: &str) -> String {
    Target::parse(url).map_or_else(|_| "the PostgreSQL log".into(), |t| t.describe().into())
}

/// True for the URLs this store opens (`postgres://` or `postgresql://`).
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

impl Target {
    /// Parses a `postgres://user:password@host:port/db?sslmode=...` URL. Beyond tokio-postgres'
    /// own parameters it takes libpq's `sslmode=verify-ca|verify-full` (rustls always verifies
    /// the server's certificate when TLS is used) and `sslrootcert=FILE` (PEM roots trusted
    /// beside Mozilla's, for a private CA).
    pub fn parse(url: &str) -> Result<Arc<Target>> {
        let bad = |why: String| Error::InvalidInput(format!("not a usable postgres:// URL: {why}"));
        if !is_postgres_url(url) {
            return Err(bad("it must start with postgres:// or postgresql://".into()));
        }
        let mut parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let mut root_file = None;
        let mut kept = Vec::new();
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("sslrootcert", file) => root_file = Some(file.to_string()),
                ("sslmode", "verify-ca" | "verify-full") => {
                    kept.push(("sslmode".to_string(), "require".to_string()))
                }
                (k, v) => kept.push((k.to_string(), v.to_string())),
            }
        }
        parsed.set_query(None);
        if !kept.is_empty() {
            parsed.query_pairs_mut().extend_pairs(kept);
        }
        let mut config: Config = parsed
            .as_str()
            .parse()
            .map_err(|e: tokio_postgres::Error| bad(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("rotor");
        }
        let described = describe(&config);
        let tls = MakeRustlsConnect::new(tls_config(root_file.as_deref())?);
        Ok(Arc::new(Target {
            config,
            tls,
            described,
        }))
    }

    /// `user@host:port/db`: the URL without its password.
    pub fn describe(&self) -> &str {
        &self.described
    }

    /// Connects once; the connection is driven by a spawned task that ends when it closes.
    pub async fn connect(&self) -> Result<Client> {
        let (client, connection) = self.connect_raw().await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "postgres connection closed");
            }
        });
        Ok(client)
    }

    /// Connects once and forwards every notification on the returned channel; the channel
    /// closes when the connection does (the listener then reconnects and listens again).
    pub async fn connect_listening(
        &self,
    ) -> Result<(Client, tokio::sync::mpsc::UnboundedReceiver<String>)> {
        let (client, mut connection) = self.connect_raw().await?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n))) => {
                        if tx.send(n.payload().to_string()).is_err() {
                            return;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "postgres listener connection closed");
                        return;
                    }
                    None => return,
                }
            }
        });
        Ok((client, rx))
    }

    async fn connect_raw(
        &self,
    ) -> Result<
        (
            Client,
            tokio_postgres::Connection<
                tokio_postgres::Socket,
                <MakeRustlsConnect as tokio_postgres::tls::MakeTlsConnect<
                    tokio_postgres::Socket,
                >>::Stream,
            >,
        ),
    > {
        self.config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.error(e))
    }

    /// A tokio-postgres error, named with this target.
    pub fn error(&self, source: tokio_postgres::Error) -> Error {
        Error::Postgres {
            target: self.described.clone(),
            source,
        }
    }
}

fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let db = config.get_dbname().unwrap_or(user);
    let at = if user.is_empty() { "" } else { "@" };
    format!("postgres://{user}{at}{host}:{port}/{db}")
}

/// Mozilla's roots (as reqwest uses), plus the PEM file of `sslrootcert` when given.
fn tls_config(root_file: Option<&str>) -> Result<rustls::ClientConfig> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = root_file {
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(file)
            .map_err(|e| Error::InvalidInput(format!("sslrootcert {file}: {e}")))?;
        for cert in certs {
            let cert = cert.map_err(|e| Error::InvalidInput(format!("sslrootcert {file}: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| Error::InvalidInput(format!("sslrootcert {file}: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::InvalidInput(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
