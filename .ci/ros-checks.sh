#!/usr/bin/env bash
# ROS packaging checks for edgenext, called by .ci/run (no ROS installation needed).
#
#   bash .ci/ros-checks.sh [all|package|msg|launch|wrapper|typecheck|smoke]   (default: all)
#
# Needs the Debian packages python3-catkin-pkg, python3-rosidl and python3-empy
#   apt-get install -y --no-install-recommends python3-catkin-pkg python3-rosidl python3-empy
# and the npm registry (for the rclnodejs 2.2.0 typings, installed with --ignore-scripts into
# .ci/rclnodejs-typecheck/node_modules, never into the project). `smoke` needs `npm run build` first.
set -euo pipefail

cd "$(dirname "$0")/.."
# Debian's interpreter: the apt modules live in /usr/lib/python3/dist-packages (a pyenv python3 would not see them).
PY="${ROS_CHECKS_PYTHON:-/usr/bin/python3}"
RCLNODEJS_VERSION=2.2.0
TYPECHECK_DIR=.ci/rclnodejs-typecheck

step() { printf '\n== ros-checks: %s\n' "$*"; }
fail() { printf 'ros-checks: FAILED: %s\n' "$*" >&2; exit 1; }

check_package() {
  step "package.xml (format 3) with Debian's catkin_pkg"
  "$PY" - <<'PY' || fail "package.xml does not validate"
from catkin_pkg.package import parse_package
p = parse_package('.')
p.validate()
assert p.package_format == 3, 'package format must be 3, got %s' % p.package_format
assert p.name == 'edgenext', p.name
build_types = [e.content for e in p.exports if e.tagname == 'build_type']
assert build_types == ['ament_cmake'], build_types
assert [g.name for g in p.member_of_groups] == ['rosidl_interface_packages'], 'missing member_of_group rosidl_interface_packages'
buildtools = {d.name for d in p.buildtool_depends}
assert {'ament_cmake', 'rosidl_default_generators'} <= buildtools, buildtools
execs = {d.name for d in p.exec_depends}
missing = {'rosidl_default_runtime', 'sensor_msgs', 'std_msgs', 'diagnostic_msgs', 'vision_msgs', 'rcl_interfaces', 'launch_ros'} - execs
assert not missing, 'missing exec dependencies: %s' % sorted(missing)
assert 'nodejs' not in execs, 'nodejs must not be a rosdep dependency (Jammy would install Node 12)'
print('package.xml: %s %s, format %d, %d exec dependencies' % (p.name, p.version, p.package_format, len(execs)))
PY
  grep -q 'rosidl_generate_interfaces(${PROJECT_NAME}' CMakeLists.txt || fail "CMakeLists.txt does not generate msg/"
  for msg in msg/*.msg; do
    grep -q "\"$msg\"" CMakeLists.txt || fail "CMakeLists.txt does not list $msg in rosidl_generate_interfaces"
  done
  if grep -nE 'DESTINATION +(share|lib)/\$\{PROJECT_NAME\}' CMakeLists.txt | grep -i node_modules; then
    fail "node_modules must stay out of share/edgenext and lib/edgenext (ros2 launch/run walk them)"
  fi
}

check_msg() {
  step "msg/ with Debian's rosidl (rosidl_adapter .msg -> .idl, then rosidl_parser), as rosidl_generate_interfaces does"
  "$PY" - msg/*.msg <<'PY' || fail "msg/ does not parse with rosidl"
import contextlib, io, pathlib, sys, tempfile
from rosidl_adapter.msg import convert_msg_to_idl
from rosidl_parser.parser import parse_idl_file
from rosidl_parser.definition import IdlLocator, Message
out = pathlib.Path(tempfile.mkdtemp())
for name in sys.argv[1:]:
    with contextlib.redirect_stdout(io.StringIO()):
        idl = convert_msg_to_idl(pathlib.Path('.').resolve(), 'edgenext', pathlib.Path(name), out)
    parsed = parse_idl_file(IdlLocator(out, idl.relative_to(out)))
    (message,) = parsed.content.get_elements_of_type(Message)
    members = [m.name for m in message.structure.members]
    print('%s: %s (%d fields)' % (name, '::'.join(message.structure.namespaced_type.namespaced_name()), len(members)))
PY
}

check_launch() {
  step "launch/classify.launch.py compiles; config/*.yaml and cyclonedds.xml parse"
  "$PY" - <<'PY' || fail "launch or config files are invalid"
import ast, xml.etree.ElementTree as ET
for path in ['launch/classify.launch.py']:
    compile(open(path).read(), path, 'exec')
ET.parse('config/cyclonedds.xml')
text = open('config/classify.yaml').read()
assert text.count('ros__parameters:') == 1 and '/**:' in text, 'config/classify.yaml must be keyed /** (rclnodejs ignores /name keys)'
print('launch file compiles, cyclonedds.xml well-formed, classify.yaml keyed /**')
PY
}

check_wrapper() {
  step "scripts/classify.in (bash -n, exec)"
  bash -n scripts/classify.in || fail "scripts/classify.in has a syntax error"
  grep -q '^exec "\$NODE_BIN" .*"\$@"$' scripts/classify.in || fail "the wrapper must exec node with \"\$@\""
}

check_typecheck() {
  step "src/ros/rcl.ts against the real rclnodejs ${RCLNODEJS_VERSION} typings"
  local installed
  installed="$(node -p "try { require('./${TYPECHECK_DIR}/node_modules/rclnodejs/package.json').version } catch { '' }")"
  if [[ "$installed" != "$RCLNODEJS_VERSION" ]]; then
    # --ignore-scripts: its install script would try a node-gyp build (no ROS here); only the .d.ts files are needed.
    (cd "$TYPECHECK_DIR" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "rclnodejs@${RCLNODEJS_VERSION}") \
      || fail "could not install rclnodejs@${RCLNODEJS_VERSION} typings from the npm registry"
  fi
  npx tsc -p "$TYPECHECK_DIR/tsconfig.json" || fail "src/ros/rcl.ts does not match the real rclnodejs ${RCLNODEJS_VERSION} API"
  echo "rcl.ts conforms to rclnodejs ${RCLNODEJS_VERSION}"
}

check_smoke() {
  step "dist/src/ros/main.js without ROS exits 1 with one line"
  [[ -f dist/src/ros/main.js ]] || fail "dist/src/ros/main.js is missing: run npm run build first"
  local out rc=0
  out="$(env -u ROS_DISTRO -u AMENT_PREFIX_PATH node dist/src/ros/main.js 2>&1)" || rc=$?
  [[ $rc -eq 1 ]] || fail "expected exit 1 without ROS, got $rc: $out"
  [[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]] || fail "expected one line, got: $out"
  [[ "$out" == "edgenext: ROS 2 is not sourced"* ]] || fail "unexpected message: $out"
  echo "$out"
}

what="${1:-all}"
case "$what" in
  package) check_package ;;
  msg) check_msg ;;
  launch) check_launch ;;
  wrapper) check_wrapper ;;
  typecheck) check_typecheck ;;
  smoke) check_smoke ;;
  all) check_package; check_msg; check_launch; check_wrapper; check_typecheck; check_smoke ;;
  *) fail "unknown check '$what' (all|package|msg|launch|wrapper|typecheck|smoke)" ;;
esac
echo "ros-checks: $what OK"
