//! The signals that stop `rotor serve`: SIGTERM (service managers, `kill`) and Ctrl-C (SIGINT).
//! The server then stops accepting, finishes what is in flight, flushes the log and exits 0.
//! Handlers are installed by [`listen`] itself, before the server says it is up, so a signal
//! that arrives right after start-up is a clean stop rather than the default sudden death.

use std::future::Future;

use crate::Result;

/// Installs the handlers now; the returned future resolves at the first SIGTERM or SIGINT.
#[cfg(unix)]
pub fn listen() -> Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Installs the handler now; the returned future resolves at the first Ctrl-C.
#[cfg(not(unix))]
pub fn listen() -> Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    })
}
