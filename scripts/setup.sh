#!/usr/bin/env bash
# Installs what flowmesh needs on a Debian machine and builds the native parts.
# Idempotent and quiet when everything is already there. Needs root for apt;
# without root it lists what is missing and carries on (eBPF parts then skip).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < scripts/apt-packages.txt

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/flowmesh-apt.log 2>&1; then
      apt-get update -q >>/tmp/flowmesh-apt.log 2>&1
      apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/flowmesh-apt.log 2>&1 ||
        { log "apt-get failed; see /tmp/flowmesh-apt.log"; tail -20 /tmp/flowmesh-apt.log >&2; exit 1; }
    fi
  else
    log "not root: cannot install ${missing[*]} (run: sudo apt-get install ${missing[*]})"
  fi
fi

# npm packages: install when node_modules is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The Node.js LTS the image runs (Dockerfile NODE_IMAGE), for the tests that run the compiled start
# on it as well as on this machine's Node: the official binary, as the npm registry ships it.
NODE_LTS_MAJOR=24
case "$(uname -m)" in x86_64) node_arch=x64 ;; aarch64) node_arch=arm64 ;; *) node_arch="" ;; esac
node_lts=".tools/node-lts/node_modules/node-linux-$node_arch/bin/node"
if [[ -n "$node_arch" && ! -x "$node_lts" ]]; then
  log "installing Node.js $NODE_LTS_MAJOR (the image's runtime) into .tools/node-lts"
  npm install --prefix .tools/node-lts --no-save --no-audit --no-fund --loglevel=error "node-linux-$node_arch@$NODE_LTS_MAJOR" ||
    log "could not install Node.js $NODE_LTS_MAJOR from the npm registry; the test that runs on it will fail"
fi

# The CLI and services as JavaScript (dist/): bin/flowmesh.js runs them while no source is newer.
node scripts/build.js

# The embedded Kafka broker (librdkafka mock cluster) and the eBPF probe.
make -s -C tools/mockbroker
if [[ -f bpf/Makefile ]]; then
  if [[ -r /sys/kernel/btf/vmlinux ]] && command -v clang >/dev/null && command -v bpftool >/dev/null; then
    make -s -C bpf || log "eBPF probe did not build; the agent falls back to --source synthetic"
  else
    log "no BTF or no clang/bpftool: skipping the eBPF probe build"
  fi
fi
