#!/usr/bin/env bash
# dist/rpm-package.sh (rpmbuild, --nodeps on Debian): the RPM holds the module,
# descriptor, config (%config) and logrotate snippet, requires the EL runtime libraries,
# %post makes var/ and var/run/ (0750) when missing, and its erase removes the module's own log
# and template cache.
# Usage: rpm_test.sh SRC_DIR BUILD_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

root="$scratch/mgr"
rpm_file="$(build_package rpm-package.sh)"

listing="$(rpm -qlp "$rpm_file")"
for f in "$root/processing/pmbillmgrssl" "$root/etc/xml/billmgr_mod_pmbillmgrssl.xml" \
	"$root/etc/pmbillmgrssl.conf" /etc/logrotate.d/pmbillmgrssl; do
	expect_line "$listing" "$f" "the RPM holds $f"
done
expect_no_match "$listing" "^$root/src" "the RPM holds nothing under src/"

configs="$(rpm -qcp "$rpm_file")"
expect_line "$configs" "$root/etc/pmbillmgrssl.conf" "the config is %config"
expect_line "$configs" "/etc/logrotate.d/pmbillmgrssl" "the logrotate snippet is %config"
expect_no_match "$configs" "processing/pmbillmgrssl$|\.xml$" "the binary and descriptor are not %config"
expect_match "$(rpm -qp --queryformat '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm_file")" \
	"^$root/etc/pmbillmgrssl.conf cn\$" "the config is %config(noreplace)"

requires="$(rpm -qp --requires "$rpm_file" | awk '{ print $1 }')"
for lib in libcurl libxml2 openssl-libs boost-program-options mariadb-connector-c libidn2 libpsl libzip logrotate; do
	expect_line "$requires" "$lib" "Requires: $lib"
done

mkdir -p "$scratch/tree"
rpm2archive - <"$rpm_file" | tar -xzf - -C "$scratch/tree"
expect_logrotate_for "$scratch/tree/etc/logrotate.d/pmbillmgrssl" "$root"
expect_hardened "$scratch/tree$root/processing/pmbillmgrssl"
expect_match "$(rpm -qp --queryformat '%{POSTIN}' "$rpm_file")" "$root/sbin/mgrctl -m billmgr -R" \
	"%post names mgrctl -m billmgr -R"

expect_dirs_after_script "$(rpm -qp --queryformat '%{POSTIN}' "$rpm_file")" "$root" 1
expect_no_match "$listing" "^$root/var" "the RPM owns nothing under var/"

postun="$(rpm -qp --queryformat '%{POSTUN}' "$rpm_file")"
expect_var_after_script "$postun" "$root" "$ALL_VAR_FILES" 1
expect_var_after_script "$postun" "$root" "$NOT_MODULE_VAR_FILES" 0

finish
