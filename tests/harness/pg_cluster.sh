#!/usr/bin/env bash
# pg_cluster.sh: a throwaway PostgreSQL cluster for rcr's tests.
#
#   pg_cluster.sh start DIR   create and start a cluster under DIR; prints DIR/env
#   pg_cluster.sh stop DIR    stop it (fast, then immediate) and remove DIR
#
# After "start", `. DIR/env` gives a client environment:
#   PGHOST (the unix socket dir), PGPORT, PGUSER=postgres, PGDATABASE=postgres,
#   RCR_TEST_PGBIN, RCR_TEST_PGDATA, RCR_TEST_PGLOG, and for password tests
#   RCR_TEST_TCP_HOST=127.0.0.1, RCR_TEST_PW_USER=rcr_pw,
#   RCR_TEST_PW_PASSWORD=secret-pw.
#
# Authentication: unix socket = trust (any role), TCP 127.0.0.1 = scram-sha-256.
# The role rcr_pw (LOGIN SUPERUSER PASSWORD 'secret-pw') exists for TCP and
# wrong-password tests; postgres has no password, so it can only use the socket.
#
# Design notes:
#  * The server refuses to run as root, so as root every server-side command
#    runs as the "postgres" OS user (runuser); as another user it runs as that
#    user. Clients as root use the socket as role postgres (trust).
#  * DIR is only ever deleted if it carries our marker file, so a typo cannot
#    wipe unrelated data. An existing DIR with the marker is a stale cluster:
#    it is stopped and recreated. A non-empty DIR without it is refused.
#  * The data and socket dirs live in DIR when the postgres user can reach DIR
#    and the socket path fits in sun_path (107 bytes); otherwise in a private
#    /tmp/rcr-pg.XXXXXX dir recorded in DIR/run_dir. So DIR may sit under a
#    0700 mktemp dir or a deep ctest build tree.
#  * Ports: a random base, skip ports with a TCP listener, and retry with
#    another port if the server still fails to bind (parallel ctest runs).
#  * stop is safe after a half-finished start, and always tries to remove DIR.
#
# SSL (optional): with RCR_TEST_SSL_CERT and RCR_TEST_SSL_KEY naming a certificate and key
# (the test makes them, e.g. self-signed with openssl), the server runs with ssl = on and two
# more roles exist, both LOGIN SUPERUSER PASSWORD 'secret-pw' over TCP: rcr_ssl may connect only
# with SSL (hostnossl: reject) and rcr_nossl only without it (hostssl: reject). env then also
# exports RCR_TEST_SSL_USER and RCR_TEST_NOSSL_USER.
#
# Settings (optional): RCR_TEST_PG_CONF holds extra postgresql.conf lines for the new cluster
# (e.g. "max_locks_per_transaction = 10"), appended after the harness's own.
#
# Environment: PGBIN (default /usr/lib/postgresql/15/bin).
# The rcr_testvec extension is not built here: see install_ext.sh.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
MARKER=.rcr_pg_cluster
PW_USER=rcr_pw
PW_PASSWORD=secret-pw
SSL_USER=rcr_ssl
NOSSL_USER=rcr_nossl
START_ATTEMPTS=8
# A unix socket path ("<sockdir>/.s.PGSQL.NNNNN") must fit in sun_path: 107 bytes.
SOCK_PATH_MAX=107

die() {
    echo "pg_cluster.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: pg_cluster.sh start|stop DIR" >&2
    exit 2
}

is_root() {
    [ "$(id -u)" -eq 0 ]
}

# Run a command as the server's OS user, from a directory it can enter.
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# Make PATH (a dir we created) owned by the server's OS user.
give_to_pg() {
    if is_root; then
        chown postgres:postgres "$1"
    fi
}

# Can the server's OS user search (enter) directory $1?
pg_can_enter() {
    if is_root; then
        runuser -u postgres -- test -x "$1" 2>/dev/null
    else
        test -x "$1"
    fi
}

# Is TCP port $1 in LISTEN state on any address? (/proc, so no ss needed)
port_listening() {
    local hex f
    hex=$(printf ':%04X' "$1")
    for f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$f" ] || continue
        # columns: sl local_address rem_address st ...; st 0A = LISTEN
        if awk -v p="$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
                            END { exit !found }' "$f"; then
            return 0
        fi
    done
    return 1
}

pick_port() {
    local base port i
    base=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
    for ((i = 0; i < 200; i++)); do
        port=$((base + i * 7))
        if ! port_listening "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free TCP port found near $base"
}

# The directory holding data/, sock/ and log/ for cluster DIR.
run_dir_of() {
    local dir=$1
    if [ -f "$dir/run_dir" ]; then
        cat "$dir/run_dir"
    else
        echo "$dir"
    fi
}

# Stop whatever server runs from data dir $1; never fails.
stop_server() {
    local data=$1 pid
    [ -f "$data/postmaster.pid" ] || return 0
    if as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1; then
        return 0
    fi
    as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    # Last resort: the postmaster of this data dir only (first line of its pid file).
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        [ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$data")" ]; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    return 0
}

cmd_stop() {
    local dir=$1 run
    if [ ! -e "$dir" ]; then
        return 0
    fi
    [ -d "$dir" ] || die "'$dir' is not a directory"
    if [ ! -e "$dir/$MARKER" ]; then
        if [ -z "$(ls -A "$dir")" ]; then
            rmdir "$dir"
            return 0
        fi
        die "'$dir' was not created by pg_cluster.sh (no $MARKER); not removing it"
    fi
    run=$(run_dir_of "$dir")
    stop_server "$run/data"
    if [ "$run" != "$dir" ] && [ -e "$run/$MARKER" ]; then
        rm -rf -- "$run"
    fi
    rm -rf -- "$dir"
}

# psql as the superuser over the socket, for setup steps.
setup_psql() {
    local run=$1 port=$2
    shift 2
    env -u PGSERVICE -u PGOPTIONS -u PGSSLMODE \
        "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$run/sock" -p "$port" \
        -U postgres -d postgres "$@"
}

cmd_start() {
    local dir=$1 run data sock logf port attempt started=0 loglines
    local sock_suffix=/sock/.s.PGSQL.NNNNN

    [ -x "$PGBIN/initdb" ] || die "no initdb in '$PGBIN' (set PGBIN)"

    if [ -e "$dir" ]; then
        if [ -e "$dir/$MARKER" ]; then
            cmd_stop "$dir"                    # stale cluster from an earlier run
        elif [ -d "$dir" ] && [ -z "$(ls -A "$dir")" ]; then
            :                                  # empty: use it
        else
            die "'$dir' exists and is not an empty dir or an earlier cluster"
        fi
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    touch "$dir/$MARKER"
    chmod 755 "$dir"

    # Where data and socket live: DIR itself, or a short private /tmp dir.
    run=$dir
    if ! pg_can_enter "$dir" || [ $((${#dir} + ${#sock_suffix})) -gt $SOCK_PATH_MAX ]; then
        run=$(mktemp -d /tmp/rcr-pg.XXXXXX)
        chmod 755 "$run"
        touch "$run/$MARKER"
        echo "$run" >"$dir/run_dir"
        pg_can_enter "$run" || die "postgres cannot enter '$run'"
    fi
    data=$run/data
    sock=$run/sock
    logf=$run/log/postgres.log
    mkdir -p "$data" "$sock" "$run/log"
    chmod 700 "$data"
    chmod 755 "$sock" "$run/log"
    give_to_pg "$data"
    give_to_pg "$sock"
    give_to_pg "$run/log"

    if ! as_pg "$PGBIN/initdb" -D "$data" -U postgres -A trust -E UTF8 \
        --locale=C --no-sync >"$run/log/initdb.log" 2>&1; then
        cat "$run/log/initdb.log" >&2
        die "initdb failed for '$data'"
    fi

    # Our settings go in an included file so the port can be rewritten per try.
    cat >>"$data/postgresql.conf" <<EOF

# --- rcr test cluster (pg_cluster.sh) ---
include 'rcr_test.conf'
include 'rcr_port.conf'
EOF
    cat >"$data/rcr_test.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 1GB
password_encryption = 'scram-sha-256'
logging_collector = off
log_min_messages = warning
EOF
    if [ -n "${RCR_TEST_PG_CONF:-}" ]; then
        printf '%s\n' "$RCR_TEST_PG_CONF" >>"$data/rcr_test.conf"
    fi
    local ssl=0
    if [ -n "${RCR_TEST_SSL_CERT:-}" ] || [ -n "${RCR_TEST_SSL_KEY:-}" ]; then
        [ -r "${RCR_TEST_SSL_CERT:-}" ] && [ -r "${RCR_TEST_SSL_KEY:-}" ] ||
            die "RCR_TEST_SSL_CERT and RCR_TEST_SSL_KEY must both name readable files"
        ssl=1
        cp "$RCR_TEST_SSL_CERT" "$data/server.crt"
        cp "$RCR_TEST_SSL_KEY" "$data/server.key"
        chmod 600 "$data/server.key"
        if is_root; then
            chown postgres:postgres "$data/server.crt" "$data/server.key"
        fi
        printf "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" >>"$data/rcr_test.conf"
    fi
    {
        echo "# TYPE     DATABASE  USER       ADDRESS        METHOD"
        echo "local      all       all                       trust"
        if [ $ssl = 1 ]; then
            echo "hostnossl  all       $SSL_USER    127.0.0.1/32   reject"
            echo "hostssl    all       $NOSSL_USER  127.0.0.1/32   reject"
        fi
        echo "host       all       all        127.0.0.1/32   scram-sha-256"
    } >"$data/pg_hba.conf"
    if is_root; then
        chown postgres:postgres "$data/rcr_test.conf"
    fi

    for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
        port=$(pick_port)
        echo "port = $port" >"$data/rcr_port.conf"
        give_to_pg "$data/rcr_port.conf"
        loglines=0
        if [ -f "$logf" ]; then loglines=$(wc -l <"$logf"); fi
        if as_pg "$PGBIN/pg_ctl" -D "$data" -l "$logf" -w -t 60 start >/dev/null 2>&1; then
            started=1
            break
        fi
        # Most likely another cluster took the port between check and bind.
        stop_server "$data"
        if ! tail -n +$((loglines + 1)) "$logf" 2>/dev/null | grep -q \
            -e 'could not bind' -e 'could not create any TCP/IP sockets'; then
            break
        fi
    done
    if [ "$started" -ne 1 ]; then
        tail -n 30 "$logf" >&2 2>/dev/null || true
        die "could not start the cluster in '$data' (see $logf)"
    fi

    setup_psql "$run" "$port" \
        -c "CREATE ROLE $PW_USER LOGIN SUPERUSER PASSWORD '$PW_PASSWORD'" ||
        die "could not create role $PW_USER"
    if [ $ssl = 1 ]; then
        setup_psql "$run" "$port" \
            -c "CREATE ROLE $SSL_USER LOGIN SUPERUSER PASSWORD '$PW_PASSWORD'" \
            -c "CREATE ROLE $NOSSL_USER LOGIN SUPERUSER PASSWORD '$PW_PASSWORD'" ||
            die "could not create the SSL test roles"
    fi

    {
        printf 'export PGHOST=%q\n' "$sock"
        printf 'export PGPORT=%q\n' "$port"
        printf 'export PGUSER=postgres\n'
        printf 'export PGDATABASE=postgres\n'
        printf 'export RCR_TEST_PGBIN=%q\n' "$PGBIN"
        printf 'export RCR_TEST_PGDATA=%q\n' "$data"
        printf 'export RCR_TEST_PGLOG=%q\n' "$logf"
        printf 'export RCR_TEST_TCP_HOST=127.0.0.1\n'
        printf 'export RCR_TEST_PW_USER=%q\n' "$PW_USER"
        printf 'export RCR_TEST_PW_PASSWORD=%q\n' "$PW_PASSWORD"
        if [ $ssl = 1 ]; then
            printf 'export RCR_TEST_SSL_USER=%q\n' "$SSL_USER"
            printf 'export RCR_TEST_NOSSL_USER=%q\n' "$NOSSL_USER"
        fi
    } >"$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    echo "$dir/env"
}

[ $# -eq 2 ] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
*) usage ;;
esac
