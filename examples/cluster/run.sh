#!/usr/bin/env bash
# The demo chat on three sockio-server nodes behind nginx, on one redis-server, all on
# free loopback ports. Open the printed URL in two browsers: messages and presence cross
# nodes. Ctrl-C stops everything this script started.
#   examples/cluster/run.sh [--nodes N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nodes=3
if [[ ${1:-} == --nodes ]]; then nodes="$2"; fi

"$root/scripts/setup"
cmake --preset release >/dev/null
cmake --build --preset release --target sockio-server
server="$root/build/release/apps/sockio-server/sockio-server"

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
work="$(mktemp -d /tmp/sockio-cluster.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" &
pids+=($!)
redis_url="redis://127.0.0.1:$redis_port"

upstreams=""
for i in $(seq 1 "$nodes"); do
  port="$(free_port)"
  "$server" --host 127.0.0.1 --port "$port" --cluster-adapter redis --cluster-redis-url "$redis_url" >"$work/node$i.log" 2>&1 &
  pids+=($!)
  upstreams+="server 127.0.0.1:$port;"$'\n'
  echo "node $i: http://127.0.0.1:$port (log: $work/node$i.log)"
done

listen_port="$(free_port)"
mkdir -p "$work/nginx"
sed -e "s|@PREFIX@|$work/nginx|g" -e "s|@LISTEN@|127.0.0.1:$listen_port|g" \
  -e "s|@UPSTREAMS@|${upstreams//$'\n'/ }|" "$root/examples/cluster/nginx.conf.template" >"$work/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx.conf" &
pids+=($!)

echo "cluster: http://127.0.0.1:$listen_port  (redis $redis_url; Ctrl-C stops)"
wait -n "${pids[@]}"
echo "a process of the cluster exited; stopping the others"
