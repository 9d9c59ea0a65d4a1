#!/usr/bin/env bash
# The tracked C++ files are formatted as .clang-format says (ctest: format).
#   cmake/format_check.sh [ROOT]      fix with: clang-format -i $(git ls-files '*.cpp' '*.hpp')
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "format: the files above differ from .clang-format; run clang-format -i on them"
  exit 1
fi
echo "format: ${#files[@]} files formatted"
