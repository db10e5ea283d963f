//! `Strategy`: how an account is chosen inside a priority tier. The choosing itself lives in
//! `select`; configuration and `selected` events name it.

use serde::{Deserialize, Serialize};

/// How an account is chosen inside the first priority tier that has a candidate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Strategy {
    /// Each account of the tier in turn.
    #[default]
    RoundRobin,
    /// Always the first available account of the tier, in priority and addition order.
    FillFirst,
    /// The account that served the fewest requests in the current quota window, then fewest leases.
    LeastUsed,
    /// Smooth weighted round-robin by each account's `weight`.
    Weighted,
    /// The account with the most quota left (then the soonest reset), as stated or learned.
    QuotaAware,
}

impl Strategy {
    /// The strategy's name as configured and logged (`round_robin`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::RoundRobin => "round_robin",
            Strategy::FillFirst => "fill_first",
            Strategy::LeastUsed => "least_used",
            Strategy::Weighted => "weighted",
            Strategy::QuotaAware => "quota_aware",
        }
    }
}

impl std::str::FromStr for Strategy {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> Result<Self, crate::error::Error> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).map_err(|_| {
            crate::error::Error::InvalidInput(format!(
                "unknown strategy {s:?} (round_robin, fill_first, least_used, weighted, quota_aware)"
            ))
        })
    }
}
