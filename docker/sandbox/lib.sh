# Shared by the sandbox image scripts (sourced, not run). The image tag is a hash of
# every input of the image, so a worker finds "its" image by name and a change to the
# package list, a Dockerfile, the launcher or the harness gives a new tag.
# shellcheck shell=bash

SANDBOX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SANDBOX_DIR/../.." && pwd)
HARNESS_DIR="$REPO_ROOT/src/sandbox/harness"
SANDBOX_SUITE=bookworm
SANDBOX_REPO=autograder-sandbox
SANDBOX_BASE_REPO=autograder-sandbox-base

# Files that end up in (or decide) the final image, relative to the repository root,
# sorted so the hash does not depend on directory order. Harness tests stay out.
sandbox_input_files() {
  local f
  for f in packages.txt Dockerfile Dockerfile.offline launch kernel-as-student; do
    printf 'docker/sandbox/%s\n' "$f"
  done
  (cd "$REPO_ROOT" && find src/sandbox/harness -type f \
    ! -path '*/__pycache__/*' ! -name '*.pyc' ! -name 'test_*' ! -name '*_test.py' ! -path '*/tests/*' \
    | LC_ALL=C sort)
}

# Hash of path + content of each file, first 16 hex digits.
hash_files() {
  local rel
  while IFS= read -r rel; do
    printf '%s\0' "$rel"
    sha256sum < "$REPO_ROOT/$rel" | cut -d' ' -f1
  done | sha256sum | cut -c1-16
}

sandbox_packages() {
  grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$SANDBOX_DIR/packages.txt" | tr -d '[:blank:]'
}

# The debootstrap rootfs depends only on the package list and the suite.
sandbox_base_tag() {
  local h
  h=$({ printf '%s\n' "$SANDBOX_SUITE"; sandbox_packages; } | sha256sum | cut -c1-16)
  printf '%s:%s\n' "$SANDBOX_BASE_REPO" "$h"
}

sandbox_image_tag() {
  printf '%s:%s\n' "$SANDBOX_REPO" "$(sandbox_input_files | hash_files)"
}

# Copies what the Dockerfiles COPY into a fresh directory, so the build context is a
# few KiB instead of the repository (node_modules included).
make_build_context() {
  local ctx=$1 rel dest
  if [ ! -f "$HARNESS_DIR/harness.py" ]; then
    echo "error: $HARNESS_DIR/harness.py is missing; the sandbox image needs the harness" >&2
    return 1
  fi
  mkdir -p "$ctx/harness"
  cp "$SANDBOX_DIR/packages.txt" "$SANDBOX_DIR/launch" "$SANDBOX_DIR/kernel-as-student" "$ctx/"
  while IFS= read -r rel; do
    case $rel in
      src/sandbox/harness/*)
        dest="$ctx/harness/${rel#src/sandbox/harness/}"
        mkdir -p "$(dirname "$dest")"
        cp "$REPO_ROOT/$rel" "$dest"
        ;;
    esac
  done < <(sandbox_input_files)
}
