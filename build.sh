#!/usr/bin/env bash
# vkstyle's one build script.
#   ./build.sh          install what is missing (Debian/Ubuntu), build bin/vkstyle
#   ./build.sh test     vet, gofmt, shader freshness, go test ./... with Vulkan validation on
#   ./build.sh bench    the benchmarks (go test -bench)
#   ./build.sh shaders  recompile shaders/*.comp into the committed shaders/*.spv
set -euo pipefail
cd "$(dirname "$0")"

# Runtime: the Vulkan loader and a driver (lavapipe when there is no GPU).
# Build: gcc and the Vulkan headers for cgo, the X11/GL headers GLFW needs.
# Test: the validation layer and glslc for the shader freshness check.
PACKAGES=(libvulkan1 mesa-vulkan-drivers vulkan-validationlayers glslc libvulkan-dev gcc libc6-dev xvfb xdotool imagemagick
  libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev pkg-config)

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then
      export PATH=$PATH:/usr/local/go/bin
    else
      echo "build.sh: Go 1.26 or newer is needed: see https://go.dev/doc/install" >&2
      exit 1
    fi
  fi
}

install_packages() {
  local missing=()
  if command -v dpkg-query >/dev/null 2>&1; then
    for p in "${PACKAGES[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
  else
    echo "build.sh: not a Debian/Ubuntu system; make sure these (or your distribution's equivalents) are installed:" >&2
    echo "  ${PACKAGES[*]}" >&2
    return 0
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "build.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

compile_shader() { # source.comp output.spv
  glslc -fshader-stage=comp --target-env=vulkan1.1 -O -I shaders "$1" -o "$2"
}

shaders() {
  for src in shaders/*.comp; do
    compile_shader "$src" "${src%.comp}.spv"
  done
  glslc --version | sed -n 1p > shaders/GLSLC_VERSION
  echo "build.sh: compiled $(ls shaders/*.comp | wc -l) shaders with $(cat shaders/GLSLC_VERSION)"
}

# check_shaders fails when a committed .spv is missing, orphaned or stale.
# Byte comparison needs the glslc that wrote them (shaders/GLSLC_VERSION);
# with another version the sources are still compiled, and the mismatch said.
check_shaders() {
  local tmp status=0 same=1
  tmp=$(mktemp -d)
  [ "$(glslc --version | sed -n 1p)" = "$(cat shaders/GLSLC_VERSION 2>/dev/null)" ] || same=0
  for src in shaders/*.comp; do
    local spv="${src%.comp}.spv"
    compile_shader "$src" "$tmp/out.spv"
    if [ ! -f "$spv" ]; then
      echo "build.sh: $spv is missing: run ./build.sh shaders" >&2; status=1
    elif [ $same = 1 ] && ! cmp -s "$tmp/out.spv" "$spv"; then
      echo "build.sh: $spv is stale: run ./build.sh shaders and commit it" >&2; status=1
    fi
  done
  for spv in shaders/*.spv; do
    [ -f "${spv%.spv}.comp" ] || { echo "build.sh: $spv has no source" >&2; status=1; }
  done
  [ $same = 1 ] || echo "build.sh: warning: glslc is '$(glslc --version | sed -n 1p)', the committed SPIR-V came from '$(cat shaders/GLSLC_VERSION)': freshness not compared byte for byte" >&2
  rm -rf "$tmp"
  return $status
}

cmd=${1:-build}
case "$cmd" in
  build)
    install_packages; need_go
    go build -o bin/vkstyle ./cmd/vkstyle
    echo "build.sh: built bin/vkstyle"
    ;;
  test)
    install_packages; need_go
    unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
    if [ -n "$unformatted" ]; then echo "build.sh: gofmt would change: $unformatted" >&2; exit 1; fi
    go vet ./...
    check_shaders
    # Validation on: any validation message fails the test that caused it.
    # A missing device fails instead of skipping.
    VKSTYLE_VALIDATE=1 VKSTYLE_REQUIRE_GPU=1 go test -count=1 -timeout 20m ./...
    ;;
  bench)
    install_packages; need_go
    go test -run '^$' -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-1x}" -timeout 60m ./...
    ;;
  shaders)
    install_packages
    shaders
    ;;
  *)
    echo "usage: ./build.sh [build|test|bench|shaders]" >&2
    exit 2
    ;;
esac
