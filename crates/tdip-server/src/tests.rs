//! The API's handlers without a socket (`Router` + `oneshot`): authentication by
//! certificate and token, lookups answered and refused in the one error shape, unsealing
//! by custodians' shares, readiness, metrics and the OpenAPI document.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::State;
use super::tls::Peer;
use tdip_point::callers::{Role, TokenFile};
use tdip_point::point::Keeping;
use tdip_point::registry::RegistryChange;

/// The fingerprint the tests' agency certificate is listed under.
pub(super) const POLITIE: &str = "11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa";

/// The generator's seed, as `tdip gen subscribers` has by default.
pub(super) const SEED: u64 = 1;

/// The clock the tests' points run on.
pub(super) fn clock() -> tdip_point::SharedClock {
    tdip_point::clock::system()
}

/// A new point in `data` on a dev key file.
pub(super) async fn init_dev(data: &Path) {
    tdip_point::point::init(data, "sqlite:", Keeping::DevKey, clock().now())
        .await
        .unwrap();
}

/// A new point in `data` whose root key is split into `count` shares, `threshold` of
/// which open it, written to `out`.
pub(super) async fn init_custodians(data: &Path, count: usize, threshold: usize, out: &Path) {
    let keeping = Keeping::Custodians {
        threshold,
        count,
        out,
        keys: &[],
    };
    tdip_point::point::init(data, "sqlite:", keeping, clock().now())
        .await
        .unwrap();
}

/// Registers officer `officer` of `agency`, as `tdip officers add` does.
pub(super) async fn add_officer(data: &Path, agency: &str, officer: &str) {
    let change = RegistryChange::AddOfficer {
        agency: agency.into(),
        officer: officer.into(),
        name: "T".into(),
        valid_until: None,
    };
    tdip_point::registry::change(data, "sqlite:", &change, clock().now())
        .await
        .unwrap();
}

/// Registers provider `id` of `country`, as `tdip providers add` does.
pub(super) async fn add_provider(data: &Path, id: &str, name: &str, country: &str) {
    let store = tdip_point::point::open_store(data, "sqlite:")
        .await
        .unwrap();
    tdip_point::providers::add(&store, id, name, country, None, clock().now())
        .await
        .unwrap();
}

/// Writes `rows` synthetic subscribers of `provider` (day 0) to the CSV file `out`.
pub(super) fn generate(provider: &str, rows: u64, out: &Path) {
    let config = tdip_gen::GenConfig::new(provider, tdip_gen::Country::Nl, rows, SEED);
    let file = std::fs::File::create(out).unwrap();
    tdip_gen::write_csv(&config, std::io::BufWriter::new(file)).unwrap();
}

/// Delivers `file` (CSV) for `provider` with the snapshot moment `at` (RFC 3339), as
/// `tdip deliver` does on an unsealed point; the delivery must be accepted.
pub(super) async fn deliver_as(data: &Path, provider: &str, at: &str, file: &Path) {
    let point = tdip_point::point::open(data, "sqlite:", &Default::default(), clock())
        .await
        .unwrap();
    let at = tdip_model::parse_time(at, tdip_model::LegalZone::Amsterdam)
        .unwrap()
        .as_second();
    let report = tdip_point::deliver::deliver_file(
        &point,
        provider,
        file,
        tdip_core::ingest::Format::Csv,
        at,
        false,
        Default::default(),
    )
    .await
    .unwrap();
    assert!(report.accepted(), "the delivery of {provider} is accepted");
    point.finish().await;
}

/// Accepts `clients.toml` as it is, as `tdip clients adopt` does.
pub(super) async fn adopt_clients(data: &Path) {
    let log = tdip_point::point::open_auditor(data, "sqlite:")
        .await
        .unwrap();
    let name = tdip_point::data_dir::CLIENTS_FILE;
    let state = tdip_point::access_files::file_state(data, name).unwrap();
    tdip_point::access_files::adopt(&log, name, &state, clock().now())
        .await
        .unwrap();
}

/// A dev-key point with kpn's delivery of 20 subscribers, officer nl/politie T-1, and a
/// certificate listed for nl/politie; the first generated phone number.
pub(super) async fn point(dir: &Path) -> (std::path::PathBuf, String) {
    let data = dir.join("data");
    let file = dir.join("kpn.csv");
    init_dev(&data).await;
    populate(&data, &file).await;
    (data, first_msisdn(&file))
}

pub(super) async fn populate(data: &Path, file: &Path) {
    add_officer(data, "nl/politie", "T-1").await;
    add_provider(data, "kpn", "KPN B.V.", "NL").await;
    generate("kpn", 20, file);
    std::fs::write(
        data.join("clients.toml"),
        format!(
            "[[client]]\nname = \"Politie gateway\"\nfingerprint = \"{POLITIE}\"\nagency = \"nl/politie\"\n"
        ),
    )
    .unwrap();
}

pub(super) fn first_msisdn(file: &Path) -> String {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "msisdn")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].split(';').next().unwrap().to_owned())
        .find(|n| !n.is_empty())
        .unwrap()
}

pub(super) async fn deliver(data: &Path, file: &Path) {
    deliver_as(data, "kpn", "2026-11-02T00:00:00Z", file).await;
}

/// Changes `tokens.toml` as `tdip tokens` does: logged, so the service accepts the file.
pub(super) async fn change_tokens<T>(
    data: &Path,
    change: impl FnOnce(&mut TokenFile) -> anyhow::Result<T>,
) -> T {
    let log = tdip_point::point::open_auditor(data, "sqlite:")
        .await
        .unwrap();
    TokenFile::change_logged(data, &log, clock().now(), change)
        .await
        .unwrap()
}

pub(super) async fn state(data: &Path) -> Arc<State> {
    let zone = "Europe/Amsterdam".parse().unwrap();
    Arc::new(
        State::open(
            data.to_owned(),
            "sqlite:".into(),
            zone,
            &Default::default(),
            clock(),
        )
        .await
        .unwrap(),
    )
}

/// Who a test request comes from.
pub(super) enum From<'a> {
    Certificate(&'a str),
    Token(&'a str),
    Nobody,
}

/// A request to the router as the endpoint's client sends it: with the media type the
/// endpoint reads.
pub(super) async fn call(
    state: &Arc<State>,
    method: &str,
    path: &str,
    from: From<'_>,
    body: Option<String>,
) -> (StatusCode, String) {
    let media = match (method, path) {
        ("POST", "/hi1") => "application/xml",
        ("POST", p) if p.starts_with("/v1/deliveries") || p.starts_with("/v1/traffic/batches") => {
            "application/octet-stream"
        }
        _ => "application/json",
    };
    call_as(state, method, path, from, Some(media), body).await
}

/// A request with the `Content-Type` `media`, or none.
pub(super) async fn call_as(
    state: &Arc<State>,
    method: &str,
    path: &str,
    from: From<'_>,
    media: Option<&str>,
    body: Option<String>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(path);
    match from {
        From::Certificate(fp) => req = req.extension(Peer(Some(fp.to_owned()))),
        From::Token(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
        From::Nobody => {}
    }
    if let Some(media) = media {
        req = req.header(header::CONTENT_TYPE, media);
    }
    let req = req
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    let res = super::router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

pub(super) fn lookup_body(number: &str, officer: &str) -> String {
    json!({"msisdn": number, "officer": officer, "basis": "nl/sv-126na", "case": "TEST-1"})
        .to_string()
}

pub(super) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_are_answered_for_the_callers_agency_and_refused_in_one_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    deliver(&data, &dir.path().join("kpn.csv")).await;
    let s = state(&data).await;

    // Live and ready: a dev-key point is unsealed from the start.
    assert_eq!(
        call(&s, "GET", "/health", From::Nobody, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&s, "GET", "/ready", From::Nobody, None).await.0,
        StatusCode::OK
    );

    // Nobody: refused before anything is read.
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Nobody,
        Some(lookup_body(&number, "T-1")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&text)["code"], "unauthenticated");

    // An unlisted certificate is told its fingerprint, for the operator.
    let stranger = "22bb".repeat(16);
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(&stranger),
        Some(lookup_body(&number, "T-1")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        json(&text)["message"].as_str().unwrap().contains(&stranger),
        "{text}"
    );

    // The agency's certificate: answered, for nl/politie, with the hit and a consultation.
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup_body(&number, "T-1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = json(&text);
    assert_eq!(answer["hits"].as_array().unwrap().len(), 1, "{text}");
    assert_eq!(answer["hits"][0]["provider"], "kpn");
    assert_eq!(answer["due_rule"], "real-time");
    let reference = answer["consultation"].as_str().unwrap();
    assert!(
        reference.len() == 16 && reference.bytes().all(|b| b.is_ascii_hexdigit()),
        "a consultation reference is 16 hex digits: {reference}"
    );

    // An unregistered officer: refused with the refusal's own code, and logged.
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup_body(&number, "NOBODY")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let refusal = json(&text);
    assert_eq!(refusal["code"], "unknown-officer", "{text}");
    let refused = refusal["consultation"].as_str().unwrap();
    let logged = refusal_logged(&s, refused).await;
    assert_eq!(
        logged.as_deref(),
        Some("unknown-officer"),
        "the refusal of consultation {refused} is in the audit log with its code"
    );

    // Asking in another agency's name is refused before anything is judged.
    let mut other: Value = json(&lookup_body(&number, "T-1"));
    other["agency"] = "nl/fiod".into();
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(other.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json(&text)["code"], "forbidden");

    // A body that cannot be read: the error names the field, never the value sent.
    let bad = json!({"msisdn": number, "officer": "T-1", "urgent": number}).to_string();
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&text)["code"], "bad-request");
    assert!(!text.contains(&number), "{text}");
    let digits = number.trim_start_matches('+');
    let as_integer = format!(r#"{{"msisdn": {digits}, "officer": "T-1"}}"#);
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(as_integer),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("invalid type: integer"), "{text}");
    assert!(!text.contains(digits), "{text}");
    let unknown = json!({"msisdn": number, "officer": "T-1", "colour": 1}).to_string();
    let (_, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(unknown),
    )
    .await;
    assert!(
        text.contains("unknown field `colour`"),
        "field names stay: {text}"
    );
    let mut two = json(&lookup_body(&number, "T-1"));
    two["imsi"] = "204081234567890".into();
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(two.to_string()),
    )
    .await;
    // Asking wrongly is a demand refused, logged like any other.
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(json(&text)["code"], "bad-identifier", "{text}");
    assert!(text.contains("exactly one identifier"), "{text}");
    let refused = json(&text)["consultation"].as_str().unwrap().to_owned();
    assert_eq!(
        refusal_logged(&s, &refused).await.as_deref(),
        Some("bad-identifier"),
        "the refusal of consultation {refused} is in the audit log with its code"
    );

    // Metrics count requests by route and consultations by outcome, never the number.
    let (status, metrics) = call(&s, "GET", "/metrics", From::Nobody, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("tdip_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/v1/lookups\""), "{metrics}");
    assert!(metrics.contains("outcome=\"unknown-officer\""), "{metrics}");
    assert!(!metrics.contains(&number));

    // The OpenAPI document describes the lookups and the error shape.
    let (status, doc) = call(&s, "GET", "/openapi.json", From::Nobody, None).await;
    assert_eq!(status, StatusCode::OK);
    let doc = json(&doc);
    assert!(doc["paths"]["/v1/lookups"]["post"].is_object(), "{doc}");
    assert!(
        doc["components"]["schemas"]["ApiError"].is_object(),
        "{doc}"
    );
    assert!(
        doc["components"]["schemas"]["LookupRequest"].is_object(),
        "{doc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_speak_for_their_holder_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    let (agency, provider) = change_tokens(&data, |tokens| {
        let agency = tokens.issue("Politie app", Role::Agency("nl/politie".into()), 0)?;
        Ok((
            agency,
            tokens.issue("KPN", Role::Provider("kpn".into()), 0)?,
        ))
    })
    .await;
    let s = state(&data).await;
    let ask = |token: String| {
        let s = s.clone();
        let body = lookup_body(&number, "T-1");
        async move { call(&s, "POST", "/v1/lookups", From::Token(&token), Some(body)).await }
    };

    assert_eq!(ask(agency.clone()).await.0, StatusCode::OK);
    let (status, text) = ask(provider).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("only agencies consult"), "{text}");
    let (status, _) = ask(format!("{agency}0")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Revoked in the file: refused from the next request, without a restart.
    let id = agency.split('_').nth(1).unwrap().to_owned();
    change_tokens(&data, |tokens| tokens.revoke(&id, 1).map(|_| ())).await;
    let (status, text) = ask(agency.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("revoked"), "{text}");
    // The file keeps a digest, never the token.
    let kept = std::fs::read_to_string(data.join("tokens.toml")).unwrap();
    assert!(kept.contains(&id) && !kept.contains(&agency), "{kept}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_point_opens_with_the_custodians_shares_given_by_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let shares = dir.path().join("shares");
    let file = dir.path().join("kpn.csv");
    init_custodians(&data, 3, 2, &shares).await;
    populate(&data, &file).await;
    let number = first_msisdn(&file);
    let operator = change_tokens(&data, |t| t.issue("Operator", Role::Operator, 0)).await;
    let s = state(&data).await;

    let (status, text) = call(&s, "GET", "/ready", From::Nobody, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(&text)["code"], "sealed");
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup_body(&number, "T-1")),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(&text)["code"], "sealed");

    let mut files: Vec<_> = std::fs::read_dir(&shares)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let share =
        |i: usize| json!({"share": std::fs::read_to_string(&files[i]).unwrap()}).to_string();
    // Only the operator relays shares.
    let (status, _) = call(
        &s,
        "POST",
        "/v1/unseal",
        From::Certificate(POLITIE),
        Some(share(0)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A damaged share is refused and changes nothing.
    let damaged = json!({"share": "tdip-share v1\nnot a share\n"}).to_string();
    let (status, text) = call(
        &s,
        "POST",
        "/v1/unseal",
        From::Token(&operator),
        Some(damaged),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&text)["code"], "share-refused");
    // Logged at once, though the point is still sealed and may never open.
    let audit = tdip_store_sqlite::SqliteAudit::open(&data.join("audit.db")).unwrap();
    let unseals: Vec<_> = tdip_core::audit::entries(&audit, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(_, body)| match body?.event {
            e @ tdip_core::audit::Event::Unseal { .. } => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(
        unseals,
        [tdip_core::audit::Event::Unseal {
            accepted: 0,
            refused: 1,
            opened: false
        }]
    );
    drop(audit);

    let (status, text) = call(
        &s,
        "POST",
        "/v1/unseal",
        From::Token(&operator),
        Some(share(0)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text), json!({"sealed": true, "have": 1, "need": 2}));
    let (status, text) = call(
        &s,
        "POST",
        "/v1/unseal",
        From::Token(&operator),
        Some(share(2)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)["sealed"], false);
    assert_eq!(
        call(&s, "GET", "/ready", From::Nobody, None).await.0,
        StatusCode::OK
    );

    // Unsealed: the lookup is judged and answered (no delivery yet, so no hit).
    let (status, text) = call(
        &s,
        "POST",
        "/v1/lookups",
        From::Certificate(POLITIE),
        Some(lookup_body(&number, "T-1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)["hits"], json!([]));

    // The checkpoint is signed over the log, unseal entry included.
    let (status, text) = call(
        &s,
        "GET",
        "/v1/audit/checkpoint",
        From::Token(&operator),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (head, _) = tdip_audit::SignedHead::from_checkpoint(&text).unwrap();
    // The unseal, the catalogue in force, and the consultation's request and answer.
    assert!(head.head.size >= 4, "{text}");
}

/// Issue 14: a revocation within one tick of the file system's clock (the service compared
/// `tokens.toml`'s modification time) left the old tokens cached: a revoked token was
/// answered on the next request. Issue, use, revoke, use: at once, many times over, and
/// with the file's modification time after the revocation set back to the one before (a
/// clock tick of a second, as some file systems have, or a coarse kernel clock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_refused_from_the_very_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init_dev(&data).await;
    let s = state(&data).await;
    for round in 0..25 {
        let token = change_tokens(&data, |t| {
            t.issue("Politie app", Role::Agency("nl/politie".into()), 0)
        })
        .await;
        // The delivery log is not an agency's: 403 shows the token was accepted.
        let (status, text) = call(&s, "GET", "/v1/deliveries", From::Token(&token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "round {round}: {text}");
        let id = token.split('_').nth(1).unwrap().to_owned();
        let file = data.join(tdip_point::callers::TOKENS_FILE);
        let before = std::fs::metadata(&file).unwrap().modified().unwrap();
        change_tokens(&data, |t| t.revoke(&id, 1).map(|_| ())).await;
        if round % 2 == 1 {
            let f = std::fs::File::options().write(true).open(&file).unwrap();
            f.set_modified(before).unwrap();
        }
        let (status, text) = call(&s, "GET", "/v1/deliveries", From::Token(&token), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "round {round}: {text}");
        assert!(text.contains("unknown or revoked"), "{text}");
    }
}

/// Issue 14: `/v1/lookups` read a `text/plain` body (a request a web page can make
/// without asking, CSRF-shaped); every JSON endpoint reads `application/json` only, and
/// the HI-1 endpoint and the upload their own media types.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_another_media_type_is_refused_with_415_in_the_one_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    let s = state(&data).await;
    let body = Some(lookup_body(&number, "T-1"));
    for media in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        for path in ["/v1/lookups", "/v1/unseal"] {
            let cert = From::Certificate(POLITIE);
            let (status, text) = call_as(&s, "POST", path, cert, media, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{path} {media:?}"
            );
            assert_eq!(json(&text)["code"], "unsupported-media-type", "{text}");
            assert!(text.contains("application/json"), "{text}");
            assert!(!text.contains(&number), "{text}");
        }
        let cert = From::Certificate(POLITIE);
        let (status, text) = call_as(&s, "POST", "/hi1", cert, media, Some("<x/>".into())).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{text}");
        assert!(text.contains("application/xml"), "{text}");
        let upload = "/v1/deliveries?snapshot_at=2026-11-02T00:00:00Z&format=csv";
        let cert = From::Certificate(POLITIE);
        let (status, text) = call_as(&s, "POST", upload, cert, media, Some("a".into())).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{text}");
        assert!(text.contains("application/octet-stream"), "{text}");
    }
    // A JSON array is not the object the document describes (serde would read one).
    let cert = From::Certificate(POLITIE);
    let array = json!([number, "T-1"]).to_string();
    let (status, text) = call(&s, "POST", "/v1/lookups", cert, Some(array)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("must be a JSON object"), "{text}");
    // With a parameter, the media type is still read.
    let cert = From::Certificate(POLITIE);
    let media = Some("application/json; charset=utf-8");
    let (status, text) = call_as(&s, "POST", "/v1/lookups", cert, media, body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

/// Issue 14: `/hi1`'s 413 and the deliveries endpoint's query errors answered in plain
/// text; so did unknown routes and methods. Every error is the one JSON shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_the_router_gives_is_in_the_one_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (data, number) = point(dir.path()).await;
    let kpn = change_tokens(&data, |t| t.issue("KPN", Role::Provider("kpn".into()), 0)).await;
    let s = state(&data).await;
    let shaped = |status: StatusCode, text: &str, code: &str| {
        let v = json(text);
        assert_eq!(v["code"], code, "{status}: {text}");
        assert!(
            v["message"].as_str().is_some_and(|m| m.len() > 10),
            "{text}"
        );
    };
    // A body over the limit.
    let big = format!("<a>{}</a>", "x".repeat(3 << 20));
    let (status, text) = call(&s, "POST", "/hi1", From::Certificate(POLITIE), Some(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    shaped(status, &text, "too-large");
    let big = json!({"msisdn": number, "officer": "x".repeat(3 << 20)}).to_string();
    let cert = From::Certificate(POLITIE);
    let (status, text) = call(&s, "POST", "/v1/lookups", cert, Some(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    shaped(status, &text, "too-large");
    // The upload's query string: missing, unknown or mistyped parameters, never echoed.
    for query in [
        "",
        "?format=csv",
        "?snapshot_at=2026-11-02T00:00:00Z&format=csv&colour=0612345678",
    ] {
        let path = format!("/v1/deliveries{query}");
        let (status, text) = call(&s, "POST", &path, From::Token(&kpn), Some("a".into())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        shaped(status, &text, "bad-request");
        assert!(text.contains("query string"), "{text}");
        assert!(!text.contains("0612345678"), "{text}");
    }
    let (status, text) = call(
        &s,
        "GET",
        "/v1/deliveries?limit=x1",
        From::Token(&kpn),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    shaped(status, &text, "bad-request");
    // An unknown route, and a method a route does not take (its Allow header kept).
    let (status, text) = call(&s, "GET", "/v2/nothing", From::Nobody, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    shaped(status, &text, "not-found");
    let req = Request::builder()
        .method("DELETE")
        .uri("/v1/lookups")
        .body(Body::empty())
        .unwrap();
    let res = super::router(s.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers().contains_key(header::ALLOW));
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    shaped(
        StatusCode::METHOD_NOT_ALLOWED,
        &String::from_utf8_lossy(&bytes),
        "method-not-allowed",
    );
}

/// Issue 14: schemathesis found schema-valid requests the service refused, because the
/// document did not say what the handlers require: query parameters were documented as
/// required path parameters, a lookup could name any number of identifiers, and the errors
/// every operation gives (401, 413, 415) were missing. (`.ci/schemathesis.sh` checks the
/// whole document against the service.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_says_what_the_handlers_require() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init_dev(&data).await;
    let s = state(&data).await;
    let (_, doc) = call(&s, "GET", "/openapi.json", From::Nobody, None).await;
    let doc = json(&doc);
    let upload = &doc["paths"]["/v1/deliveries"]["post"];
    let params: Vec<(&str, &str, bool)> = upload["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let required = p["required"].as_bool().unwrap_or(false);
            (
                p["name"].as_str().unwrap(),
                p["in"].as_str().unwrap(),
                required,
            )
        })
        .collect();
    for (name, required) in [("snapshot_at", true), ("format", true), ("provider", false)] {
        assert!(
            params.contains(&(name, "query", required)),
            "{name}: {params:?}"
        );
    }
    let format = upload["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "format")
        .unwrap();
    assert_eq!(format["schema"]["enum"], json!(["csv", "jsonl"]));
    for op in [
        &doc["paths"]["/v1/deliveries"]["get"],
        &doc["paths"]["/v1/deadlines"]["get"],
    ] {
        for p in op["parameters"].as_array().unwrap() {
            assert_eq!(p["in"], "query", "{p}");
            assert_ne!(p["required"], true, "{p}");
        }
    }
    // Exactly one identifier; at, or from and to.
    let lookup = &doc["components"]["schemas"]["LookupRequest"];
    assert_eq!(lookup["oneOf"].as_array().unwrap().len(), 7, "{lookup}");
    assert_eq!(lookup["anyOf"].as_array().unwrap().len(), 3, "{lookup}");
    assert!(
        lookup["properties"]["at"]["pattern"].is_string(),
        "{lookup}"
    );
    // The media types, and the errors of every operation that reads a body.
    let hi1 = &doc["paths"]["/hi1"]["post"];
    assert!(hi1["requestBody"]["content"]["application/xml"].is_object());
    for op in [hi1, &doc["paths"]["/v1/lookups"]["post"], upload] {
        for status in ["401", "415"] {
            assert!(op["responses"][status].is_object(), "{status}: {op}");
        }
    }
    assert!(hi1["responses"]["413"].is_object());
    assert!(
        upload["responses"]["413"].is_null(),
        "an upload has no size limit"
    );
}

/// The OpenAPI document is the one checked in (`test_data/openapi.json`): a change of any
/// wire type, route, status or media type shows up here, in review, before an agency's
/// system meets it. `UPDATE_EXPECT=1 cargo test -p tdip-server openapi` rewrites the file
/// after a change that is meant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_the_one_checked_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init_dev(&data).await;
    let s = state(&data).await;
    let (status, doc) = call(&s, "GET", "/openapi.json", From::Nobody, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut actual = serde_json::to_string_pretty(&json(&doc)).unwrap();
    actual.push('\n');
    check_golden("test_data/openapi.json", &actual);
}

/// Compares `actual` with the file at `path` (relative to this crate), or rewrites the file
/// when `UPDATE_EXPECT` is set (rust-analyzer's `expect_file!`, without the dependency).
fn check_golden(path: &str, actual: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()))
            + 1;
        panic!(
            "{} differs from what the code gives, first at line {line}; if the change is \
             meant, run `UPDATE_EXPECT=1 cargo test -p tdip-server` and review the diff",
            file.display()
        );
    }
}

/// The code of the refusal the audit log holds for `consultation`, if it holds one.
pub(super) async fn refusal_logged(s: &State, consultation: &str) -> Option<String> {
    let point = s.point().expect("the point is unsealed");
    let entries = tdip_core::audit::entries(point.auditor.store(), 0, u32::MAX)
        .await
        .unwrap();
    entries.into_iter().find_map(|(_, body)| match body?.event {
        tdip_core::audit::Event::Refusal {
            consultation: c,
            code,
            ..
        } if c == consultation => Some(code),
        _ => None,
    })
}
