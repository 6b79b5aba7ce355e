#!/usr/bin/env bash
# Builds CRIU from the pinned source tarball beside this script (criu-4.2.tar.gz, `git archive --prefix=criu-4.2/ v4.2`
# of github.com/checkpoint-restore/criu, tag v4.2 = commit 3c7d4fa01, 2025-11-08) into third_party/criu/build/.
# Installs Debian's build dependencies first when it can (root and apt-get), so CI needs nothing else.
# Prints the binary's path on its last line. The conformance driver (emulator criu-conform, CriuConformanceTest)
# finds it there, or at $LEASE_CR_CRIU.
#
# --fixed-guess: a second binary, build/criu-4.2-fixed-guess/criu/criu, with patches/lease-type-guess.patch
# (the type of a broken lease guessed from the description's open mode, not from the fd's file type). It is made
# from a copy of the pinned build's tree, so only criu/file-lock.c is compiled again (seconds once 4.2 is built;
# 4.2 is built first when it is not). The default build is never patched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ver=4.2
tarball="$here/criu-$ver.tar.gz"
sha256=7e705f59d18a90b39b4f6b029a26eea46346d90085c654ad9ac187cd9f7f3306
out="$here/build"
bin="$out/criu-$ver/criu/criu"

case "${1:-}" in
  "") ;;
  --fixed-guess)
    patchfile="$here/patches/lease-type-guess.patch"
    fixed="$out/criu-$ver-fixed-guess"
    fixedbin="$fixed/criu/criu"
    stamp="$fixed/.lease-type-guess.sha256"
    want="$(sha256sum "$patchfile" | cut -d' ' -f1)"
    if [[ -x "$fixedbin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
      echo "criu $ver with lease-type-guess.patch already built"
      echo "$fixedbin"
      exit 0
    fi
    bash "$0" >/dev/null
    start=$(date +%s)
    rm -rf "$fixed"
    cp -a "$out/criu-$ver" "$fixed"
    if ! patch -s -p1 -d "$fixed" <"$patchfile"; then
      echo "build.sh: $patchfile does not apply to criu $ver" >&2
      exit 1
    fi
    log="$out/build-fixed-guess.log"
    if ! make -C "$fixed" -j"$(nproc)" criu >"$log" 2>&1; then
      tail -30 "$log" >&2
      echo "build.sh: make criu with lease-type-guess.patch failed (whole log: $log)" >&2
      exit 1
    fi
    echo "$want" >"$stamp"
    echo "criu $ver with lease-type-guess.patch built in $(( $(date +%s) - start )) s"
    echo "$fixedbin"
    exit 0
    ;;
  *) echo "usage: bash build.sh [--fixed-guess]" >&2; exit 2 ;;
esac

if [[ -x "$bin" && "$("$bin" --version 2>/dev/null | head -1)" == "Version: $ver" ]]; then
  echo "criu $ver already built"
  echo "$bin"
  exit 0
fi
echo "$sha256  $tarball" | sha256sum -c --quiet - || { echo "build.sh: $tarball does not have the pinned sha256 $sha256" >&2; exit 2; }

# Debian's names for what CRIU 4.2's Makefile.config and criu/Makefile look for (protobuf-c for the images,
# libnl for netlink, libcap, libnet for the network locks, libbsd, gnutls for the TLS page server, libaio)
deps=(build-essential pkg-config python3 python3-protobuf libprotobuf-dev libprotobuf-c-dev protobuf-c-compiler
      protobuf-compiler libnl-3-dev libnl-route-3-dev libcap-dev libnet1-dev libbsd-dev libgnutls28-dev libaio-dev
      uuid-dev patch)
missing=()
for d in "${deps[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing CRIU's build dependencies: ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "build.sh: CRIU's build dependencies are missing and cannot be installed here (not root or no apt-get): ${missing[*]}" >&2
    exit 1
  fi
fi

mkdir -p "$out"
rm -rf "$out/criu-$ver"
tar -xzf "$tarball" -C "$out"
start=$(date +%s)
log="$out/build.log"
if ! make -C "$out/criu-$ver" -j"$(nproc)" criu >"$log" 2>&1; then
  tail -30 "$log" >&2
  echo "build.sh: make criu failed (whole log: $log)" >&2
  exit 1
fi
echo "criu $ver built in $(( $(date +%s) - start )) s"
echo "$bin"
