# Shared helpers for shell tests. Every test reports one line per check:
#   PASS: name          FAIL: name: reason          SKIP: name: reason
# tests/run.sh counts these lines; nothing else on stdout is interpreted.

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-failed}"; }
skip() {
	# Under CI a missing prerequisite is a failure, unless it is hardware
	# these machines cannot have (call skip_hw for that).
	if [ "${CI:-}" = true ]; then fail "$1" "prerequisite missing under CI: ${2:-}"
	else echo "SKIP: $1: ${2:-}"; fi
}
skip_hw() { echo "SKIP: $1: ${2:-}"; }

# check NAME CMD...: PASS if CMD exits 0, FAIL otherwise.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

need_root() { [ "$(id -u)" -eq 0 ]; }
