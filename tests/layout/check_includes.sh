#!/usr/bin/env bash
# The folders of processing/ depend one way (see the README's Layout table): fails, naming
# the lines, when an #include runs against it.
#   bash tests/layout/check_includes.sh [processing dir]
set -uo pipefail
root=${1:-"$(dirname "$0")/../../processing"}
status=0

# forbid FOLDER PATTERN WHY: no file in FOLDER may include a header matching PATTERN.
forbid() {
  local folder=$1 pattern=$2 why=$3 hits
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"($pattern)/" "$root/$folder")
  if [ -n "$hits" ]; then
    echo "$folder/ must not include $pattern/ ($why):"
    echo "$hits"
    status=1
  fi
}

forbid core 'model|billmgr|upstream|lifecycle|app' "core is the base of everything"
forbid model 'billmgr|upstream|lifecycle|app' "plain data shared by both sides"
forbid billmgr 'model|upstream|lifecycle|app' "BILLmanager's own API knows no certificates"
forbid upstream 'billmgr|lifecycle|app' "the upstream client knows no BILLmanager and no lifecycle"
forbid lifecycle 'upstream|app' "the lifecycle reaches the upstream through its ports only"

[ "$status" = 0 ] && echo "include rules hold"
exit "$status"
