//! Who may call: the server's bearer token, where it comes from (`$ROTOR_SERVE_TOKEN`,
//! `--token-file`, else `<db>.token`, generated with mode 0600 on first start), and the
//! middleware that answers 401 JSON without it. Tokens are compared in constant time (as
//! SHA-256 digests, so not even the length leaks) and never logged.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::App;
use crate::secret::Secret;
use crate::{Error, Result};

/// The token every protected route needs, with its SHA-256 (what each request is compared
/// with). `Debug` shows a fingerprint only.
#[derive(Clone)]
pub struct Token {
    value: Secret,
    digest: [u8; 32],
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Token").field(&self.value).finish()
    }
}

impl Token {
    /// A token given by the operator: printable ASCII without spaces, at least 16 characters.
    pub fn new(value: &str) -> Result<Token> {
        let value = value.trim();
        if value.len() < 16 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidInput(
                "the serve token must be at least 16 printable characters without spaces".into(),
            ));
        }
        Ok(Token::of(value))
    }

    /// 32 random bytes, hex.
    pub fn generate() -> Token {
        let bytes: [u8; 32] = rand::random();
        Token::of(&bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    fn of(value: &str) -> Token {
        Token {
            digest: Sha256::digest(value.as_bytes()).into(),
            value: Secret::new(value),
        }
    }

    /// The value, for the one place that shows it: the dashboard URL printed on start.
    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// Whether `presented` is this token, in time independent of where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let got: [u8; 32] = Sha256::digest(presented).into();
        self.digest.ct_eq(&got).into()
    }
}

/// Where the token came from, for the start-up message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// The `ROTOR_SERVE_TOKEN` environment variable.
    Env,
    /// A token file given on the command line.
    File(PathBuf),
    /// `<db>.token`, written now.
    Generated(PathBuf),
    /// `<db>.token`, written by an earlier start.
    Reused(PathBuf),
}

/// The token from the environment variable's value, else `token_file`, else `<db>.token`.
pub fn load_token(
    env: Option<String>,
    token_file: Option<&Path>,
    db: &Path,
) -> Result<(Token, TokenSource)> {
    if let Some(v) = env.filter(|v| !v.trim().is_empty()) {
        return Ok((Token::new(&v)?, TokenSource::Env));
    }
    if let Some(p) = token_file {
        return Ok((read_token(p)?, TokenSource::File(p.to_path_buf())));
    }
    let mut name = db.as_os_str().to_owned();
    name.push(".token");
    let path = PathBuf::from(name);
    if path.exists() {
        return Ok((read_token(&path)?, TokenSource::Reused(path)));
    }
    let token = Token::generate();
    write_private(&path, token.expose())?;
    Ok((token, TokenSource::Generated(path)))
}

fn read_token(path: &Path) -> Result<Token> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::InvalidInput(format!("{}: cannot read the token: {e}", path.display()))
    })?;
    Token::new(&text).map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))
}

/// Creates `path` with mode 0600 (never overwriting) and writes `text` to it.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        Error::InvalidInput(format!(
            "{}: cannot create the token file: {e}",
            path.display()
        ))
    })?;
    writeln!(f, "{text}")?;
    f.sync_all()?;
    Ok(())
}

/// Middleware: lets the request through only with `Authorization: Bearer <token>`.
pub(crate) async fn require(State(app): State<App>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().as_bytes().to_vec());
    match presented {
        Some(t) if app.token.matches(&t) => next.run(req).await,
        _ => {
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.to_string())
                .unwrap_or_default();
            // The path and the peer, never the header: a wrong token may be a real one mistyped.
            tracing::warn!(path = req.uri().path(), %peer, "rejected a request without the server's token");
            ApiError::unauthorized().into_response()
        }
    }
}
