#!/usr/bin/env bash
# Build a Debian package of pmbillmgrssl (dpkg-deb from a staged tree).
# See dist/README.md.
set -euo pipefail

usage() {
	cat <<EOF
Usage: $(basename "$0") [OUTDIR] [--out DIR] [--version V] [--prefix DIR]
                         [--build-dir DIR] [--jobs N] [--skip-build --binary FILE]

Builds pmbillmgrssl (Release, without tests), stages it with DESTDIR and packs
OUTDIR/pmbillmgrssl_<version>_<arch>.deb containing
  <prefix>/processing/pmbillmgrssl
  <prefix>/etc/xml/billmgr_mod_pmbillmgrssl.xml
  <prefix>/etc/pmbillmgrssl.conf     (a conffile: local changes are kept)
  /etc/logrotate.d/pmbillmgrssl      (a conffile)
  /usr/share/doc/pmbillmgrssl/       (copyright, changelog.gz)
Depends are computed by dpkg-shlibdeps from the binary (versioned).

Options:
  OUTDIR, --out DIR  where to write the .deb (default: current directory)
  --version V        package version (default: the project VERSION in CMakeLists.txt)
  --prefix DIR       BILLmanager root inside the package (default: /usr/local/mgr5)
  --build-dir DIR    build in DIR and keep it; default: a temporary directory
  --jobs N           parallel build jobs (default: number of CPUs)
  --skip-build       do not build; package the executable given with --binary
  --binary FILE      prebuilt processing/pmbillmgrssl (with --skip-build)
  -h, --help         show this help
EOF
}

source "$(dirname "${BASH_SOURCE[0]}")/package-common.sh"

MAINTAINER="pmbillmgrssl maintainers <pmbillmgrssl@localhost>"

jobs="$(nproc 2>/dev/null || echo 2)"
skip_build=0
binary=""

while [ $# -gt 0 ]; do
	take_common_option "$@"
	[ "$used" = 0 ] || {
		shift "$used"
		continue
	}
	case "$1" in
	-h | --help)
		usage
		exit 0
		;;
	--jobs) need_arg "$1" $# && jobs="$2" && shift 2 ;;
	--jobs=*) jobs="${1#*=}" && shift ;;
	--skip-build) skip_build=1 && shift ;;
	--binary) need_arg "$1" $# && binary="$2" && shift 2 ;;
	--binary=*) binary="${1#*=}" && shift ;;
	*)
		usage >&2
		die "unknown option: $1"
		;;
	esac
done

prefix="$(package_root "$prefix")"
case "$jobs" in
'' | *[!0-9]*) die "--jobs must be a number: $jobs" ;;
esac
if [ "$skip_build" = 1 ]; then
	[ -n "$binary" ] || die "--skip-build needs --binary FILE"
	[ -f "$binary" ] || die "no such file: $binary"
elif [ -n "$binary" ]; then
	die "--binary is only used with --skip-build"
fi
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$src_dir/CMakeLists.txt" ] || [ ! -f "$src_dir/xml/billmgr_mod_pmbillmgrssl.xml" ] ||
	[ ! -f "$src_dir/etc/pmbillmgrssl.conf" ]; then
	die "cannot find the pmbillmgrssl sources next to this script ($src_dir)"
fi

version="$(package_version "$src_dir" "$version")"
arch="$(dpkg --print-architecture)"

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

# The maintained changelog; a --version it does not know gets an entry of its own on top.
write_changelog() {
	local known
	known="$(dpkg-parsechangelog -l "$src_dir/dist/debian/changelog" -S Version)"
	if [ "$known" != "$version" ]; then
		printf 'pmbillmgrssl (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Built from the source tree of %s with --version %s.\n\n' "$known" "$version"
		printf ' -- %s  %s\n\n' "$MAINTAINER" "$(date -R)"
	fi
	cat "$src_dir/dist/debian/changelog"
}

work="$(mktemp -d "${TMPDIR:-/tmp}/pmbillmgrssl-deb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage="$work/debian/pmbillmgrssl"  # where dpkg-shlibdeps expects it
mkdir -p "$stage"
umask 022

if [ "$skip_build" = 1 ]; then
	echo "==> Staging the prebuilt $binary (no build)"
	install -D -m 0755 "$binary" "$stage$prefix/processing/pmbillmgrssl"
	install -D -m 0644 "$src_dir/xml/billmgr_mod_pmbillmgrssl.xml" \
		"$stage$prefix/etc/xml/billmgr_mod_pmbillmgrssl.xml"
	mkdir -p "$stage/etc/logrotate.d"
	sed "s|@MGR_ROOT@|$prefix|g" "$src_dir/dist/pmbillmgrssl.logrotate" >"$stage/etc/logrotate.d/pmbillmgrssl"
else
	# The same configure, build and install as an admin's install.sh, staged under DESTDIR.
	DESTDIR="$stage" "$src_dir/dist/install.sh" --prefix "$prefix" --jobs "$jobs" \
		--logrotate-dir /etc/logrotate.d ${build_dir:+--build-dir "$build_dir"}
fi
strip --strip-unneeded --remove-section=.comment "$stage$prefix/processing/pmbillmgrssl"

install -D -m 0644 "$src_dir/etc/pmbillmgrssl.conf" "$stage$prefix/etc/pmbillmgrssl.conf"
install -D -m 0644 "$src_dir/dist/debian/copyright" "$stage/usr/share/doc/pmbillmgrssl/copyright"
install -D -m 0644 "$src_dir/dist/debian/lintian-overrides" \
	"$stage/usr/share/lintian/overrides/pmbillmgrssl"
write_changelog | gzip -9n >"$stage/usr/share/doc/pmbillmgrssl/changelog.gz"

for f in "$prefix/processing/pmbillmgrssl" "$prefix/etc/xml/billmgr_mod_pmbillmgrssl.xml" \
	"$prefix/etc/pmbillmgrssl.conf" /etc/logrotate.d/pmbillmgrssl; do
	[ -f "$stage$f" ] || die "staging is missing $f"
done
# BILLmanager rebuilds a module from <root>/src/<module> when `features` fails;
# the package must never ship such a folder.
[ ! -e "$stage$prefix/src" ] || die "the staged tree contains $prefix/src; refusing to package it"

# Versioned Depends from the libraries the binary links. dpkg-shlibdeps expects the
# layout of a source package: debian/control, the staged tree in debian/<package>
# with its DEBIAN folder.
mkdir -p "$stage/DEBIAN"
printf 'Source: pmbillmgrssl\n\nPackage: pmbillmgrssl\nArchitecture: any\n' >"$work/debian/control"
depends="$(cd "$work" && dpkg-shlibdeps -O -e"debian/pmbillmgrssl$prefix/processing/pmbillmgrssl" |
	sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies"

installed_size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"

cat >"$stage/DEBIAN/control" <<EOF
Package: pmbillmgrssl
Version: $version
Section: admin
Priority: optional
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $installed_size
Depends: $depends
Recommends: logrotate
Description: BILLmanager processing module for reselling SSL certificates
 pmbillmgrssl lets a BILLmanager resell SSL certificates bought from an
 upstream BILLmanager (by default the ispmanager billing at
 https://api.ispmanager.com): setup wizard, tariff plan import, ordering,
 status sync, reissue, renewal and deletion.
 .
 Installs into the BILLmanager root $prefix.
EOF

printf '%s\n' "$prefix/etc/pmbillmgrssl.conf" /etc/logrotate.d/pmbillmgrssl >"$stage/DEBIAN/conffiles"

cat >"$stage/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	# The module's log, cache and lock folders (BILLmanager's too: made only when missing).
	for dir in $prefix/var $prefix/var/run; do
		[ -d "\$dir" ] || install -d -m 0750 "\$dir"
	done
	echo "pmbillmgrssl: restart BILLmanager to load the module: $prefix/sbin/mgrctl -m billmgr -R"
fi
exit 0
EOF

# dpkg removes the conffiles on purge; the module's own log (rotated copies included)
# and its template cache are left to this script.
cat >"$stage/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
if [ "\$1" = purge ]; then
	rm -f $prefix/var/pmbillmgrssl.log $prefix/var/pmbillmgrssl.log.* \\
		$prefix/var/pmbillmgrssl.templates.xml
fi
exit 0
EOF
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print0 | sed -z 's|^\./||' |
	LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb="$out_dir/pmbillmgrssl_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb"
echo "==> Built $deb"
