#!/usr/bin/env bash
# Install code-server (VS Code in the browser) from the npm registry into DIR, without
# the downloads its install scripts would make from outside the registry.
#
#   install-code-server.sh DIR        # DIR/node_modules/.bin/code-server afterwards
#
# Idempotent: a stamp file makes a second run a no-op; DIR.lock serialises runs. A plain `npm install
# code-server` fails offline in four places (see docs/vscode.md): root needs
# unsafe-perm, kerberos needs libkrb5-dev + pkg-config, @vscode/ripgrep downloads rg
# (we copy Debian's /usr/bin/rg in), node-pty calls `npx node-gyp` (npm_config_yes).
# So we install with --ignore-scripts and do what code-server's postinstall.sh does
# by hand.
set -euo pipefail
version=${CODE_SERVER_VERSION:-4.100.3}
dest=${1:?usage: install-code-server.sh DIR}
stamp="$dest/.installed-code-server-$version"
# One install at a time: the install starts by deleting DIR, so two test runs at once
# would break each other (and a run would use a half-installed code-server). A second
# run waits here, then finds the stamp and has nothing to do.
command -v flock >/dev/null || { echo "install-code-server: missing: flock (apt install util-linux)" >&2; exit 3; }
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [[ -f "$stamp" && -x "$dest/node_modules/.bin/code-server" ]]; then
  exit 0
fi

missing=()
command -v node >/dev/null || missing+=("node (Node.js 20)")
command -v npm >/dev/null || missing+=("npm")
command -v rg >/dev/null || missing+=("rg (apt install ripgrep)")
command -v pkg-config >/dev/null || missing+=("pkg-config (apt install pkg-config)")
command -v krb5-config >/dev/null || missing+=("krb5-config (apt install libkrb5-dev)")
command -v make >/dev/null || missing+=("make (apt install build-essential)")
command -v g++ >/dev/null || missing+=("g++ (apt install build-essential)")
if ((${#missing[@]})); then
  echo "install-code-server: missing: ${missing[*]}" >&2
  exit 3
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [[ "$major" != 20 ]]; then
  echo "install-code-server: code-server $version needs Node.js 20, found $(node --version)" >&2
  exit 3
fi

export npm_config_unsafe_perm=true npm_config_yes=true npm_config_audit=false \
  npm_config_fund=false npm_config_update_notifier=false npm_config_loglevel=error
started=$SECONDS
rm -rf "$dest"
mkdir -p "$dest"
cd "$dest"
echo '{"private": true}' >package.json
echo "install-code-server: code-server@$version into $dest"
npm install --ignore-scripts "code-server@$version"
npm rebuild argon2
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild
# What code-server's postinstall.sh does after its npm install:
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
cd extensions
npm install --omit=dev
cd "$dest"
node_modules/.bin/code-server --version
touch "$stamp"
echo "install-code-server: done in $((SECONDS - started)) s"
