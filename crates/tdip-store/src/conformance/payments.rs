//! Conformance of [`crate::PaymentStore`] and [`DeliveryTx::insert_payments`]: a payment is kept
//! once however often it is delivered, found by its subscription, rolled back with its
//! delivery, counted by month, and a provider's month deleted without touching other
//! months or other providers.

use super::{delivery, provider};
use crate::{BlindIndex, DeliveryOutcome, DeliveryTx, NewPayment, Store};

/// 2026-01, 2026-02 and 2026-03 as month indexes (`year * 12 + month - 1`).
pub const JANUARY: i32 = 2026 * 12;
const FEBRUARY: i32 = JANUARY + 1;
const MARCH: i32 = JANUARY + 2;

fn payment(key: u8, sub: u8, month: i32) -> NewPayment {
    NewPayment {
        key: BlindIndex([key; 16]),
        sub_key: BlindIndex([sub; 16]),
        month,
        sealed: vec![key; 40],
    }
}

async fn deliver<S: Store>(store: &S, provider: &str, at: i64, payments: &[NewPayment]) -> u64 {
    let mut tx = store.begin_delivery(provider).await.unwrap();
    let new = tx.insert_payments(payments).await.unwrap();
    tx.commit(&delivery(provider, at, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    new
}

/// Runs every check against a fresh, empty store.
pub async fn run_all<S: Store>(store: &S) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    assert_eq!(store.oldest_payment_month("kpn").await.unwrap(), None);
    assert!(
        store
            .payments_of(&[BlindIndex([1; 16])])
            .await
            .unwrap()
            .is_empty()
    );

    // kpn: subscription 1 paid in January and February, subscription 2 in January; one
    // payment is listed twice in the same call, and again by the next delivery.
    let first = [
        payment(11, 1, JANUARY),
        payment(12, 1, FEBRUARY),
        payment(21, 2, JANUARY),
        payment(11, 1, JANUARY),
    ];
    assert_eq!(deliver(store, "kpn", 1_000, &first).await, 3);
    assert_eq!(
        deliver(
            store,
            "kpn",
            2_000,
            &[payment(12, 1, FEBRUARY), payment(13, 1, MARCH)]
        )
        .await,
        1
    );
    // ziggo: a January payment of its own.
    assert_eq!(
        deliver(store, "ziggo", 3_000, &[payment(51, 5, JANUARY)]).await,
        1
    );

    // A delivery rolled back keeps none of its payments.
    {
        let mut tx = store.begin_delivery("kpn").await.unwrap();
        assert_eq!(
            tx.insert_payments(&[payment(14, 1, MARCH)]).await.unwrap(),
            1
        );
        drop(tx);
    }

    let of_1 = store.payments_of(&[BlindIndex([1; 16])]).await.unwrap();
    let keys: Vec<(u8, i32)> = of_1.iter().map(|p| (p.key.0[0], p.month)).collect();
    assert_eq!(keys, [(11, JANUARY), (12, FEBRUARY), (13, MARCH)]);
    assert!(
        of_1.iter()
            .all(|p| p.provider == "kpn" && p.sealed == vec![p.key.0[0]; 40])
    );
    let both = store
        .payments_of(&[BlindIndex([2; 16]), BlindIndex([5; 16])])
        .await
        .unwrap();
    let mut owners: Vec<&str> = both.iter().map(|p| p.provider.as_str()).collect();
    owners.sort_unstable();
    assert_eq!(owners, ["kpn", "ziggo"]);

    assert_eq!(
        store.oldest_payment_month("kpn").await.unwrap(),
        Some(JANUARY)
    );
    assert_eq!(store.payments_in("kpn", JANUARY).await.unwrap(), 2);
    assert_eq!(store.payments_in("kpn", MARCH).await.unwrap(), 1);

    // kpn's January goes; its February and March, and ziggo's January, stay.
    assert_eq!(store.delete_payments("kpn", JANUARY).await.unwrap(), 2);
    assert_eq!(store.delete_payments("kpn", JANUARY).await.unwrap(), 0);
    assert_eq!(store.payments_in("kpn", JANUARY).await.unwrap(), 0);
    assert_eq!(store.payments_in("ziggo", JANUARY).await.unwrap(), 1);
    assert_eq!(
        store.oldest_payment_month("kpn").await.unwrap(),
        Some(FEBRUARY)
    );
    let left: Vec<u8> = store
        .payments_of(&[BlindIndex([1; 16]), BlindIndex([2; 16])])
        .await
        .unwrap()
        .iter()
        .map(|p| p.key.0[0])
        .collect();
    assert_eq!(left, [12, 13]);
    // A payment of a deleted month delivered again is kept again (the caller, not the
    // store, refuses what is past its term).
    assert_eq!(
        deliver(store, "kpn", 4_000, &[payment(21, 2, JANUARY)]).await,
        1
    );
}
