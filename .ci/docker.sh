#!/usr/bin/env bash
# CI: a Docker engine and the sandbox image, ready for test/integration/*docker*,
# hostile and examples suites. Run it or source it (from .ci/run); idempotent, and
# a second run costs about a second:
#   - installs docker.io (and debootstrap) with apt-get when missing;
#   - starts `dockerd --bridge=none --iptables=false` in the background when no engine
#     answers (sandboxes use no network, and nothing may reach private ranges);
#   - builds the sandbox image offline when the tag of this checkout is missing.
# Fails (non-zero) with a message when any of that cannot be done: under CI=true the
# Docker suites must run, never skip.
(
  set -euo pipefail
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  log() { printf '[ci/docker] %s\n' "$*" >&2; }
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

  missing=()
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi

  if ! docker info >/dev/null 2>&1; then
    log 'starting dockerd --bridge=none --iptables=false'
    as_root sh -c 'nohup dockerd --bridge=none --iptables=false >/var/log/dockerd-ci.log 2>&1 &'
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
      log 'dockerd did not answer within 30 s; its log:'
      tail -n 20 /var/log/dockerd-ci.log >&2 || true
      exit 1
    fi
  fi

  image=$("$repo/docker/sandbox/image-tag.sh")
  if docker image inspect "$image" >/dev/null 2>&1; then
    log "$image is present"
  else
    log "building $image offline"
    start=$(date +%s)
    as_root "$repo/docker/sandbox/build-offline.sh" >/dev/null
    log "built $image in $(( $(date +%s) - start )) s"
  fi
)
