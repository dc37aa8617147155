# Shared by the tests/dist checks: assertions and a scratch directory.
# Usage: source lib.sh SRC_DIR BUILD_DIR
set -euo pipefail
# The checks read text with here-strings, not `printf | grep -q`: grep -q stops at the
# first match and the writer's SIGPIPE would fail the pipeline.

src_dir="$(cd "$1" && pwd)"
build_dir="$(cd "$2" && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/pmbillmgrssl-dist-test.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

pass() {
	echo "ok: $*"
}

# expect_line TEXT LINE WHAT: TEXT has a line equal to LINE.
expect_line() {
	if grep -qxF -- "$2" <<<"$1"; then pass "$3"; else fail "$3: no line '$2' in:"$'\n'"$1"; fi
}

# expect_match TEXT REGEX WHAT: some line of TEXT matches the extended REGEX.
expect_match() {
	if grep -qE -- "$2" <<<"$1"; then pass "$3"; else fail "$3: nothing matches /$2/ in:"$'\n'"$(printf '%s\n' "$1" | head -n 20)"; fi
}

# expect_no_match TEXT REGEX WHAT
expect_no_match() {
	if grep -qE -- "$2" <<<"$1"; then fail "$3: /$2/ matches in:"$'\n'"$1"; else pass "$3"; fi
}

# The logrotate snippet installed for root $2, read from the file $1.
expect_logrotate_for() {
	local text
	text="$(cat "$1")"
	expect_line "$text" "$2/var/pmbillmgrssl.log {" "logrotate snippet names $2/var/pmbillmgrssl.log"
	expect_no_match "$text" "@MGR_ROOT@" "logrotate snippet has the root filled in"
	for directive in weekly compress copytruncate missingok notifempty "rotate 8"; do
		expect_match "$text" "^[[:space:]]+$directive\$" "logrotate snippet: $directive"
	done
}

# The binary $1 is built with the hardening flags.
expect_hardened() {
	expect_match "$(readelf -lW "$1")" "GNU_RELRO" "$(basename "$1"): RELRO segment"
	expect_match "$(readelf -dW "$1")" "BIND_NOW|FLAGS_1.*NOW" "$(basename "$1"): BIND_NOW"
	# _FORTIFY_SOURCE leaves no trace here: the module makes no libc call it can check.
	expect_match "$(readelf -W --dyn-syms "$1" | grep -F __stack_chk_fail)" "__stack_chk_fail" \
		"$(basename "$1"): stack protector"
}

# Runs the maintainer script text $1 with the arguments $4... against a var/ of root $2
# holding the module's log, rotated logs and template cache beside other files, and
# checks which files are left: $3, as a sorted space-separated list.
expect_var_after_script() {
	local script="$1" root="$2" expected="$3"
	shift 3
	mkdir -p "$root/var"
	touch "$root/var/pmbillmgrssl.log" "$root/var/pmbillmgrssl.log.1" "$root/var/pmbillmgrssl.log.2.gz" \
		"$root/var/pmbillmgrssl.templates.xml" "$root/var/billmgr.log" "$root/var/pmother.log"
	printf '%s\n' "$script" >"$scratch/maintainer-script"
	sh "$scratch/maintainer-script" "$@" >/dev/null
	local left
	left="$(cd "$root/var" && ls | LC_ALL=C sort | tr '\n' ' ')"
	if [ "${left% }" = "$expected" ]; then
		pass "maintainer script '$*' leaves var/: $expected"
	else
		fail "maintainer script '$*' left var/: ${left% } (expected: $expected)"
	fi
}

# expect_mode PATH MODE WHAT: PATH exists with the octal MODE (e.g. 750).
expect_mode() {
	local got
	got="$(stat -c %a "$1" 2>/dev/null || echo missing)"
	if [ "$got" = "$2" ]; then pass "$3"; else fail "$3: $1 is $got, not $2"; fi
}

# Runs the post-install script text $1 with the arguments $3... for root $2: without var/
# it makes var/ and var/run/ 0750; a var/ that exists keeps its mode.
expect_dirs_after_script() {
	local script="$1" root="$2"
	shift 2
	rm -rf "$root/var"
	mkdir -p "$root"
	printf '%s\n' "$script" >"$scratch/maintainer-script"
	sh "$scratch/maintainer-script" "$@" >/dev/null
	expect_mode "$root/var" 750 "post-install script '$*' makes var/ 0750"
	expect_mode "$root/var/run" 750 "post-install script '$*' makes var/run/ 0750"
	rm -rf "$root/var/run"
	chmod 0755 "$root/var"
	sh "$scratch/maintainer-script" "$@" >/dev/null
	expect_mode "$root/var" 755 "post-install script '$*' leaves an existing var/ as it is"
	expect_mode "$root/var/run" 750 "post-install script '$*' makes a missing var/run/ 0750"
	rm -rf "$root/var"
}

ALL_VAR_FILES="billmgr.log pmbillmgrssl.log pmbillmgrssl.log.1 pmbillmgrssl.log.2.gz pmbillmgrssl.templates.xml pmother.log"
NOT_MODULE_VAR_FILES="billmgr.log pmother.log"

# build_package SCRIPT: runs dist/SCRIPT for the root $scratch/mgr from this build and
# prints the path of the one package it wrote; on failure shows its output and stops.
build_package() {
	if ! bash "$src_dir/dist/$1" "$scratch/out" --prefix "$scratch/mgr" --build-dir "$build_dir" \
		>"$scratch/build.log" 2>&1; then
		cat "$scratch/build.log" >&2
		fail "$1 exited with an error"
		finish
	fi
	ls "$scratch"/out/pmbillmgrssl*
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
}
