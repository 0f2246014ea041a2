//! `tdip hi1 respond`: an HI-1 request judged as the point would, and tdip's response.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use tdip_hi1::{Body, Outcome, Response, judge, judge_for, parse_request};

use crate::cli::Hi1Cmd;

pub fn run(data: &Path, cmd: &Hi1Cmd) -> Result<i32> {
    let Hi1Cmd::Respond {
        request,
        agency,
        out,
    } = cmd;
    let xml = fs::read_to_string(request)
        .with_context(|| format!("cannot read {}", request.display()))?;
    let r = parse_request(&xml).map_err(|e| anyhow!("{}: {e}", request.display()))?;
    let actions = match agency {
        Some(agency) => judge_for(&r, agency, &tdip_point::point::catalogue(data)?),
        None => judge(&r),
    };
    let mut refused = false;
    for (id, outcome) in &actions {
        match outcome {
            Outcome::Created(object) => eprintln!("action {id}: created {object}"),
            Outcome::Failed { code, description } => {
                refused = true;
                eprintln!("action {id}: REFUSED ({code}): {description}");
            }
            // A request file is judged, not looked up: no GET or LIST is answered here.
            Outcome::Got(_) | Outcome::Delivered(_) | Outcome::Listed(_) => {
                eprintln!("action {id}: answered")
            }
        }
    }
    let response = Response {
        to: r.header,
        at: jiff::Timestamp::from_second(super::now())?,
        body: Body::Actions(actions),
    }
    .to_xml();
    match out {
        Some(path) => {
            fs::write(path, response).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => print!("{response}"),
    }
    Ok(if refused { 3 } else { 0 })
}
