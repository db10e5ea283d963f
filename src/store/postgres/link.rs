//! A connection that comes back: made on first use, dropped when the server closes it, made
//! again on the next call. No retry loop here: a call on a dead server fails at once with a
//! clear error, and the caller (the engine's writer, a tailer) decides when to try again.

use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_postgres::Client;

use super::target::Target;
use crate::error::Result;

/// One lazily (re)connected client, shared by reads on the same handle.
pub struct Link {
    target: Arc<Target>,
    client: Mutex<Option<Arc<Client>>>,
}

impl Link {
    pub fn new(target: Arc<Target>) -> Link {
        Link {
            target,
            client: Mutex::new(None),
        }
    }

    /// The live client, connecting when there is none or the last one was closed.
    pub async fn client(&self) -> Result<Arc<Client>> {
        let mut slot = self.client.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        *slot = None;
        let client = Arc::new(self.target.connect().await?);
        *slot = Some(client.clone());
        Ok(client)
    }

    pub fn target(&self) -> &Arc<Target> {
        &self.target
    }
}

/// The exclusive connection a writer runs its transactions on (they need `&mut Client`).
pub struct WriteLink {
    target: Arc<Target>,
    client: Option<Client>,
}

impl WriteLink {
    pub fn new(target: Arc<Target>) -> WriteLink {
        WriteLink {
            target,
            client: None,
        }
    }

    /// The live client, connecting when there is none or the last one was closed; `true` with
    /// a new connection (statements prepared on the old one are gone).
    pub async fn client(&mut self) -> Result<(&mut Client, bool)> {
        let (live, fresh) = match self.client.take() {
            Some(c) if !c.is_closed() => (c, false),
            _ => (self.target.connect().await?, true),
        };
        Ok((self.client.insert(live), fresh))
    }
}
