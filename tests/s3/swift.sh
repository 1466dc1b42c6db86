#!/usr/bin/env bash
# A throwaway all-in-one OpenStack Swift with the s3api middleware, on loopback ports, for tests.
#   tests/s3/swift.sh start DIR   builds DIR (configs, rings, one device), starts the proxy, account,
#                                 container and object servers in the background, waits until S3
#                                 answers, and writes DIR/env (S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID,
#                                 S3_SECRET_ACCESS_KEY) for `source`.
#   tests/s3/swift.sh stop DIR    stops the servers started from DIR (by their pid files).
#   tests/s3/swift.sh pause DIR   stops only the proxy (S3 refuses connections; data is kept).
#   tests/s3/swift.sh resume DIR  starts the proxy again on its port and waits until S3 answers.
# SWIFT_ACCESS_LOG_UDP=PORT at start: the proxy sends one access-log line per S3 request
# ("METHOD PATH?QUERY STATUS") as UDP datagrams to 127.0.0.1:PORT (tests count writes with it).
# Runs Debian's /usr/bin/python3 with python3-swift (not a pyenv python).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
cmd=${1:?usage: swift.sh start|stop|pause|resume DIR}
dir=${2:?usage: swift.sh start|stop|pause|resume DIR}
servers=(proxy account container object)

stop_server() { # NAME: stops the server started from DIR by that name (its pid file)
  local pf="$dir/run/$1.pid"
  [ -f "$pf" ] || return 0
  local pid
  pid=$(cat "$pf")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pf"
}

stop() {
  for s in "${servers[@]}"; do stop_server "$s"; done
}

free_ports() { # prints N free loopback TCP ports
  "$PY" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(('127.0.0.1', 0)); socks.append(s)
print(' '.join(str(s.getsockname()[1]) for s in socks))
PY
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  stop
  rm -rf "$dir/etc" "$dir/srv" "$dir/run" "$dir/log"
  mkdir -p "$dir/etc" "$dir/srv/sdb1" "$dir/run" "$dir/log"
  read -r p_proxy p_account p_container p_object <<<"$(free_ports 4)"
  local region=${S3_REGION:-us-west-2}
  local access_log=""
  if [ -n "${SWIFT_ACCESS_LOG_UDP:-}" ]; then
    access_log="access_log_level = INFO
access_log_udp_host = 127.0.0.1
access_log_udp_port = $SWIFT_ACCESS_LOG_UDP
log_msg_template = {method} {path} {status_int} {source}
"
  fi
  cat >"$dir/etc/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = reelcut-test
swift_hash_path_prefix = reelcut-test
[storage-policy:0]
name = Policy-0
default = yes
[swift-constraints]
max_file_size = 5368709122
CONF
  local common="[DEFAULT]
bind_ip = 127.0.0.1
workers = 0
swift_dir = $dir/etc
devices = $dir/srv
mount_check = false
log_level = WARNING
log_address = $dir/run/nolog
"
  printf '%sbind_port = %s\n[pipeline:main]\npipeline = account-server\n[app:account-server]\nuse = egg:swift#account\n' \
    "$common" "$p_account" >"$dir/etc/account.conf"
  printf '%sbind_port = %s\n[pipeline:main]\npipeline = container-server\n[app:container-server]\nuse = egg:swift#container\n' \
    "$common" "$p_container" >"$dir/etc/container.conf"
  printf '%sbind_port = %s\n[pipeline:main]\npipeline = object-server\n[app:object-server]\nuse = egg:swift#object\n' \
    "$common" "$p_object" >"$dir/etc/object.conf"
  cat >"$dir/etc/proxy-server.conf" <<CONF
${common}bind_port = $p_proxy
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
location = $region
storage_domain = localhost
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
user_test2_other = other .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:1
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
${access_log}[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
  "$PY" "$here/swift_run.py" rings "$dir/etc" "$p_account" "$p_container" "$p_object"
  for s in "${servers[@]}"; do run_server "$s"; done
  cat >"$dir/env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$p_proxy
S3_REGION=$region
S3_ACCESS_KEY_ID=test:tester
S3_SECRET_ACCESS_KEY=testing
ENV
  printf 'machine 127.0.0.1\nlogin test:tester\npassword testing\n' >"$dir/netrc"
  chmod 600 "$dir/netrc"
  wait_ready "$p_account" "$p_container" "$p_object" "$p_proxy" "$region"
}

run_server() { # NAME: starts one server in the background, its pid in DIR/run/NAME.pid
  local conf="$dir/etc/$1.conf"
  [ "$1" = proxy ] && conf="$dir/etc/proxy-server.conf"
  setsid "$PY" "$here/swift_run.py" server "$dir/etc" "$conf" "$1-server" >>"$dir/log/$1.log" 2>&1 </dev/null &
  echo $! >"$dir/run/$1.pid"
}

port_of() { sed -n 's/^bind_port = //p' "$dir/etc/$1"; }

wait_ready() { # ACCOUNT CONTAINER OBJECT PROXY REGION ports
  local p_account=$1 p_container=$2 p_object=$3 p_proxy=$4 region=$5
  # Ready when the proxy answers and an S3 request gets past authentication (a bucket listing).
  for _ in $(seq 150); do
    # Every server must take connections first: a proxy that meets a dead backend error-limits it
    # (503s for a minute).
    if curl -s -m 2 -o /dev/null "http://127.0.0.1:$p_account/" &&
       curl -s -m 2 -o /dev/null "http://127.0.0.1:$p_container/" &&
       curl -s -m 2 -o /dev/null "http://127.0.0.1:$p_object/" &&
       curl -sf -m 2 -o /dev/null "http://127.0.0.1:$p_proxy/healthcheck" &&
       curl -sf -m 2 -o /dev/null --netrc-file "$dir/netrc" --aws-sigv4 "aws:amz:$region:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
         "http://127.0.0.1:$p_proxy/"; then
      return 0
    fi
    sleep 0.2
  done
  echo "swift.sh: Swift did not answer in 30 s; logs in $dir/log" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  [ -n "${SWIFT_KEEP:-}" ] || stop
  return 1
}

pause() { stop_server proxy; }

resume() {
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/run/proxy.pid" ] && return 0
  run_server proxy
  local region
  region=$(sed -n 's/^S3_REGION=//p' "$dir/env")
  wait_ready "$(port_of account.conf)" "$(port_of container.conf)" "$(port_of object.conf)" \
    "$(port_of proxy-server.conf)" "$region"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  *) echo "usage: swift.sh start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
