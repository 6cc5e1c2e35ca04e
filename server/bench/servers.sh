#!/usr/bin/env bash
# Loads certplay serve, a blog-style Node https server and
# `openssl s_server -www -Verify 1` with the same client (certplay-bench),
# on loopback, one after another, and prints each server's figures.
#
# certplay runs twice, with aws-lc-rs (its default) and with ring.
#
# Usage: server/bench/servers.sh [p256|rsa2048] [seconds] [concurrency]
# Needs: cargo build --release -p certplay-server (certplay, certplay-bench),
#        node, openssl. Bounded: each run lasts SECONDS.
set -euo pipefail
KEY_TYPE=${1:-p256}
SECONDS_EACH=${2:-10}
CONCURRENCY=${3:-4}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CERTPLAY_RELEASE_DIR:-$ROOT/target/release}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/certplay" issue --out "$WORK/set" --key-type "$KEY_TYPE" >/dev/null
cd "$WORK/set"

wait_port() {
    for _ in $(seq 1 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

bench() { # name pid port extra-args...
    local name=$1 pid=$2 port=$3
    shift 3
    echo "== $name ($KEY_TYPE) $*"
    "$BIN/certplay-bench" --connect "127.0.0.1:$port" --dir . --duration "$SECONDS_EACH" \
        --concurrency "$CONCURRENCY" --pid "$pid" "$@"
}

cat >server.js <<'JS'
const https = require('https');
const fs = require('fs');
const options = {
    ca: fs.readFileSync('ca.crt'),
    cert: fs.readFileSync('server.crt'),
    key: fs.readFileSync('server.key'),
    rejectUnauthorized: true,
    requestCert: true,
};
https.createServer(options, (req, res) => {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/plain');
    res.end('Hello World\n');
}).listen(Number(process.argv[2]), '127.0.0.1');
JS

echo "machine: $(nproc) cores; $(uname -sr)"

# certplay with each rustls crypto provider (`--crypto`), the default first.
for CRYPTO in aws-lc-rs ring; do
    "$BIN/certplay" serve --ca ca.crt --cert server.crt --key server.key --port 3443 --no-page \
        --crypto "$CRYPTO" >/dev/null 2>certplay.log &
    PIDS+=($!); CERTPLAY=$!
    wait_port 3443
    echo "== certplay --crypto $CRYPTO idle RSS: $(rss $CERTPLAY) KiB"
    bench "certplay --crypto $CRYPTO" $CERTPLAY 3443
    bench "certplay --crypto $CRYPTO" $CERTPLAY 3443 --keep-alive
    "$BIN/certplay-bench" --connect 127.0.0.1:3443 --dir . --pid $CERTPLAY --idle 1000
    kill $CERTPLAY
    wait $CERTPLAY 2>/dev/null || true
done

node server.js 3444 &
PIDS+=($!); NODE=$!
wait_port 3444
echo "== node idle RSS: $(rss $NODE) KiB"
bench node $NODE 3444
bench node $NODE 3444 --keep-alive
"$BIN/certplay-bench" --connect 127.0.0.1:3444 --dir . --pid $NODE --idle 1000
kill $NODE

openssl s_server -quiet -accept 3445 -www -Verify 1 -CAfile ca.crt -cert server.crt \
    -key server.key -no_ticket </dev/null >/dev/null 2>&1 &
PIDS+=($!); SSERVER=$!
wait_port 3445
echo "== s_server idle RSS: $(rss $SSERVER) KiB"
bench "openssl s_server" $SSERVER 3445
kill $SSERVER
