#!/usr/bin/env bash
# Install the Debian packages the app needs, or say exactly how to.
# CJK fonts and harfbuzz-subset make PDFs correct and fast (TECH.md: ~15 s a page without the
# latter); poppler-utils checks PDFs in tests; Chromium drives browser tests; PostgreSQL runs the
# second half of the test suite.
set -euo pipefail

PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium postgresql)
# `scripts/system_deps.sh bench` adds LibreOffice, the baseline bench/bench_pdf.py measures against
# (a finance office's usual route: Excel → PDF). Not needed to run or test the app.
if [[ "${1:-}" == "bench" ]]; then PACKAGES+=(libreoffice-calc-nogui); fi

python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "需要 Python 3.11 或更新版本 / Python 3.11+ is required (found: $(python3 --version 2>&1))" >&2
  exit 1
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "缺少系统软件包 / missing system packages: ${missing[*]}" >&2
  echo "请以管理员身份运行 / please run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "安装系统软件包 / installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
