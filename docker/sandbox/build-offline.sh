#!/usr/bin/env bash
# Builds the sandbox image with no registry: debootstrap a Debian rootfs from the apt
# mirror this machine uses, `docker import` it as a local base, then build
# Dockerfile.offline FROM that base with the classic builder (BuildKit needs a plugin
# that is not installed offline). Idempotent: every stage is skipped when its result,
# named by a hash of its inputs, already exists.
#
#   docker/sandbox/build-offline.sh            build what is missing, print the tag
#   AUTOGRADER_CACHE_DIR=/var/cache/autograder where debootstrap tarballs are kept
#   AUTOGRADER_DEBIAN_MIRROR=http://...        override the mirror read from apt sources
#
# Progress goes to stderr; the last line on stdout is the image tag.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

image=$(sandbox_image_tag)
base=$(sandbox_base_tag)
cache=${AUTOGRADER_CACHE_DIR:-/var/cache/autograder}

log() { printf '[sandbox-build] %s\n' "$*" >&2; }

# The first deb822 `URIs:` (or one-line `deb`) entry that serves the suite itself.
apt_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$SANDBOX_SUITE" '
      /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }' "$f" | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$SANDBOX_SUITE" '$1 == "deb" && $0 !~ /\[/ && $3 == suite { print $2 }
      $1 == "deb" && $0 ~ /\]/ { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) { if ($(i + 2) == suite) print $(i + 1); break } }' "$f"
  done
}

if docker image inspect "$image" >/dev/null 2>&1; then
  log "$image is present"
  echo "$image"
  exit 0
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  tarball="$cache/rootfs-${base#*:}.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed (apt-get install -y debootstrap)" >&2; exit 1; }
    mirror=${AUTOGRADER_DEBIAN_MIRROR:-$(apt_mirror | head -n1)}
    mirror=${mirror:-http://deb.debian.org/debian}
    mkdir -p "$cache"
    work=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    log "debootstrap $SANDBOX_SUITE from $mirror (2-5 minutes: torch and its libraries are most of it)"
    debootstrap --variant=minbase --components=main \
      --include="$(sandbox_packages | paste -sd, -)" \
      "$SANDBOX_SUITE" "$work/rootfs" "$mirror" >&2
    # Downloaded debs and package lists are half the size and useless without a network.
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
    mv "$work/rootfs.tar" "$tarball"
    rm -rf "$work"
    trap - EXIT
  else
    log "reusing cached rootfs $tarball"
  fi
  log "importing $base"
  docker import --message "debootstrap $SANDBOX_SUITE: $(sandbox_packages | paste -sd' ' -)" "$tarball" "$base" >&2
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
make_build_context "$ctx"
cp "$SANDBOX_DIR/Dockerfile.offline" "$ctx/Dockerfile"
log "building $image FROM $base"
# --network none: the daemon may run with --bridge=none, and nothing in the build needs a network.
DOCKER_BUILDKIT=0 docker build --network none --build-arg "BASE=$base" --label "autograder.inputs=${image#*:}" \
  -t "$image" "$ctx" >&2
echo "$image"
