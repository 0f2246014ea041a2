//! The edge between the wire (`tdip-api`) and the application (`tdip-point`): a lookup as
//! the API's body gives it becomes the point's [`Asked`], and a consultation's answer the
//! JSON the API (and the CLI's `--json`) send.

use anyhow::Result;
use tdip_api::LookupRequest;
use tdip_point::asked::Asked;

/// A lookup as the API's body (or the CLI's flags, through the same type) gives it.
pub fn asked(r: LookupRequest) -> Asked {
    Asked {
        msisdn: r.msisdn,
        imsi: r.imsi,
        imei: r.imei,
        ip: r.ip,
        email: r.email,
        user_id: r.user_id,
        mac: r.mac,
        at: r.at,
        from: r.from,
        to: r.to,
        country: r.country,
        agency: r.agency,
        officer: r.officer,
        basis: r.basis,
        case: r.case,
        authorised_by: r.authorised_by,
        urgent: r.urgent,
        term: r.term,
    }
}

/// The answer to a consultation as the CLI's `--json` and the API give it: the
/// identifier searched (normalised), the answer's hits (times in UTC seconds), the
/// consultation's reference, the agency and legal basis granted, and when it was due.
pub fn answered(done: &tdip_core::consult::Consulted) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(&done.answer)?;
    v["consultation"] = done.consultation.clone().into();
    v["agency"] = done.grant.agency_name.clone().into();
    v["legal_basis"] = done.grant.basis_title.clone().into();
    v["due"] = done.due.at.into();
    v["due_rule"] = done.due.rule.as_str().into();
    Ok(v)
}
