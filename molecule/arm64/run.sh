#!/usr/bin/env bash
# Runs the arm64 scenario: `molecule test -s arm64` inside a user namespace where aarch64 programs
# run under a static qemu-aarch64 (scripts/qemu-userns.py, scripts/env.sh host_qemu), with a podman
# storage of its own (vfs, kept in the cache; the arm64 root from molecule/image/build-arm64.sh is
# imported there once per recipe). Every podman call of the scenario (create, the podman
# connection, destroy) happens inside that one namespace. Nothing is registered on the host.
# Usage: molecule/arm64/run.sh [molecule test options]
source "$(dirname "$0")/../../scripts/env.sh"
if [ "${1:-}" = --inside ]; then
  shift
  TAR=$1
  shift
  TAG=${TAR##*/arm64-rootfs-}
  IMAGE=localhost/hardening-rhel-test-arm64:${TAG%.tar}
  if ! podman image exists "$IMAGE"; then
    # earlier recipes' images go first (vfs keeps a full copy of each)
    podman images --format '{{.Repository}}:{{.Tag}}' \
      | { grep '^localhost/hardening-rhel-test-arm64:' || true; } | xargs -r podman rmi -f >/dev/null
    log "importing $TAR as $IMAGE"
    podman import --change 'CMD ["/sbin/init"]' "$TAR" "$IMAGE" >/dev/null
  fi
  export HARDENING_TEST_IMAGE_ARM64=$IMAGE
  cd "$REPO"
  exec molecule test -s arm64 "$@"
fi

TAR=$(bash "$REPO/molecule/image/build-arm64.sh" | tail -n 1)
QEMU=$(host_qemu)
RUN=$(mktemp -d /var/tmp/hardening-arm64-podman.XXXXXX)
trap 'rm -rf "$RUN"' EXIT
mkdir -p "$CACHE/arm64-podman"
cat > "$RUN/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$CACHE/arm64-podman"
runroot = "$RUN/run"
CONF
HARDENING_QEMU_AARCH64=$QEMU CONTAINERS_STORAGE_CONF=$RUN/storage.conf \
  python3 "$REPO/scripts/qemu-userns.py" bash "$REPO/molecule/arm64/run.sh" --inside "$TAR" "$@"
