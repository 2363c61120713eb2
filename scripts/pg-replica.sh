#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL cluster, on this machine: for the replica tests
# (tests/test_replicas.py), CI (.ci/run) and benchmarks/replica.py. See docs/scale.md for production.
#
#   bash scripts/pg-replica.sh start  [PORT]   # pg_basebackup -R of 127.0.0.1:5432 into a second cluster on PORT
#   bash scripts/pg-replica.sh status [PORT]   # exit 0 when it runs as a standby, 3 when it does not run
#   bash scripts/pg-replica.sh stop   [PORT]   # stops it, removes its data directory and its replication slot
#
# PORT defaults to 5433. Run as root (PostgreSQL's commands run as postgres through runuser) or as postgres.
# The primary is never restarted (other people's tests run against it): when its pg_hba.conf refuses
# replication connections from 127.0.0.1, one line is appended (with the method its 127.0.0.1 line already
# uses) and the primary is reloaded — SELECT pg_reload_conf(), which leaves every session alone.
# Idempotent: start on a running standby only reports it; start over a stopped one's leftovers makes it anew.
set -euo pipefail

ACTION=${1:-status}
PORT=${2:-${NPL_REPLICA_PORT:-5433}}
PRIMARY_HOST=${NPL_PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${NPL_PRIMARY_PORT:-5432}
PGSUPER=${NPL_PRIMARY_USER:-postgres}

die() { echo "pg-replica: $*" >&2; exit 1; }
say() { echo "pg-replica: $*"; }

case "$ACTION" in start | stop | status) ;; *) die "usage: $0 start|stop|status [PORT]" ;; esac
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number (got '$PORT')"
[ "$PORT" != "$PRIMARY_PORT" ] || die "PORT $PORT is the primary's port"

# PostgreSQL refuses to run as root: its commands run as postgres.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  elif [ "$(id -un)" = postgres ]; then
    "$@"
  else
    die "run as root or as postgres"
  fi
}
primary_sql() { psql -X -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PGSUPER" -d postgres -tAc "$1"; }
replica_sql() { psql -X -q -h 127.0.0.1 -p "$PORT" -U "$PGSUPER" -d postgres -tAc "$1"; }

pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" || die "the primary $PRIMARY_HOST:$PRIMARY_PORT does not answer"
MAJOR=$(($(primary_sql "SHOW server_version_num") / 10000))
BIN=/usr/lib/postgresql/$MAJOR/bin
[ -x "$BIN/pg_ctl" ] || die "$BIN/pg_ctl not found (Debian's postgresql-$MAJOR package)"
# Beside the primary's own data directory: /var/lib/postgresql/15/main → /var/lib/postgresql/15/replica-5433.
BASE=$(dirname "$(primary_sql "SHOW data_directory")")
DATA=$BASE/replica-$PORT
LOG=$BASE/replica-$PORT.log
SLOT=npl_replica_$PORT
NAME=npl-replica-$PORT

running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
standby() { [ "$(replica_sql "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ]; }

status() {
  if ! running; then
    say "no replica runs on port $PORT"
    return 3
  fi
  if ! standby; then
    say "a server runs from $DATA on port $PORT but is not a standby (promoted?)"
    return 1
  fi
  replica_sql "SELECT 'replica on 127.0.0.1:' || inet_server_port() || ', standby of $PRIMARY_HOST:$PRIMARY_PORT; replayed '
               || pg_last_wal_replay_lsn() || ' of ' || pg_last_wal_receive_lsn() || ' received; last replayed commit at '
               || COALESCE(pg_last_xact_replay_timestamp()::text, '(none yet)')"
  primary_sql "SELECT 'primary sees it: ' || state || ', replay lag ' || COALESCE(replay_lag::text, '0')
               FROM pg_stat_replication WHERE application_name = '$NAME'"
  say "data $DATA, log $LOG, slot $SLOT"
}

# The primary must accept a replication connection from 127.0.0.1 (pg_hba's "all" does not cover replication).
ensure_replication_allowed() {
  if psql -X -q "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PGSUPER dbname=postgres replication=true" \
      -c "IDENTIFY_SYSTEM" >/dev/null 2>&1; then
    return 0
  fi
  local hba method
  hba=$(primary_sql "SHOW hba_file")
  method=$(primary_sql "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND 'all' = ANY(database)
                        AND address IN ('127.0.0.1', 'all') ORDER BY line_number LIMIT 1")
  method=${method:-scram-sha-256}
  say "the primary refuses replication from 127.0.0.1: adding to $hba, then reloading it (no restart)"
  [ -f "$hba.npl-backup" ] || cp -p "$hba" "$hba.npl-backup"
  printf '%s\n' "host    replication     all             127.0.0.1/32            $method   # scripts/pg-replica.sh (npl)" >>"$hba"
  [ "$(primary_sql "SELECT pg_reload_conf()")" = t ] || die "the primary did not reload its configuration"
  for _ in $(seq 1 20); do
    psql -X -q "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PGSUPER dbname=postgres replication=true" \
      -c "IDENTIFY_SYSTEM" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "the primary still refuses replication connections from 127.0.0.1 (see $hba)"
}

drop_slot() {
  for _ in $(seq 1 20); do
    case "$(primary_sql "SELECT active FROM pg_replication_slots WHERE slot_name = '$SLOT'")" in
      "") return 0 ;;
      f) primary_sql "SELECT pg_drop_replication_slot('$SLOT')" >/dev/null && return 0 ;;
    esac
    sleep 0.5  # the walsender of a replica just stopped lets go of its slot a moment later
  done
  die "replication slot $SLOT is still in use on the primary"
}

start() {
  if running; then
    if standby; then
      say "already running"
      status
      return 0
    fi
    die "a server runs from $DATA on port $PORT and is not a standby: stop it first ($0 stop $PORT)"
  fi
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    die "port $PORT is taken by another server"
  fi
  ensure_replication_allowed
  # Leftovers of a replica that was stopped without this script: made anew, the primary has moved on.
  rm -rf "$DATA" "$LOG"
  drop_slot
  say "copying $PRIMARY_HOST:$PRIMARY_PORT into $DATA (pg_basebackup -R, slot $SLOT)"
  # An empty directory owned by postgres (Debian's /var/lib/postgresql/15 itself belongs to root).
  install -d -m 700 -o postgres -g postgres "$DATA"
  if [ "$(id -u)" = 0 ]; then install -m 600 -o postgres -g postgres /dev/null "$LOG"; fi
  # -C -S: a replication slot keeps the WAL this replica still needs; `stop` drops it, so WAL never piles up.
  as_pg pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PGSUPER" -D "$DATA" -R -X stream -C -S "$SLOT" \
    --checkpoint=fast --no-password
  # Debian keeps a cluster's configuration in /etc/postgresql, outside the data directory that was copied:
  # the replica gets its own. A hot standby needs these limits at least as high as the primary's.
  local limits
  limits=$(primary_sql "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN
                        ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions',
                         'max_locks_per_transaction')")
  as_pg tee "$DATA/postgresql.conf" >/dev/null <<EOF
# Made by scripts/pg-replica.sh: a streaming standby of $PRIMARY_HOST:$PRIMARY_PORT (primary_conninfo is in postgresql.auto.conf).
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
cluster_name = '$NAME'
hot_standby = on
# The primary keeps the rows a report on this replica still reads: no report cancelled by a vacuum there.
hot_standby_feedback = on
shared_buffers = 64MB
ssl = off
logging_collector = off
$limits
EOF
  as_pg cp "$(primary_sql "SHOW hba_file")" "$DATA/pg_hba.conf"
  as_pg cp "$(primary_sql "SHOW ident_file")" "$DATA/pg_ident.conf"
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start >/dev/null || { tail -n 20 "$LOG" >&2; die "the replica did not start"; }
  for _ in $(seq 1 120); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT" && standby; then
      status
      say "use it with DATABASE_REPLICA_URLS=postgres://$PGSUPER@127.0.0.1:$PORT/<database>"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$LOG" >&2
  die "the replica on port $PORT does not accept connections as a standby"
}

stop() {
  if running; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    say "stopped the replica on port $PORT"
  fi
  rm -rf "$DATA" "$LOG"
  drop_slot
  say "removed $DATA and slot $SLOT"
}

"$ACTION"
