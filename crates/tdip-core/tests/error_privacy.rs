//! No error report quotes a value of the file it refuses.
//!
//! A corpus of malformed deliveries is built from real-looking rows (`tdip-gen`) with
//! fields corrupted — every column with a bad value made from the row's own data, a file
//! without its header row, refused times in daylight-saving gaps and overlaps, bad IBANs
//! and IMEI check digits, bad postcodes, over-long fields, unknown and doubled columns,
//! duplicate rows, broken JSON Lines — and each is delivered through
//! `tdip_core::ingest::deliver`. Every field and reason of every report is then scanned
//! for every value of the file: each cell and list item of three characters or more
//! (case-insensitive) and each run of four digits or more.

mod common;

use std::collections::BTreeSet;

use common::*;
use tdip_core::ingest::DeliveryReport;
use tdip_gen::{Country, GenConfig, write_csv};
use tdip_model::subscription::{Column, PaymentMethod, SUPPLEMENTARY, Service};

/// Fixed text of the reasons themselves (zone names, format examples, ranges) that a
/// value may happen to share, masked before the scan: `Amsterdam` the city is not leaked
/// by "the daylight-saving gap of Europe/Amsterdam", nor postcode 3166 by "ISO 3166-1".
const OWN_TEXT: [&str; 14] = [
    "Europe/Amsterdam",
    "Europe/Brussels",
    "2026-11-22T23:00:00+01:00",
    "2026-11-22T22:00:00Z",
    "RFC 3339",
    "ISO 3166-1",
    "1000 to 9999",
    "1234 AB",
    "**** **** **** 1234",
    "1 to 65535",
    "+31 (0)6 12345678",
    "+32 470 12 34 56",
    "example.nl",
    "(e.g. 1234",
];

/// A generated population: the header and the rows, as cells.
struct Population {
    provider: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Population {
    fn new(provider: &'static str, country: Country, seed: u64) -> Population {
        let mut bytes = Vec::new();
        write_csv(&GenConfig::new(provider, country, 60, seed), &mut bytes).unwrap();
        let mut reader = csv::Reader::from_reader(&bytes[..]);
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Population {
            provider,
            header,
            rows,
        }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    /// The index of the first row whose `columns` are all filled.
    fn row_with(&self, columns: &[&str]) -> usize {
        self.rows
            .iter()
            .position(|r| columns.iter().all(|c| !r[self.col(c)].is_empty()))
            .unwrap_or_else(|| panic!("no generated row has {columns:?}"))
    }

    /// The population with `column` of the first row that has the cells `bad` reads
    /// (`reads`) replaced by what `bad` makes of the row (its cells by column name).
    fn with_bad(
        &self,
        column: &str,
        reads: &[&str],
        bad: impl Fn(&dyn Fn(&str) -> String) -> String,
    ) -> Case {
        let r = self.row_with(reads);
        let mut rows = self.rows.clone();
        let cell = |name: &str| self.rows[r][self.col(name)].clone();
        rows[r][self.col(column)] = bad(&cell);
        Case::csv(self.provider, self.header.clone(), rows)
    }
}

/// One malformed delivery and the values it holds.
struct Case {
    provider: &'static str,
    name: &'static str,
    bytes: Vec<u8>,
    values: Vec<String>,
}

impl Case {
    fn csv(provider: &'static str, header: Vec<String>, rows: Vec<Vec<String>>) -> Case {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let values = header
            .into_iter()
            .chain(rows.into_iter().flatten())
            .collect();
        Case {
            provider,
            name: "csv",
            bytes: w.into_inner().unwrap(),
            values,
        }
    }
}

/// Words of the delivery format itself (column, service, payment-method and
/// supplementary-service names): cells hold them, and reasons name them as what is
/// expected. They are no one's personal data.
fn vocabulary() -> BTreeSet<String> {
    let mut words: BTreeSet<String> = Column::ALL.iter().map(|c| c.name().to_owned()).collect();
    words.extend(Service::ALL.iter().map(|s| s.as_str().to_owned()));
    words.extend(PaymentMethod::ALL.iter().map(|m| m.as_str().to_owned()));
    words.extend(SUPPLEMENTARY.iter().map(|s| (*s).to_owned()));
    words
}

/// What of `values` a report must never show: every value and list item of three
/// characters or more, lower-cased, and every run of four digits or more.
fn needles(values: &[String]) -> (BTreeSet<String>, BTreeSet<String>) {
    let vocabulary = vocabulary();
    let mut texts = BTreeSet::new();
    let mut digits = BTreeSet::new();
    for v in values {
        for item in std::iter::once(v.as_str()).chain(v.split(';')) {
            let item = item.trim().to_lowercase();
            if item.chars().count() >= 3 && !vocabulary.contains(&item) {
                texts.insert(item);
            }
        }
        for run in v.split(|c: char| !c.is_ascii_digit()) {
            if run.len() >= 4 {
                digits.insert(run.to_owned());
            }
        }
    }
    (texts, digits)
}

/// Whether `needle` occurs in `text` as a whole token: not glued to letters or digits
/// on a side where the needle itself begins or ends with one. A value is put into a
/// message whole, so a leak is a token; this keeps the city Spa out of "space".
fn occurs_as_token(text: &str, needle: &str) -> bool {
    let alnum_start = needle.chars().next().is_some_and(char::is_alphanumeric);
    let alnum_end = needle.chars().last().is_some_and(char::is_alphanumeric);
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().last();
        let after = text[i + needle.len()..].chars().next();
        let glued_before = alnum_start && before.is_some_and(char::is_alphanumeric);
        let glued_after = alnum_end && after.is_some_and(char::is_alphanumeric);
        !(glued_before || glued_after)
    })
}

/// The values of `case` that its report shows, by error.
fn leaks(case: &Case, report: &DeliveryReport) -> Vec<String> {
    let (texts, digits) = needles(&case.values);
    let mut found = Vec::new();
    for e in &report.errors {
        let mut shown = format!("{} {}", e.field, e.reason).to_lowercase();
        for own in OWN_TEXT {
            shown = shown.replace(&own.to_lowercase(), " ");
        }
        for t in texts.iter().filter(|t| occurs_as_token(&shown, t)) {
            found.push(format!(
                "line {} {}: {t:?} in {:?}",
                e.line, e.field, e.reason
            ));
        }
        for d in digits.iter().filter(|d| shown.contains(d.as_str())) {
            found.push(format!(
                "line {} {}: {d} in {:?}",
                e.line, e.field, e.reason
            ));
        }
    }
    found
}

/// `v` repeated to more than `n` characters.
fn long(v: String, n: usize) -> String {
    v.repeat(n / v.len().max(1) + 1)
}

/// What a corruption makes of a row, given its cells by column name.
type Corruption = dyn Fn(&dyn Fn(&str) -> String) -> String;

/// A local time of the row's own date and minutes in the night the clocks jump forward
/// (`gap`) or are set back.
fn dst(cell: &str, gap: bool) -> String {
    let (mm, ss) = (&cell[14..16], &cell[17..19]);
    let day = if gap { "2026-03-29" } else { "2026-10-25" };
    format!("{day} 02:{mm}:{ss}")
}

/// The IMEI with its check digit made wrong.
fn bad_luhn(imei: &str) -> String {
    let (body, check) = imei.split_at(14);
    let wrong = (check.parse::<u8>().unwrap() + 1) % 10;
    format!("{body}{wrong}")
}

/// The IBAN with its check digits made wrong.
fn bad_iban(iban: &str) -> String {
    let check: u8 = iban[2..4].parse().unwrap();
    format!("{}{:02}{}", &iban[..2], (check + 1) % 100, &iban[4..])
}

/// A 16-digit card number, Luhn-valid, made of the row's digits: an unmasked card.
fn card_of(digits_from: &str) -> String {
    let mut d: Vec<u8> = digits_from
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .cycle()
        .take(15)
        .collect();
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 0 {
                let y = 2 * x;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    d.push(((10 - sum % 10) % 10) as u8);
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

fn corpus() -> Vec<(Case, &'static str)> {
    let nl = Population::new("kpn", Country::Nl, 7);
    let be = Population::new("proximus", Country::Be, 11);
    let mut cases: Vec<(Case, &'static str)> = Vec::new();
    // A corruption of `column`, made from the row's cells `reads` (by default the
    // column's own: `column` when `reads` is empty).
    let mut bad = |p: &Population,
                   name: &'static str,
                   column: &'static str,
                   reads: &[&str],
                   make: &Corruption| {
        let own = [column];
        let reads = if reads.is_empty() { &own[..] } else { reads };
        let mut case = p.with_bad(column, reads, make);
        case.name = name;
        cases.push((case, column));
    };
    for p in [&nl, &be] {
        bad(p, "control character", "subscription_id", &[], &|c| {
            format!("{}\u{1}", c("subscription_id"))
        });
        bad(p, "too long", "subscription_id", &[], &|c| {
            long(c("subscription_id"), 65)
        });
        bad(p, "a name as service", "service", &["surname"], &|c| {
            c("surname")
        });
        bad(
            p,
            "a name as supplementary",
            "supplementary",
            &["surname"],
            &|c| format!("sms;{}", c("surname")),
        );
        bad(p, "too many digits", "msisdn", &[], &|c| {
            format!("{}12", c("msisdn"))
        });
        bad(p, "a letter", "msisdn", &[], &|c| {
            format!("{}x", c("msisdn"))
        });
        bad(p, "a 0 after the country code", "msisdn", &[], &|c| {
            let m = c("msisdn");
            format!("{} 0{}", &m[..3], &m[3..])
        });
        bad(p, "a (0) in the middle", "msisdn", &[], &|c| {
            let m = c("msisdn");
            format!("{} (0){}", &m[..5], &m[5..])
        });
        bad(p, "national, too short", "msisdn", &[], &|c| {
            format!("0{}", &c("msisdn")[3..9])
        });
        bad(p, "14 digits", "imsi", &[], &|c| c("imsi")[..14].to_owned());
        bad(p, "bad Luhn", "imei", &[], &|c| bad_luhn(&c("imei")));
        bad(p, "13 digits", "imei", &[], &|c| c("imei")[..13].to_owned());
        bad(
            p,
            "a prefix with host bits",
            "ip",
            &["registration_ip"],
            &|c| format!("{}/8", c("registration_ip")),
        );
        bad(p, "no @", "email", &[], &|c| {
            c("email").replace('@', " at ")
        });
        bad(p, "two @", "email", &[], &|c| c("email").replace('@', "@@"));
        bad(p, "control character", "user_id", &[], &|c| {
            format!("{}\u{7}", c("user_id"))
        });
        bad(p, "too long", "user_id", &[], &|c| long(c("user_id"), 129));
        bad(p, "too long", "surname", &[], &|c| long(c("surname"), 201));
        bad(p, "control character", "given_names", &[], &|c| {
            format!("{}\u{7}", c("given_names"))
        });
        bad(p, "too long", "billing_street", &[], &|c| {
            long(c("billing_street"), 201)
        });
        bad(
            p,
            "letters",
            "billing_house_number",
            &["billing_house_number", "surname"],
            &|c| format!("{}{}", c("billing_house_number"), c("surname")),
        );
        bad(p, "six digits", "billing_house_number", &[], &|c| {
            format!("{}123456", c("billing_house_number"))
        });
        bad(
            p,
            "a city as country",
            "billing_country",
            &["billing_city"],
            &|c| c("billing_city"),
        );
        bad(p, "control character", "billing_city", &[], &|c| {
            format!("{}\u{7}", c("billing_city"))
        });
        bad(p, "in the DST gap", "subscription_start", &[], &|c| {
            dst(&c("subscription_start"), true)
        });
        bad(p, "in the DST overlap", "subscription_start", &[], &|c| {
            dst(&c("subscription_start"), false)
        });
        bad(p, "month 13", "subscription_start", &[], &|c| {
            let s = c("subscription_start");
            format!("{}13{}", &s[..5], &s[7..])
        });
        bad(
            p,
            "not a time",
            "subscription_start",
            &["subscription_start", "surname"],
            &|c| format!("{} {}", c("subscription_start"), c("surname")),
        );
        bad(p, "in the DST gap", "activation_at", &[], &|c| {
            dst(&c("activation_at"), true)
        });
        bad(p, "in the DST overlap", "activation_at", &[], &|c| {
            dst(&c("activation_at"), false)
        });
        bad(p, "too long", "activation_cell", &[], &|c| {
            long(c("activation_cell"), 201)
        });
        bad(p, "a prefix", "registration_ip", &[], &|c| {
            format!("{}/24", c("registration_ip"))
        });
        bad(p, "six digits", "registration_port", &[], &|c| {
            format!("{}9", c("registration_port"))
        });
        bad(p, "too long", "registration_place", &[], &|c| {
            long(c("registration_place"), 201)
        });
        bad(p, "a name", "payment_method", &["surname"], &|c| {
            c("surname")
        });
        bad(p, "an unmasked card", "payment_means", &["imsi"], &|c| {
            card_of(&c("imsi"))
        });
    }
    bad(
        &nl,
        "a Dutch postcode ending in SA",
        "billing_postcode",
        &[],
        &|c| format!("{}SA", &c("billing_postcode")[..5]),
    );
    bad(
        &nl,
        "a Dutch postcode without letters",
        "billing_postcode",
        &[],
        &|c| c("billing_postcode")[..4].to_owned(),
    );
    bad(
        &be,
        "a Belgian postcode of five digits",
        "billing_postcode",
        &[],
        &|c| format!("{}0", c("billing_postcode")),
    );
    bad(
        &nl,
        "a subscription ending before it starts",
        "subscription_end",
        &["subscription_start"],
        &|c| format!("1999{}", &c("subscription_start")[4..]),
    );

    for p in [&nl, &be] {
        let col = p.col("payment_means");
        let r = p
            .rows
            .iter()
            .position(|r| r[col].starts_with(|c: char| c.is_ascii_alphabetic()))
            .expect("a generated row pays by IBAN");
        let one_short = |m: &str| m[..m.len() - 1].to_owned();
        for (name, make) in [
            (
                "wrong IBAN check digits",
                &bad_iban as &dyn Fn(&str) -> String,
            ),
            ("IBAN one short", &one_short),
        ] {
            let mut rows = p.rows.clone();
            rows[r][col] = make(&rows[r][col]);
            let mut case = Case::csv(p.provider, p.header.clone(), rows);
            case.name = name;
            cases.push((case, "payment_means"));
        }
    }

    for p in [&nl, &be] {
        // The file without its header row: its first line is a subscriber.
        let mut case = Case::csv(p.provider, p.rows[0].clone(), p.rows[1..].to_vec());
        case.name = "no header row";
        cases.push((case, "header"));
        // A header whose column names are a subscriber's data, among right ones.
        let mut header = p.header.clone();
        header[p.col("mac")] = p.rows[0][p.col("surname")].clone();
        header[p.col("email")] = p.rows[1][p.col("billing_city")].clone();
        let mut case = Case::csv(p.provider, header, p.rows.clone());
        case.name = "data as column names";
        cases.push((case, "header"));
        // A column named twice.
        let mut header = p.header.clone();
        header[p.col("mac")] = "surname".into();
        let mut case = Case::csv(p.provider, header, p.rows.clone());
        case.name = "a column named twice";
        cases.push((case, "surname"));
        // A row delivered twice.
        let mut rows = p.rows.clone();
        rows.push(rows[3].clone());
        let mut case = Case::csv(p.provider, p.header.clone(), rows);
        case.name = "a duplicate row";
        cases.push((case, "subscription_id"));
        // A row with a field too many, holding a name.
        let mut rows = p.rows.clone();
        let name = rows[2][p.col("surname")].clone();
        rows[2].push(name);
        let mut case = Case::csv(p.provider, p.header.clone(), rows);
        case.name = "a field too many";
        cases.push((case, "row"));
    }

    // A surname that is not UTF-8.
    let mut case = Case::csv("kpn", nl.header.clone(), nl.rows.clone());
    let surname = nl.rows[nl.row_with(&["surname"])][nl.col("surname")].clone();
    let mut latin1 = surname.clone().into_bytes();
    latin1.push(0xe9);
    let at = find(&case.bytes, surname.as_bytes());
    case.bytes.splice(at..at + surname.len(), latin1);
    case.name = "invalid UTF-8";
    cases.push((case, "surname"));

    // JSON Lines: each row an object, three of them broken.
    let mut lines = Vec::new();
    let mut values = Vec::new();
    for row in &nl.rows {
        let mut obj = serde_json::Map::new();
        for (h, v) in nl.header.iter().zip(row).filter(|(_, v)| !v.is_empty()) {
            obj.insert(h.clone(), v.clone().into());
            values.push(v.clone());
        }
        lines.push(serde_json::Value::Object(obj).to_string());
    }
    let surname = nl.rows[5][nl.col("surname")].clone();
    let city = nl.rows[6][nl.col("billing_city")].clone();
    lines[0] = lines[0].replacen("\"surname\"", &format!("\"{city}\""), 1);
    lines[1] = lines[1].replacen(
        &format!("\"{}\"", nl.rows[1][nl.col("surname")]),
        &format!("{{\"name\":\"{surname}\"}}"),
        1,
    );
    let cut = lines[2].len() - 2;
    lines[2].truncate(cut);
    let msisdn = nl.rows[3][nl.col("msisdn")].clone();
    lines[3] = lines[3].replacen(&msisdn, &format!("{msisdn}99"), 1);
    values.extend([surname, city, format!("{msisdn}99")]);
    cases.push((
        Case {
            provider: "kpn",
            name: "broken JSON Lines",
            bytes: (lines.join("\n") + "\n").into_bytes(),
            values,
        },
        "row",
    ));
    cases
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[tokio::test]
async fn no_error_of_a_malformed_delivery_quotes_a_value_of_the_file() {
    let p = Point::new().await;
    let mut leaked = Vec::new();
    let mut errors = 0;
    let corpus = corpus();
    let cases = corpus.len();
    for (i, (case, field)) in corpus.into_iter().enumerate() {
        let ext = if case.name == "broken JSON Lines" {
            "jsonl"
        } else {
            "csv"
        };
        let path = p.write(&format!("case-{i}.{ext}"), &case.bytes);
        let report = p.deliver_file(case.provider, &path, D0 + i as i64).await;
        let what = format!("{} {field}: {}", case.provider, case.name);
        assert!(!report.accepted(), "{what}: accepted");
        assert!(
            report.errors.iter().any(|e| e.field == field),
            "{what}: no error about {field}: {:?}",
            report.errors
        );
        errors += report.errors.len();
        leaked.extend(
            leaks(&case, &report)
                .into_iter()
                .map(|l| format!("{what}: {l}")),
        );
    }
    // Each case is asserted above to be refused for its own field; this only guards
    // against the corpus shrinking unnoticed.
    assert!(cases > 80, "the corpus has only {cases} cases");
    assert!(errors >= cases, "{errors} errors for {cases} cases");
    assert!(
        leaked.is_empty(),
        "reports quote values:\n{}",
        leaked.join("\n")
    );
}

/// The scan itself finds a value put in a reason: the errors as tdip gave them before
/// reasons became values-free would have failed the test above.
#[test]
fn the_scan_finds_a_quoted_value() {
    let case = Case::csv(
        "kpn",
        vec!["subscription_id".into(), "surname".into()],
        vec![vec!["kpn-1".into(), "Maas".into()]],
    );
    let report = |reason: &'static str| DeliveryReport {
        delivery: "rejected",
        id: 0,
        provider: "kpn".into(),
        rows: 1,
        opened: 0,
        changed: 0,
        closed: 0,
        unchanged: 0,
        checksum: String::new(),
        errors: vec![tdip_core::ingest::RowError {
            line: 1,
            field: "header".into(),
            reason: reason.into(),
        }],
        errors_truncated: 0,
        mass_close: false,
        payments: 0,
        payments_not_kept: 0,
        applied: None,
    };
    let quoted = report("unknown column \"Maas\" at position 2; did you mean mac?");
    assert_eq!(leaks(&case, &quoted).len(), 1);
    let digits = report("check digit of kpn-1 is wrong");
    assert_eq!(leaks(&case, &digits).len(), 1, "kpn-1 is a value too");
    let fine = report("unknown column at position 2; did you mean mac?");
    assert!(leaks(&case, &fine).is_empty());
    assert!(!occurs_as_token("contains a space", "spa"));
    assert!(occurs_as_token("near \"spa\"", "spa"));
}
