#!/usr/bin/env bash
# npm run test:ros: the real-ROS suite (jest.ros.config.js). Needs ROS 2 Humble sourced in this shell, e.g.
#   source /opt/ros2/ros2-env.sh      (CI: bash ../shared/ros2/install.sh installs it)
# and `npm run build` done. Extra arguments go to jest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${ROS_DISTRO:-}" || -z "${AMENT_PREFIX_PATH:-}" ]] || ! command -v ros2 >/dev/null 2>&1; then
  echo "test:ros: ROS 2 is not sourced (ROS_DISTRO, AMENT_PREFIX_PATH or ros2 missing): source /opt/ros2/ros2-env.sh (or /opt/ros/humble/setup.bash) first" >&2
  exit 1
fi
if [[ ! -f dist/src/ros/main.js ]]; then
  echo "test:ros: dist/ is missing: run npm run build first" >&2
  exit 1
fi
# One test file at a time: each starts ROS processes of its own, and the machines have two cores.
exec npx jest -c jest.ros.config.js --runInBand "$@"
