#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests of ran_events.store.PostgresStore.
#
#   scripts/postgres.sh start   install (Debian's postgresql, when initdb/postgres are missing),
#                               initdb into .pg/data, start on 127.0.0.1 on a free port, print
#                               the URL (also kept in .pg/url)
#   scripts/postgres.sh url     print the URL of the running server (exit 1 when none runs)
#   scripts/postgres.sh stop    stop the server by the process id in .pg/postgres.pid
#
# The server listens on 127.0.0.1 only (its unix socket in the data folder), trusts local
# connections, and runs as an unprivileged user: when this script runs as root it creates the
# system user "ranpg" for it. Nothing but 127.0.0.1 is reached (and Debian's package mirror
# when the package has to be installed). Use it as:
#
#   export RAN_EVENTS_TEST_PG=$(scripts/postgres.sh start)
#   .venv/bin/python -m pytest tests/store
#   scripts/postgres.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.pg"
pidfile="$state/postgres.pid"
urlfile="$state/url"
server_user=ranpg

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
    # The folder holding initdb, pg_ctl and postgres: Debian keeps them out of PATH.
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_server() {
    if [ "$(id -u)" != 0 ]; then
        say "initdb/postgres not found and not root: install Debian's postgresql package"
        exit 1
    fi
    say "installing Debian's postgresql package"
    # The package would create and start a cluster of its own on port 5432: ask it not to.
    mkdir -p /etc/postgresql-common
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq -o Dpkg::Options::=--force-confold postgresql >&2
}

# Run a command as the server's user (as is, when not root); from /, which that user can
# enter whatever the folder of the checkout (every path given is absolute).
as_server() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u "$server_user" -- "$@")
    else
        "$@"
    fi
}

running_pid() {
    # The pid in the pid file if that process is still our postgres, else nothing.
    local pid
    [ -f "$pidfile" ] || return 1
    pid=$(head -n 1 "$pidfile")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q postgres || return 1
    echo "$pid"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local bin data port pid
    if pid=$(running_pid) && [ -f "$urlfile" ]; then
        say "already running (pid $pid)"
        cat "$urlfile"
        return 0
    fi
    bin=$(find_bin) || { install_server; bin=$(find_bin); }
    mkdir -p "$state"
    data="$state/data"
    if [ "$(id -u)" = 0 ]; then
        id "$server_user" >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin "$server_user"
        # The server's user must reach its folder; a checkout under a private home (/root)
        # cannot be, so the data then lives in a private folder of /tmp named in .pg/datadir.
        if ! runuser -u "$server_user" -- test -x "$state"; then
            if [ -f "$state/datadir" ] && [ -d "$(cat "$state/datadir")" ]; then
                data=$(cat "$state/datadir")
            else
                data=$(mktemp -d /tmp/ran-events-pg.XXXXXXXX)/data
                echo "$data" >"$state/datadir"
            fi
        fi
        mkdir -p "$data"
        chown -R "$server_user" "$(dirname "$data")"
        chmod 700 "$data"
    fi
    mkdir -p "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
        as_server "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$state/initdb.log" 2>&1 ||
            { say "initdb failed:"; cat "$state/initdb.log" >&2; exit 1; }
    fi
    port=$(free_port)
    if ! as_server "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $data" start >&2; then
        say "the server did not start:"
        tail -n 20 "$data/server.log" >&2
        exit 1
    fi
    head -n 1 "$data/postmaster.pid" >"$pidfile"
    echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$urlfile"
    say "started (pid $(cat "$pidfile"), port $port, data $data)"
    cat "$urlfile"
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        say "not running"
        rm -f "$pidfile" "$urlfile"
        return 0
    fi
    kill -TERM "$pid"  # smart shutdown: waits for sessions; INT below if they linger
    for _ in $(seq 1 100); do
        [ -d "/proc/$pid" ] || break
        [ "$_" = 50 ] && kill -INT "$pid" 2>/dev/null || true
        sleep 0.1
    done
    if [ -d "/proc/$pid" ]; then
        say "pid $pid did not stop; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" "$urlfile"
    say "stopped (pid $pid)"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url)
    running_pid >/dev/null && [ -f "$urlfile" ] || { say "not running"; exit 1; }
    cat "$urlfile"
    ;;
*)
    echo "usage: scripts/postgres.sh start|stop|url" >&2
    exit 2
    ;;
esac
