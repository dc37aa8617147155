# Sourced by debian-package.sh and rpm-package.sh: errors, option values, the packaged
# root and the version.

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# need_arg OPTION ARGS_LEFT: the option is followed by its value.
need_arg() { [ "$2" -ge 2 ] || die "$1 needs a value"; }

# Options both builders take, with their defaults: OUTDIR (or --out), --version, --prefix,
# --build-dir.
out_dir="."
version=""
prefix="/usr/local/mgr5"
build_dir=""

# take_common_option ARGS...: when ARGS starts with one of the options above, stores its
# value and sets `used` to the number of arguments it took; else `used` is 0.
take_common_option() {
	local name="$1" value="${2:-}"
	used=2
	case "$1" in
	--out=* | --version=* | --prefix=* | --build-dir=*) name="${1%%=*}" value="${1#*=}" used=1 ;;
	--out | --version | --prefix | --build-dir) need_arg "$1" $# ;;
	-*) used=0 ;;
	*) name=--out value="$1" used=1 ;;
	esac
	case "$name" in
	--out) out_dir="$value" ;;
	--version) version="$value" ;;
	--prefix) prefix="$value" ;;
	--build-dir) build_dir="$value" ;;
	esac
}

# package_root PREFIX: PREFIX without a trailing slash; absolute and not / itself.
package_root() {
	case "$1" in
	/?*) printf '%s\n' "${1%/}" ;;
	*) die "--prefix must be an absolute path other than /: $1" ;;
	esac
}

# package_version SRC_DIR GIVEN: GIVEN, else the VERSION of project() in CMakeLists.txt.
package_version() {
	local version="$2"
	if [ -z "$version" ]; then
		version="$(sed -n 's/^project(pmbillmgrssl VERSION \([0-9][0-9.]*\).*/\1/p' "$1/CMakeLists.txt")"
		[ -n "$version" ] || die "cannot read the project VERSION from CMakeLists.txt; use --version"
	fi
	case "$version" in
	[0-9]*) printf '%s\n' "$version" ;;
	*) die "a package version must start with a digit: $version" ;;
	esac
}
