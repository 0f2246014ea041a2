#!/usr/bin/env bash
# The service against its own OpenAPI document: schemathesis (PyPI) runs every check it has
# (`--checks all`: server errors, status codes, content types, response schemas, valid data
# accepted, invalid data refused, methods, auth…) on every operation of a served point, and
# any failure fails this script.
#
#   .ci/schemathesis.sh TDIP_BINARY [MAX_EXAMPLES]
#
# It builds nothing: give it the `tdip` binary. It makes a dev-key point in a temporary
# directory with a provider and its delivery, an officer, a CA and server certificate
# (openssl), and tokens for an agency, the operator and an oversight body; serves it on a
# free loopback port;
# and runs schemathesis as the agency (every operation; the operator's and providers'
# are refused 403; POST /hi1 on its own, see below) and as the operator (the operator's operations; an upload is the
# provider's and refused 403: fuzzed uploads would only be rejected deliveries, 422). The run is
# bounded by MAX_EXAMPLES per operation (default 40) and a fixed seed, so it is the same
# run every time and takes about a minute.
set -euo pipefail

bin=$(realpath "${1:?usage: .ci/schemathesis.sh TDIP_BINARY [MAX_EXAMPLES]}")
examples=${2:-40}
seed=${SCHEMATHESIS_SEED:-14}
version=4.32.5

if ! schemathesis --version 2>/dev/null | grep -q "$version"; then
  pip install --quiet --disable-pip-version-check "schemathesis==$version"
fi

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

data=$work/data
tdip() { "$bin" --data "$data" "$@"; }
tdip init --dev-key 2>/dev/null
tdip officers add --agency nl/politie --officer T-1 --name "Test Officer" 2>/dev/null
tdip providers add kpn --name "KPN B.V." --country NL 2>/dev/null
tdip gen subscribers --provider kpn --rows 50 --out "$work/kpn.csv" 2>/dev/null
tdip deliver --provider kpn --snapshot-at 2026-11-02T00:00:00Z "$work/kpn.csv" >/dev/null 2>&1
agency=$(tdip tokens issue --name schemathesis --agency nl/politie 2>/dev/null)
operator=$(tdip tokens issue --name schemathesis --operator 2>/dev/null)
oversight=$(tdip tokens issue --name schemathesis --oversight nl/ctivd 2>/dev/null)

# A CA and a server certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=tdip CI CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
  -CAcreateserial -days 2 -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null

tdip serve --listen 127.0.0.1:0 --tls-cert "$work/server.pem" --tls-key "$work/server.key" \
  2> "$work/serve.log" &
pid=$!
url=
for _ in $(seq 150); do
  url=$(sed -n 's/^tdip serves \(https:\/\/[^ ]*\).*/\1/p' "$work/serve.log")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { echo "tdip serve did not start"; cat "$work/serve.log"; exit 1; }

# One worker, so that a seed gives one sequence of requests (two workers interleaved them
# differently from run to run, and once tripped an internal error of schemathesis's own
# coverage phase). Network-level failures are retried twice: a POST sent on a kept-alive
# connection just as the service closes it (after its idle limit, or after answering a
# request whose body it did not read) is lost to a race no HTTP client retries by itself.
run() {
  local who=$1 token=$2
  shift 2
  echo "== schemathesis as the $who: $url/openapi.json"
  schemathesis --no-color run "$url/openapi.json" \
    --checks all \
    --max-examples "$examples" \
    --seed "$seed" \
    --workers 1 \
    --request-timeout 30 \
    --request-retries 2 \
    --tls-verify "$work/ca.pem" \
    --header "Authorization: Bearer $token" \
    --suppress-health-check all \
    "$@"
}
status=0
run agency "$agency" --exclude-path /hi1 || status=1
# One exclusion, said here and in docs/api.md: an HI-1 body is an ETSI TS 103 120
# HI1Message, whose schema is ETSI's XSD (crates/tdip-hi1/schema), which OpenAPI cannot
# state; generated XML is never such a message, and is refused 400 as the document says.
# Every other check runs on /hi1 (media types, errors, statuses, response shapes), and the
# HI-1 tests validate every message tdip reads and writes against the XSD with xmllint.
run agency "$agency" --include-path /hi1 --exclude-checks positive_data_acceptance || status=1
run operator "$operator" \
  --include-path-regex '^/v1/(unseal|deadlines|deliveries|audit/checkpoint)$' || status=1
# A supervisor's view. One check left out, said here and in docs/api.md: a period whose
# `from` lies after its `to` is refused 400 ("from is after to"), a relation between two
# parameters that OpenAPI cannot state; every other check runs.
run oversight "$oversight" --include-path /v1/reports/figures \
  --exclude-checks positive_data_acceptance || status=1
if [ "$status" -ne 0 ]; then
  echo "schemathesis found failures; the service's log:"
  tail -50 "$work/serve.log"
fi
exit "$status"
