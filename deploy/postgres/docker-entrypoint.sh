#!/usr/bin/env bash
# docker-entrypoint.sh - the official postgres image's start, for the stand-in
#
# First start (empty PGDATA): initdb as POSTGRES_USER with POSTGRES_PASSWORD,
# create POSTGRES_DB, run /docker-entrypoint-initdb.d/ in name order against
# a server that listens on its socket only, stop it. Every start: exec
# postgres listening on all addresses, password (scram-sha-256) required
# from the network.
set -Eeuo pipefail

# POSTGRES_X from $POSTGRES_X or from the file named by $POSTGRES_X_FILE.
file_env() {
    local var=$1 file_var="${1}_FILE" default=${2:-}
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        echo "error: both $var and $file_var are set" >&2
        exit 1
    fi
    local value=$default
    if [ -n "${!var:-}" ]; then value=${!var}; elif [ -n "${!file_var:-}" ]; then value=$(< "${!file_var}"); fi
    export "$var"="$value"
    unset "$file_var"
}

# Arguments that start with '-' are postgres's own.
if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ "$1" = postgres ]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
            echo "error: database is uninitialized and superuser password is not specified." >&2
            echo "       set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
            exit 1
        fi
        pwfile=$(mktemp)
        printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
        # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of arguments
        initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
            --auth-host="$auth" -D "$PGDATA" $POSTGRES_INITDB_ARGS
        rm -f "$pwfile"
        printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
        # A server on its socket only, for the init scripts.
        pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
        export PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD
        psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
        if [ "$POSTGRES_DB" != postgres ]; then
            "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
        fi
        psql+=(--dbname "$POSTGRES_DB")
        shopt -s nullglob
        for f in /docker-entrypoint-initdb.d/*; do
            case "$f" in
                *.sh)  echo "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
                *.sql) echo "running $f"; "${psql[@]}" -f "$f" ;;
                *)     echo "ignoring $f" ;;
            esac
        done
        pg_ctl -D "$PGDATA" -m fast -w stop
        unset PGPASSWORD
        echo "PostgreSQL init process complete; ready for start up."
    fi
    exec postgres -c listen_addresses='*' "${@:2}"
fi

exec "$@"
