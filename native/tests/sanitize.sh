#!/usr/bin/env bash
# The native tests, then the addon's mocha suite, under AddressSanitizer and UBSan.
#   bash native/tests/sanitize.sh            both phases
#   bash native/tests/sanitize.sh --native   native test programs only
#   bash native/tests/sanitize.sh --addon    sanitized addon + mocha only
# The sanitized addon is built in a scratch copy of the sources, so build/ (the release addon
# other work may be using) is never touched and nothing needs rebuilding afterwards.
# DNSGD_KEEP_SANITIZE_DIR=1 keeps that scratch copy and prints where it is.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

phase_native=1
phase_addon=1
for arg in "$@"; do
  case "$arg" in
    --native) phase_addon=0 ;;
    --addon) phase_native=0 ;;
    *) echo "usage: $0 [--native | --addon]" >&2; exit 2 ;;
  esac
done

san_flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
# halt_on_error makes any report fatal; leaks are checked for the native programs only,
# since node itself holds allocations until exit.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

if ((phase_native)); then
  echo "=== native tests under ASan + UBSan"
  DNSGD_TEST_FLAGS="-O1 -g $san_flags" \
    DNSGD_TEST_ENV="ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
    bash native/tests/run.sh
fi

if ((phase_addon)); then
  echo "=== addon under ASan + UBSan"
  asan_lib="$(g++ -print-file-name=libasan.so)"
  ubsan_lib="$(g++ -print-file-name=libubsan.so)"
  if [[ ! -e "$asan_lib" || ! -e "$ubsan_lib" ]]; then
    echo "sanitizer runtimes not found next to g++ ($asan_lib, $ubsan_lib)" >&2
    exit 1
  fi
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/dnsgd-sanitize-addon.XXXXXX")"
  if [[ -n "${DNSGD_KEEP_SANITIZE_DIR:-}" ]]; then
    echo "scratch copy kept in $scratch"
  else
    trap 'rm -rf "$scratch"' EXIT
  fi
  # Only what the gyp build reads; node_modules is shared through a link for node-addon-api.
  cp -R package.json binding.gyp native "$scratch/"
  ln -s "$root/node_modules" "$scratch/node_modules"
  # npm run puts npm's own node-gyp on PATH, so nothing is fetched. The gyp Makefile reads
  # CFLAGS, CXXFLAGS and LDFLAGS from the environment.
  (cd "$scratch" && CFLAGS="$san_flags" CXXFLAGS="$san_flags" \
    LDFLAGS="-fsanitize=address,undefined" npm run --silent build:native -- --debug)
  addon="$scratch/build/Debug/dnsgd.node"
  [[ -f "$addon" ]] || { echo "sanitized addon was not built" >&2; exit 1; }

  # node is not instrumented, so the runtimes are preloaded; ASan must come first.
  san_env=(LD_PRELOAD="$asan_lib:$ubsan_lib"
           ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:alloc_dealloc_mismatch=0"
           DNSGD_ADDON="$addon")
  echo "--- loading the sanitized addon"
  env "${san_env[@]}" node -e \
    "const a = require(process.env.DNSGD_ADDON); console.log('addon isa:', a.isa());"

  shopt -s nullglob globstar
  specs=(test/**/*.test.ts)
  if ((${#specs[@]} == 0)); then
    echo "--- no mocha tests under test/ yet: the addon phase stops after loading the addon"
  else
    echo "--- mocha"
    npm run --silent build:test
    env "${san_env[@]}" node_modules/.bin/mocha
  fi
fi
echo "sanitize: all phases passed"
