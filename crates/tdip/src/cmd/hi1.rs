//! `tdip hi1 respond`: an HI-1 request judged as the point would, and tdip's response.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use tdip_hi1::{Body, Hi1Code, Outcome, Response, Unreadable, judge, judge_for, parse_request};

use tdip_model::{LegalZone, parse_time};

use crate::cli::Hi1Cmd;

pub fn run(data: &Path, cmd: &Hi1Cmd, zone: LegalZone) -> Result<i32> {
    let Hi1Cmd::Respond {
        request,
        agency,
        out,
        at,
    } = cmd;
    let xml = fs::read_to_string(request)
        .with_context(|| format!("cannot read {}", request.display()))?;
    let now = match at {
        Some(t) => parse_time(t, zone)
            .map_err(|e| anyhow!("--at: {e}"))?
            .as_second(),
        None => super::now(),
    };
    let at = jiff::Timestamp::from_second(now)?;
    let r = match parse_request(&xml) {
        Ok(r) => r,
        // A header to answer to: the message-level ErrorInformation the service gives.
        Err(Unreadable {
            header: Some(to),
            error,
        }) => {
            eprintln!("the message: REFUSED ({}): {error}", Hi1Code::Unreadable);
            let body = Body::Error {
                code: Hi1Code::Unreadable,
                description: error.to_string(),
            };
            write(out.as_deref(), &Response { to, at, body }.to_xml())?;
            return Ok(3);
        }
        Err(e) => return Err(anyhow!("{}: {e}", request.display())),
    };
    // A request file is judged alone: only authorisations in the same message are known.
    let kept = |_: &str| None;
    let actions = match agency {
        Some(agency) => judge_for(&r, agency, &tdip_point::point::catalogue(data)?, &kept, now),
        None => judge(&r, &kept, now),
    };
    let mut refused = false;
    for (id, outcome) in &actions {
        match outcome {
            Outcome::Created(object) => eprintln!("action {id}: created {object}"),
            Outcome::Updated(object) => eprintln!("action {id}: updated {object}"),
            Outcome::Failed { code, description } => {
                refused = true;
                eprintln!("action {id}: REFUSED ({code}): {description}");
            }
            // A request file is judged, not looked up: no GET or LIST is answered here.
            Outcome::Got(_)
            | Outcome::Delivered(_)
            | Outcome::GotAuthorisation(_)
            | Outcome::Listed(_) => {
                eprintln!("action {id}: answered")
            }
        }
    }
    let response = Response {
        to: r.header,
        at,
        body: Body::Actions(actions),
    }
    .to_xml();
    write(out.as_deref(), &response)?;
    Ok(if refused { 3 } else { 0 })
}

fn write(out: Option<&Path>, response: &str) -> Result<()> {
    match out {
        Some(path) => {
            fs::write(path, response).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{response}");
            Ok(())
        }
    }
}
