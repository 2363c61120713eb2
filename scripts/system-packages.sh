#!/usr/bin/env bash
# The Debian/Ubuntu packages npl needs, for `make run`, `make test` and `.ci/run` alike (README: the two
# commands are the whole set-up). Missing ones are installed when we may (root, or sudo without a password:
# one `apt-get update`, then a non-interactive install); otherwise we stop at once with ONE message, in
# Chinese and English, giving the exact command to run.
#
#   scripts/system-packages.sh run|test|ci        check, install what is missing or stop (exit 1)
#   scripts/system-packages.sh --check run|test|ci   only check: list what is missing, exit 1 if anything is
#   scripts/system-packages.sh --chromium-path    the browser the browser tests should drive (a real binary)
#
# What a target needs:
#   run   fonts-noto-cjk (Chinese in charts and PDFs), pango and harfbuzz-subset (WeasyPrint: PDFs; without
#         harfbuzz-subset a page takes 3–19 s), python3.11 and python3.11-venv (only while .venv is not made)
#   test  run's, plus chromium for the browser tests (Debian's package; on Ubuntu `chromium` is only a stub
#         that installs the snap, which Playwright cannot drive: a real binary is looked for instead)
#   ci    test's, plus make and the PostgreSQL client tools (psql, pg_isready, createdb)
# For tests (tests/test_system_packages.py): NPL_SYSTEM_PACKAGES replaces the package list, NPL_OS_RELEASE the
# os-release file, NPL_CHROMIUM_CANDIDATES the browsers looked for; PATH decides which id, sudo, dpkg-query and
# apt-get run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OS_RELEASE=${NPL_OS_RELEASE:-/etc/os-release}

check_only=0
if [ "${1:-}" = "--check" ]; then check_only=1; shift; fi
target=${1:-}

is_ubuntu() {
  [ -r "$OS_RELEASE" ] || return 1
  # shellcheck disable=SC1090
  (. "$OS_RELEASE"; [ "${ID:-}" = ubuntu ] || [[ " ${ID_LIKE:-} " == *" ubuntu "* ]])
}

# A snap stub is a small shell script that runs `snap` (Ubuntu's /usr/bin/chromium-browser and chromium).
is_snap_stub() {
  local path=$1
  [[ "$(readlink -f "$path")" == /snap/* ]] && return 0
  [ "$(stat -c %s "$(readlink -f "$path")" 2>/dev/null || echo 0)" -lt 65536 ] && grep -qs "/snap/bin/" "$path"
}

real_chromium() {
  local candidate
  local candidates=(/usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome-stable /usr/bin/google-chrome
                    "$HOME"/.cache/ms-playwright/chromium-*/chrome-linux/chrome)
  [ -n "${NPL_CHROMIUM_CANDIDATES:-}" ] && read -r -a candidates <<<"$NPL_CHROMIUM_CANDIDATES"
  for candidate in ${NPL_CHROMIUM:-} "${candidates[@]}"; do
    if [ -x "$candidate" ] && ! is_snap_stub "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ "$target" = "--chromium-path" ]; then
  real_chromium || echo /usr/bin/chromium
  exit 0
fi

case "$target" in
  run|test|ci) ;;
  *) echo "usage: $0 [--check] run|test|ci | --chromium-path" >&2; exit 2 ;;
esac

packages=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
notes=()
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  # The Makefile makes .venv with python3.11 (Django 5.2 LTS); Debian splits venv/ensurepip into its own package.
  if ! command -v python3.11 >/dev/null; then
    packages+=(python3.11 python3.11-venv)
  elif [[ "$(command -v python3.11)" == /usr/bin/* ]] && ! python3.11 -c "import ensurepip, venv" 2>/dev/null; then
    packages+=(python3.11-venv)
  fi
fi
if [ "$target" != run ]; then
  if is_ubuntu; then
    if ! real_chromium >/dev/null; then
      notes+=("Ubuntu 的 chromium 软件包只是安装 snap 的占位程序，浏览器测试无法使用，将被跳过。如需运行：安装 Google Chrome，或运行 .venv/bin/playwright install chromium，然后重试。"
              "On Ubuntu the chromium package is only a stub that installs the snap, which the browser tests cannot drive: they will be skipped. To run them, install Google Chrome or run .venv/bin/playwright install chromium, then try again.")
    fi
  else
    packages+=(chromium)
  fi
fi
if [ "$target" = ci ]; then
  packages+=(make)
fi
if [ -n "${NPL_SYSTEM_PACKAGES:-}" ]; then
  read -r -a packages <<<"$NPL_SYSTEM_PACKAGES"
fi

if ! command -v dpkg-query >/dev/null; then
  echo "无法检查系统软件包（不是 Debian/Ubuntu）：请确认已安装 ${packages[*]} 的对应软件包。" >&2
  echo "Cannot check system packages (not Debian/Ubuntu): make sure the equivalents of ${packages[*]} are installed." >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# The PostgreSQL tools come with the server's own postgresql-client-NN, without the `postgresql-client`
# metapackage: asking dpkg for that name would send every CI run through apt-get update for nothing.
if [ "$target" = ci ] && [ -z "${NPL_SYSTEM_PACKAGES:-}" ]; then
  if ! command -v psql >/dev/null || ! command -v pg_isready >/dev/null || ! command -v createdb >/dev/null; then
    missing+=(postgresql-client)
  fi
fi

for note in "${notes[@]}"; do echo "$note" >&2; done
if ((${#missing[@]} == 0)); then
  exit 0
fi

command_line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ((check_only)); then
  echo "缺少系统软件包 / missing system packages: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  cat >&2 <<MESSAGE

缺少系统软件包：${missing[*]}
请用管理员权限运行下面的命令，然后重新运行 make：
Missing system packages: ${missing[*]}
Run this command as root (or with sudo), then run make again:

    sudo sh -c '$command_line'

MESSAGE
  exit 1
fi

echo "安装系统软件包 / installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || exit 1
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit 1
