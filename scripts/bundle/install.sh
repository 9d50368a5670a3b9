#!/bin/sh
# Offline installer of consolidate for Linux (no network, no root):
#   sh install.sh TARGET [python3.11]
# The launchers go into TARGET (e.g. ~/桌面); the program into ~/.local/share/consolidate
# ($CONSOLIDATE_HOME chooses another). The work is done by install.py, as on Windows.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ]; then
  echo "用法：sh install.sh 目标文件夹 [python3.11 的路径]" >&2
  exit 2
fi
python=${2:-$(command -v python3.11 || command -v python3 || true)}
if [ -z "$python" ]; then
  echo "未找到 Python 3.11：请先安装（见 安装说明.txt），或指定其路径。" >&2
  exit 2
fi
exec "$python" "$here/install.py" "$1"
