#!/usr/bin/env bash
# Starts / stops a throwaway PostgreSQL server for the store tests, on a Unix socket only.
#   pg_server.sh start DIR   initdb DIR/data (trust auth, C locale) unless it exists, then start the
#                            server with its socket at DIR/.s.PGSQL.5432
#   pg_server.sh stop DIR    stops it (start again resumes; the caller removes DIR)
#   pg_server.sh restart DIR pg_ctl restart -m fast (clients lose their connections)
# Exit status 77 = no PostgreSQL server binaries on this machine, or REELCUT_TEST_NO_PG=1 (the
# test then reports every PostgreSQL case as skipped).
set -euo pipefail
cmd=$1 dir=$2
[ "${REELCUT_TEST_NO_PG:-0}" = 1 ] && { echo "pg_server: disabled by REELCUT_TEST_NO_PG=1" >&2; exit 77; }
bin=""
for d in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then bin=$d; break; fi
done
[ -n "$bin" ] || { echo "pg_server: no PostgreSQL server binaries found" >&2; exit 77; }
# PostgreSQL refuses to run as root: use the postgres account then.
as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "pg_server: running as root without a postgres user" >&2; exit 77; }
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
case "$cmd" in
  start)
    if [ ! -d "$dir/data" ]; then
      "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --locale=C -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p 5432 -c listen_addresses= -c fsync=off -c max_connections=100" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  restart)
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  *) echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
