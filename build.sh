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

compile_shader() { # source.comp output.spv [glslc -D flags...]
  local src=$1 out=$2; shift 2
  glslc -fshader-stage=comp --target-env=vulkan1.1 -O -I shaders "$@" "$src" -o "$out"
}

# shader_builds prints one line per SPIR-V file: its name (no .spv), its
# source and the -D flags; every .comp, then the variants of
# shaders/variants.txt.
shader_builds() {
  local src name source defs
  for src in shaders/*.comp; do
    name=$(basename "$src" .comp)
    echo "$name $src"
  done
  while read -r name source defs; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -f "shaders/$source" ] || { echo "build.sh: shaders/variants.txt: $name: no shaders/$source" >&2; return 1; }
    echo "$name shaders/$source $(for d in $defs; do printf -- '-D%s ' "$d"; done)"
  done < shaders/variants.txt
}

# source_hash prints the SHA-256 of what a .spv is compiled from: its
# source, its -D flags and every shared header (shaders/*.glsl), so that
# the hash changes whenever a rebuild could change the SPIR-V, whatever
# glslc would write.
source_hash() { # source.comp "flags"
  { cat "$1"; echo "flags: $2"; cat shaders/*.glsl; } | sha256sum | cut -d' ' -f1
}

shaders() {
  local builds name src flags n=0
  builds=$(shader_builds)
  : > shaders/SOURCES.sha256
  while read -r name src flags; do
    # shellcheck disable=SC2086 # flags are words
    compile_shader "$src" "shaders/$name.spv" $flags
    echo "$name $(source_hash "$src" "$flags")" >> shaders/SOURCES.sha256
    n=$((n + 1))
  done <<< "$builds"
  glslc --version | sed -n 1p > shaders/GLSLC_VERSION
  echo "build.sh: compiled $n shaders with $(cat shaders/GLSLC_VERSION)"
}

# check_shaders fails when a committed .spv is missing, orphaned or stale.
# Stale is decided twice. (1) shaders/SOURCES.sha256, written by
# ./build.sh shaders, holds the hash of each .spv's source, flags and
# headers: any edit since the last shader build fails, with any glslc.
# (2) With the glslc that wrote them (shaders/GLSLC_VERSION) each .spv is
# also compared byte for byte with a fresh compile, which catches a .spv
# edited or built by hand. With another glslc (2) cannot tell a stale .spv
# from one that compiler would write differently, so it is skipped with a
# warning; the sources are still compiled, so a shader that no longer
# compiles fails.
check_shaders() {
  local tmp status=0 same=1 builds name src flags spv
  tmp=$(mktemp -d)
  [ "$(glslc --version | sed -n 1p)" = "$(cat shaders/GLSLC_VERSION 2>/dev/null)" ] || same=0
  builds=$(shader_builds) || return 1
  while read -r name src flags; do
    spv="shaders/$name.spv"
    # shellcheck disable=SC2086 # flags are words
    compile_shader "$src" "$tmp/out.spv" $flags || status=1
    if [ ! -f "$spv" ]; then
      echo "build.sh: $spv is missing: run ./build.sh shaders" >&2; status=1
    elif [ "$(grep "^$name " shaders/SOURCES.sha256 2>/dev/null | cut -d' ' -f2)" != "$(source_hash "$src" "$flags")" ]; then
      echo "build.sh: $spv is stale: $src, its flags or a header changed since it was built: run ./build.sh shaders and commit it" >&2; status=1
    elif [ $same = 1 ] && ! cmp -s "$tmp/out.spv" "$spv"; then
      echo "build.sh: $spv is stale: run ./build.sh shaders and commit it" >&2; status=1
    fi
  done <<< "$builds"
  for spv in shaders/*.spv; do
    name=$(basename "$spv" .spv)
    grep -q "^$name " <<< "$builds" || { echo "build.sh: $spv has no source" >&2; status=1; }
  done
  [ $same = 1 ] || echo "build.sh: warning: glslc is '$(glslc --version | sed -n 1p)', the committed SPIR-V came from '$(cat shaders/GLSLC_VERSION)': freshness not compared byte for byte" >&2
  rm -rf "$tmp"
  return $status
}

# swiftshader prints the path of SwiftShader's Vulkan driver manifest (ICD),
# fetching it on first use: Google's CPU implementation of Vulkan, which
# Debian ships inside chromium-common. Only the package is downloaded and
# unpacked into a cache directory (Chromium is not installed), and only the
# driver is kept. vkstyle's tests run on it as a second, independent
# implementation with different limits (README, "Platforms").
SWIFTSHADER_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vkstyle/swiftshader"
swiftshader() {
  local cache=$SWIFTSHADER_CACHE
  local icd="$cache/usr/lib/chromium/vk_swiftshader_icd.json"
  if [ -f "$icd" ] && [ -f "$cache/usr/lib/chromium/libvk_swiftshader.so" ]; then
    echo "$icd"; return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: the SwiftShader test pass needs Debian's chromium-common package (apt-get download chromium-common), and this system has no apt-get" >&2
    return 1
  fi
  local tmp deb
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && { apt-get download chromium-common >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get download chromium-common >/dev/null 2>&1; }; }); then
    echo "build.sh: cannot download Debian's chromium-common (SwiftShader's Vulkan driver) for the second-driver test pass: check apt's sources and network, or run 'apt-get download chromium-common' by hand" >&2
    rm -rf "$tmp"; return 1
  fi
  deb=$(ls "$tmp"/chromium-common_*.deb)
  mkdir -p "$tmp/x" "$cache/usr/lib/chromium"
  dpkg -x "$deb" "$tmp/x"
  if [ ! -f "$tmp/x/usr/lib/chromium/vk_swiftshader_icd.json" ]; then
    echo "build.sh: $(basename "$deb") has no usr/lib/chromium/vk_swiftshader_icd.json: SwiftShader has moved; update build.sh" >&2
    rm -rf "$tmp"; return 1
  fi
  cp "$tmp/x/usr/lib/chromium/vk_swiftshader_icd.json" "$tmp/x/usr/lib/chromium/libvk_swiftshader.so" "$cache/usr/lib/chromium/"
  basename "$deb" > "$cache/VERSION"
  rm -rf "$tmp"
  echo "$icd"
}

# The packages whose tests run on SwiftShader too: everything that opens a
# device.
SWIFTSHADER_DEFAULT="./gpu/... ./stylize ./vgg ./fast ./cmd/..."

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
    # go.mod and go.sum say exactly what the code imports.
    go mod tidy -diff >/dev/null || { echo "build.sh: go.mod or go.sum is not tidy: run 'go mod tidy' and commit the result" >&2; exit 1; }
    check_shaders
    # Validation on: any validation message fails the test that caused it.
    # A missing device fails instead of skipping.
    VKSTYLE_VALIDATE=1 VKSTYLE_REQUIRE_GPU=1 go test -count=1 -timeout 20m ./...
    # The same on a second, independent implementation with the Vulkan
    # minimum's texel limit and offset alignment, 4-lane subgroups and no
    # fp16: the packages that talk to a device ($SWIFTSHADER_PKGS to
    # choose). Set VKSTYLE_SWIFTSHADER=0 to leave it out on a machine
    # without apt; CI never does.
    if [ "${VKSTYLE_SWIFTSHADER:-1}" != 0 ]; then
      icd=$(swiftshader)
      echo "build.sh: the device tests again on SwiftShader ($(cat "$SWIFTSHADER_CACHE/VERSION"))" >&2
      # shellcheck disable=SC2086 # a list of packages
      VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd VKSTYLE_VALIDATE=1 VKSTYLE_REQUIRE_GPU=1 \
        go test -count=1 -timeout 20m ${SWIFTSHADER_PKGS:-$SWIFTSHADER_DEFAULT}
    fi
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
