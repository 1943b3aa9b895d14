#!/usr/bin/env bash
# Builds the Python package into the repository's .venv and runs its tests: pytest (vectors,
# API, real SDK objects, examples), mypy's stubtest against the built native module, and a
# strict type check of the examples against the stub.
#   HAILOG_PY_PROFILE  cargo profile for the native module (default: dev; "ci" or "release" to
#                      benchmark the same build)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${HAILOG_PY_PROFILE:-dev}
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
py="$venv/bin/python"

# Installing the test requirements costs a network round trip per package even when nothing
# changes, so it is skipped while the requirements file is unchanged.
reqs=bindings-python/tests/requirements.txt
stamp="$venv/.hailog-test-requirements"
if ! cmp -s "$reqs" "$stamp"; then
  "$py" -m pip install --quiet --disable-pip-version-check -r "$reqs"
  cp "$reqs" "$stamp"
fi

VIRTUAL_ENV="$PWD/$venv" "$venv/bin/maturin" develop --quiet \
  --manifest-path bindings-python/Cargo.toml --profile "$profile"

# pytest exits with 5 when it collected nothing; that is a failure here too.
set +e
"$py" -m pytest bindings-python/tests -q -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test.sh: pytest collected no tests" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

"$py" -m mypy.stubtest hailog._hailog
# The examples are type-checked against the shipped stub, strictly, as users' code would be.
"$py" -m mypy --strict --no-incremental examples/python bindings-python/python/hailog
