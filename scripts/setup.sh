#!/usr/bin/env bash
# Gets a fresh clone ready for `npm start` or `npm test`: npm dependencies, a Docker engine, the
# images and (for start) the site. Each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-start}
# say, die and step: one line per step, its output in a log (scripts/setup-steps.sh).
. scripts/setup-steps.sh
is_root() { [ "$(id -u)" = 0 ]; }
can_apt() { is_root && command -v apt-get >/dev/null; }

apt_install() {
  step --quiet "installed $* from Debian" sh -c \
    'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' apt "$@"
}
export DEBIAN_FRONTEND=noninteractive

# 1. npm dependencies, when missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step --quiet 'npm dependencies installed' npm ci --no-audit --no-fund --loglevel=error
else
  say 'npm dependencies up to date'
fi

# 2. A Docker engine that answers.
engine_answers() {
  if command -v docker >/dev/null; then
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1
  else
    curl -sf --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null 2>&1
  fi
}
if ! engine_answers; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "the Docker engine at DOCKER_HOST=$DOCKER_HOST does not answer; start it or unset DOCKER_HOST"
  fi
  if ! command -v dockerd >/dev/null; then
    if can_apt; then
      apt_install docker.io
    else
      die 'no Docker engine: install Docker Engine (on Debian or Ubuntu: sudo apt-get install docker.io; elsewhere: https://docs.docker.com/engine/install/) and start it'
    fi
  fi
  if ! is_root; then
    die 'the Docker engine is installed but not running: start it (sudo systemctl start docker, or sudo dockerd &) and run this again'
  fi
  started=$SECONDS
  # setsid: the daemon outlives this script and is not tied to its terminal.
  setsid dockerd >/var/log/berth-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    engine_answers && break
    sleep 0.5
  done
  engine_answers || die 'dockerd did not answer within 60 s; see /var/log/berth-dockerd.log'
  say "dockerd started ($((SECONDS - started)) s; its log: /var/log/berth-dockerd.log)"
else
  say 'Docker engine answering'
fi

# 3. Images: the base comes from debootstrap when no registry answers.
if ! docker image inspect berth/debian:trixie >/dev/null 2>&1 && ! command -v debootstrap >/dev/null; then
  if can_apt; then apt_install debootstrap; fi
fi
step 'images ready' npm run --silent images

# 4. The registry mirror the sandboxes pull through: the catalog offline, Docker Hub online.
#    For the tests, with the team images of the pages they run (sandbox-server/src/testing/mirror.ts).
if [ "$purpose" = test ]; then
  step 'registry mirror current' npx tsx sandbox-server/src/testing/mirror.ts
else
  step 'registry mirror current' npm run --silent mirror
fi

# 5. The site, served by the server and tested in a browser: rebuilt only when its sources are
#    newer than the last build, or it was built for another base path.
base_path=${BERTH_BASE_PATH:-/}
if [ ! -f dist/index.html ] || [ "$(cat dist/.base-path 2>/dev/null || echo /)" != "$base_path" ] ||
  [ -n "$(find src content astro.config.mjs package-lock.json sandbox-server/src/contract \
    -newer dist/index.html -print -quit 2>/dev/null)" ]; then
  step --quiet "site built for $base_path" npm run --silent build
  echo "$base_path" >dist/.base-path
else
  say "site up to date (built for $base_path)"
fi

# 6. For the tests, Debian's Chromium (never a downloaded browser).
if [ "$purpose" = test ] && [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if can_apt; then
    apt_install chromium
  else
    die 'the browser tests need Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH'
  fi
fi
