//! Property: the versions of one subscription never overlap, whatever the sequence of daily
//! full snapshots, and the delivery counts and lookups agree with a simple model of it.

mod common;

use std::fmt::Write as _;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use tdip_core::lookup::{Answer, Evidence, Hit};
use tdip_model::IdentKind;

/// At most this many subscriptions (`S0`..`S5`).
const MAX_SUBS: usize = 6;
/// The declared subscription start of every row (2024-05-01T10:00:00Z).
const START: i64 = 1_714_557_600;

/// One content variant of a subscription: (street, house number, postcode, city, IMEI).
/// Variants 0 and 2 differ only in the IMEI, 0 and 1 only in the billing address.
const VARIANTS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "Kerkstraat",
        "12",
        "1234 AB",
        "Amsterdam",
        "490154203237518",
    ),
    ("Dorpsstraat", "3", "3511 AA", "Utrecht", "490154203237518"),
    (
        "Kerkstraat",
        "12",
        "1234 AB",
        "Amsterdam",
        "352099001761481",
    ),
];

/// One daily delivery of the generated sequence.
#[derive(Clone, Debug)]
struct Delivery {
    /// Per subscription: absent, or present with this content variant.
    subs: Vec<Option<u8>>,
    /// Deliver the identical file a second time at the same moment.
    again: bool,
    /// Rotate the row order of the file by this much.
    rotate: usize,
}

fn delivery(n: usize) -> impl Strategy<Value = Delivery> {
    (
        prop::collection::vec(prop::option::weighted(0.75, 0u8..3), n),
        prop::bool::weighted(0.25),
        0..n,
    )
        .prop_map(|(subs, again, rotate)| Delivery {
            subs,
            again,
            rotate,
        })
}

fn scenario() -> impl Strategy<Value = Vec<Delivery>> {
    (1..=MAX_SUBS).prop_flat_map(|n| prop::collection::vec(delivery(n), 2..=6))
}

fn snapshot_at(k: usize) -> i64 {
    D0 + k as i64 * DAY
}

fn user_id(i: usize) -> String {
    format!("u-{i}")
}

fn msisdn(i: usize) -> String {
    format!("+3161234560{i}")
}

/// The CSV row of subscription `i` in content variant `v`.
fn row(i: usize, v: u8) -> String {
    let (street, number, postcode, city, imei) = VARIANTS[v as usize];
    format!(
        "S{i},mobile,{},20408123456780{i},{imei},,,{},Jansen,Pieter,{street},{number},{postcode},{city},2024-05-01T10:00:00Z",
        msisdn(i),
        user_id(i)
    )
}

/// The file of one delivery.
fn file(d: &Delivery) -> String {
    let mut rows: Vec<String> = d
        .subs
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| row(i, v)))
        .collect();
    if !rows.is_empty() {
        let by = d.rotate % rows.len();
        rows.rotate_left(by);
    }
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    csv(&refs)
}

/// The sequence, one line per delivery, for failure messages.
fn describe(seq: &[Delivery]) -> String {
    let mut out = String::from("deliveries (sub=variant, -=absent):");
    for (k, d) in seq.iter().enumerate() {
        write!(out, "\n  day {k} (D0+{k}d):").unwrap();
        for (i, v) in d.subs.iter().enumerate() {
            match v {
                Some(v) => write!(out, " S{i}=v{v}").unwrap(),
                None => write!(out, " S{i}=-").unwrap(),
            }
        }
        if d.again {
            out.push_str(" [delivered twice]");
        }
    }
    out
}

/// The content variant a hit shows, judged by its billing city and IMEI.
fn variant_of(hit: &Hit) -> Option<u8> {
    let city = hit.subscription.billing.as_ref()?.city.as_deref()?;
    let imei = hit.subscription.imei.first()?;
    VARIANTS
        .iter()
        .position(|(_, _, _, c, i)| *c == city && i[..14] == imei[..])
        .map(|p| p as u8)
}

/// A version as the model expects it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ModelVersion {
    variant: u8,
    /// Moment of the delivery that first showed it.
    from: i64,
    /// Moment of the delivery that no longer showed it.
    to: Option<i64>,
    /// Moment of the last delivery that showed it.
    last_seen: i64,
    /// Whether it was opened by a content change (the previous version closed at `from`).
    by_change: bool,
}

/// Expected delivery counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counts {
    rows: u64,
    opened: u64,
    changed: u64,
    closed: u64,
    unchanged: u64,
}

/// Applies delivery `k` to the model; returns the counts the point must report.
fn model_apply(
    history: &mut [Vec<ModelVersion>],
    prev: &[Option<u8>],
    d: &Delivery,
    k: usize,
) -> Counts {
    let t = snapshot_at(k);
    let mut c = Counts {
        rows: 0,
        opened: 0,
        changed: 0,
        closed: 0,
        unchanged: 0,
    };
    for (i, (before, now)) in prev.iter().zip(&d.subs).enumerate() {
        let versions = &mut history[i];
        if now.is_some() {
            c.rows += 1;
        }
        match (*before, *now) {
            (None, None) => {}
            (None, Some(v)) => {
                c.opened += 1;
                versions.push(ModelVersion {
                    variant: v,
                    from: t,
                    to: None,
                    last_seen: t,
                    by_change: false,
                });
            }
            (Some(a), Some(b)) if a == b => {
                c.unchanged += 1;
                versions.last_mut().unwrap().last_seen = t;
            }
            (Some(_), Some(b)) => {
                c.changed += 1;
                versions.last_mut().unwrap().to = Some(t);
                versions.push(ModelVersion {
                    variant: b,
                    from: t,
                    to: None,
                    last_seen: t,
                    by_change: true,
                });
            }
            (Some(_), None) => {
                c.closed += 1;
                versions.last_mut().unwrap().to = Some(t);
            }
        }
    }
    c
}

fn counts(r: &tdip_core::ingest::DeliveryReport) -> Counts {
    Counts {
        rows: r.rows,
        opened: r.opened,
        changed: r.changed,
        closed: r.closed,
        unchanged: r.unchanged,
    }
}

fn intervals(a: &Answer) -> Vec<(i64, Option<i64>)> {
    a.hits.iter().map(|h| (h.valid_from, h.valid_to)).collect()
}

/// The model version of subscription `i` that holds at delivery moment `t`, if any.
fn model_at(versions: &[ModelVersion], t: i64) -> Option<&ModelVersion> {
    versions
        .iter()
        .find(|v| v.from <= t && v.to.is_none_or(|to| t < to))
}

async fn run(seq: &[Delivery]) -> Result<(), TestCaseError> {
    let n = seq[0].subs.len();
    let ctx = describe(seq);
    let p = Point::new().await;
    let mut history: Vec<Vec<ModelVersion>> = vec![Vec::new(); n];
    let mut prev: Vec<Option<u8>> = vec![None; n];

    for (k, d) in seq.iter().enumerate() {
        let t = snapshot_at(k);
        let body = file(d);
        let want = model_apply(&mut history, &prev, d, k);
        let r = p.deliver("kpn", &body, t).await;
        prop_assert!(
            r.accepted(),
            "day {k}: delivery rejected: {:?}\n{ctx}",
            r.errors
        );
        prop_assert_eq!(counts(&r), want, "day {}: counts\n{}", k, &ctx);
        if d.again {
            let r = p.deliver("kpn", &body, t).await;
            prop_assert!(
                r.accepted(),
                "day {k}: identical re-delivery rejected: {:?}\n{ctx}",
                r.errors
            );
            let again = Counts {
                rows: want.rows,
                opened: 0,
                changed: 0,
                closed: 0,
                unchanged: want.rows,
            };
            prop_assert_eq!(
                counts(&r),
                again,
                "day {}: identical re-delivery must change nothing\n{}",
                k,
                &ctx
            );
        }
        prev.clone_from(&d.subs);
    }
    let last = snapshot_at(seq.len() - 1);

    for (i, versions) in history.iter().enumerate() {
        let uid = user_id(i);
        let all = p.between(IdentKind::UserId, &uid, 0, D0 + 100 * DAY).await;
        let got = intervals(&all);
        let who = format!("S{i} (user_id {uid})");
        let tail = format!("intervals {got:?}\n{ctx}");

        prop_assert!(
            all.hits.iter().all(|h| h.provider == "kpn"),
            "{who}: foreign provider\n{tail}"
        );
        // Well-formed and pairwise disjoint: [valid_from, valid_to), None = open.
        for (a, (from, to)) in got.iter().enumerate() {
            prop_assert!(
                to.is_none_or(|to| *from < to),
                "{who}: empty or reversed interval #{a}\n{tail}"
            );
            for (b, (from_b, to_b)) in got.iter().enumerate().skip(a + 1) {
                let disjoint =
                    to.is_some_and(|to| to <= *from_b) || to_b.is_some_and(|to_b| to_b <= *from);
                prop_assert!(disjoint, "{who}: intervals #{a} and #{b} overlap\n{tail}");
            }
        }
        // Sorted; at most one open interval, and it is the last.
        prop_assert!(
            got.windows(2).all(|w| w[0].0 < w[1].0),
            "{who}: not sorted by valid_from\n{tail}"
        );
        let open: Vec<usize> = (0..got.len()).filter(|a| got[*a].1.is_none()).collect();
        prop_assert!(
            open.is_empty() || open == [got.len() - 1],
            "{who}: open intervals at {open:?}\n{tail}"
        );
        // As many versions as open events (first appearance, change, reappearance).
        prop_assert_eq!(
            got.len(),
            versions.len(),
            "{}: version count, model {:?}\n{}",
            &who,
            versions,
            &tail
        );
        // Contiguous exactly where the subscription stayed present with a change.
        for (a, w) in got.windows(2).enumerate() {
            let contiguous = w[0].1 == Some(w[1].0);
            prop_assert_eq!(
                contiguous,
                versions[a + 1].by_change,
                "{}: contiguity of #{} and #{}\n{}",
                &who,
                a,
                a + 1,
                &tail
            );
        }
        // Exactly the model's intervals and contents, under distinct version ids.
        let want: Vec<(i64, Option<i64>)> = versions.iter().map(|v| (v.from, v.to)).collect();
        prop_assert_eq!(
            &got,
            &want,
            "{}: intervals differ from the model\n{}",
            &who,
            &tail
        );
        let shown: Vec<Option<u8>> = all.hits.iter().map(variant_of).collect();
        let want: Vec<Option<u8>> = versions.iter().map(|v| Some(v.variant)).collect();
        prop_assert_eq!(shown, want, "{}: version contents\n{}", &who, &tail);
        let mut ids: Vec<i64> = all.hits.iter().map(|h| h.version).collect();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(
            ids.len(),
            all.hits.len(),
            "{}: version ids repeat\n{}",
            &who,
            &tail
        );
        // Another identifier of the same subscription finds the same versions.
        let by_msisdn = p
            .between(IdentKind::Msisdn, &msisdn(i), 0, D0 + 100 * DAY)
            .await;
        prop_assert_eq!(
            by_msisdn.hits.iter().map(|h| h.version).collect::<Vec<_>>(),
            all.hits.iter().map(|h| h.version).collect::<Vec<_>>(),
            "{}: lookup by msisdn differs\n{}",
            &who,
            &tail
        );

        // At each delivery moment: exactly the variant delivered then, observed; or nothing.
        for (k, d) in seq.iter().enumerate() {
            let t = snapshot_at(k);
            let a = p.at(IdentKind::UserId, &uid, t).await;
            match d.subs[i] {
                None => prop_assert!(
                    a.hits.is_empty(),
                    "S{i} at day {k}: absent, but {:?}\n{ctx}",
                    a.hits
                ),
                Some(v) => {
                    let mv = model_at(versions, t).unwrap();
                    prop_assert_eq!(a.hits.len(), 1, "S{} at day {}: hits\n{}", i, k, &ctx);
                    let h = &a.hits[0];
                    prop_assert_eq!(
                        variant_of(h),
                        Some(v),
                        "S{} at day {}: content\n{}",
                        i,
                        k,
                        &ctx
                    );
                    prop_assert_eq!(
                        h.basis,
                        Evidence::Observed {
                            first_delivery: mv.from,
                            last_delivery: mv.last_seen
                        },
                        "S{} at day {}: basis\n{}",
                        i,
                        k,
                        &ctx
                    );
                }
            }
        }

        // Between deliveries the change is not dated: what answers, and on what basis.
        for (k, d) in seq.iter().enumerate() {
            let t = snapshot_at(k);
            let mid = t + DAY / 2;
            let a = p.at(IdentKind::UserId, &uid, mid).await;
            let got: Vec<(Option<u8>, Evidence)> =
                a.hits.iter().map(|h| (variant_of(h), h.basis)).collect();
            let now = d.subs[i];
            let next = seq.get(k + 1).map(|d| d.subs[i]);
            let mut want = Vec::new();
            match (now, next) {
                (Some(v), None) => {
                    let mv = model_at(versions, t).unwrap();
                    want.push((
                        Some(v),
                        Evidence::AfterLatestDelivery {
                            first_delivery: mv.from,
                            latest_delivery: last,
                        },
                    ));
                }
                (Some(v), Some(Some(w))) if v == w => {
                    let mv = model_at(versions, t).unwrap();
                    want.push((
                        Some(v),
                        Evidence::Observed {
                            first_delivery: mv.from,
                            last_delivery: mv.last_seen,
                        },
                    ));
                }
                _ => {
                    if let Some(v) = now {
                        want.push((
                            Some(v),
                            Evidence::ChangedBetween {
                                last_delivery_with: t,
                                first_delivery_without: t + DAY,
                            },
                        ));
                    }
                    if let Some(Some(w)) = next {
                        want.push((
                            Some(w),
                            Evidence::AppearedBetween {
                                last_delivery_without: t,
                                first_delivery_with: t + DAY,
                            },
                        ));
                    }
                }
            }
            prop_assert_eq!(got, want, "S{} half a day after day {}\n{}", i, k, &ctx);
        }

        // Before the first delivery only the start date speaks, for what the first showed.
        let a = p.at(IdentKind::UserId, &uid, D0 - DAY / 2).await;
        let got: Vec<(Option<u8>, Evidence)> =
            a.hits.iter().map(|h| (variant_of(h), h.basis)).collect();
        let want: Vec<(Option<u8>, Evidence)> = seq[0].subs[i]
            .map(|v| {
                (
                    Some(v),
                    Evidence::InferredFromStartDate {
                        subscription_start: START,
                        first_delivery: D0,
                    },
                )
            })
            .into_iter()
            .collect();
        prop_assert_eq!(got, want, "S{} before the first delivery\n{}", i, &ctx);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random sequences of daily full snapshots: counts, non-overlapping intervals, lookups.
    #[test]
    fn intervals_of_one_subscription_never_overlap(seq in scenario()) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run(&seq))?;
    }
}
