//! Conformance of [`RetentionStore`]: a month of closed versions is counted and deleted
//! with its index entries, and nothing else is: not open versions, not other months, not
//! other providers.

use super::{closes, delivery, provider, version};
use crate::{
    BlindIndex, ClosedCounts, ClosedMonth, DeliveryOutcome, DeliveryTx, RetentionStore, Store,
};

/// 2026-01 (UTC).
pub const JANUARY: ClosedMonth = ClosedMonth {
    month: 2026 * 12,
    from: 1_767_225_600,
    to: 1_769_904_000,
};
/// 2026-02 (UTC).
pub const FEBRUARY: ClosedMonth = ClosedMonth {
    month: 2026 * 12 + 1,
    from: 1_769_904_000,
    to: 1_772_323_200,
};

/// Runs every check against a fresh, empty store.
pub async fn run_all<S: Store + RetentionStore>(store: &S) {
    a_month_of_closed_versions_goes_with_its_index_entries_and_nothing_else(store).await;
}

/// Opens versions `keys` of `provider` (each indexed under its own key and a shared one)
/// and closes those in `close` at `valid_to`; returns the ids of the opened versions.
async fn open_and_close<S: Store>(
    store: &S,
    provider: &str,
    keys: &[u8],
    close: &[(usize, i64)],
    opened_at: i64,
) -> Vec<i64> {
    let mut tx = store.begin_delivery(provider).await.unwrap();
    let versions: Vec<_> = keys.iter().map(|k| version(*k, opened_at)).collect();
    let ids = tx.insert_versions(&versions).await.unwrap();
    let mut indexes = Vec::new();
    for (k, id) in keys.iter().zip(&ids) {
        indexes.push((BlindIndex([*k; 16]), *id));
        indexes.push((BlindIndex([200; 16]), *id));
    }
    tx.insert_indexes(&indexes).await.unwrap();
    tx.commit(&delivery(provider, opened_at, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    for (i, valid_to) in close {
        let mut tx = store.begin_delivery(provider).await.unwrap();
        tx.close_versions(&closes(&[ids[*i]], b"closed"), *valid_to, *valid_to - 1)
            .await
            .unwrap();
        tx.commit(&delivery(provider, *valid_to, DeliveryOutcome::Accepted))
            .await
            .unwrap();
    }
    ids
}

async fn a_month_of_closed_versions_goes_with_its_index_entries_and_nothing_else<
    S: Store + RetentionStore,
>(
    store: &S,
) {
    store.add_provider(&provider("kpn")).await.unwrap();
    store.add_provider(&provider("ziggo")).await.unwrap();
    assert_eq!(store.oldest_closed_end("kpn").await.unwrap(), None);
    let opened = JANUARY.from - 86_400;
    // kpn: 1 and 2 end in January (2 on its last second), 3 on February's first second, 4
    // stays open. ziggo: 5 ends in January.
    let kpn = open_and_close(
        store,
        "kpn",
        &[1, 2, 3, 4],
        &[
            (0, JANUARY.from + 3_600),
            (1, JANUARY.to - 1),
            (2, FEBRUARY.from),
        ],
        opened,
    )
    .await;
    let ziggo = open_and_close(store, "ziggo", &[5], &[(0, JANUARY.from + 7)], opened).await;

    assert_eq!(
        store.oldest_closed_end("kpn").await.unwrap(),
        Some(JANUARY.from + 3_600)
    );
    let january = ClosedCounts {
        versions: 2,
        indexes: 4,
    };
    assert_eq!(store.closed_in("kpn", JANUARY).await.unwrap(), january);
    assert_eq!(store.closed_versions_in("kpn", JANUARY).await.unwrap(), 2);
    assert_eq!(store.closed_versions_in("kpn", FEBRUARY).await.unwrap(), 1);
    assert_eq!(
        store.closed_in("kpn", FEBRUARY).await.unwrap(),
        ClosedCounts {
            versions: 1,
            indexes: 2
        }
    );
    let before = store.provider_rows("kpn").await.unwrap();

    assert_eq!(store.delete_closed("kpn", JANUARY).await.unwrap(), january);
    assert_eq!(
        store.delete_closed("kpn", JANUARY).await.unwrap(),
        ClosedCounts::default(),
        "a month already deleted removes nothing"
    );
    assert_eq!(
        store.closed_in("kpn", JANUARY).await.unwrap(),
        ClosedCounts::default()
    );
    assert_eq!(store.closed_versions_in("kpn", JANUARY).await.unwrap(), 0);
    let after = store.provider_rows("kpn").await.unwrap();
    assert_eq!(after.versions, before.versions - 2);
    assert_eq!(after.indexes, before.indexes - 4);
    assert_eq!(after.open, before.open, "open versions stay");
    assert_eq!(
        store.oldest_closed_end("kpn").await.unwrap(),
        Some(FEBRUARY.from)
    );

    // The shared index now finds kpn's February and open versions and ziggo's, and no
    // index entry points at a deleted version (which a read would call corrupt).
    let mut found: Vec<i64> = store
        .versions_by_index(&[BlindIndex([200; 16])])
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    found.sort_unstable();
    let mut want = vec![kpn[2], kpn[3], ziggo[0]];
    want.sort_unstable();
    assert_eq!(found, want);
    for gone in [1u8, 2] {
        assert!(
            store
                .versions_by_index(&[BlindIndex([gone; 16])])
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(
        store.closed_in("ziggo", JANUARY).await.unwrap(),
        ClosedCounts {
            versions: 1,
            indexes: 2
        },
        "another provider's month is its own"
    );
    // ziggo's January goes too; the month is then empty on every backend.
    store.delete_closed("ziggo", JANUARY).await.unwrap();
    assert_eq!(store.oldest_closed_end("ziggo").await.unwrap(), None);
    // A delivery can still close a version into a month emptied before.
    let mut tx = store.begin_delivery("kpn").await.unwrap();
    tx.close_versions(
        &closes(&[kpn[3]], b"late"),
        JANUARY.to - 10,
        JANUARY.to - 11,
    )
    .await
    .unwrap();
    tx.commit(&delivery("kpn", JANUARY.to - 10, DeliveryOutcome::Accepted))
        .await
        .unwrap();
    assert_eq!(
        store.closed_in("kpn", JANUARY).await.unwrap(),
        ClosedCounts {
            versions: 1,
            indexes: 2
        }
    );
}
