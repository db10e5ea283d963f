//! `Strategy`: how an account is chosen inside a priority tier. The choosing itself lives in
//! `select`; configuration and `selected` events name it.

use serde::{Deserialize, Serialize};

/// How an account is chosen inside the first priority tier that has a candidate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    #[default]
    RoundRobin,
    FillFirst,
    LeastUsed,
    Weighted,
    QuotaAware,
}

impl Strategy {
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
