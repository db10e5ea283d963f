//! One refresh per account across a fleet: claims expire so a frozen holder blocks nobody for
//! longer, only the holder releases, concurrent claims have one winner, and a second writer
//! of the same credential generation is refused cleanly while the rest of its batch commits.

use std::time::Duration;

use rotor::event::{Event, RefreshSucceeded};
use rotor::secret::Secrets;
use rotor::store::postgres::{Append, AppendOutcome, Claim};
use rotor::store::{CredentialWrite, EventRow};
use rotor::AccountId;

use super::harness::{self, connect_url};
use super::{open, tagged};
use crate::it::common::t;

const TTL: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_blocks_others_until_it_expires_and_only_its_holder_releases_it() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let (a, b) = (open(&url).await, open(&url).await);
    let account = AccountId::new_random();

    let got = a
        .claim_refresh(account, t("2026-01-01T00:00:00Z"), TTL)
        .await
        .unwrap();
    assert_eq!(
        got,
        Claim::Acquired {
            expires_at: t("2026-01-01T00:00:30Z")
        }
    );
    let lost = b
        .claim_refresh(account, t("2026-01-01T00:00:10Z"), TTL)
        .await
        .unwrap();
    assert_eq!(
        lost,
        Claim::HeldBy {
            holder: a.writer(),
            until: t("2026-01-01T00:00:30Z")
        }
    );
    // The holder froze: at its expiry the claim is free for another instance.
    let taken = b
        .claim_refresh(account, t("2026-01-01T00:00:30Z"), TTL)
        .await
        .unwrap();
    assert_eq!(
        taken,
        Claim::Acquired {
            expires_at: t("2026-01-01T00:01:00Z")
        }
    );
    assert!(
        !a.release_refresh(account).await.unwrap(),
        "a no longer holds it"
    );
    let still = a
        .claim_refresh(account, t("2026-01-01T00:00:31Z"), TTL)
        .await
        .unwrap();
    assert!(matches!(still, Claim::HeldBy { holder, .. } if holder == b.writer()));
    assert!(b.release_refresh(account).await.unwrap());
    let again = a
        .claim_refresh(account, t("2026-01-01T00:00:32Z"), TTL)
        .await
        .unwrap();
    assert!(
        matches!(again, Claim::Acquired { .. }),
        "released claims are free at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_of_one_account_have_exactly_one_winner() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let account = AccountId::new_random();
    let mut stores = Vec::new();
    for _ in 0..8 {
        stores.push(std::sync::Arc::new(open(&url).await));
    }
    let claims: Vec<_> = stores
        .iter()
        .map(|s| {
            let s = s.clone();
            tokio::spawn(async move {
                s.claim_refresh(account, t("2026-01-01T00:00:00Z"), TTL)
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for c in claims {
        if matches!(c.await.unwrap().unwrap(), Claim::Acquired { .. }) {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

fn refreshed(account: AccountId, generation: u64, token: &str) -> Append {
    let event = Event::RefreshSucceeded(RefreshSucceeded {
        account,
        expires_at: Some(t("2026-01-01T01:00:00Z")),
        generation,
        fingerprint: rotor::secret::fingerprint(token),
        identity: Default::default(),
    });
    Append {
        row: EventRow::new(t("2026-01-01T00:00:00Z"), &event),
        seen: None,
        credential: Some(CredentialWrite::Put {
            account,
            generation,
            secrets: Secrets::api_key(token),
            expires_at: Some(t("2026-01-01T01:00:00Z")),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_second_writer_of_a_generation_is_refused_and_the_rest_of_its_batch_commits() {
    let server = crate::pg_or_skip!(harness::shared());
    let url = server.fresh_db().await;
    let (a, b) = (open(&url).await, open(&url).await);
    let account = AccountId::new_random();
    a.append(&[refreshed(account, 1, "tok-one")]).await.unwrap();

    let first = a.append(&[refreshed(account, 2, "tok-a")]).await.unwrap();
    assert_eq!(first.seqs(), vec![2]);
    let late = b
        .append(&[refreshed(account, 2, "tok-b"), tagged("unrelated")])
        .await
        .unwrap();
    assert_eq!(
        late.outcomes,
        vec![
            AppendOutcome::GenerationTaken {
                account,
                generation: 2,
                latest: 2
            },
            AppendOutcome::Stored { seq: 3 },
        ]
    );

    let creds = b.credentials().await.unwrap();
    let cred = &creds[&account];
    assert_eq!(cred.generation, 2);
    assert_eq!(cred.secrets.api_key.as_ref().unwrap().expose(), "tok-a");
    let log = b
        .events_after(0, 100, rotor::store::Unknown::Fail)
        .await
        .unwrap();
    let refreshes = log
        .iter()
        .filter(|e| matches!(e.record.event, Event::RefreshSucceeded(_)))
        .count();
    assert_eq!(refreshes, 2, "generations 1 and 2, once each");

    // The database itself refuses a duplicate generation; older ones keep no secrets.
    let client = connect_url(&url).await;
    let dup = client
        .execute(
            "INSERT INTO credentials (account, generation, secrets) VALUES ($1, 2, '{}')",
            &[&account.0],
        )
        .await
        .unwrap_err();
    assert_eq!(
        dup.code(),
        Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    let kept: Vec<(i64, Option<String>)> = client
        .query(
            "SELECT generation, secrets FROM credentials WHERE account = $1 ORDER BY generation",
            &[&account.0],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0], (1, None), "generation 1's secrets are gone");
    assert!(kept[1].1.as_deref().unwrap().contains("tok-a"));
}
