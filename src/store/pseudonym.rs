//! Identities in an exported log replaced by pseudonyms: an e-mail becomes
//! `user-<hex>@redacted`, a provider account id `account-<hex>`, a Cloud project `project-<hex>`,
//! wherever they stand (identity fields, labels, sessions, messages). The hex is a keyed hash
//! under a key drawn at random for each export and then forgotten: the same value reads the same
//! across one file (a replay stays coherent), but no dictionary of addresses can reverse it and
//! two exports cannot be joined. Plans are kept: they say nothing about who.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use rand::RngCore;
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::event::{Event, Identity};
use crate::scrub::Scrubbed;

/// An e-mail address: a local part, `@`, a domain with at least one dot.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").unwrap()
});

/// What a pseudonym stands for; part of the hash, so an e-mail and an id never share one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Email,
    Account,
    Project,
}

/// The pseudonyms of one export.
pub struct Pseudonyms {
    key: [u8; 32],
    given: HashMap<(Kind, String), String>,
    used: HashSet<String>,
}

impl Default for Pseudonyms {
    fn default() -> Self {
        Self::new()
    }
}

impl Pseudonyms {
    /// A fresh random key: pseudonyms of this export only.
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Pseudonyms {
            key,
            given: HashMap::new(),
            used: HashSet::new(),
        }
    }

    /// Replaces every identity the event carries.
    pub fn redact(&mut self, event: &mut Event) {
        match event {
            Event::AccountAdded(e) => {
                self.identity(&mut e.identity);
                e.label = self.emails_in(&e.label);
            }
            Event::AccountUpdated(e) => {
                if let Some(label) = &mut e.label {
                    *label = self.emails_in(label);
                }
            }
            Event::RefreshSucceeded(e) => self.identity(&mut e.identity),
            Event::RefreshFailed(e) => e.message = self.emails_in(&e.message).into(),
            Event::RequestFailed(e) => {
                e.error.message = self.emails_in(&e.error.message).into();
            }
            Event::Selected(e) => self.session(&mut e.session),
            Event::NoAccount(e) => self.session(&mut e.session),
            Event::AccountRemoved { .. }
            | Event::AccountDisabled { .. }
            | Event::AccountEnabled { .. }
            | Event::RequestSucceeded(_)
            | Event::RequestCancelled { .. }
            | Event::QuotaObserved(_)
            | Event::RefreshDue { .. }
            | Event::StateCleared { .. }
            | Event::InstanceStarted { .. } => {}
        }
    }

    fn identity(&mut self, id: &mut Identity) {
        let mut replace = |field: &mut Option<Scrubbed<256>>, kind| {
            if let Some(v) = field.as_deref() {
                let p = self.pseudonym(kind, v);
                *field = Some(p.as_str().into());
            }
        };
        replace(&mut id.email, Kind::Email);
        replace(&mut id.account_id, Kind::Account);
        replace(&mut id.project_id, Kind::Project);
    }

    fn session(&mut self, session: &mut Option<String>) {
        if let Some(s) = session {
            *s = self.emails_in(s);
        }
    }

    /// `text` with each e-mail address replaced by its pseudonym.
    fn emails_in(&mut self, text: &str) -> String {
        EMAIL
            .replace_all(text, |c: &regex::Captures| {
                self.pseudonym(Kind::Email, &c[0])
            })
            .into_owned()
    }

    /// The pseudonym of `value`: 8 hex of a keyed hash, longer in the unlikely case that two
    /// values of this export would share one.
    fn pseudonym(&mut self, kind: Kind, value: &str) -> String {
        // Addresses are case-insensitive in practice: one person, one pseudonym.
        let value = match kind {
            Kind::Email => value.to_ascii_lowercase(),
            _ => value.to_string(),
        };
        if let Some(p) = self.given.get(&(kind, value.clone())) {
            return p.clone();
        }
        let digest = Sha256::new()
            .chain_update(self.key)
            .chain_update([kind as u8])
            .chain_update(value.as_bytes())
            .finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let pseudonym = (8..=hex.len())
            .step_by(4)
            .map(|n| match kind {
                Kind::Email => format!("user-{}@redacted", &hex[..n]),
                Kind::Account => format!("account-{}", &hex[..n]),
                Kind::Project => format!("project-{}", &hex[..n]),
            })
            .find(|p| !self.used.contains(p))
            .expect("a 256-bit digest separates any two values of one export");
        self.used.insert(pseudonym.clone());
        self.given.insert((kind, value), pseudonym.clone());
        pseudonym
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_value_gets_the_same_pseudonym_and_different_values_do_not() {
        let mut p = Pseudonyms::new();
        let a = p.emails_in("ann@example.com and Ann@Example.com, bob@example.org");
        let first = p.pseudonym(Kind::Email, "ann@example.com");
        assert_eq!(
            a,
            format!(
                "{first} and {first}, {}",
                p.pseudonym(Kind::Email, "bob@example.org")
            )
        );
        assert!(first.starts_with("user-") && first.ends_with("@redacted") && first.len() == 22);
        assert_ne!(p.pseudonym(Kind::Account, "ann@example.com"), first);
        // Another export draws another key.
        assert_ne!(
            Pseudonyms::new().pseudonym(Kind::Email, "ann@example.com"),
            first
        );
        // A pseudonym is no e-mail address: redacting twice changes nothing.
        assert_eq!(p.emails_in(&a), a);
    }
}
