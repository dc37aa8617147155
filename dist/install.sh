#!/usr/bin/env bash
# Build pmbillmgrssl from this source tree and install it into a BILLmanager root.
# Run on the BILLmanager host as root. See dist/README.md and docs/ADMIN.md.
set -euo pipefail

usage() {
	cat <<EOF
Usage: $(basename "$0") [--prefix DIR] [--deps] [--build-dir DIR] [--jobs N]

Builds pmbillmgrssl (Release, without tests) and installs into the BILLmanager root:
  <prefix>/processing/pmbillmgrssl
  <prefix>/etc/xml/billmgr_mod_pmbillmgrssl.xml
  <prefix>/etc/pmbillmgrssl.conf     (only if it does not exist yet)

Options:
  --prefix DIR     BILLmanager root (default: \$MGR_PREFIX or /usr/local/mgr5)
  --deps           first install the build dependencies with apt-get
  --build-dir DIR  build in DIR and keep it (e.g. build-release); default: a
                   temporary directory that is removed afterwards
  --jobs N         parallel build jobs (default: number of CPUs)
  -h, --help       show this help

The environment variable DESTDIR, if set, stages the installation under it
(for packaging); the restart hint and the self-check are then skipped.
EOF
}

die() {
	echo "install.sh: $*" >&2
	exit 1
}

BUILD_DEPS=(cmake g++ pkg-config libcurl4-openssl-dev libxml2-dev libssl-dev
	libboost-program-options-dev libmariadb-dev libidn2-dev libpsl-dev)

prefix="${MGR_PREFIX:-/usr/local/mgr5}"
deps=0
build_dir=""
jobs="$(nproc 2>/dev/null || echo 2)"

while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help)
		usage
		exit 0
		;;
	--prefix)
		[ $# -ge 2 ] || die "--prefix needs a directory"
		prefix="$2"
		shift 2
		;;
	--prefix=*)
		prefix="${1#--prefix=}"
		shift
		;;
	--deps)
		deps=1
		shift
		;;
	--build-dir)
		[ $# -ge 2 ] || die "--build-dir needs a directory"
		build_dir="$2"
		shift 2
		;;
	--build-dir=*)
		build_dir="${1#--build-dir=}"
		shift
		;;
	--jobs)
		[ $# -ge 2 ] || die "--jobs needs a number"
		jobs="$2"
		shift 2
		;;
	--jobs=*)
		jobs="${1#--jobs=}"
		shift
		;;
	*)
		usage >&2
		die "unknown option: $1"
		;;
	esac
done

case "$prefix" in
/*) ;;
*) die "--prefix must be an absolute path: $prefix" ;;
esac
prefix="${prefix%/}"
[ -n "$prefix" ] || die "refusing to install into /"
case "$jobs" in
'' | *[!0-9]*) die "--jobs must be a number: $jobs" ;;
esac

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$src_dir/CMakeLists.txt" ] || [ ! -f "$src_dir/xml/billmgr_mod_pmbillmgrssl.xml" ] ||
	[ ! -f "$src_dir/etc/pmbillmgrssl.conf" ]; then
	die "cannot find the pmbillmgrssl sources next to this script ($src_dir)"
fi

destdir="${DESTDIR:-}"
destdir="${destdir%/}"

if [ "$deps" = 1 ]; then
	command -v apt-get >/dev/null 2>&1 || die "--deps needs apt-get (Debian/Ubuntu)"
	[ "$(id -u)" = 0 ] || die "--deps must run as root"
	echo "==> Installing build dependencies: ${BUILD_DEPS[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${BUILD_DEPS[@]}"
fi

command -v cmake >/dev/null 2>&1 || die "cmake not found (run with --deps to install the build dependencies)"

if [ -z "$destdir" ] && [ ! -x "$prefix/sbin/mgrctl" ]; then
	echo "install.sh: warning: $prefix/sbin/mgrctl not found; is BILLmanager installed in $prefix?" >&2
fi

if [ -n "$build_dir" ]; then
	mkdir -p "$build_dir"
	build_dir="$(cd "$build_dir" && pwd)"
else
	build_dir="$(mktemp -d "${TMPDIR:-/tmp}/pmbillmgrssl-build.XXXXXX")"
	trap 'rm -rf "$build_dir"' EXIT
fi

echo "==> Configuring in $build_dir (MGR_PREFIX=$prefix)"
cmake -S "$src_dir" -B "$build_dir" \
	-DCMAKE_BUILD_TYPE=Release \
	-DBUILD_TESTING=OFF \
	-DMGR_PREFIX="$prefix"

echo "==> Building"
cmake --build "$build_dir" --parallel "$jobs"

echo "==> Installing into ${destdir}${prefix}"
# The project installs processing/pmbillmgrssl and etc/xml/billmgr_mod_pmbillmgrssl.xml
# under MGR_PREFIX. Nothing is ever written to <prefix>/src: BILLmanager would try to
# rebuild a module from there.
DESTDIR="$destdir" cmake --install "$build_dir"

conf="${destdir}${prefix}/etc/pmbillmgrssl.conf"
if [ -e "$conf" ]; then
	echo "==> Keeping the existing $conf"
else
	install -D -m 0644 "$src_dir/etc/pmbillmgrssl.conf" "$conf"
	echo "==> Installed the default $conf"
fi

if [ -n "$destdir" ]; then
	echo "==> Staged under $destdir"
	exit 0
fi

# Self-check: `features` needs no database, network or config, and must print a <doc>.
bin="$prefix/processing/pmbillmgrssl"
if out="$(cd "$prefix" && PMBILLMGRSSL_ROOT="$prefix" "$bin" --command features 2>/dev/null)" &&
	printf '%s' "$out" | grep -q '<itemtype name="certificate"'; then
	echo "==> Self-check passed: $bin --command features"
else
	echo "install.sh: warning: '$bin --command features' did not print the expected XML" >&2
fi

cat <<EOF

pmbillmgrssl is installed in $prefix.
Restart BILLmanager so that it loads the module:
    killall core          (or: systemctl restart billmgr)
Then add it under Integration -> Service processing modules -> Create
(product type "SSL certificate", module "BILLmanager (SSL reselling)").
EOF
