#!/usr/bin/env bash
# PostgreSQL (127.0.0.1:5432, role postgres, trust auth, database `test`) and Redis
# (127.0.0.1:6379) for the tests of the several-instances mode. When they answer, nothing is
# changed; on a machine without them they are installed with apt-get and started.
set -euo pipefail

pg_ok() { bun -e "const s = new Bun.SQL('postgres://postgres@127.0.0.1:5432/postgres', { connectionTimeout: 3 }); await s\`select 1\`; await s.close();" >/dev/null 2>&1; }
redis_ok() {
  exec 3<>/dev/tcp/127.0.0.1/6379 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  local line=''
  read -r -t 3 line <&3 || true
  exec 3>&- 3<&-
  [[ "$line" == +PONG* ]]
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if pg_ok; then
  echo "::: PostgreSQL answers on 127.0.0.1:5432"
else
  echo "::: PostgreSQL not answering on 127.0.0.1:5432; installing and starting it"
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  [ -n "$ver" ] || { echo "no PostgreSQL cluster found after install" >&2; exit 1; }
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  # Loopback only, no password: the tests' own throwaway databases.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "/etc/postgresql/$ver/main/postgresql.conf"
  sed -i "s/^#\?port = .*/port = 5432/" "/etc/postgresql/$ver/main/postgresql.conf"
  pg_ctlcluster "$ver" main start || pg_ctlcluster "$ver" main restart
  for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
  pg_ok || { echo "PostgreSQL did not come up" >&2; exit 1; }
fi
bun -e "const s = new Bun.SQL('postgres://postgres@127.0.0.1:5432/postgres'); const r = await s\`select 1 from pg_database where datname = 'test'\`; if (!r.length) await s.unsafe('CREATE DATABASE test'); await s.close();"

if redis_ok; then
  echo "::: Redis answers on 127.0.0.1:6379"
else
  echo "::: Redis not answering on 127.0.0.1:6379; installing and starting it"
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null
  for _ in $(seq 1 30); do redis_ok && break; sleep 1; done
  redis_ok || { echo "Redis did not come up" >&2; exit 1; }
fi
