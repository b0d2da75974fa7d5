#!/usr/bin/env bash
# Build the sdist and wheel, check their metadata, install the wheel into a clean virtualenv and run the
# command-line tool from there on the sample projects (what a user gets from `pip install alembic-guardian`).
# Used by the release workflow and the CI's packaging job; run it by hand before tagging (docs/releasing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/tools"
"$work/tools/bin/pip" install -q build twine
"$work/tools/bin/python" -m build -q -o "$work/dist" .
"$work/tools/bin/twine" check --strict "$work"/dist/*
"$python" -m venv "$work/clean"
"$work/clean/bin/pip" install -q "$work"/dist/*.whl
cli="$work/clean/bin/alembic-guard"
(cd "$work" && "$cli" --version)
# run outside the checkout, so nothing is imported from the source tree
here="$PWD"
cd "$work"
"$cli" check "$here/sample_projects/healthy"
status=0; "$cli" check "$here/sample_projects/two_heads" >/dev/null || status=$?
test "$status" -eq 1 || { echo "check_dist: expected exit 1 on two_heads, got $status" >&2; exit 1; }
# raw SQL is analysed on a plain install (pglast is a dependency): AG402 from the CREATE INDEX CONCURRENTLY
# inside an op.execute(...) string of the sample's raw_sql revision
"$cli" check "$here/sample_projects/dangerous_ops_postgres" --select AG402 >"$work/raw.txt" || true
grep -q 'eeeeeeeeeeee_raw_sql.py.*AG402' "$work/raw.txt" || { echo "check_dist: raw SQL was not analysed on a plain install" >&2; cat "$work/raw.txt" >&2; exit 1; }
echo "check_dist: ok ($(ls "$work"/dist | tr '\n' ' '))"
