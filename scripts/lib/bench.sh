# Shared by scripts/bench-artifacts and scripts/bench-reg (sourced): timing a command against its limit
# in the same run, and the markdown rows that say how far from the limit it is.
# Needs BENCH_DIR (a scratch folder) and GNU time at /usr/bin/time.

# bench_run FILE CMD...: runs CMD once (output discarded) and appends "<wall seconds> <peak RSS KiB>"
# to FILE. Wall time is bash's microsecond clock around /usr/bin/time (whose own clock has 10 ms steps),
# so both sides of a pair pay the same wrapper; RSS is the largest process's.
bench_run() {
    local out=$1
    shift
    local start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$BENCH_DIR/rss" "$@" >/dev/null 2>"$BENCH_DIR/stderr" || {
        echo "failed: $*" >&2
        cat "$BENCH_DIR/stderr" >&2
        return 1
    }
    local end=$EPOCHREALTIME
    echo "$(awk "BEGIN{print $end - $start}") $(cat "$BENCH_DIR/rss")" >>"$out"
}

# bench_header: the table's header.
bench_header() {
    echo "| work | wash (median) | wash peak RSS | limit | limit (median) | ratio | target | |"
    echo "|---|---|---|---|---|---|---|---|"
}

# bench_row WORK OURS_FILE LIMIT_NAME LIMIT_FILE MAX_RATIO [MAX_RSS_MIB]: one row: medians of both
# files, the ratio of the medians, and whether it meets MAX_RATIO (and MAX_RSS_MIB for our peak).
bench_row() {
    python3 - "$@" <<'PY'
import statistics, sys
work, ours, limit_name, limit, max_ratio = sys.argv[1:6]
max_rss = float(sys.argv[6]) if len(sys.argv) > 6 else None
def load(path):
    rows = [tuple(map(float, l.split())) for l in open(path) if l.strip()]
    return statistics.median(r[0] for r in rows), max(r[1] for r in rows) / 1024
def fmt(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"
o, orss = load(ours)
l, _ = load(limit)
ratio = o / l
ok = ratio <= float(max_ratio) and (max_rss is None or orss <= max_rss)
target = f"≤ {max_ratio}×" + (f", ≤ {max_rss:g} MiB" if max_rss is not None else "")
print(f"| {work} | {fmt(o)} | {orss:.1f} MiB | {limit_name} | {fmt(l)} | {ratio:.2f}× | {target} | {'ok' if ok else 'MISSED'} |")
PY
}
