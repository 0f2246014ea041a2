//! `tdip lookup`.

use anyhow::{Result, anyhow};
use tdip_core::lookup::{Query, When, lookup};
use tdip_model::{Country, IdentKind, LegalZone, parse_time};

use crate::cli::LookupArgs;
use crate::point::Point;

pub async fn run(point: &Point, args: &LookupArgs, zone: LegalZone) -> Result<i32> {
    let query = query(args, zone)?;
    let spooled = point.spool.entries()?.len();
    if spooled > 0 {
        eprintln!(
            "NOTE: {spooled} deliveries received while the point was sealed are not applied \
             yet, so this answer does not include them; run `tdip spool apply --share …`"
        );
    }
    let answer = lookup(&point.store, &point.keys, &query).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", crate::render::answer(&answer, zone));
    }
    Ok(0)
}

fn query(args: &LookupArgs, zone: LegalZone) -> Result<Query> {
    let (kind, value) = [
        (IdentKind::Msisdn, &args.msisdn),
        (IdentKind::Imsi, &args.imsi),
        (IdentKind::Imei, &args.imei),
        (IdentKind::Ip, &args.ip),
        (IdentKind::Email, &args.email),
        (IdentKind::UserId, &args.user_id),
        (IdentKind::Mac, &args.mac),
    ]
    .into_iter()
    .find_map(|(k, v)| v.clone().map(|v| (k, v)))
    .ok_or_else(|| anyhow!("give one identifier, e.g. --msisdn 0612345678"))?;
    let time = |flag: &str, s: &str| -> Result<i64> {
        Ok(parse_time(s, zone)
            .map_err(|e| anyhow!("--{flag}: {e}"))?
            .as_second())
    };
    let when = match (&args.at, &args.from, &args.to) {
        (Some(at), _, _) => When::At {
            at: time("at", at)?,
        },
        (None, Some(from), Some(to)) => When::Between {
            from: time("from", from)?,
            to: time("to", to)?,
        },
        _ => When::At { at: super::now() },
    };
    let default_country: Country = args
        .country
        .parse()
        .map_err(|e| anyhow!("--country: {e}"))?;
    Ok(Query {
        kind,
        value,
        when,
        default_country,
    })
}
