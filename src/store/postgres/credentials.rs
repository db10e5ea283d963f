//! Credential rows, written inside an append's transaction: one row per (account, generation),
//! the newest holding the secrets and older ones kept (secrets emptied) so the unique key stops
//! a generation from being written twice. Deciding which generation may be written is `append`'s.

use tokio_postgres::Transaction;

use crate::store::CredentialWrite;
use crate::time::format_ts;

/// Applies one credential change inside `tx`.
pub async fn write_credential(
    tx: &Transaction<'_>,
    cred: &CredentialWrite,
) -> Result<(), tokio_postgres::Error> {
    match cred {
        CredentialWrite::Put {
            account,
            generation,
            secrets,
            expires_at,
        } => {
            // Serializing our own struct of strings cannot fail.
            let json = serde_json::to_string(secrets).unwrap_or_default();
            let (account, generation) = (account.to_string(), *generation as i64);
            // Older generations keep their row (the unique key) but not their secrets.
            tx.execute(
                "UPDATE credentials SET secrets = NULL WHERE account = $1::text::uuid AND generation < $2",
                &[&account, &generation],
            )
            .await?;
            tx.execute(
                "INSERT INTO credentials (account, generation, secrets, expires_at)
                 VALUES ($1::text::uuid, $2, $3, $4)",
                &[&account, &generation, &json, &expires_at.map(format_ts)],
            )
            .await?;
        }
        CredentialWrite::Delete { account } => {
            tx.execute(
                "DELETE FROM credentials WHERE account = $1::text::uuid",
                &[&account.to_string()],
            )
            .await?;
        }
    }
    Ok(())
}
