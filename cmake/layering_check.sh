#!/usr/bin/env bash
# The include directions of docs/architecture.md, checked on the sources (ctest: layering).
# A system-wide Boost would let a wrong include compile, so the rules are read off the
# #include lines themselves.
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"
failed=0

# forbid DIRS... -- PATTERN REASON: no #include in DIRS matches PATTERN.
forbid() {
  local pattern="$1" reason="$2"
  shift 2
  (($#)) || return 0
  local hits
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" "$@" 2>/dev/null)
  if [[ -n $hits ]]; then
    echo "layering: $reason:"
    echo "$hits" | sed 's/^/  /'
    failed=1
  fi
}

codec=(src/codec include/sockio/codec)
forbid 'boost/|spdlog/|sockio/(engine|sio|adapter|io|client|redis)/' \
  "the codecs are pure (no Asio, Beast, spdlog or other sockio layer)" "${codec[@]}"
forbid 'sockio/(sio|adapter|client|redis)/' "the engine knows nothing of Socket.IO" \
  src/engine include/sockio/engine
forbid 'sockio/(engine|sio|adapter)/' "the client links the codecs only, never the server" \
  $(ls -d src/client include/sockio/client 2>/dev/null)
forbid 'sockio/(engine|sio|adapter)/' "the load generator links the codecs only" bench/sockio_bench.cpp bench/load
# The Redis connection and the emitter need only the codecs and Asio; the adapter sits on sio.
forbid 'sockio/(engine|sio|adapter|client)/' "the Redis connection and emitter link the codecs and Asio only" \
  src/redis/*.cpp src/redis/detail include/sockio/redis/{url,reply,error,connection,emitter}.hpp
forbid 'sockio/(client)/' "the Redis adapter is a server part" src/redis/adapter
forbid '\.\./|.*src/|detail/' "public headers include neither src/ nor detail/ headers" include
forbid '\.\./|.*src/|detail/' "nothing outside the libraries includes their src/ or detail/ headers" \
  apps bench examples tests
forbid '\.\./' "a library includes its own detail/ headers or public ones, never another's by path" src

if ((failed)); then
  echo "layering: FAILED"
  exit 1
fi
echo "layering: include directions hold"
