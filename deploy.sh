#!/usr/bin/env bash
# Zero-surprise deploy on one host: pull, build, swap the binary, restart, and roll back to
# the previous binary when the new one does not answer /health.
#   ./deploy.sh            (run from the repository; settings come from .env or the environment)
# Env: GG_PID_FILE (default ./gophergate.pid), GG_LOG (default ./gophergate.log),
#      GG_HEALTH_TIMEOUT_S (default 20).
set -euo pipefail
cd "$(dirname "$0")"

PID_FILE=${GG_PID_FILE:-./gophergate.pid}
LOG=${GG_LOG:-./gophergate.log}
TIMEOUT=${GG_HEALTH_TIMEOUT_S:-20}
# The binary probes its own /health where it listens: host and port as it reads them (.env included).
HEALTH="./gophergate --healthcheck"

log() { echo "[deploy] $*"; }

stop_running() {
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    local pid; pid=$(cat "$PID_FILE")
    log "stopping pid $pid (SIGTERM: drains requests and the log queue)"
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      # Long streams still running: a second SIGTERM cuts them (each keeps its log row) and the stop goes on.
      log "still running after 30 s, SIGTERM again (cuts the requests still in flight)"
      kill -TERM "$pid"
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -0 "$pid" 2>/dev/null && { log "still running after 45 s, killing"; kill -KILL "$pid"; }
  fi
  rm -f "$PID_FILE"
}

start_binary() {
  nohup ./gophergate >>"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 $((TIMEOUT * 10))); do
    ./gophergate --healthcheck >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

log "git pull"
git pull --ff-only
log "installing dependencies and building"
bun install --frozen-lockfile
[ -x ./gophergate ] && cp ./gophergate ./gophergate.previous
bun run build

stop_running
log "starting the new binary"
if start_binary; then
  log "healthy ($HEALTH)"
  exit 0
fi

log "new binary did not become healthy; rolling back"
stop_running
if [ -x ./gophergate.previous ]; then
  cp ./gophergate.previous ./gophergate
  if start_binary; then log "rolled back to the previous binary"; exit 1; fi
fi
log "rollback failed too; see $LOG"
exit 2
