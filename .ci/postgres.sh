#!/usr/bin/env bash
# A throwaway PostgreSQL server for the graph-memory tests (tests/test_postgres.py).
#
#   .ci/postgres.sh start [STATE_DIR]   initdb a cluster in STATE_DIR/data, start it on a free port of
#                                       127.0.0.1, create the test role and database; print the URL
#   .ci/postgres.sh stop  [STATE_DIR]   stop the server and remove STATE_DIR
#
# STATE_DIR defaults to $CAUSAL_AGENT_PG_DIR, else /tmp/causal-agent-pg. After `start` it holds
#   url   postgresql://causal_agent:<password>@127.0.0.1:<port>/causal_agent_test
#   env   export CAUSAL_AGENT_TEST_POSTGRES=<url>      (source it)
#   port  the port
# The role `causal_agent` logs in with a password over TCP (scram-sha-256), so a wrong password is
# refused, and may create databases (each test module gets a fresh one); everything else is trusted
# (the server listens on 127.0.0.1 and a socket inside STATE_DIR only). As root the cluster runs as
# the `postgres` user; Debian's `postgresql` package is installed when no server binaries are found.
set -euo pipefail

cmd="${1:-}"
state="${2:-${CAUSAL_AGENT_PG_DIR:-/tmp/causal-agent-pg}}"
role=causal_agent
database=causal_agent_test

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bindir() {
    local d
    if [[ -n "${PG_BINDIR:-}" && -x "$PG_BINDIR/initdb" ]]; then echo "$PG_BINDIR"; return 0; fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

# Run a command as the cluster's owner: `postgres` when we are root (initdb refuses root), else us.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
        else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

start() {
    local bindir
    if ! bindir="$(find_bindir)"; then
        [[ "$(id -u)" == 0 ]] || die "no PostgreSQL server binaries (initdb, pg_ctl); install Debian's postgresql package"
        echo "postgres.sh: installing Debian's postgresql package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
        bindir="$(find_bindir)" || die "postgresql was installed but initdb was not found under /usr/lib/postgresql"
    fi
    if [[ -f "$state/data/postmaster.pid" ]]; then
        die "a server from $state is still running; run '$0 stop $state' first"
    fi
    if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir "$state" --shell /bin/sh postgres
    fi
    mkdir -p "$state"
    chmod 700 "$state"
    [[ "$(id -u)" == 0 ]] && chown postgres "$state"
    local port password
    port="${PG_PORT:-$(free_port)}"
    password="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
    as_owner "$bindir/initdb" -D "$state/data" -A trust -U postgres -E UTF8 --no-instructions >"$state/initdb.log" 2>&1 \
        || { cat "$state/initdb.log" >&2; die "initdb failed"; }
    # first matching line wins: the test role must give its password over TCP; the rest stays trusted
    local hba="$state/data/pg_hba.conf"
    as_owner sh -c "{ echo 'host all $role 127.0.0.1/32 scram-sha-256'; cat '$hba'; } > '$hba.new' && mv '$hba.new' '$hba'"
    as_owner "$bindir/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
        -o "-p $port -k $state -c listen_addresses=127.0.0.1" start >/dev/null \
        || { cat "$state/server.log" >&2; die "the server did not start"; }
    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$state" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE $database OWNER $role" >/dev/null
    local url="postgresql://$role:$password@127.0.0.1:$port/$database"
    echo "$url" >"$state/url"
    echo "export CAUSAL_AGENT_TEST_POSTGRES=$url" >"$state/env"
    echo "$port" >"$state/port"
    echo "$bindir" >"$state/bindir"
    echo "$url"
}

stop() {
    [[ -d "$state" ]] || return 0
    local bindir
    bindir="$(cat "$state/bindir" 2>/dev/null || find_bindir || true)"
    if [[ -f "$state/data/postmaster.pid" && -n "$bindir" ]]; then
        as_owner "$bindir/pg_ctl" -D "$state/data" -m fast -w -t 60 stop >/dev/null || true
    fi
    rm -rf "$state"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop [STATE_DIR]" >&2; exit 2 ;;
esac
