#!/usr/bin/env bash
# Builds ./gophergate, copies it ALONE into an empty directory and checks that it starts,
# creates its database, serves /health, /swagger and /, and that --reset-admin works.
set -euo pipefail
cd "$(dirname "$0")/.."
bun run build
# A chat through the binary: both workers (log writer, token counter) must be in it.
bun .ci/smoke-chat.ts "$PWD/gophergate"
dir=$(mktemp -d)
cp ./gophergate "$dir/"
cd "$dir"
port=$(bun -e 'const s = Bun.serve({ port: 0, fetch: () => new Response() }); console.log(s.port); s.stop(true)')
./gophergate --version | grep -q '^gophergate [0-9]'
LLM_PROXY__SERVER__HOST=127.0.0.1 LLM_PROXY__SERVER__PORT=$port ./gophergate >server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
fail() { echo "smoke: $1"; cat server.log; exit 1; }
curl -sf "http://127.0.0.1:$port/health" | grep -q '"status":"ok"' || fail "/health"
# Started with no environment, the binary runs with Bun's fetch cap raised for 16,384 upstream requests.
curl -sf "http://127.0.0.1:$port/health" | grep -q '"runtime_fetch_cap":16640' || fail "runtime fetch cap not raised"
for path in /swagger /swagger/json /; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
  [ "$code" = 200 ] || fail "$path answered $code"
done
# Every asset a page names ($2: their path prefix) is embedded in the binary and served; at least $3
# of them match $4. web/ files come in by import only; without swagger-ui-dist's bundle and style
# /swagger is a blank page that still answers 200.
check_assets() {
  local assets
  assets=$(curl -s "http://127.0.0.1:$port$1" | grep -o "$2[^\"]*" || true)
  [ "$(echo "$assets" | grep -c "$4")" -ge "$3" ] || fail "$1 names too few assets: $assets"
  for asset in $assets; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$asset")
    [ "$code" = 200 ] || fail "$asset answered $code"
  done
}
check_assets / /assets/ 5 '\.js?'
check_assets /swagger /swagger/assets/ 2 swagger-ui
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/models")
[ "$code" = 401 ] || fail "/v1/models without a key answered $code"
[ -f data/gophergate.db ] || fail "no database created"
kill -TERM $pid; wait $pid || fail "exit status $? after SIGTERM"
./gophergate --reset-admin | grep -q "admin" || fail "--reset-admin"
echo "smoke: binary OK"
