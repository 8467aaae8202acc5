#!/usr/bin/env bash
# Shared by scripts/run and scripts/test: install what is missing, then find a usable
# PostgreSQL and Redis or start project-local ones under .natter/ (git-ignored). Never touches
# system configuration: project-local servers live in the project folder on their own ports.

NATTER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATTER_STATE="$NATTER_ROOT/.natter"
mkdir -p "$NATTER_STATE"

say() { printf '\033[1m[natter]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

APT_UPDATED=""
# apt_install PKG… — installs the Debian/Ubuntu packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  say "installing: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  # policy-rc.d 101: packages must not start (or touch) system services on install
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

require_rust() {
  command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] || die \
    "Rust is not installed: install rustup (https://rustup.rs) and run this again (rustc >= 1.95)"
  export PATH="$HOME/.cargo/bin:$PATH"
}

install_build_deps() {
  apt_install build-essential pkg-config libpq-dev ca-certificates curl postgresql-client redis-tools
}

pg_usable() { psql "$1/postgres" -Atqc 'select 1' >/dev/null 2>&1; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

# ensure_postgres — exports NATTER_PG_BASE (postgres://user@host:port, a superuser, no password).
ensure_postgres() {
  local candidate="${NATTER_PG_BASE:-postgres://postgres@127.0.0.1:5432}"
  if pg_usable "$candidate"; then export NATTER_PG_BASE="$candidate"; say "PostgreSQL: $candidate"; return; fi
  local port="${NATTER_LOCAL_PG_PORT:-55432}" dir="$NATTER_STATE/pg"
  local local_url="postgres://postgres@127.0.0.1:$port"
  if pg_usable "$local_url"; then export NATTER_PG_BASE="$local_url"; say "PostgreSQL (project-local): $local_url"; return; fi
  say "no usable PostgreSQL at $candidate: starting a project-local one on port $port"
  [ -n "$(pg_bindir)" ] || apt_install postgresql
  local bin; bin="$(pg_bindir)" || die "PostgreSQL server binaries not found after install"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the data directory belongs to the postgres user
    id postgres >/dev/null 2>&1 || die "no 'postgres' user to run the project-local server as"
    run=(runuser -u postgres --)
    mkdir -p "$dir"; chown postgres "$dir"; chmod 700 "$dir"
    chmod o+x "$NATTER_ROOT" "$NATTER_STATE" 2>/dev/null || true
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$dir" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" \
    -l "$dir/server.log" -w start >/dev/null || die "project-local PostgreSQL did not start (see $dir/server.log)"
  pg_usable "$local_url" || die "project-local PostgreSQL started but does not answer"
  export NATTER_PG_BASE="$local_url"
  say "PostgreSQL (project-local): $local_url"
}

redis_usable() { [ "$(redis-cli -u "$1" ping 2>/dev/null)" = "PONG" ]; }

# ensure_redis — exports NATTER_REDIS_URL.
ensure_redis() {
  local candidate="${NATTER_REDIS_URL:-redis://127.0.0.1:6379}"
  if redis_usable "$candidate"; then export NATTER_REDIS_URL="$candidate"; say "Redis: $candidate"; return; fi
  local port="${NATTER_LOCAL_REDIS_PORT:-56379}" dir="$NATTER_STATE/redis"
  local local_url="redis://127.0.0.1:$port"
  if redis_usable "$local_url"; then export NATTER_REDIS_URL="$local_url"; say "Redis (project-local): $local_url"; return; fi
  say "no usable Redis at $candidate: starting a project-local one on port $port"
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  local i
  for i in $(seq 1 50); do redis_usable "$local_url" && break; sleep 0.1; done
  redis_usable "$local_url" || die "project-local Redis did not start (see $dir/redis.log)"
  export NATTER_REDIS_URL="$local_url"
  say "Redis (project-local): $local_url"
}

# port_open PORT — whether something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ensure_s3 — a real S3-compatible server for the tests (s3s-fs: checks signatures, starts at
# once); exports NATTER_TEST_S3_ENDPOINT, NATTER_TEST_S3_ACCESS_KEY, NATTER_TEST_S3_SECRET_KEY.
ensure_s3() {
  # the project-local servers listen below 32768, outside Linux's ephemeral port range: a
  # benchmark's thousands of client sockets in TIME_WAIT once held 59001 and s3s-fs could not bind
  local port="${NATTER_LOCAL_S3_PORT:-29001}" dir="$NATTER_STATE/s3"
  export NATTER_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  export NATTER_TEST_S3_ACCESS_KEY="natter-test" NATTER_TEST_S3_SECRET_KEY="natter-test-secret"
  if port_open "$port"; then say "S3 (s3s-fs): $NATTER_TEST_S3_ENDPOINT"; return; fi
  if ! command -v s3s-fs >/dev/null; then
    say "installing s3s-fs (the S3-compatible test server; about a minute)"
    cargo install --locked s3s-fs@0.14.1 --features binary >/dev/null 2>&1 || die "cargo install s3s-fs failed"
  fi
  mkdir -p "$dir/data"
  nohup s3s-fs --host 127.0.0.1 --port "$port" --access-key "$NATTER_TEST_S3_ACCESS_KEY" \
    --secret-key "$NATTER_TEST_S3_SECRET_KEY" "$dir/data" >"$dir/s3s.log" 2>&1 &
  echo $! >"$dir/s3s.pid"
  local i
  for i in $(seq 1 100); do port_open "$port" && break; sleep 0.1; done
  port_open "$port" || die "s3s-fs did not start (see $dir/s3s.log)"
  say "S3 (s3s-fs, project-local): $NATTER_TEST_S3_ENDPOINT"
}

# The EICAR test file: every scanner reports it; harmless.
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

# ensure_clamd — a real clamd with a signature database of our own (no internet for
# freshclam): one hash signature for the EICAR file. Exports NATTER_TEST_CLAMAV_ADDR.
ensure_clamd() {
  local port="${NATTER_LOCAL_CLAMD_PORT:-23310}" dir="$NATTER_STATE/clamd"
  export NATTER_TEST_CLAMAV_ADDR="127.0.0.1:$port"
  if port_open "$port"; then say "clamd: $NATTER_TEST_CLAMAV_ADDR"; return; fi
  command -v clamd >/dev/null || apt_install clamav-daemon
  mkdir -p "$dir/db"
  printf '%s' "$EICAR" >"$dir/eicar.txt"
  echo "$(md5sum "$dir/eicar.txt" | cut -d' ' -f1):$(stat -c %s "$dir/eicar.txt"):Natter-Test-EICAR" >"$dir/db/custom.hdb"
  cat >"$dir/clamd.conf" <<CONF
DatabaseDirectory $dir/db
TCPSocket $port
TCPAddr 127.0.0.1
Foreground yes
LogFile $dir/clamd.log
StreamMaxLength 1100M
MaxFileSize 1100M
MaxScanSize 1100M
CONF
  nohup clamd -c "$dir/clamd.conf" >"$dir/clamd.out" 2>&1 &
  echo $! >"$dir/clamd.pid"
  local i
  for i in $(seq 1 300); do port_open "$port" && break; sleep 0.1; done
  port_open "$port" || die "clamd did not start (see $dir/clamd.log)"
  say "clamd (project-local): $NATTER_TEST_CLAMAV_ADDR"
}

# nginx: tests/tests/nginx.rs runs deploy/nginx/natter.conf in front of a real server
ensure_nginx() {
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || apt_install nginx
  NATTER_TEST_NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  export NATTER_TEST_NGINX
}

# Xvfb and xdotool: app/tests/portable.rs runs the real binary in a window and signs in with
# the mouse and keyboard; Mesa draws it in software (libgl1-mesa-dri)
ensure_xvfb() {
  # imagemagick: the conversation screenshot test captures the window with `import`
  apt_install xvfb xauth xdotool imagemagick libgl1-mesa-dri libgl1 libegl1 libxkbcommon-x11-0 \
    libxcursor1 libxi6 libxrandr2 libx11-xcb1 fonts-dejavu-core
}

# schemathesis (PyPI, pinned) fuzzes the API against its OpenAPI document
# (server/tests/schemathesis.rs). Exports NATTER_TEST_SCHEMATHESIS, the `st` the test runs:
# one already on PATH at that version, else a project-local virtualenv under .natter/.
ensure_schemathesis() {
  local want=4.32.5 venv="$NATTER_STATE/schemathesis" found
  found="$(command -v st || true)"
  if [ -n "$found" ] && "$found" --version 2>/dev/null | grep -q " $want$"; then
    export NATTER_TEST_SCHEMATHESIS="$found"; return
  fi
  if ! "$venv/bin/st" --version 2>/dev/null | grep -q " $want$"; then
    command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null ||
      apt_install python3 python3-venv
    say "installing schemathesis $want into $venv"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$want" ||
      die "could not install schemathesis $want from PyPI"
  fi
  export NATTER_TEST_SCHEMATHESIS="$venv/bin/st"
}

# promtool checks the Prometheus configuration and alert rules under deploy/ (tests/tests/deploy.rs)
ensure_promtool() {
  command -v promtool >/dev/null || apt_install prometheus
}
