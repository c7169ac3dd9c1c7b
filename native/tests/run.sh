#!/usr/bin/env bash
# Builds every native/tests/test_*.cc against all native/kernels/*.cc and runs each program.
# Exits non-zero when a build or a test fails. Options (environment):
#   DNSGD_TEST_FLAGS   compiler flags replacing the default optimisation (sanitize.sh sets it)
#   DNSGD_TEST_DIR     build directory to use and keep (default: a temporary one, removed)
#   DNSGD_TEST_ENV     extra "NAME=value ..." settings for running the programs
# The build lives outside build/ by default because `node-gyp rebuild` deletes build/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

cxx="${CXX:-g++}"
base_flags=(-std=c++17 -Wall -Wextra -Werror -pthread -Inative)
read -r -a opt_flags <<< "${DNSGD_TEST_FLAGS:--O2}"
read -r -a run_env <<< "${DNSGD_TEST_ENV:-}"

if [[ -n "${DNSGD_TEST_DIR:-}" ]]; then
  out="$DNSGD_TEST_DIR"
  mkdir -p "$out"
else
  out="$(mktemp -d "${TMPDIR:-/tmp}/dnsgd-native-tests.XXXXXX")"
  trap 'rm -rf "$out"' EXIT
fi

shopt -s nullglob
kernels=(native/kernels/*.cc)
tests=(native/tests/test_*.cc)
if ((${#tests[@]} == 0)); then
  echo "no native tests found under native/tests/test_*.cc" >&2
  exit 1
fi

# Kernels compile once, in parallel, then link into each test program.
jobs="$(nproc 2>/dev/null || echo 2)"
objs=()
pids=()
for src in "${kernels[@]}"; do
  obj="$out/kernels_$(basename "${src%.cc}").o"
  objs+=("$obj")
  "$cxx" "${base_flags[@]}" "${opt_flags[@]}" -c "$src" -o "$obj" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || { echo "build failed: ${kernels[*]}" >&2; wait; exit 1; }
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do
  wait "$pid" || { echo "kernel build failed" >&2; wait; exit 1; }
done

failed=()
total_passed=0
total_failed=0
for src in "${tests[@]}"; do
  name="$(basename "${src%.cc}")"
  exe="$out/$name"
  echo "== $name"
  if ! "$cxx" "${base_flags[@]}" "${opt_flags[@]}" "$src" "${objs[@]}" -o "$exe"; then
    echo "== $name: build failed" >&2
    failed+=("$name")
    continue
  fi
  log="$out/$name.log"
  start=$SECONDS
  if env ${run_env[@]+"${run_env[@]}"} "$exe" 2>&1 | tee "$log"; then
    status=ok
  else
    status=failed
    failed+=("$name")
  fi
  # Sum the programs' own "N passed, M failed" lines into one closing line.
  if summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)"; then
    read -r p _ f _ <<< "$summary"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
  elif [[ $status == ok ]]; then
    echo "== $name printed no summary line" >&2
    failed+=("$name")
  fi
  echo "== $name: $status ($((SECONDS - start)) s)"
done

if ((${#failed[@]} > 0)); then
  echo "failed: ${failed[*]}" >&2
  total_failed=$((total_failed > 0 ? total_failed : ${#failed[@]}))
fi
echo "native: $total_passed passed, $total_failed failed"
((${#failed[@]} == 0))
