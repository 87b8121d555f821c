#!/bin/sh
# Run every integration test script (tests/integration/test_*.sh, hostile/test_*.sh), or
# those matching $ITEST (a substring of the file name). Prints "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 2
ITEST_DIR=${ITEST_DIR:-$(pwd)/build/itest}
export ITEST_DIR RESULTS=$ITEST_DIR/results
mkdir -p "$ITEST_DIR"
: > "$RESULTS"
for t in tests/integration/test_*.sh tests/integration/hostile/test_*.sh; do
	[ -f "$t" ] || continue
	case "$t" in *"${ITEST:-}"*) ;; *) continue ;; esac
	echo "== $t"
	sh "$t" || echo "fail $(basename "$t" .sh) (script exited non-zero)" >> "$RESULTS"
done
passed=$(grep -c '^pass ' "$RESULTS")
failed=$(grep -c '^fail ' "$RESULTS")
grep '^fail ' "$RESULTS" | sed 's/^fail /  failed: /'
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
