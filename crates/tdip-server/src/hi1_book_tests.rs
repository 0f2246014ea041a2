//! The kept objects' book on its own: per-sender counts and the cap, resends, a CREATE in
//! flight reserved against a second at once and released when refused, and an updated
//! authorisation one generation on.

use jiff::Timestamp;
use tdip_hi1::{Listed, Outcome, parse_request};

use super::hi1_book::{Book, Claim};
use super::hi1_tests::EXAMPLE;

fn listed(o: Outcome) -> Vec<Listed> {
    match o {
        Outcome::Listed(l) => l,
        other => panic!("not a LIST answer: {other:?}"),
    }
}

#[test]
fn claims_tell_new_identical_in_flight_different_and_full_apart_per_sender() {
    let r = parse_request(&EXAMPLE).unwrap();
    let (auth_action, task_action) = (&r.actions[0], &r.actions[1]);
    let Some(tdip_hi1::Object::Authorisation(auth)) = &auth_action.object else {
        panic!("the example's first action creates its authorisation");
    };
    let received = auth_action.received.clone().unwrap();
    let task_received = task_action.received.clone().unwrap();
    let book = Book::with_most(2, usize::MAX);
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    let id = auth.object.as_str();

    // Reserved while it is carried out: the same object again is in flight, another
    // object under the identifier differs; released, it is new again.
    assert_eq!(book.claim("nl/politie", id, &received, true), Claim::New);
    assert_eq!(
        book.claim("nl/politie", id, &received, true),
        Claim::InFlight
    );
    assert_eq!(
        book.claim("nl/politie", id, &task_received, true),
        Claim::Different
    );
    assert_eq!(
        listed(book.list("nl/politie", None)).len(),
        0,
        "a reservation is not listed"
    );
    book.release("nl/politie", id);
    assert_eq!(book.claim("nl/politie", id, &received, false), Claim::New);

    // Kept: identical from now on; another sender's identifiers are its own.
    assert_eq!(book.claim("nl/politie", id, &received, true), Claim::New);
    book.keep_authorisation("nl/politie", auth.clone(), received.clone(), now);
    book.release("nl/politie", id);
    assert_eq!(
        book.claim("nl/politie", id, &received, true),
        Claim::Identical
    );
    assert_eq!(book.claim("nl/fiod", id, &received, false), Claim::New);

    // Kept again (an UPDATE): still one object, one generation on.
    book.keep_authorisation("nl/politie", auth.clone(), received.clone(), now);
    let l = listed(book.list("nl/politie", Some("Authorisation")));
    assert_eq!((l.len(), l[0].generation), (1, 2));

    // The cap counts objects, not keeps: one more fills it.
    let mut other = auth.clone();
    other.object = "7dbbc880-8750-4d3c-abe7-000000000001".into();
    let other_id = other.object.clone();
    assert_eq!(
        book.claim("nl/politie", &other_id, &received, true),
        Claim::New
    );
    book.keep_authorisation("nl/politie", other, received.clone(), now);
    let third = "7dbbc880-8750-4d3c-abe7-000000000002";
    assert_eq!(
        book.claim("nl/politie", third, &received, true),
        Claim::Full
    );
    assert_eq!(book.claim("nl/fiod", third, &received, true), Claim::New);
}

#[test]
fn a_sender_is_full_when_the_bytes_it_has_kept_would_pass_its_share() {
    let r = parse_request(&EXAMPLE).unwrap();
    let action = &r.actions[0];
    let Some(tdip_hi1::Object::Authorisation(auth)) = &action.object else {
        panic!("the example's first action creates its authorisation");
    };
    let received = action.received.clone().unwrap();
    let size = received.xml().len();
    // Room for two such objects' bytes, not three.
    let book = Book::with_most(100, 2 * size + size / 2);
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    for n in 0..2 {
        let id = format!("7dbbc880-8750-4d3c-abe7-00000000000{n}");
        let mut a = auth.clone();
        a.object = id.clone();
        assert_eq!(book.claim("nl/politie", &id, &received, true), Claim::New);
        book.keep_authorisation("nl/politie", a, received.clone(), now);
    }
    let third = "7dbbc880-8750-4d3c-abe7-000000000009";
    assert_eq!(
        book.claim("nl/politie", third, &received, true),
        Claim::Full
    );
    // Kept again under the same identifier, an object counts once.
    let mut again = auth.clone();
    again.object = "7dbbc880-8750-4d3c-abe7-000000000000".into();
    book.keep_authorisation("nl/politie", again, received.clone(), now);
    assert_eq!(
        book.claim("nl/politie", third, &received, true),
        Claim::Full
    );
    assert_eq!(book.claim("nl/fiod", third, &received, true), Claim::New);
}
