#!/usr/bin/env bash
# Prints the sandbox image tag for the current inputs (`--base`: the debootstrap base's tag).
# The one definition of the tag: src/sandbox/image.ts and .ci/docker.sh ask this script.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case ${1:-} in
  --base) sandbox_base_tag ;;
  '') sandbox_image_tag ;;
  *) echo "usage: $0 [--base]" >&2; exit 2 ;;
esac
