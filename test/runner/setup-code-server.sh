#!/bin/sh
# setup-code-server.sh — make the `code-server` devDependency usable on an offline Debian machine
# (only the npm registry and Debian's apt repositories reachable). Idempotent; safe to run on every
# CI job. Run it from the project root (the folder with package.json), as root or with sudo.
#
#   sh test/runner/setup-code-server.sh            full: system packages, ripgrep cache, npm ci/install if
#                                      node_modules/code-server is missing, build code-server if its
#                                      postinstall was skipped (allowScripts "code-server": false),
#                                      then verify.
#   sh test/runner/setup-code-server.sh --prepare  only system packages + ripgrep cache (run BEFORE your own
#                                      `npm ci` when allowScripts has "code-server": true).
#   sh test/runner/setup-code-server.sh --finish   only build/repair/verify node_modules/code-server (after npm ci).
#   sh test/runner/setup-code-server.sh --check    verify only; exit 1 if code-server is not usable.
#   sh test/runner/setup-code-server.sh --auto     what `npm install` (postinstall), `npm start` and `npm test` run:
#                                      a check (< 1 s) when all is in place, else the steps above
#                                      (no npm ci of the project) with one progress line per step,
#                                      the tools' output in node_modules/.kie-setup.log. --soft: never
#                                      fail (postinstall), only say in one line what to run.
#   eval "$(sh test/runner/setup-code-server.sh --print-env)"   export the npm env vars in the calling shell.
#
# Environment knobs: SETUP_CS_NO_APT=1 (skip apt), SETUP_CS_APT_SIMULATE=1 (apt-get -s),
# SETUP_CS_EXTRA_APT_PACKAGES="pkg ..." (more packages), CODE_SERVER_VERSION (default: the version
# in package.json/node_modules, else 4.100.3).
set -eu

MODE=full
case "${1:-}" in
  "" ) ;;
  --prepare) MODE=prepare ;;
  --finish) MODE=finish ;;
  --check) MODE=check ;;
  --auto) MODE=auto ;;
  --print-env) MODE=print-env ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) echo "setup-code-server: unknown argument $1" >&2; exit 2 ;;
esac
SOFT=""
[ "${2:-}" = --soft ] && SOFT=1

if [ "$MODE" = auto ]; then
  # Run from npm (postinstall, or a runner started by npm run): drop what npm exported for its own
  # lifecycle (npm_config_local_prefix, npm_package_*, node_modules/.bin on PATH...). The nested npm
  # installs below (code-server's postinstall runs npm install in lib/vscode) must see a plain
  # environment, not the project's.
  for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
  unset INIT_CWD 2>/dev/null || true
  PATH=$(echo "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
  export PATH
fi

PROJECT_DIR=$(pwd)
CS_DIR="$PROJECT_DIR/node_modules/code-server"
VS_DIR="$CS_DIR/lib/vscode"
T0=$(date +%s)
log() { echo "[setup-code-server +$(( $(date +%s) - T0 ))s] $*"; }
die() { echo "[setup-code-server] ERROR: $*" >&2; exit 1; }

[ -f "$PROJECT_DIR/package.json" ] || die "run me from the project root (no package.json in $PROJECT_DIR)"
command -v node >/dev/null 2>&1 || die "node is not installed"
command -v npm >/dev/null 2>&1 || die "npm is not installed"

# ---------------------------------------------------------------------------------------------
# npm environment needed by code-server's postinstall and the native builds below it
#  - npm_config_unsafe_perm=true: as root, code-server's postinstall.sh refuses to run without it
#  - npm_config_yes=true: node-pty's postinstall runs `npx node-gyp ...`; with yes unset/false npx
#    cancels ("npx canceled due to missing packages and no YES option")
#  - npm_config_nodedir: node-gyp would otherwise download Node headers (no internet); the Debian/
#    NodeSource nodejs package ships them in <prefix>/include/node
NODE_PREFIX=$(dirname "$(dirname "$(command -v node)")")
env_lines() {
  echo "export npm_config_unsafe_perm=true"
  echo "export npm_config_yes=true"
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then
    echo "export npm_config_nodedir=$NODE_PREFIX"
  fi
}
ENV_LINES=$(env_lines)
if [ "$MODE" = print-env ]; then echo "$ENV_LINES"; exit 0; fi
eval "$ENV_LINES"

NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')

wanted_cs_version() {
  if [ -n "${CODE_SERVER_VERSION:-}" ]; then echo "$CODE_SERVER_VERSION"; return; fi
  node -e '
    const p = require(process.argv[1]);
    const v = (p.devDependencies && p.devDependencies["code-server"]) || (p.dependencies && p.dependencies["code-server"]) || "";
    process.stdout.write(/^\d+\.\d+\.\d+$/.test(v) ? v : "4.100.3");' "$PROJECT_DIR/package.json"
}
CS_VERSION=$(wanted_cs_version)

# ---------------------------------------------------------------------------------------------
# 1. Debian packages (installed only when missing; apt-get update at most once)
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# chromium: the browser; libkrb5-dev: headers for the `kerberos` native module; ripgrep: rg binary
# for @vscode/ripgrep; fonts-dejavu-core: readable screenshots; unzip: the VSIX content test
missing_packages() {
  missing=""
  for p in chromium libkrb5-dev ripgrep fonts-dejavu-core unzip ${SETUP_CS_EXTRA_APT_PACKAGES:-}; do
    is_installed "$p" || missing="$missing $p"
  done
  # node-gyp toolchain
  if ! command -v make >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
    is_installed build-essential || missing="$missing build-essential"
  fi
  command -v python3 >/dev/null 2>&1 || missing="$missing python3"
  echo "$missing"
}
ensure_system_packages() {
  if [ "${SETUP_CS_NO_APT:-}" = 1 ]; then log "apt: skipped (SETUP_CS_NO_APT=1)"; return; fi
  command -v dpkg-query >/dev/null 2>&1 || { log "apt: not a Debian system, skipping package check"; return; }
  missing=$(missing_packages)
  if [ -z "$missing" ]; then log "apt: all needed packages present"; return; fi
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
      || die "need root (or sudo) to install the Debian packages the test editor needs: run sudo apt-get install -y --no-install-recommends$missing"
    SUDO="sudo -n"
  fi
  log "apt: installing$missing"
  SIM=""; [ "${SETUP_CS_APT_SIMULATE:-}" = 1 ] && SIM="-s"
  updated=""
  # apt-get update only when there are no package lists yet, or when the install fails (stale lists)
  if ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; then
    log "apt: apt-get update"; $SUDO apt-get update -qq; updated=1
  fi
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $SIM --no-install-recommends $missing >/dev/null; then
    [ -z "$updated" ] || die "apt-get install$missing failed"
    log "apt: install failed, apt-get update and retry"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $SIM --no-install-recommends $missing >/dev/null
  fi
  log "apt: done${SIM:+ (simulated)}"
}

# ---------------------------------------------------------------------------------------------
# 2. ripgrep for @vscode/ripgrep (lives in node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep,
#    installed by code-server's postinstall -> `npm install` in lib/vscode). Its postinstall skips the
#    download when bin/ exists, or unpacks <os.tmpdir()>/vscode-ripgrep-cache-<pkg version>/
#    ripgrep-<asset version>-<target>.tar.gz. We build that archive from Debian's /usr/bin/rg.
rg_pkg_version() {
  if [ -f "$VS_DIR/npm-shrinkwrap.json" ]; then
    node -p 'require(process.argv[1]).packages["node_modules/@vscode/ripgrep"].version' "$VS_DIR/npm-shrinkwrap.json"
    return
  fi
  case "$CS_VERSION" in
    4.100.3) echo 1.15.11 ;;   # from code-server 4.100.3's lib/vscode/npm-shrinkwrap.json
    *) # generic fallback: read the nested shrinkwrap from the package tarball (registry only)
       tmp=$(mktemp -d); (cd "$tmp" && npm pack "code-server@$CS_VERSION" --silent >/dev/null 2>&1 \
         && tar xzf code-server-*.tgz package/lib/vscode/npm-shrinkwrap.json)
       node -p 'require(process.argv[1]).packages["node_modules/@vscode/ripgrep"].version' "$tmp/package/lib/vscode/npm-shrinkwrap.json"
       rm -rf "$tmp" ;;
  esac
}
rg_asset_version() { # $1 = @vscode/ripgrep version; prints the VERSION constant of its postinstall.js
  f="$VS_DIR/node_modules/@vscode/ripgrep/lib/postinstall.js"
  if [ -f "$f" ] && grep -q "\"version\": \"$1\"" "$VS_DIR/node_modules/@vscode/ripgrep/package.json"; then
    sed -n "s/^const VERSION = '\(.*\)';.*/\1/p" "$f"; return
  fi
  case "$1" in
    1.15.11) echo v13.0.0-10 ;;
    *) tmp=$(mktemp -d); (cd "$tmp" && npm pack "@vscode/ripgrep@$1" --silent >/dev/null 2>&1 && tar xzf vscode-ripgrep-*.tgz)
       sed -n "s/^const VERSION = '\(.*\)';.*/\1/p" "$tmp/package/lib/postinstall.js"; rm -rf "$tmp" ;;
  esac
}
rg_target() {
  arch=${npm_config_arch:-$(node -p process.arch)}
  case "$arch" in
    x64) echo x86_64-unknown-linux-musl ;;
    arm64) echo aarch64-unknown-linux-musl ;;
    *) die "unsupported arch $arch for the ripgrep cache" ;;
  esac
}
ensure_ripgrep_cache() {
  RG=$(command -v rg || true)
  [ -n "$RG" ] || die "rg not found (apt-get install ripgrep)"
  RG_PKG=$(rg_pkg_version)
  RG_ASSET=$(rg_asset_version "$RG_PKG")
  [ -n "$RG_ASSET" ] || die "could not determine the ripgrep asset version for @vscode/ripgrep@$RG_PKG"
  CACHE_DIR="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_PKG"
  ARCHIVE="$CACHE_DIR/ripgrep-$RG_ASSET-$(rg_target).tar.gz"
  if [ -f "$ARCHIVE" ] && tar tzf "$ARCHIVE" 2>/dev/null | grep -qx rg; then
    log "ripgrep: cache present ($ARCHIVE)"
  else
    mkdir -p "$CACHE_DIR"
    stage=$(mktemp -d)
    cp "$RG" "$stage/rg" && chmod 755 "$stage/rg"
    tar czf "$ARCHIVE.tmp" -C "$stage" rg && mv "$ARCHIVE.tmp" "$ARCHIVE"
    rm -rf "$stage"
    log "ripgrep: wrote $ARCHIVE from $RG"
  fi
  # already-installed @vscode/ripgrep without its binary (e.g. a failed earlier run): fill bin/ directly
  RGMOD="$VS_DIR/node_modules/@vscode/ripgrep"
  if [ -f "$RGMOD/package.json" ] && [ ! -x "$RGMOD/bin/rg" ]; then
    mkdir -p "$RGMOD/bin" && cp "$RG" "$RGMOD/bin/rg" && chmod 755 "$RGMOD/bin/rg"
    log "ripgrep: copied $RG to $RGMOD/bin/rg"
  fi
}

# ---------------------------------------------------------------------------------------------
# 3. npm install (only when node_modules/code-server is absent or has another version)
installed_cs_version() {
  [ -f "$CS_DIR/package.json" ] && node -p 'require(process.argv[1]).version' "$CS_DIR/package.json" || true
}
ensure_npm_install() {
  have=$(installed_cs_version)
  if [ "$have" = "$CS_VERSION" ]; then log "npm: node_modules/code-server@$have present, not reinstalling"; return; fi
  if [ -f "$PROJECT_DIR/package-lock.json" ] || [ -f "$PROJECT_DIR/npm-shrinkwrap.json" ]; then
    log "npm: npm ci"; (cd "$PROJECT_DIR" && npm ci --no-audit --no-fund)
  else
    log "npm: npm install"; (cd "$PROJECT_DIR" && npm install --no-audit --no-fund)
  fi
  log "npm: done"
}

# ---------------------------------------------------------------------------------------------
# 4. build / verify code-server
NATIVE_FILES="
lib/vscode/node_modules/node-pty/build/Release/pty.node
lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node
lib/vscode/node_modules/kerberos/build/Release/kerberos.node
lib/vscode/node_modules/native-watchdog/build/Release/watchdog.node
lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
problems() { # prints one line per missing piece
  [ -f "$CS_DIR/out/node/entry.js" ] || { echo "node_modules/code-server is not installed"; return; }
  [ -e "$VS_DIR/node_modules.asar" ] || echo "lib/vscode/node_modules.asar link missing (postinstall did not finish)"
  [ -d "$VS_DIR/extensions/node_modules" ] || echo "lib/vscode/extensions/node_modules missing (postinstall did not finish)"
  for f in $NATIVE_FILES; do [ -e "$CS_DIR/$f" ] || echo "$f missing"; done
  ls "$VS_DIR"/node_modules/@parcel/watcher-linux-*-glibc/watcher.node >/dev/null 2>&1 || echo "@parcel/watcher prebuilt missing"
  (cd "$CS_DIR" && node -e 'require("argon2")' >/dev/null 2>&1) || echo "argon2 native binding does not load"
}
run_cs_postinstall() {
  [ "$NODE_MAJOR" = 20 ] || die "code-server $CS_VERSION needs Node 20 (this is $(node -v))"
  log "code-server: running its postinstall (npm install in lib/vscode and lib/vscode/extensions; native builds)"
  # postinstall.sh reads the Node version and package manager from npm_config_user_agent
  (cd "$CS_DIR" && npm_config_user_agent="npm/$(npm -v 2>/dev/null) node/$(node -v) linux $(node -p process.arch) workspaces/false" sh ./postinstall.sh)
}
ensure_code_server_built() {
  p=$(problems)
  if [ -z "$p" ]; then log "code-server: built and complete"; return; fi
  echo "$p" | sed 's/^/  - /'
  case "$p" in *"is not installed"*) die "node_modules/code-server missing: run npm ci (or this script without --finish)";; esac
  if echo "$p" | grep -q 'postinstall did not finish'; then
    run_cs_postinstall
    p=$(problems)
  fi
  if echo "$p" | grep -q 'argon2'; then
    log "code-server: rebuilding argon2"; (cd "$PROJECT_DIR" && npm rebuild argon2 --no-audit --no-fund)
  fi
  ensure_ripgrep_cache # fills @vscode/ripgrep/bin if it is still empty
  # native modules still missing (e.g. an npm that blocks unreviewed install scripts in the nested
  # install, or a partial earlier run): rebuild just those packages inside lib/vscode
  pk=$(problems | sed -n 's#^lib/vscode/node_modules/\(@[^/]*/[^/]*\|[^@/][^/]*\)/.* missing$#\1#p' | sort -u | tr '\n' ' ')
  if [ -n "$pk" ]; then
    log "code-server: npm rebuild $pk(in lib/vscode)"
    # shellcheck disable=SC2086
    (cd "$VS_DIR" && npm rebuild $pk --dangerously-allow-all-scripts --no-audit --no-fund)
  fi
  p=$(problems)
  [ -z "$p" ] || { echo "$p" | sed 's/^/  - /'; die "code-server is still incomplete"; }
  log "code-server: built and complete"
}
smoke_test() {
  # --version must not write into $HOME: point XDG dirs at a scratch dir
  scratch=$(mktemp -d)
  out=$(XDG_CONFIG_HOME="$scratch" XDG_DATA_HOME="$scratch" node "$CS_DIR/out/node/entry.js" --version 2>&1 || true)
  v=$(echo "$out" | grep -m1 "^$CS_VERSION " || echo "$out" | tail -3)
  rm -rf "$scratch"
  case "$v" in "$CS_VERSION "*) log "code-server: --version -> $v" ;; *) die "code-server --version failed: $v" ;; esac
  if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then log "chromium: ${CHROMIUM_PATH:-/usr/bin/chromium}"; else die "chromium missing"; fi
}

# ---------------------------------------------------------------------------------------------
# 5. --auto: behind npm install (postinstall), npm start and npm test
auto_fail() { # $1 = one line: what to run and why
  echo "[kie setup] $1" >&2
  [ -n "$SOFT" ] && exit 0
  exit 1
}
auto_step() { # $1 = n/total, $2 = what, $3 = function; its output goes to the log
  printf '[kie setup %s] %s … ' "$1" "$2"
  s0=$(date +%s)
  echo "== $2" >>"$LOGFILE"
  # in the background so that set -e holds inside the step (it is off inside an if condition)
  ( $3 ) >>"$LOGFILE" 2>&1 &
  rc=0; wait $! || rc=$?
  if [ "$rc" = 0 ]; then
    echo "done ($(( $(date +%s) - s0 )) s)"
  else
    echo "failed"
    tail -n 15 "$LOGFILE" | sed 's/^/    /' >&2
    auto_fail "the test editor's set-up failed at \"$2\" (full log: $LOGFILE); fix the cause above, then run: npm run setup:editor"
  fi
}
chromium_found() { [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; }
auto_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    for tool in rg make g++ python3; do command -v "$tool" >/dev/null 2>&1 || auto_fail "not Debian, so the set-up cannot install what the test editor needs: install Chromium (or set CHROMIUM_PATH), ripgrep, the Kerberos headers (libkrb5) and a C++ toolchain, then run: npm run setup:editor"; done
    chromium_found || auto_fail "not Debian and no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}: install Chromium (the test editor's browser) and set CHROMIUM_PATH, then run: npm run setup:editor"
    echo "[kie setup 1/4] Debian packages … not Debian: using the installed rg, Chromium and compilers"
    return
  fi
  missing=$(missing_packages)
  if [ -z "$missing" ]; then echo "[kie setup 1/4] Debian packages … present"; return; fi
  if [ "$(id -u)" != 0 ] && ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
    auto_fail "the test editor needs the Debian packages$missing and this user cannot install them (not root, no password-less sudo); run: sudo apt-get install -y --no-install-recommends$missing && npm run setup:editor"
  fi
  auto_step 1/4 "Debian packages:$missing (apt-get install)" ensure_system_packages
}
auto_run() {
  LOGFILE="$PROJECT_DIR/node_modules/.kie-setup.log"
  [ -f "$CS_DIR/package.json" ] || auto_fail "node_modules/code-server is missing (the test editor, a devDependency): run npm install"
  if [ -z "$(problems)" ] && chromium_found; then
    echo "[kie setup] test editor ready (code-server $CS_VERSION, ${CHROMIUM_PATH:-/usr/bin/chromium})"
    return
  fi
  ( : >"$LOGFILE" ) 2>/dev/null || LOGFILE=$(mktemp)
  echo "[kie setup] building the test editor once (code-server $CS_VERSION as VS Code, Chromium); details in $LOGFILE"
  auto_packages
  auto_step 2/4 "ripgrep for VS Code's search, from Debian's rg (no download)" ensure_ripgrep_cache
  auto_step 3/4 "code-server's native modules (npm install in lib/vscode; about a minute)" ensure_code_server_built
  auto_step 4/4 "check: code-server --version, Chromium" smoke_test
  echo "[kie setup] test editor ready ($(( $(date +%s) - T0 )) s)"
}

case "$MODE" in
  check)
    p=$(problems); [ -z "$p" ] || { echo "$p" | sed 's/^/  - /'; die "code-server is not usable"; }
    smoke_test ;;
  prepare)
    ensure_system_packages; ensure_ripgrep_cache
    log "ready for npm ci; npm needs: $(echo "$ENV_LINES" | sed 's/^export //' | tr '\n' ' ')" ;;
  finish)
    ensure_ripgrep_cache; ensure_code_server_built; smoke_test ;;
  auto)
    auto_run; exit 0 ;;
  full)
    ensure_system_packages; ensure_ripgrep_cache; ensure_npm_install
    ensure_ripgrep_cache; ensure_code_server_built; smoke_test ;;
esac
log "done ($MODE)"
