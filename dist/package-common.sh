# Sourced by debian-package.sh and rpm-package.sh: errors, option values, the packaged
# root and the version.

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# need_arg OPTION ARGS_LEFT: the option is followed by its value.
need_arg() { [ "$2" -ge 2 ] || die "$1 needs a value"; }

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
