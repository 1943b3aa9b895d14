#!/usr/bin/env bash
# Node package checks from a clean tree, non-interactively: install the locked dev tools, build
# the addon (debug profile: quicker on two cores), fail if the generated loader or its types
# drifted from the committed copies, type-check the examples and types test, run node --test.
set -euo pipefail
cd "$(dirname "$0")"

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# `npm ci` rejects this lock over optional platform packages of @napi-rs/cli (an npm bug);
# `npm install` still installs the locked versions.
npm install --ignore-scripts

./node_modules/.bin/napi build --platform --js native.js --dts native.d.ts

drift=$(git status --porcelain -- native.js native.d.ts)
if [ -n "$drift" ]; then
  echo "generated native.js / native.d.ts differ from the committed copies:" >&2
  git --no-pager diff -- native.js native.d.ts >&2
  echo "$drift" >&2
  echo "rebuild (npm run build:debug) and commit them" >&2
  exit 1
fi

mkdir -p ../examples/node/node_modules
[ -e ../examples/node/node_modules/hailog ] || ln -s ../../../bindings-node ../examples/node/node_modules/hailog

./node_modules/.bin/tsc --noEmit -p tsconfig.json
node --test "$@" __test__/
