#!/usr/bin/env bash
# A newcomer's first `make run`, timed: clone the repository into a fresh directory, start
# `make run` there and print how long it takes until the API answers an authenticated
# request, then stop the server. Nothing in the source repository is touched.
#
#   bench/first_run.sh [clone-dir] [port]      # defaults: a temporary directory, 8123
#
# Prints the seconds to each milestone: dependencies installed, database migrated, demo
# data loaded, `/healthz` answering, and the first authenticated answer. The clone is
# removed afterwards unless a directory was given.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-}"
port="${2:-8123}"
keep=1
if [[ -z "$dest" ]]; then
    dest="$(mktemp -d)/concierge"
    keep=0
fi
rm -rf "$dest"
git clone --quiet "$src" "$dest"
log="$dest.first-run.log"
cd "$dest"

start=$(date +%s%N)
elapsed() { local ms=$((($(date +%s%N) - start) / 1000000)); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
setsid env PORT="$port" make run >"$log" 2>&1 &
pid=$!
cleanup() {
    kill -INT -- "-$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    if [[ $keep == 0 ]]; then rm -rf "$(dirname "$dest")"; fi
}
trap cleanup EXIT

seen_install="" seen_migrate="" seen_seed="" seen_health=""
deadline=$((SECONDS + 1200))
while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || { echo "make run exited early:"; tail -n 30 "$log"; exit 1; }
    if [[ -z $seen_install && -e .venv/.installed ]]; then
        seen_install=$(elapsed); echo "installed      ${seen_install}s"
    fi
    if [[ -z $seen_migrate ]] && grep -q "Demo data ready" "$log"; then
        seen_migrate=1; seen_seed=$(elapsed); echo "migrated+demo  ${seen_seed}s"
    fi
    if [[ -z $seen_health ]] && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
        seen_health=$(elapsed); echo "healthz        ${seen_health}s"
        token=$(grep -m1 -oE 'manager@demo.test +token [0-9a-f]{40}' "$log" | awk '{print $3}')
        curl -fsS -H "Authorization: Token $token" "http://127.0.0.1:$port/api/v1/me/" >/dev/null
        echo "first answer   $(elapsed)s  (GET /api/v1/me/ as the demo manager)"
        echo "deprecation warnings printed: $(grep -c 'is deprecated' "$log" || true)"
        echo "lines mentioning port $port: $(grep -c ":$port" "$log" || true);" \
            "mentioning another port: $(grep -E '127\.0\.0\.1:[0-9]+' "$log" | grep -vc ":$port" || true)"
        exit 0
    fi
    sleep 0.5
done
echo "no answer within 20 minutes"; tail -n 30 "$log"; exit 1
