#!/usr/bin/env bash
# Build pmbillmgrssl from this source tree and install it into a BILLmanager root.
# Run on the BILLmanager host as root. See dist/README.md and docs/ADMIN.md.
set -euo pipefail

usage() {
	cat <<EOF
Usage: $(basename "$0") [--prefix DIR] [--deps | --deps-only] [--build-dir DIR] [--jobs N]
                  [--logrotate-dir DIR]

Builds pmbillmgrssl (Release, without tests) and installs into the BILLmanager root:
  <prefix>/processing/pmbillmgrssl
  <prefix>/etc/xml/billmgr_mod_pmbillmgrssl.xml
  <prefix>/etc/pmbillmgrssl.conf     (only if it does not exist yet)
  /etc/logrotate.d/pmbillmgrssl      (rotates <prefix>/var/pmbillmgrssl.log)
  <prefix>/var, <prefix>/var/run     (mode 0750, only when missing)

The module finds its root from its own location (<prefix>/processing/pmbillmgrssl),
so no environment variable is needed for another prefix.

Options:
  --prefix DIR         BILLmanager root (default: \$MGR_PREFIX or /usr/local/mgr5)
  --deps               first install the build dependencies (apt-get or dnf)
  --deps-only          only install the build dependencies; build and install nothing
  --build-dir DIR      build in DIR and keep it (e.g. build-release). A DIR that is
                       already configured is reused as it is (its build type and
                       options are kept); only the module is built. Default: a
                       temporary directory that is removed afterwards
  --jobs N             parallel build jobs (default: number of CPUs)
  --logrotate-dir DIR  where the logrotate snippet goes (default: /etc/logrotate.d)
  -h, --help           show this help

The environment variable DESTDIR, if set, stages the installation under it
(for packaging); the restart hint and the self-check are then skipped.
EOF
}

die() {
	echo "install.sh: $*" >&2
	exit 1
}

# Build dependencies, Debian/Ubuntu names (apt-get).
APT_BUILD_DEPS=(cmake g++ make pkg-config libcurl4-openssl-dev libxml2-dev libssl-dev
	libboost-program-options-dev libmariadb-dev libidn2-dev libpsl-dev libzip-dev)
# The same for AlmaLinux/Rocky/RHEL 8 and 9 (dnf). CRB (PowerTools on EL 8) is enabled
# first: some -devel packages, e.g. libpsl-devel, live there. EPEL is not needed.
DNF_BUILD_DEPS=(cmake gcc-c++ make pkgconf-pkg-config libcurl-devel libxml2-devel openssl-devel
	boost-devel mariadb-connector-c-devel libidn2-devel libpsl-devel libzip-devel)

prefix="${MGR_PREFIX:-/usr/local/mgr5}"
deps=0
deps_only=0
build_dir=""
logrotate_dir="/etc/logrotate.d"
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
	--deps-only)
		deps_only=1
		shift
		;;
	--logrotate-dir)
		[ $# -ge 2 ] || die "--logrotate-dir needs a directory"
		logrotate_dir="$2"
		shift 2
		;;
	--logrotate-dir=*)
		logrotate_dir="${1#--logrotate-dir=}"
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

install_build_deps() {
	[ "$(id -u)" = 0 ] || die "installing the build dependencies must run as root"
	if command -v apt-get >/dev/null 2>&1; then
		echo "==> Installing build dependencies: ${APT_BUILD_DEPS[*]}"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_BUILD_DEPS[@]}"
	elif command -v dnf >/dev/null 2>&1; then
		echo "==> Enabling CRB (PowerTools on EL 8)"
		dnf install -y dnf-plugins-core
		# AlmaLinux/Rocky name it crb (9) or powertools (8); RHEL needs subscription-manager.
		dnf config-manager --set-enabled crb 2>/dev/null ||
			dnf config-manager --set-enabled powertools 2>/dev/null ||
			echo "install.sh: warning: could not enable CRB/PowerTools; on RHEL enable CodeReady Linux Builder (subscription-manager repos --enable codeready-builder-for-rhel-\$(rpm -E %rhel)-\$(arch)-rpms)" >&2
		echo "==> Installing build dependencies: ${DNF_BUILD_DEPS[*]}"
		dnf install -y "${DNF_BUILD_DEPS[@]}"
	else
		die "installing the build dependencies needs apt-get (Debian/Ubuntu) or dnf (EL 8/9)"
	fi
}

if [ "$deps" = 1 ] || [ "$deps_only" = 1 ]; then
	install_build_deps
fi
if [ "$deps_only" = 1 ]; then
	echo "==> Build dependencies installed; nothing built (--deps-only)"
	exit 0
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

if [ -f "$build_dir/CMakeCache.txt" ]; then
	echo "==> Reusing the configured build in $build_dir"
else
	echo "==> Configuring in $build_dir"
	cmake -S "$src_dir" -B "$build_dir" \
		-DCMAKE_BUILD_TYPE=Release \
		-DBUILD_TESTING=OFF \
		-DCMAKE_INSTALL_PREFIX="$prefix"
fi

echo "==> Building"
cmake --build "$build_dir" --parallel "$jobs" --target pmbillmgrssl

echo "==> Installing into ${destdir}${prefix}"
# The project installs processing/pmbillmgrssl and etc/xml/billmgr_mod_pmbillmgrssl.xml
# under the prefix. Nothing is ever written to <prefix>/src: BILLmanager would try to
# rebuild a module from there.
DESTDIR="$destdir" cmake --install "$build_dir" --prefix "$prefix"

conf="${destdir}${prefix}/etc/pmbillmgrssl.conf"
if [ -e "$conf" ]; then
	echo "==> Keeping the existing $conf"
else
	install -D -m 0644 "$src_dir/etc/pmbillmgrssl.conf" "$conf"
	echo "==> Installed the default $conf"
fi

rotate="${destdir}${logrotate_dir%/}/pmbillmgrssl"
mkdir -p "$(dirname "$rotate")"
sed "s|@MGR_ROOT@|$prefix|g" "$src_dir/dist/pmbillmgrssl.logrotate" >"$rotate.new"
chmod 0644 "$rotate.new"
mv -f "$rotate.new" "$rotate"
echo "==> Installed $rotate (rotates $prefix/var/pmbillmgrssl.log)"

if [ -n "$destdir" ]; then
	# The packages make var/ and var/run/ in their post-install scripts: they are
	# BILLmanager's folders too, so no package owns (or re-modes) them.
	echo "==> Staged under $destdir"
	exit 0
fi

# The folders the module writes: its log and template cache (var/), its locks (var/run/).
# The module makes them too when missing; made here, 0750, unless they exist.
for dir in "$prefix/var" "$prefix/var/run"; do
	if [ ! -d "$dir" ]; then
		install -d -m 0750 "$dir"
		echo "==> Created $dir"
	fi
done

# Self-check, run exactly as BILLmanager runs the module: from the root, with no
# PMBILLMGRSSL_ROOT, so that the root the binary derives from its location is the one
# checked. `features` needs no database, network or config and must print a <doc>.
if out="$(cd "$prefix" && env -u PMBILLMGRSSL_ROOT processing/pmbillmgrssl --command features 2>/dev/null)" &&
	printf '%s' "$out" | grep -q '<itemtype name="certificate"'; then
	echo "==> Self-check passed: $prefix/processing/pmbillmgrssl --command features"
else
	echo "install.sh: warning: '$prefix/processing/pmbillmgrssl --command features' did not print the expected XML" >&2
fi

cat <<EOF

pmbillmgrssl is installed in $prefix.
Restart BILLmanager so that it loads the module:
    $prefix/sbin/mgrctl -m billmgr -R
Then add it under Integration -> Service processing modules -> Create: product type
"SSL certificate", module "BILLmanager (SSL reselling)" (not the built-in "BILLmanager").
EOF
