//! The kept objects' book on its own: per-sender counts and the cap, resends, and an
//! updated authorisation one generation on.

use jiff::Timestamp;
use tdip_hi1::{Listed, Outcome, parse_request};

use super::hi1_book::{Book, Resend};
use super::hi1_tests::EXAMPLE;

fn listed(o: Outcome) -> Vec<Listed> {
    match o {
        Outcome::Listed(l) => l,
        other => panic!("not a LIST answer: {other:?}"),
    }
}

#[test]
fn a_sender_at_its_cap_is_full_another_is_not_and_a_replaced_object_counts_once() {
    let r = parse_request(&EXAMPLE).unwrap();
    let action = &r.actions[0];
    let Some(tdip_hi1::Object::Authorisation(auth)) = &action.object else {
        panic!("the example's first action creates its authorisation");
    };
    let received = action.received.clone().unwrap();
    let book = Book::with_most(2);
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    assert_eq!(
        book.resend("nl/politie", &auth.object, Some(&received)),
        Resend::New
    );
    book.keep_authorisation("nl/politie", auth.clone(), received.clone(), now);
    assert_eq!(
        book.resend("nl/politie", &auth.object, Some(&received)),
        Resend::Identical
    );
    // Another sender's identifiers are its own.
    assert_eq!(
        book.resend("nl/fiod", &auth.object, Some(&received)),
        Resend::New
    );
    // Kept again (an UPDATE): still one object, one generation on.
    book.keep_authorisation("nl/politie", auth.clone(), received.clone(), now);
    assert!(!book.full("nl/politie"));
    let l = listed(book.list("nl/politie", Some("Authorisation")));
    assert_eq!((l.len(), l[0].generation), (1, 2));
    let mut other = auth.clone();
    other.object = "7dbbc880-8750-4d3c-abe7-000000000001".into();
    book.keep_authorisation("nl/politie", other, received, now);
    assert!(book.full("nl/politie"));
    assert!(!book.full("nl/fiod"));
    assert_eq!(listed(book.list("nl/fiod", None)).len(), 0);
}
