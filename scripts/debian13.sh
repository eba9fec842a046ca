#!/usr/bin/env bash
# Builds and tests pt2onnx on Debian 13 (LibTorch 2.6, ONNX 1.17) in a chroot, from a Debian 12
# machine: the second CI leg.
#
# Usage: scripts/debian13.sh [COMMAND...]
#   Without a command: scripts/setup.sh && scripts/test.sh in the root, build dir build-debian13.
#   With one: runs it in the root, in the clone (e.g. `scripts/debian13.sh bash`).
#
# The root is made once with debootstrap (from the mirror this machine's apt uses) and kept
# between runs outside the clone: PT2ONNX_DEBIAN13_ROOT, default /var/cache/pt2onnx/debian13.
# scripts/setup.sh, run inside it, installs the Debian 13 packages. The clone is bind-mounted at
# /src (not copied); /proc, /sys, /dev and /dev/pts are mounted for the run and unmounted on exit.
# Needs root (debootstrap, mount, chroot).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd -P)
root=${PT2ONNX_DEBIAN13_ROOT:-/var/cache/pt2onnx/debian13}
build=${PT2ONNX_DEBIAN13_BUILD_DIR:-build-debian13}
say() { echo "debian13: $*"; }
die() {
  echo "debian13: $*" >&2
  exit 2
}

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, mount and chroot); run it with sudo"
for tool in debootstrap chroot mount umount mountpoint flock; do
  command -v "$tool" >/dev/null || die "$tool is missing; install it (apt-get install debootstrap)"
done

# The mirror: the first Debian URI in this machine's apt sources (deb822 or one-line format).
mirror=${PT2ONNX_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1 == "URIs:" && $2 ~ /\/debian\/?$/ {print $2; exit}')
fi
if [[ -z $mirror ]]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }')
fi
[[ -n $mirror ]] || die "no Debian mirror in /etc/apt/sources.list*; set PT2ONNX_DEBIAN_MIRROR"

# One run at a time: a second one would unmount the first one's mounts when it ends.
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock -n 9 || die "another scripts/debian13.sh is using $root (lock $root.lock)"

if [[ ! -x $root/usr/bin/apt-get ]]; then
  # Made in a scratch directory and renamed, so that an interrupted run leaves no half root.
  say "making the Debian 13 root $root with debootstrap from $mirror (once; about 5 minutes)"
  rm -rf "$root.partial"
  start=$SECONDS
  debootstrap --variant=minbase trixie "$root.partial" "$mirror" >"$root.partial.log" 2>&1 ||
    die "debootstrap failed; see $root.partial.log"
  mv "$root.partial" "$root"
  mv "$root.partial.log" "$root.debootstrap.log"
  say "root made in $((SECONDS - start)) s"
fi
grep -q '^VERSION_CODENAME=trixie' "$root/etc/os-release" ||
  die "$root is not a Debian 13 root; remove it or point PT2ONNX_DEBIAN13_ROOT elsewhere"
printf 'deb %s trixie main\n' "$mirror" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Certificate authorities this machine adds locally (a TLS-inspecting proxy's, say) are trusted in
# the root too, so apt, npm (onnxruntime-node) and Python reach the same servers. Before the root
# has ca-certificates, its installation picks them up from the same directory.
shopt -s nullglob
local_cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob
if ((${#local_cas[@]})) &&
  ! cmp -s <(cat "${local_cas[@]}") <(cat "$root"/usr/local/share/ca-certificates/*.crt 2>/dev/null); then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp "${local_cas[@]}" "$root/usr/local/share/ca-certificates/"
  [[ ! -x $root/usr/sbin/update-ca-certificates ]] || chroot "$root" update-ca-certificates >/dev/null
  say "trusting this machine's local certificate authorities: ${local_cas[*]##*/}"
fi

# Mounts made here, unmounted in reverse order on exit (those already there are left alone).
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || echo "debian13: could not unmount ${mounted[i]}" >&2
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount_once() { # TARGET MOUNT-ARGS...
  local target=$root$1
  shift
  mkdir -p "$target"
  mountpoint -q "$target" && return
  mount "$@" "$target"
  mounted+=("$target")
}
mount_once /proc -t proc proc
mount_once /sys --bind /sys
mount_once /dev --bind /dev
mount_once /dev/pts --bind /dev/pts
mount_once /src --bind "$src"

(($#)) || set -- bash -c "scripts/setup.sh && scripts/test.sh"
say "running in $root (clone at /src, build dir $build): $*"
chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt PT2ONNX_BUILD_DIR="$build" bash -c 'cd /src && exec "$@"' bash "$@"
