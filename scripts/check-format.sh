#!/usr/bin/env bash
# Checks (or with --fix, applies) clang-format on the project's C++ sources (.clang-format: Google, 120 columns).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src include tests -path '*/node_modules' -prune -o \( -name '*.cpp' -o -name '*.h' \) -print | sort)
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
