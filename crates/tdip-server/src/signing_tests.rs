//! The service's signing cadence: what it records is covered by a signed head within about
//! a second, however long `--sign-every` is, and that head is kept in `audit.head` too.

use std::time::{Duration, Instant};

use tdip_core::audit::Event;
use tdip_store::AuditStore;

use super::tests::{point, state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_the_service_records_are_signed_within_a_second_and_kept_outside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = point(dir.path()).await;
    let s = state(&data).await;
    let p = s.point().unwrap();
    p.finish().await;
    let signer = tokio::spawn(super::sign_heads(s.clone(), Duration::from_secs(600)));
    let change = Event::Config {
        change: "test".into(),
        subject: "signing cadence".into(),
        detail: String::new(),
    };
    let started = Instant::now();
    let seq = p.auditor.record(p.clock.now(), vec![change]).await.unwrap();
    let covered = loop {
        let heads = p.auditor.store().audit_heads().await.unwrap();
        if heads.iter().any(|h| h.size > seq) || started.elapsed() > Duration::from_secs(5) {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    signer.abort();
    assert!(
        covered < Duration::from_millis(2500),
        "the entry was not signed within a second or two: {covered:?}"
    );
    let kept = std::fs::read_to_string(data.join("audit.head")).unwrap();
    assert!(kept.contains(&format!("size {}\n", seq + 1)), "{kept}");
}
