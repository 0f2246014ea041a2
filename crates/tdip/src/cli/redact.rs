//! `Debug` for the command line that leaves out what must not reach a log or a panic
//! message: the API token, the store URL's password, the identifier looked up and the
//! names of people (as `tdip_point::asked::LookupRequest` does for the same demand).

use std::fmt;

use super::{Cli, DemandArgs, LookupArgs};

/// `url` without its password or its query (where libpq takes `password=` too), e.g.
/// `postgres://user:***@host/db`. A value that is no URL (`sqlite:PATH`) is shown as it is.
pub fn url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, _)) => (rest, "?…"),
        None => (rest, ""),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{user_info}@{host}"),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{path}{query}")
}

/// Whether a value was given, without the value.
fn given<T>(value: &Option<T>) -> Option<&'static str> {
    value.as_ref().map(|_| "***")
}

impl fmt::Debug for Cli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cli")
            .field("data", &self.data)
            .field("store", &url(&self.store))
            .field("zone", &self.zone)
            .field("command", &self.command)
            .finish()
    }
}

impl fmt::Debug for LookupArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Which kinds of identifier were given, never their values.
        let identifiers: Vec<&str> = [
            ("msisdn", &self.msisdn),
            ("imsi", &self.imsi),
            ("imei", &self.imei),
            ("ip", &self.ip),
            ("email", &self.email),
            ("user_id", &self.user_id),
            ("mac", &self.mac),
        ]
        .into_iter()
        .filter_map(|(kind, value)| value.as_ref().map(|_| kind))
        .collect();
        f.debug_struct("LookupArgs")
            .field("identifiers", &identifiers)
            .field("at", &self.at)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("country", &self.country)
            .field("json", &self.json)
            .field("demand", &self.demand)
            .field("unseal", &self.unseal)
            .field("remote", &self.remote)
            .field("witness", &self.witness)
            .finish()
    }
}

impl fmt::Debug for DemandArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemandArgs")
            .field("agency", &self.agency)
            .field("officer", &self.officer)
            .field("basis", &self.basis)
            .field("case_reference", &given(&self.case_reference))
            .field("authorised_by", &given(&self.authorised_by))
            .field("urgent", &self.urgent)
            .field("term", &self.term)
            .finish()
    }
}

/// A person's name given on the command line (an officer's, a token holder's): shown to
/// the user and logged where the command says so, never in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Personal(String);

impl std::str::FromStr for Personal {
    type Err = std::convert::Infallible;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(Personal(name.to_owned()))
    }
}

impl std::ops::Deref for Personal {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
