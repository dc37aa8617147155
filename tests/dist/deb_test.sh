#!/usr/bin/env bash
# dist/debian-package.sh: the .deb holds the module, descriptor, config (conffile) and
# logrotate snippet; a Maintainer, versioned Depends, copyright and changelog; a hardened
# binary; postinst makes var/ and var/run/ (0750) when missing; purge removes the module's own
# log and template cache.
# Usage: deb_test.sh SRC_DIR BUILD_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

root="$scratch/mgr"
deb="$(build_package debian-package.sh)"

listing="$(dpkg-deb -c "$deb" | awk '{ print $NF }')"
for f in "$root/processing/pmbillmgrssl" "$root/etc/xml/billmgr_mod_pmbillmgrssl.xml" \
	"$root/etc/pmbillmgrssl.conf" /etc/logrotate.d/pmbillmgrssl /usr/share/doc/pmbillmgrssl/copyright \
	/usr/share/doc/pmbillmgrssl/changelog.gz /usr/share/lintian/overrides/pmbillmgrssl; do
	expect_line "$listing" ".$f" "the .deb holds $f"
done
expect_no_match "$listing" "^\.$root/src" "the .deb holds nothing under src/"
expect_no_match "$listing" "^\.$root/var" "the .deb owns nothing under var/"

expect_line "$(dpkg-deb -f "$deb" Maintainer)" "pmbillmgrssl maintainers <pmbillmgrssl@localhost>" "Maintainer"
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libc6 libcurl4 libssl3 libxml2 libmariadb3 libidn2-0 libpsl5 libzip4; do
	expect_match "$(printf '%s\n' "$depends" | tr ',' '\n')" "^ ?$lib \(>= [0-9]" "Depends: $lib, versioned"
done
expect_match "$depends" "libboost-program-options[0-9.]+ \(>= " "Depends: boost program_options, versioned"

dpkg-deb -e "$deb" "$scratch/control"
conffiles="$(cat "$scratch/control/conffiles")"
expect_line "$conffiles" "$root/etc/pmbillmgrssl.conf" "the config is a conffile"
expect_line "$conffiles" "/etc/logrotate.d/pmbillmgrssl" "the logrotate snippet is a conffile"
expect_match "$(cat "$scratch/control/postinst")" "$root/sbin/mgrctl -m billmgr -R" "postinst names mgrctl -m billmgr -R"

dpkg-deb -x "$deb" "$scratch/tree"
expect_logrotate_for "$scratch/tree/etc/logrotate.d/pmbillmgrssl" "$root"
version="$(dpkg-deb -f "$deb" Version)"
changelog_version="$(zcat "$scratch/tree/usr/share/doc/pmbillmgrssl/changelog.gz" |
	dpkg-parsechangelog -l - -S Version)"
expect_line "$changelog_version" "$version" "the changelog's top entry is the package version"
expect_match "$(cat "$scratch/tree/usr/share/doc/pmbillmgrssl/copyright")" "^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "copyright is machine-readable"
expect_hardened "$scratch/tree$root/processing/pmbillmgrssl"

expect_dirs_after_script "$(cat "$scratch/control/postinst")" "$root" configure

postrm="$(cat "$scratch/control/postrm")"
expect_var_after_script "$postrm" "$root" "$ALL_VAR_FILES" remove
expect_var_after_script "$postrm" "$root" "$NOT_MODULE_VAR_FILES" purge

finish
