#!/usr/bin/env bash
# dist/install.sh --prefix DIR yields a module that, started from / with no
# PMBILLMGRSSL_ROOT (as BILLmanager starts it), uses DIR: its log under DIR/var (made 0750 by
# install.sh, and by the module itself when missing) and its kill switch
# DIR/etc/billmgr.DoNothing. --deps-only on EL asks dnf for the EL packages.
# Usage: install_test.sh SRC_DIR BUILD_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

root="$scratch/mgr"
rotate_dir="$scratch/logrotate.d"
out="$(env -u PMBILLMGRSSL_ROOT bash "$src_dir/dist/install.sh" --prefix "$root" \
	--build-dir "$build_dir" --logrotate-dir "$rotate_dir" 2>&1)" || {
	printf '%s\n' "$out"
	fail "install.sh exited with an error"
	finish
}

for f in processing/pmbillmgrssl etc/xml/billmgr_mod_pmbillmgrssl.xml etc/pmbillmgrssl.conf; do
	if [ -f "$root/$f" ]; then pass "installed $f"; else fail "install.sh did not install $f"; fi
done
[ -x "$root/processing/pmbillmgrssl" ] || fail "the installed binary is not executable"
expect_match "$(ldd "$root/processing/pmbillmgrssl")" "^[[:space:]]*libzip\.so\.[0-9]+ => " \
	"the binary links libzip (no zip code of its own)"
cmp -s "$src_dir/etc/pmbillmgrssl.conf" "$root/etc/pmbillmgrssl.conf" || fail "the installed config differs"
[ ! -e "$root/src" ] || fail "install.sh created $root/src"
expect_logrotate_for "$rotate_dir/pmbillmgrssl" "$root"
expect_line "$out" "==> Self-check passed: $root/processing/pmbillmgrssl --command features" \
	"the self-check (no PMBILLMGRSSL_ROOT) passes"
expect_match "$out" "^ +$root/sbin/mgrctl -m billmgr -R\$" "the restart hint is mgrctl -m billmgr -R"

# A second run keeps a changed config.
echo "LogLevel debug" >"$root/etc/pmbillmgrssl.conf"
env -u PMBILLMGRSSL_ROOT bash "$src_dir/dist/install.sh" --prefix "$root" --build-dir "$build_dir" \
	--logrotate-dir "$rotate_dir" >/dev/null 2>&1 || fail "the second install.sh run failed"
expect_line "$(cat "$root/etc/pmbillmgrssl.conf")" "LogLevel debug" "a rerun keeps the existing config"

expect_mode "$root/var" 750 "install.sh made $root/var, 0750"
expect_mode "$root/var/run" 750 "install.sh made $root/var/run (the locks), 0750"

# Started from /, without the variable, on a root without var/ at all: the module makes it
# (0750) and logs under DIR/var on its first command.
rm -rf "$root/var"
set +e
answer="$(cd / && env -u PMBILLMGRSSL_ROOT "$root/processing/pmbillmgrssl" --command approver \
	--module 1 --domain example.com 2>&1)"
rc=$?
set -e
[ "$rc" = 0 ] || fail "approver exited $rc: $answer"
expect_match "$answer" "<approver>admin@example.com</approver>" "approver answers from /"
expect_mode "$root/var" 750 "the first command made $root/var, 0750"
log="$(cat "$root/var/pmbillmgrssl.log" 2>/dev/null || true)"
expect_match "$log" "pmbillmgrssl (DEBUG|INFO) command approver\$" "the first command logs under $root/var"

# The kill switch and the log of DIR are used.
touch "$root/etc/billmgr.DoNothing"
set +e
answer="$(cd / && env -u PMBILLMGRSSL_ROOT "$root/processing/pmbillmgrssl" --command open --item 7 2>&1)"
rc=$?
set -e
[ "$rc" = 0 ] || fail "open under the kill switch exited $rc: $answer"
expect_no_match "$answer" "<error" "open under the kill switch reports no error"
log="$(cat "$root/var/pmbillmgrssl.log" 2>/dev/null || true)"
expect_match "$log" "pmbillmgrssl (DEBUG|INFO) command open item 7\$" "the run logs under $root/var"
expect_match "$log" "open: .*DoNothing.*doing nothing" "the run honours $root/etc/billmgr.DoNothing"

# --deps-only on EL: a stand-in dnf (and no apt-get) on the PATH records what is asked.
fake_bin="$scratch/fake-bin"
mkdir -p "$fake_bin"
for tool in id dirname nproc; do ln -s "$(command -v "$tool")" "$fake_bin/$tool"; done
printf '#!/bin/sh\necho "dnf $*" >>"%s/dnf.calls"\n' "$scratch" >"$fake_bin/dnf"
chmod +x "$fake_bin/dnf"
out="$(PATH="$fake_bin" "$BASH" "$src_dir/dist/install.sh" --deps-only --build-dir "$scratch/unused" 2>&1)" ||
	fail "install.sh --deps-only with dnf failed: $out"
calls="$(cat "$scratch/dnf.calls" 2>/dev/null || true)"
expect_line "$calls" "dnf config-manager --set-enabled crb" "--deps-only enables CRB"
expect_line "$calls" "dnf install -y cmake gcc-c++ make pkgconf-pkg-config libcurl-devel libxml2-devel openssl-devel boost-devel mariadb-connector-c-devel libidn2-devel libpsl-devel libzip-devel" \
	"--deps-only installs the EL build dependencies with dnf"
[ ! -e "$scratch/unused" ] || fail "--deps-only touched the build directory"

finish
