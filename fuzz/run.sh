#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (FUZZ_SECONDS, default 60) from its seed corpus and
# fails on the first crash. Installs cargo-fuzz when missing. Only stable Rust is assumed:
# RUSTC_BOOTSTRAP lets it accept the sanitizer flags cargo-fuzz passes.
# Under CI (CI=true) the run is reproducible: a fixed seed (FUZZ_SEED, default 1) and at most
# FUZZ_RUNS inputs per target (default 50000), so a red CI can be replayed exactly and a change
# is judged on the same inputs. By hand, each run explores from a fresh random seed.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-60}
limits=()
if [ "${CI:-}" = "true" ] || [ -n "${FUZZ_SEED:-}" ]; then
  limits=(-seed="${FUZZ_SEED:-1}" -runs="${FUZZ_RUNS:-50000}")
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(hail_reader stream_parser usage_body price_file litellm_file)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  # Inputs libFuzzer finds go to corpus/ (ignored by git); the committed seeds stay read-only.
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${seconds}s"
  log="corpus/$t.log"
  if ! cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" "${limits[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $t crashed; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" || true
done
