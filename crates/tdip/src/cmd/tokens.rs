//! `tdip tokens`: API tokens for callers without a client certificate. A token is shown
//! once; `tokens.toml` keeps its SHA-256 digest, and issuing and revoking are logged.
//! Every change is made under the file's lock (`TokenFile::change_logged`), so commands
//! run at the same time never undo each other's change, and the file's new digest is
//! logged before it replaces the file (the service refuses a file the log does not hold).

use anyhow::Result;
use tdip_core::audit::Event;
use tdip_model::{LegalZone, format_time};

use crate::cli::{Cli, TokensCmd};
use tdip_point::callers::{Role, TOKENS_FILE, TokenFile};
use tdip_point::point;

pub async fn run(cli: &Cli, cmd: &TokensCmd, zone: LegalZone) -> Result<i32> {
    let now = super::now();
    if let TokensCmd::Adopt = cmd {
        let log = point::open_auditor(&cli.data, &cli.store).await?;
        let state = tdip_point::access_files::file_state(&cli.data, TOKENS_FILE)?;
        tdip_point::access_files::adopt(&log, TOKENS_FILE, &state, now).await?;
        eprintln!(
            "{TOKENS_FILE} adopted: its digest ({state}) is logged and it is used from now on"
        );
        return Ok(0);
    }
    let log = point::open_auditor(&cli.data, &cli.store).await?;
    let event = match cmd {
        TokensCmd::Issue {
            name,
            agency,
            provider,
            operator,
            oversight,
        } => {
            let role = match (agency, provider, operator, oversight) {
                (Some(a), _, _, _) => Role::Agency(a.clone()),
                (_, Some(p), _, _) => Role::Provider(p.clone()),
                (_, _, true, _) => Role::Operator,
                (_, _, _, Some(o)) => Role::Oversight(o.clone()),
                _ => anyhow::bail!(
                    "say whom the token is for: --agency, --provider, --operator or --oversight"
                ),
            };
            let catalogue = point::catalogue(&cli.data)?;
            match &role {
                Role::Agency(a) if !catalogue.agencies.contains_key(a) => anyhow::bail!(
                    "agency {a} is not in the catalogue in force; `tdip catalogue show` lists them"
                ),
                Role::Oversight(o) if !catalogue.oversight.contains_key(o) => anyhow::bail!(
                    "oversight body {o} is not in the catalogue in force; `tdip catalogue show` \
                     lists them"
                ),
                _ => {}
            }
            let (token, id) = TokenFile::change_logged(&cli.data, &log, now, |file| {
                let token = file.issue(name, role.clone(), now)?;
                let id = file
                    .entries()
                    .last()
                    .map(|t| t.id.clone())
                    .unwrap_or_default();
                Ok((token, id))
            })
            .await?;
            println!("{token}");
            eprintln!(
                "token {id} issued to {name} ({}); it is shown only now: hand it over safely. \
                 Revoke it with `tdip tokens revoke {id}`",
                role.describe()
            );
            Event::Config {
                change: "token-issued".into(),
                subject: format!("token {id}"),
                detail: format!("{name} ({})", role.describe()),
            }
        }
        TokensCmd::Revoke { id } => {
            let detail = TokenFile::change_logged(&cli.data, &log, now, |file| {
                let entry = file.revoke(id, now)?;
                Ok(entry.caller().map(|c| c.name).unwrap_or_default())
            })
            .await?;
            eprintln!("token {id} revoked");
            Event::Config {
                change: "token-revoked".into(),
                subject: format!("token {id}"),
                detail,
            }
        }
        TokensCmd::List => {
            for t in TokenFile::load(&cli.data)?.entries() {
                let when = |s: i64| {
                    jiff::Timestamp::from_second(s)
                        .map(|t| format_time(t, zone))
                        .unwrap_or_default()
                };
                let caller = t.caller()?;
                println!(
                    "{}  {}  {}  issued {}{}",
                    t.id,
                    caller.role.describe(),
                    caller.name,
                    when(t.issued),
                    t.revoked
                        .map(|r| format!("  REVOKED {}", when(r)))
                        .unwrap_or_default()
                );
            }
            return Ok(0);
        }
        TokensCmd::Adopt => unreachable!("handled above"),
    };
    log.record(now, vec![event]).await?;
    Ok(0)
}
