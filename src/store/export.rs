//! `rotor export`: a copy of the log for a bug report. No `credentials` table, no checkpoints;
//! every event decoded and encoded again (so provider text from an older rotor is scrubbed
//! like today's) and, unless asked to keep them, identities replaced by pseudonyms that are
//! stable within the file (`pseudonym`). The copy replays and verifies like the original.

use std::path::Path;

use rusqlite::Connection;

use super::pseudonym::Pseudonyms;
use super::read::decode_row;
use crate::error::{Error, Result};

/// What an export does with e-mails, provider account ids and Cloud projects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Identities {
    /// Replaced by pseudonyms (the default: an export is meant to be shared).
    #[default]
    Pseudonymize,
    /// Kept as logged.
    Keep,
}

/// Writes a copy of the log at `out` (a new file: never overwritten). Returns the number of
/// events. An event this rotor cannot read stops the export rather than be copied unread.
pub fn export(conn: &Connection, out: &Path, identities: Identities) -> Result<u64> {
    if out.exists() {
        return Err(Error::InvalidInput(format!(
            "{} already exists; export never overwrites a file",
            out.display()
        )));
    }
    super::create_private(out)?;
    let at_out = |e| super::sqlite_at(out, e);
    let mut dst = Connection::open(out).map_err(at_out)?;
    super::migrate::migrate(&mut dst, 0)?;
    dst.execute_batch("DROP TABLE credentials")
        .map_err(at_out)?;
    let mut pseudonyms = (identities == Identities::Pseudonymize).then(Pseudonyms::new);
    let tx = dst.transaction().map_err(at_out)?;
    let mut n = 0u64;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO events (seq, at, kind, v, account, model, request, data) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
            )
            .map_err(at_out)?;
        let mut stmt = conn.prepare(
            "SELECT seq, at, kind, v, account, model, request, data FROM events ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq = r.get::<_, i64>(0)?;
            let at = r.get::<_, String>(1)?;
            let kind = r.get::<_, String>(2)?;
            let v = r.get::<_, i64>(3)?;
            let data = r.get::<_, String>(7)?;
            let decoded = decode_row(seq as u64, &at, &kind, v as u32, &data)?;
            let Some(mut rec) = decoded else { continue };
            if let Some(p) = pseudonyms.as_mut() {
                p.redact(&mut rec.event);
            }
            let data = serde_json::to_string(&rec.event).map_err(|e| Error::CorruptEvent {
                seq: rec.seq,
                kind: kind.clone(),
                source: e.into(),
            })?;
            let columns = (
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            );
            insert
                .execute(rusqlite::params![
                    seq,
                    at,
                    kind,
                    rec.event.version(),
                    columns.0,
                    columns.1,
                    columns.2,
                    data,
                ])
                .map_err(at_out)?;
            n += 1;
        }
    }
    tx.commit().map_err(at_out)?;
    Ok(n)
}
