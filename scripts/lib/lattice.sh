# Shared by scripts/bench-lattice and scripts/bench-traces (sourced, from the project's root): the
# release build a kvcounter lattice needs, the lattice itself (a host with kvcounter, httpserver and
# kv-redis, linked), and the CPU time its processes spend.
# Needs `wash` (the wash binary to run) and `providers` (the folder holding httpserver and kv-redis).

# lattice_build: installs what is missing and builds, in release, wash, the providers, the baselines
# and kvcounter.
lattice_build() {
    command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
    ./dev setup
    # The nats-server `./dev setup` installed (into .tools/venv).
    export WASH_NATS_SERVER="$PWD/.tools/venv/bin/nats-server"
    echo "==> release build (wash, providers, baseline, kvcounter)" >&2
    cargo build --release --locked -p wash -p httpserver -p kv-redis -p direct-counter -p otlp-sink --bins
    cargo build --release --locked --target wasm32-unknown-unknown \
        --manifest-path examples/kvcounter/Cargo.toml --target-dir target/examples
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# lattice_artifacts DIR: the signed kvcounter (KVCOUNTER_MODULE when set) and the two provider
# archives, written into DIR.
lattice_artifacts() {
    local dir=$1
    if [[ -n ${KVCOUNTER_MODULE:-} ]]; then
        cp "$KVCOUNTER_MODULE" "$dir/kvcounter_s.wasm"
    else
        $wash claims sign target/examples/wasm32-unknown-unknown/release/kvcounter.wasm --name kvcounter \
            --keyvalue --http_server --destination "$dir/kvcounter_s.wasm" --quiet >/dev/null
    fi
    $wash par create --capid wasmcloud:httpserver --vendor bench --name httpserver --arch "$(uname -m)-linux" \
        --binary "$providers/httpserver" --destination "$dir/httpserver.par" --quiet >/dev/null
    $wash par create --capid wasmcloud:keyvalue --vendor bench --name kv-redis --arch "$(uname -m)-linux" \
        --binary "$providers/kv-redis" --destination "$dir/kv-redis.par" --quiet >/dev/null
}

# lattice_start ARTIFACTS NATS_PORT HTTP_PORT REDIS_PORT [VAR=value...]: `wash up` in $WASH_HOME on
# its own nats-server, with the variables given (the host passes the OTEL_* ones to its providers),
# then kvcounter, httpserver and kv-redis from ARTIFACTS, linked, and one request through them.
lattice_start() {
    local dir=$1 nats_port=$2 http_port=$3 redis_port=$4
    shift 4
    env "$@" $wash up --detached --nats-port "$nats_port" --quiet >/dev/null
    local field='import json,sys; print(json.load(sys.stdin)[sys.argv[1]])'
    local actor http kv
    actor=$($wash ctl start actor "$dir/kvcounter_s.wasm" -o json | python3 -c "$field" actor_id)
    http=$($wash ctl start provider "$dir/httpserver.par" -o json | python3 -c "$field" provider_id)
    kv=$($wash ctl start provider "$dir/kv-redis.par" -o json | python3 -c "$field" provider_id)
    $wash ctl link put "$actor" "$http" wasmcloud:httpserver "PORT=$http_port" --quiet >/dev/null
    $wash ctl link put "$actor" "$kv" wasmcloud:keyvalue "URL=redis://127.0.0.1:$redis_port/" --quiet >/dev/null
    curl -s --retry 20 --retry-connrefused --retry-delay 0 "http://127.0.0.1:$http_port/warmup" >/dev/null
}

# lattice_wrk DURATION PORT PATH: the benchmarks' load on a lattice (or the direct server), wrk's report
# on stdout.
lattice_wrk() { wrk -t2 -c32 -d"$1" --latency "http://127.0.0.1:$2/$3" 2>&1; }

# lattice_pids NATS_PORT: the pids of the host in $WASH_HOME, of its providers and of the nats-server
# on NATS_PORT, one per line.
lattice_pids() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$WASH_HOME/host.json"
    pgrep -f "$WASH_HOME/cache/providers/"
    pgrep -f "nats-server .*-p $1"
}

# cpu_ticks PID...: "pid ticks" for each (utime + stime of all its threads), sorted by pid.
cpu_ticks() {
    local pid
    for pid in "$@"; do echo "$pid $(awk '{print $14 + $15}' "/proc/$pid/stat")"; done | sort -k1,1
}

# process_name PID: what a lattice process is, for tables.
process_name() {
    local bin
    for bin in httpserver kv-redis; do
        cmp -s "/proc/$1/exe" "$providers/$bin" && { echo "provider $bin"; return; }
    done
    case $(cat "/proc/$1/comm") in
        wash) echo "host (wash up)" ;;
        *) cat "/proc/$1/comm" ;;
    esac
}
