//! The words of a block: `BlockReason` (why an account is not selectable: a provider failure's
//! kind, or a cause rotor knows without a failure) and `BlockSet` (the block a failure put in
//! force, as `request_failed` records it). A reason is written by its snake_case name, the same
//! names the log held when reasons were a flat list, so old logs decode unchanged. Deciding,
//! merging and lifting blocks lives in `block`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ErrorKind, Scope};
use crate::time::Timestamp;

/// Why an account is not selectable (a block's reason), plus `excluded` for accounts the
/// caller asked to skip and `parked` for a weight-0 account under `weighted`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[non_exhaustive]
pub enum BlockReason {
    /// A failure of this kind blocks it (never `invalid_request`, which blocks nothing).
    Error(ErrorKind),
    /// A learned limit says the next request would fail.
    QuotaPredicted,
    /// A token refresh is under way and the old token is dead or expired.
    Refreshing,
    /// Disabled by a person or by the provider.
    Disabled,
    /// Its refresh token is dead: a person must log in again.
    NeedsReauth,
    /// The caller asked to skip it.
    Excluded,
    /// Its OAuth access token is past its expiry, until a refresh succeeds.
    Expired,
    /// Weight 0 under `weighted`: never chosen there. `select` passes it over without a skip
    /// (it is no candidate); `replay --explain` names it, so no one reads it as eligible.
    Parked,
}

impl BlockReason {
    /// The reasons that are no failure, with their names.
    const OTHERS: [(BlockReason, &'static str); 7] = [
        (BlockReason::QuotaPredicted, "quota_predicted"),
        (BlockReason::Refreshing, "refreshing"),
        (BlockReason::Disabled, "disabled"),
        (BlockReason::NeedsReauth, "needs_reauth"),
        (BlockReason::Excluded, "excluded"),
        (BlockReason::Expired, "expired"),
        (BlockReason::Parked, "parked"),
    ];

    /// The name the log, `status` and the metrics use.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockReason::Error(kind) => kind.as_str(),
            other => Self::OTHERS
                .iter()
                .find(|(r, _)| *r == other)
                .map_or("", |(_, name)| name),
        }
    }

    /// The reason named `name`; `invalid_request` names none, as it never blocks.
    pub fn from_name(name: &str) -> Option<BlockReason> {
        match ErrorKind::from_name(name) {
            Some(ErrorKind::InvalidRequest) => None,
            Some(kind) => Some(BlockReason::Error(kind)),
            None => Self::OTHERS
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(r, _)| *r),
        }
    }
}

impl Serialize for BlockReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BlockReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        BlockReason::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown block reason {name:?}")))
    }
}

/// The block a failure put in force, decided when it was reported and recorded on the event,
/// so that replaying the log never depends on the configuration of the day.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct BlockSet {
    /// Whether it holds the whole account or one model.
    pub scope: Scope,
    /// Why it blocks.
    pub reason: BlockReason,
    /// When it ends by itself.
    #[serde(with = "crate::time::serde_ts")]
    pub until: Timestamp,
    /// Quota backoff level after this failure (0 for other kinds).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub level: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names a log written before reasons wrapped an error kind holds, one per old variant.
    const OLD_NAMES: [&str; 13] = [
        "rate_limit",
        "quota_exceeded",
        "authentication",
        "permission",
        "not_found",
        "overloaded",
        "transient",
        "billing",
        "quota_predicted",
        "refreshing",
        "disabled",
        "needs_reauth",
        "excluded",
    ];

    #[test]
    fn every_old_log_name_decodes_and_encodes_back_the_same() {
        for name in OLD_NAMES {
            let json = format!("\"{name}\"");
            let reason: BlockReason = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&reason).unwrap(), json);
        }
        let quota: BlockReason = serde_json::from_str("\"quota_exceeded\"").unwrap();
        assert_eq!(quota, BlockReason::Error(ErrorKind::QuotaExceeded));
        assert_eq!(
            serde_json::from_str::<BlockReason>("\"excluded\"").unwrap(),
            BlockReason::Excluded
        );
    }

    #[test]
    fn invalid_request_and_unknown_names_are_no_reason() {
        assert!(serde_json::from_str::<BlockReason>("\"invalid_request\"").is_err());
        assert!(serde_json::from_str::<BlockReason>("\"sleepy\"").is_err());
    }
}
