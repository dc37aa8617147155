#!/usr/bin/env bash
# Build the binary RPM of pmbillmgrssl with rpmbuild from dist/pmbillmgrssl.spec.
# See dist/README.md.
set -euo pipefail

usage() {
	cat <<EOF
Usage: $(basename "$0") [OUTDIR] [--out DIR] [--version V] [--prefix DIR] [--build-dir DIR]

Packs the source tree into a tarball and runs rpmbuild -bb on dist/pmbillmgrssl.spec,
writing OUTDIR/pmbillmgrssl-<version>-1.<arch>.rpm containing
  <prefix>/processing/pmbillmgrssl
  <prefix>/etc/xml/billmgr_mod_pmbillmgrssl.xml
  <prefix>/etc/pmbillmgrssl.conf     (%config(noreplace): local changes are kept)
  /etc/logrotate.d/pmbillmgrssl      (%config(noreplace))

Build it on the EL release (8 or 9) of the BILLmanager host: the binary links that
release's libraries. On a system without an RPM database (e.g. Debian, to check the
spec) rpmbuild runs with --nodeps.

Options:
  OUTDIR, --out DIR  where to write the .rpm (default: current directory)
  --version V        package version (default: the project VERSION in CMakeLists.txt)
  --prefix DIR       BILLmanager root inside the package (default: /usr/local/mgr5)
  --build-dir DIR    reuse (or create and keep) this CMake build directory
  -h, --help         show this help
EOF
}

source "$(dirname "${BASH_SOURCE[0]}")/package-common.sh"

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
	*)
		usage >&2
		die "unknown option: $1"
		;;
	esac
done

prefix="$(package_root "$prefix")"
command -v rpmbuild >/dev/null 2>&1 || die "rpmbuild not found (dnf install rpm-build, or apt-get install rpm)"

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "$src_dir/dist/pmbillmgrssl.spec" ] || die "cannot find dist/pmbillmgrssl.spec next to this script"

version="$(package_version "$src_dir" "$version")"
case "$version" in
*-*) die "an RPM version cannot contain '-': $version" ;;
esac
if [ -n "$build_dir" ]; then
	mkdir -p "$build_dir"
	build_dir="$(cd "$build_dir" && pwd)"
fi

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/pmbillmgrssl-rpm.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/SOURCES" "$work/BUILD" "$work/RPMS" "$work/SRPMS" "$work/SPECS"

# The source tarball: in a git checkout the files git knows (tracked, or new and not
# ignored), else the whole tree but build directories.
echo "==> Packing the sources of pmbillmgrssl $version"
tarball="$work/SOURCES/pmbillmgrssl-$version.tar.gz"
if git -C "$src_dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src_dir" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - --transform "s|^|pmbillmgrssl-$version/|" -czf "$tarball")
else
	tar -C "$src_dir" --exclude='./build*' --transform "s|^\.|pmbillmgrssl-$version|" \
		-czf "$tarball" .
fi

# Without an RPM database (Debian) the BuildRequires cannot be checked.
nodeps=()
rpm -q rpm >/dev/null 2>&1 || nodeps=(--nodeps)

echo "==> rpmbuild -bb ${nodeps[*]}"
rpmbuild -bb "${nodeps[@]}" \
	--define "_topdir $work" \
	--define "pmb_version $version" \
	--define "mgr_root $prefix" \
	${build_dir:+--define "pmb_build_dir $build_dir"} \
	"$src_dir/dist/pmbillmgrssl.spec"

found=0
for rpm_file in "$work"/RPMS/*/pmbillmgrssl-"$version"-*.rpm; do
	[ -f "$rpm_file" ] || continue
	cp "$rpm_file" "$out_dir/"
	echo "==> Built $out_dir/$(basename "$rpm_file")"
	found=1
done
[ "$found" = 1 ] || die "rpmbuild produced no package"
