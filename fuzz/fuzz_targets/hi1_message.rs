//! The HI-1 reader on arbitrary bytes, as `POST /hi1` meets them: it never panics; a
//! message it reads is judged and answered, an unreadable one with a readable header is
//! answered with the message-level error, and every answer written is well-formed XML that
//! the reader itself reads back as an HI1Message; the receiver's-answer reader
//! (`deliver_answer`) never panics either.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tdip_hi1::{Body, Hi1Code, Outcome, Response, TaskStatus, TaskView, Unreadable};

/// 2026-11-24T12:00:00Z.
const NOW: i64 = 1_795_089_600;

fn answered(response: &Response) {
    let xml = response.to_xml();
    let root = tdip_hi1::parse_xml(&xml).expect("every answer written is well-formed");
    assert_eq!(root.name, "HI1Message");
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let _ = tdip_hi1::deliver_answer(text);
    let at = jiff::Timestamp::from_second(NOW).unwrap();
    match tdip_hi1::parse_request(text) {
        Ok(request) => {
            let mut actions = tdip_hi1::judge(&request, &|_| None, NOW);
            // Each object as a GET would return it, as received.
            for a in &request.actions {
                let Some(received) = a.received.clone() else {
                    continue;
                };
                match &a.object {
                    Some(tdip_hi1::Object::LdTask(t)) => actions.push((
                        a.id.clone(),
                        Outcome::Got(TaskView {
                            object: t.object.clone(),
                            country: "NL".into(),
                            owner: "nl/politie".into(),
                            generation: 1,
                            associated: t.associated.clone(),
                            last_changed: at,
                            reference: t.label().to_owned(),
                            status: TaskStatus::Disclosed,
                            reason: Some((Hi1Code::NoData, "none".into())),
                            received: Some(received),
                        }),
                    )),
                    _ => actions.push((a.id.clone(), Outcome::GotAuthorisation(received))),
                }
            }
            answered(&Response {
                to: request.header,
                at,
                body: Body::Actions(actions),
            });
        }
        Err(Unreadable {
            header: Some(to),
            error,
        }) => answered(&Response {
            to,
            at,
            body: Body::Error {
                code: Hi1Code::Unreadable,
                description: error.to_string(),
            },
        }),
        Err(_) => {}
    }
});
