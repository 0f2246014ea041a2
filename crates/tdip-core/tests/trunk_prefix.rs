//! `+31 (0)6 12345678`, the written convention for a trunk prefix dropped when dialled
//! from abroad, used to reject a whole delivery ("has a 0 after the country code").

mod common;

use common::*;
use tdip_model::IdentKind;

#[tokio::test]
async fn a_bracketed_trunk_prefix_no_longer_rejects_the_whole_delivery() {
    let p = Point::new().await;
    let written = JANSEN.replace("06-12345678", "+31 (0)6 12345678");
    let r = p.deliver("kpn", &csv(&[&written, DE_VRIES]), D0).await;
    assert!(r.accepted(), "{:?}", r.errors);
    let a = p.at(IdentKind::Msisdn, "+31612345678", D0 + 60).await;
    assert_eq!(a.hits.len(), 1);
    assert_eq!(a.hits[0].subscription.msisdn, ["+31612345678"]);

    // A 0 after the country code without brackets stays an error, located and named.
    let unbracketed = JANSEN.replace("06-12345678", "+31 06 12345678");
    let r = p.deliver("kpn", &csv(&[&unbracketed]), D0 + 1).await;
    assert!(!r.accepted());
    let located: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect();
    assert_eq!(located, [(2, "msisdn")]);
    assert!(
        r.errors[0].reason.contains("a 0 after the country code 31"),
        "{:?}",
        r.errors
    );
}
