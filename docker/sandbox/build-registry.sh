#!/usr/bin/env bash
# Builds the sandbox image from docker/sandbox/Dockerfile on a machine that can pull
# debian:bookworm-slim. Same tag, users, launcher and harness as the offline build.
# Progress goes to stderr; the last line on stdout is the image tag.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

image=$(sandbox_image_tag)
if docker image inspect "$image" >/dev/null 2>&1; then
  printf '[sandbox-build] %s is present\n' "$image" >&2
  echo "$image"
  exit 0
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
make_build_context "$ctx"
cp "$SANDBOX_DIR/Dockerfile" "$ctx/Dockerfile"
printf '[sandbox-build] building %s from the registry base\n' "$image" >&2
docker build --label "autograder.inputs=${image#*:}" -t "$image" "$ctx" >&2
echo "$image"
