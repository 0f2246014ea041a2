//! `tdip retention plan|run|report`: what is due for destruction, destroying it, and what
//! the log records as destroyed.

use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};
use tdip_core::retention::{Plan, Preservation, Step};
use tdip_model::LegalZone;
use tdip_point::point;
use tdip_point::retention::{self, Destroyed, OrderChange};
use tdip_store::Store;

use crate::cli::{Cli, RetentionCmd};
use crate::render;

/// How many of the steps that fall due later a listing shows (a year of traffic days is
/// 365 of them); JSON has them all.
const LATER_SHOWN: usize = 10;

pub async fn run(cli: &Cli, cmd: &RetentionCmd, zone: LegalZone) -> Result<i32> {
    let now = super::now();
    match cmd {
        RetentionCmd::Plan { json } => {
            let store = point::open_store(&cli.data, &cli.store).await?;
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let plan = retention::plan(&cli.data, &store, &auditor, now).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&plan_json(&plan))?);
            } else {
                print!("{}", plan_text(&plan, zone));
            }
            Ok(0)
        }
        RetentionCmd::Run { yes, unseal, .. } => {
            if !yes {
                let store = point::open_store(&cli.data, &cli.store).await?;
                let auditor = point::open_auditor(&cli.data, &cli.store).await?;
                let plan = retention::plan(&cli.data, &store, &auditor, now).await?;
                print!("{}", plan_text(&plan, zone));
                eprintln!("nothing destroyed; run again with --yes to destroy what is due");
                return Ok(0);
            }
            let p = point::open(&cli.data, &cli.store, &unseal.unsealing(), super::clock()).await?;
            let outcome = retention::run_job(&p, &cli.data, now).await;
            p.finish().await;
            let outcome = outcome?;
            for s in &outcome.data.resumed {
                println!("finished (begun by a stopped run): {}", step_line(s, zone));
            }
            for s in &outcome.data.done {
                println!("destroyed: {}", step_line(s, zone));
            }
            for (s, by) in &outcome.data.held {
                println!("held by {}: {}", by.join(", "), step_line(s, zone));
            }
            for provider in &outcome.data.rotated {
                println!("rotated the open key of {provider} first");
            }
            for b in outcome.purged.iter().filter(|b| b.count > 0) {
                println!(
                    "destroyed {} bodies of {} entries (audit class {}) from before {}",
                    b.count,
                    b.kind,
                    b.class,
                    render::time(b.before, zone)
                );
            }
            if outcome.data.done.is_empty()
                && outcome.data.resumed.is_empty()
                && outcome.purged.iter().all(|b| b.count == 0)
            {
                eprintln!("nothing was due");
            }
            Ok(0)
        }
        RetentionCmd::Report { json } => {
            let store = point::open_store(&cli.data, &cli.store).await?;
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let destroyed = retention::destroyed(&auditor).await?;
            let plan = retention::plan(&cli.data, &store, &auditor, now).await?;
            if *json {
                let list: Vec<Value> = destroyed.iter().map(destroyed_json).collect();
                let report = json!({ "destroyed": list, "plan": plan_json(&plan) });
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("destroyed, as the audit log records it:");
                if destroyed.is_empty() {
                    println!("  nothing yet");
                }
                for d in &destroyed {
                    println!("  {}", destroyed_line(d, zone));
                }
                print!("{}", plan_text(&plan, zone));
            }
            Ok(0)
        }
        RetentionCmd::Preserve {
            provider,
            class,
            from,
            to,
            until,
            case,
            basis,
            reason,
        } => {
            let store = point::open_store(&cli.data, &cli.store).await?;
            if store.provider(provider).await?.is_none() {
                bail!("provider {provider} is not registered (`tdip providers list`)");
            }
            let order = Preservation {
                id: String::new(),
                case: case.clone(),
                basis: basis.clone(),
                provider: provider.clone(),
                class: class.clone(),
                from: moment("--from", from, zone)?,
                to: moment("--to", to, zone)?,
                until: moment("--until", until, zone)?,
                placed_at: now,
                lifted_at: None,
            };
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let placed =
                retention::change_order(&auditor, OrderChange::Place(order), reason, now).await?;
            println!("{}", placed.id);
            eprintln!("placed: {}", order_line(&placed, zone, now));
            Ok(0)
        }
        RetentionCmd::Extend { id, until, reason } => {
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let change = OrderChange::Extend {
                id: id.clone(),
                until: moment("--until", until, zone)?,
            };
            let order = retention::change_order(&auditor, change, reason, now).await?;
            eprintln!("extended: {}", order_line(&order, zone, now));
            Ok(0)
        }
        RetentionCmd::Lift { id, reason } => {
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let change = OrderChange::Lift { id: id.clone() };
            let order = retention::change_order(&auditor, change, reason, now).await?;
            eprintln!("lifted: {}", order_line(&order, zone, now));
            Ok(0)
        }
        RetentionCmd::Orders { json } => {
            let auditor = point::open_auditor(&cli.data, &cli.store).await?;
            let orders = tdip_core::retention::orders(auditor.store()).await?;
            if *json {
                let list: Vec<Value> = orders
                    .iter()
                    .map(|o| {
                        json!({
                            "id": o.id, "case": o.case, "basis": o.basis,
                            "provider": o.provider, "class": o.class, "from": o.from,
                            "to": o.to, "until": o.until, "placed_at": o.placed_at,
                            "lifted_at": o.lifted_at, "in_force": o.in_force(now),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                if orders.is_empty() {
                    println!("no preservation orders");
                }
                for o in &orders {
                    println!("{}", order_line(o, zone, now));
                }
            }
            Ok(0)
        }
    }
}

fn moment(flag: &str, text: &str, zone: LegalZone) -> Result<i64> {
    tdip_model::parse_time(text, zone)
        .map(|t| t.as_second())
        .map_err(|e| anyhow!("{flag}: {e}"))
}

fn order_line(o: &Preservation, zone: LegalZone, now: i64) -> String {
    let state = match o.lifted_at {
        Some(t) => format!("lifted {}", render::time(t, zone)),
        None if o.in_force(now) => "in force".into(),
        None => "ended".into(),
    };
    format!(
        "{} ({state}): {} data of {} from {} to {}, until {}; case {}, basis {}",
        o.id,
        o.class,
        o.provider,
        render::time(o.from, zone),
        render::time(o.to, zone),
        render::time(o.until, zone),
        o.case,
        o.basis
    )
}

fn step_line(s: &Step, zone: LegalZone) -> String {
    let whose = if s.provider.is_empty() {
        "every provider".to_owned()
    } else {
        s.provider.clone()
    };
    let mut counts = format!("{} records", s.records);
    if s.indexes > 0 {
        counts.push_str(&format!(", {} index entries", s.indexes));
    }
    if !s.keys.is_empty() {
        counts.push_str(&format!(", {} keys", s.keys.len()));
    }
    format!(
        "{} {} of {whose} ({counts}); due {}; {}",
        s.class.as_str(),
        s.period.label(),
        render::time(s.due, zone),
        s.rule
    )
}

fn plan_text(plan: &Plan, zone: LegalZone) -> String {
    let mut out = format!("due at {}:\n", render::time(plan.now, zone));
    if plan.due.is_empty() {
        out.push_str("  nothing\n");
    }
    for s in &plan.due {
        out.push_str(&format!("  {}\n", step_line(s, zone)));
    }
    for (s, by) in &plan.held {
        out.push_str(&format!(
            "  HELD by {}: {}\n",
            by.join(", "),
            step_line(s, zone)
        ));
    }
    out.push_str("falls due later:\n");
    if plan.later.is_empty() {
        out.push_str("  nothing held\n");
    }
    for s in plan.later.iter().take(LATER_SHOWN) {
        out.push_str(&format!("  {}\n", step_line(s, zone)));
    }
    if plan.later.len() > LATER_SHOWN {
        out.push_str(&format!(
            "  … and {} more (--json lists them all)\n",
            plan.later.len() - LATER_SHOWN
        ));
    }
    out
}

fn step_json(s: &Step) -> Value {
    json!({
        "class": s.class.as_str(),
        "provider": s.provider,
        "period": s.period.label(),
        "records": s.records,
        "index_entries": s.indexes,
        "keys": s.keys.iter().map(|k| format!("{k:08x}")).collect::<Vec<_>>(),
        "rule": s.rule,
        "due": s.due,
    })
}

fn plan_json(plan: &Plan) -> Value {
    json!({
        "at": plan.now,
        "due": plan.due.iter().map(step_json).collect::<Vec<_>>(),
        "later": plan.later.iter().map(step_json).collect::<Vec<_>>(),
        "held": plan.held.iter().map(|(s, by)| {
            let mut v = step_json(s);
            v["held_by"] = json!(by);
            v
        }).collect::<Vec<_>>(),
    })
}

fn destroyed_line(d: &Destroyed, zone: LegalZone) -> String {
    let whose = if d.provider.is_empty() {
        String::new()
    } else {
        format!(" of {}", d.provider)
    };
    let keys = if d.keys.is_empty() {
        String::new()
    } else {
        format!(", keys {}", d.keys.join(" "))
    };
    let due = d.due.map_or(String::new(), |t| {
        format!("; due {}", render::time(t, zone))
    });
    format!(
        "{} (entry {}) {} {}{whose}: {}{keys}{due}; {}{}",
        render::time(d.at, zone),
        d.seq,
        d.what,
        d.period,
        d.count,
        d.rule,
        if d.done {
            ""
        } else {
            " — BEGUN, NOT DONE: the next run (or unsealed start) finishes it"
        }
    )
}

fn destroyed_json(d: &Destroyed) -> Value {
    json!({
        "entry": d.seq,
        "at": d.at,
        "what": d.what,
        "provider": d.provider,
        "period": d.period,
        "count": d.count,
        "keys": d.keys,
        "rule": d.rule,
        "due": d.due,
        "done": d.done,
    })
}
