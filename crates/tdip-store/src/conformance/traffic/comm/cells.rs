//! Cell configurations: history by cell, search by area, duplicates refused.

use super::super::{T0, log_entry, with_providers};
use crate::{
    BlindIndex, CellBox, CellRow, DeliveryOutcome, NewTrafficBatch, Store, StoreError, TrafficKind,
    TrafficStore, TrafficTx,
};

/// A cell configuration (`at` `None`: a removal), with config and MAC distinct per row.
pub(super) fn cell(
    provider: &str,
    cell_id: &str,
    valid_from: i64,
    batch: i64,
    at: Option<(i32, i32)>,
) -> CellRow {
    let mut config = format!("{provider}/{cell_id}/{valid_from}").into_bytes();
    config.extend_from_slice(&[0, 0xff, 0x80]);
    let mut mac = [0u8; 16];
    mac[..8].copy_from_slice(&valid_from.to_be_bytes());
    mac[8] = cell_id.len() as u8;
    mac[15] = provider.len() as u8;
    CellRow {
        provider: provider.into(),
        cell_id: cell_id.into(),
        valid_from,
        batch,
        latitude: at.map(|a| a.0),
        longitude: at.map(|a| a.1),
        config,
        mac: BlindIndex(mac),
    }
}

/// Commits `rows` as one accepted batch of `provider` (rows get its seq).
async fn commit_cells<S: TrafficStore>(
    store: &S,
    provider: &str,
    id: &str,
    rows: &[CellRow],
) -> Vec<CellRow> {
    let mut tx = store.begin_traffic(provider).await.unwrap();
    let seq = tx.seq();
    let rows: Vec<CellRow> = rows
        .iter()
        .map(|r| CellRow {
            batch: seq,
            ..r.clone()
        })
        .collect();
    tx.insert_cells(&rows).await.unwrap();
    let entry = NewTrafficBatch {
        kind: TrafficKind::Cell,
        ..log_entry(provider, id, DeliveryOutcome::Accepted)
    };
    tx.commit(&entry).await.unwrap();
    rows
}

pub(super) async fn cells_are_found_by_history_and_by_area<S: Store + TrafficStore>(store: &S) {
    with_providers(store).await;
    let k = commit_cells(
        store,
        "kpn",
        "k1",
        &[
            cell("kpn", "c2", T0, 0, Some((51_000_000, 5_000_000))),
            cell("kpn", "c1", T0 + 7_200, 0, None),
            cell("kpn", "c1", T0, 0, Some((52_000_000, 4_000_000))),
            cell("kpn", "c1", T0 + 3_600, 0, Some((52_100_000, 4_000_000))),
            cell("kpn", "c4", T0, 0, Some((-33_900_000, -70_000_000))),
        ],
    )
    .await;
    let p = commit_cells(
        store,
        "proximus",
        "p1",
        &[cell("proximus", "c1", T0, 0, Some((50_800_000, 4_300_000)))],
    )
    .await;
    let ids = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let history = |provider, l: &[&str]| {
        let l = ids(l);
        async move { store.cell_history(provider, &l).await.unwrap() }
    };
    assert_eq!(
        history("kpn", &["c2", "c1"]).await,
        [k[2].clone(), k[3].clone(), k[1].clone(), k[0].clone()],
        "by cell id, then valid_from; a removal is part of the history"
    );
    assert_eq!(history("kpn", &["c4"]).await, [k[4].clone()]);
    assert_eq!(history("proximus", &["c1", "c2"]).await, p);
    assert!(history("kpn", &["c9"]).await.is_empty());
    assert!(history("kpn", &[]).await.is_empty());

    let area = |lat_min, lat_max, lon_min, lon_max| {
        let b = CellBox {
            lat_min,
            lat_max,
            lon_min,
            lon_max,
        };
        async move { store.cells_in(b).await.unwrap() }
    };
    assert_eq!(
        area(-90_000_000, 90_000_000, -180_000_000, 180_000_000).await,
        [
            k[2].clone(),
            k[3].clone(),
            k[0].clone(),
            k[4].clone(),
            p[0].clone()
        ],
        "by provider, cell id, valid_from; no removal"
    );
    assert_eq!(
        area(52_000_000, 52_100_000, 4_000_000, 4_000_000).await,
        [k[2].clone(), k[3].clone()],
        "edges are inclusive"
    );
    assert_eq!(
        area(52_000_001, 53_000_000, 3_000_000, 5_000_000).await,
        [k[3].clone()]
    );
    assert!(
        area(52_000_001, 52_099_999, 3_000_000, 5_000_000)
            .await
            .is_empty()
    );
    assert!(
        area(50_000_000, 53_000_000, 4_000_001, 4_299_999)
            .await
            .is_empty()
    );
    assert_eq!(
        area(-34_000_000, -33_000_000, -71_000_000, -69_000_000).await,
        [k[4].clone()],
        "negative coordinates"
    );
}

pub(super) async fn a_cell_configuration_stored_twice_is_a_conflict<S: Store + TrafficStore>(
    store: &S,
) {
    with_providers(store).await;
    let at = Some((52_000_000, 4_000_000));
    let first = commit_cells(store, "kpn", "k1", &[cell("kpn", "c1", T0, 0, at)]).await;
    let mut changed = cell("kpn", "c1", T0, 0, Some((1, 1)));
    changed.config = b"another".to_vec();

    let mut tx = store.begin_traffic("kpn").await.unwrap();
    changed.batch = tx.seq();
    let err = tx
        .insert_cells(std::slice::from_ref(&changed))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let twin = cell("kpn", "c2", T0, tx.seq(), at);
    let err = tx
        .insert_cells(&[twin.clone(), twin.clone()])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    let mut tx = store.begin_traffic("kpn").await.unwrap();
    let twin = cell("kpn", "c2", T0, tx.seq(), at);
    tx.insert_cells(std::slice::from_ref(&twin)).await.unwrap();
    let err = tx
        .insert_cells(std::slice::from_ref(&twin))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);

    // Another provider's cell of the same id and moment, and the next second, are new.
    let other = commit_cells(
        store,
        "proximus",
        "p1",
        &[cell("proximus", "c1", T0, 0, at)],
    )
    .await;
    let later = commit_cells(store, "kpn", "k2", &[cell("kpn", "c1", T0 + 1, 0, at)]).await;
    let ids = ["c1".to_string(), "c2".to_string()];
    assert_eq!(
        store.cell_history("kpn", &ids).await.unwrap(),
        [first[0].clone(), later[0].clone()]
    );
    assert_eq!(store.cell_history("proximus", &ids).await.unwrap(), other);
}
