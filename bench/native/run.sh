#!/usr/bin/env bash
# Compile and run the native syscall microbenchmark (bench/native/syscalls.c).
# Prints lines "NATIVE <name> <value> <unit>  # comment" used to calibrate the
# iosim cost model. Needs only gcc and libc. Usage: bench/native/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

gcc -O2 -pthread -Wall -Wextra -o "$tmp/syscalls" "$here/syscalls.c"
echo "# $(uname -srm), gcc $(gcc -dumpfullversion), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
"$tmp/syscalls"
