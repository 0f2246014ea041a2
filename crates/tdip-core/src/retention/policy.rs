//! The retention policy: per jurisdiction, how many months each class of data is kept and
//! the rule that says so, read from TOML (`data-retention.toml`, shipped defaults in this
//! crate) and validated whole at start.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::CoreError;

/// The shipped policy.
pub const DEFAULTS: &str = include_str!("data-retention.toml");

/// The longest term accepted, months: ten years (a typo of an extra digit is refused).
const LONGEST: u32 = 120;

/// The terms of one jurisdiction.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// Months a closed subscription version is kept after the end of its month.
    pub subscriber_months: u32,
    /// The rule, with its source, as destruction records name it.
    pub subscriber_rule: String,
    /// Months a day of traffic records is kept after the day.
    pub traffic_months: u32,
    /// The rule, with its source.
    pub traffic_rule: String,
    /// Months a payment is kept after the end of the month it was made in.
    pub payment_months: u32,
    /// The rule, with its source.
    pub payment_rule: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    jurisdiction: BTreeMap<String, Terms>,
}

/// The policy in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Terms by jurisdiction (lower-case country code: `nl`, `be`).
    pub jurisdictions: BTreeMap<String, Terms>,
}

impl Policy {
    /// The shipped policy.
    pub fn defaults() -> Policy {
        Policy::parse("data-retention.toml (shipped)", DEFAULTS)
            .expect("the shipped retention policy is valid")
    }

    /// Reads and validates a policy; `name` is the file, for messages. Every problem is
    /// reported.
    pub fn parse(name: &str, text: &str) -> Result<Policy, CoreError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .unwrap_or(1);
            CoreError::Config(format!("{name}:{line}: {}", e.message()))
        })?;
        let mut problems = Vec::new();
        if file.jurisdiction.is_empty() {
            problems.push("no [jurisdiction.XX] table: name the terms of at least one".into());
        }
        for (code, t) in &file.jurisdiction {
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
                problems.push(format!(
                    "jurisdiction {code}: write it as a lower-case country code (nl, be)"
                ));
            }
            for (what, months) in [
                ("subscriber_months", t.subscriber_months),
                ("traffic_months", t.traffic_months),
                ("payment_months", t.payment_months),
            ] {
                if !(1..=LONGEST).contains(&months) {
                    problems.push(format!(
                        "jurisdiction {code}: {what} is {months}; it must be from 1 to {LONGEST}"
                    ));
                }
            }
            for (what, rule) in [
                ("subscriber_rule", &t.subscriber_rule),
                ("traffic_rule", &t.traffic_rule),
                ("payment_rule", &t.payment_rule),
            ] {
                if rule.trim().is_empty() {
                    problems.push(format!(
                        "jurisdiction {code}: {what} is empty; say which rule sets the term"
                    ));
                }
            }
        }
        let mut traffic: Vec<(u32, &str)> = file
            .jurisdiction
            .iter()
            .map(|(c, t)| (t.traffic_months, c.as_str()))
            .collect();
        traffic.sort_unstable();
        if let (Some(short), Some(long)) = (traffic.first(), traffic.last())
            && short.0 != long.0
        {
            problems.push(format!(
                "traffic_months differ ({} for {}, {} for {}): a day partition holds every \
                 provider's records, so one term applies to all; set the same term everywhere",
                short.0, short.1, long.0, long.1
            ));
        }
        if problems.is_empty() {
            Ok(Policy {
                jurisdictions: file.jurisdiction,
            })
        } else {
            Err(CoreError::Config(format!(
                "{name}: {}",
                problems.join(format!("\n{name}: ").as_str())
            )))
        }
    }

    /// The terms for a provider registered in `country` (`NL`, `be`…).
    pub fn terms(&self, country: &str) -> Result<&Terms, CoreError> {
        self.jurisdictions
            .get(&country.to_ascii_lowercase())
            .ok_or_else(|| {
                CoreError::Config(format!(
                    "the retention policy has no terms for jurisdiction {}; add a \
                     [jurisdiction.{}] table to data-retention.toml",
                    country.to_ascii_lowercase(),
                    country.to_ascii_lowercase()
                ))
            })
    }

    /// The longest payment term of any jurisdiction: what a delivery keeps at most
    /// (retention then destroys each provider's payments at its own term).
    pub fn longest_payment_term(&self) -> u32 {
        self.jurisdictions
            .values()
            .map(|t| t.payment_months)
            .max()
            .unwrap_or(12)
    }

    /// The traffic term (one for every jurisdiction, see [`Policy::parse`]) and its rules.
    pub fn traffic(&self) -> (u32, String) {
        let months = self
            .jurisdictions
            .values()
            .map(|t| t.traffic_months)
            .max()
            .unwrap_or(12);
        let rules: Vec<&str> = self
            .jurisdictions
            .values()
            .map(|t| t.traffic_rule.as_str())
            .collect();
        (months, rules.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_keeps_twelve_months_in_both_jurisdictions() {
        let p = Policy::defaults();
        for c in ["NL", "be"] {
            let t = p.terms(c).unwrap();
            assert_eq!(
                (t.subscriber_months, t.traffic_months, t.payment_months),
                (12, 12, 12)
            );
        }
        assert!(
            p.terms("DE")
                .unwrap_err()
                .to_string()
                .contains("[jurisdiction.de]")
        );
        assert_eq!(p.traffic().0, 12);
        assert_eq!(p.longest_payment_term(), 12);
    }

    #[test]
    fn every_problem_of_a_policy_is_named_with_its_file() {
        let text = r#"
[jurisdiction.be]
subscriber_months = 0
subscriber_rule = "x"
traffic_months = 12
traffic_rule = " "
payment_months = 121
payment_rule = "z"

[jurisdiction.NL]
subscriber_months = 12
subscriber_rule = "x"
traffic_months = 6
traffic_rule = "y"
payment_months = 12
payment_rule = "z"
"#;
        let e = Policy::parse("p.toml", text).unwrap_err().to_string();
        for want in [
            "p.toml: jurisdiction be: subscriber_months is 0",
            "jurisdiction be: traffic_rule is empty",
            "jurisdiction NL: write it as a lower-case country code",
            "traffic_months differ (6 for NL, 12 for be)",
            "jurisdiction be: payment_months is 121; it must be from 1 to 120",
        ] {
            assert!(e.contains(want), "{want} not in {e}");
        }
        let e = Policy::parse("p.toml", "[jurisdiction.be]\nsubscriber_monts = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:2:"), "{e}");
    }
}
