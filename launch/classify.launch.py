"""Starts the edgenext classifier node.

    ros2 launch edgenext classify.launch.py image_topic:=/camera/image_raw
    ros2 launch edgenext classify.launch.py image_topics:=/cam0/image_raw,/cam1/image_raw/compressed \
        model:=xx_small backend:=bpu namespace:=robot use_cyclone_config:=true

Parameters reach the node only as the params file (keyed `/**` or the bare node name) and as
launch_ros Parameter() entries (`-p name:=value`). Never as a dict: with a node name plus a namespace,
launch_ros writes dicts under `/<ns>/<name>`, a key rclnodejs silently ignores (docs/ros.md, "Parameters").

Stopping: on any shutdown of this launch (Ctrl-C, SIGINT or SIGTERM to ros2 launch) the node gets SIGINT at once.
Humble's launch does not forward a SIGINT when it runs in a terminal (it assumes the terminal's Ctrl-C reached the
node too), so a `kill -INT` of launch from elsewhere would otherwise reach the node only as SIGTERM 5 s later.
"""

import os
import signal

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnShutdown
from launch.events.process import SignalProcess
from launch.events import matches_action
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import Parameter

ARGUMENTS = [
    ('model', '', "Model variant (e.g. 'xx_small') or a .onnx/.bin path; '' keeps the params file's value"),
    ('backend', '', "auto | bpu | onnx; '' keeps the params file's value"),
    ('params_file', '', "Parameters YAML; '' = share/edgenext/config/classify.yaml"),
    ('image_topic', '/image', "Camera topic the node's input 'image' is remapped to (a name ending in /compressed: CompressedImage)"),
    ('image_topics', '', 'Comma-separated camera topics (overrides image_topics; names ending in /compressed are CompressedImage)'),
    ('namespace', '', 'Namespace of the node'),
    ('node_name', 'classifier', 'Name of the node'),
    ('use_cyclone_config', 'false', 'true: run the node with CYCLONEDDS_URI = share/edgenext/config/cyclonedds.xml (larger socket receive buffer)'),
    ('use_sim_time', 'false', 'true: follow /clock (ros2 bag play --clock)'),
]

TRUE_VALUES = ('true', '1', 'yes', 'on')


def _node_actions(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context).strip()

    share = get_package_share_directory('edgenext')
    params_file = arg('params_file') or os.path.join(share, 'config', 'classify.yaml')

    parameters = [params_file]
    if arg('model'):
        parameters.append(Parameter('model', arg('model'), value_type=str))
    if arg('backend'):
        parameters.append(Parameter('backend', arg('backend'), value_type=str))
    topics = [t.strip() for t in arg('image_topics').split(',') if t.strip()]
    image_topic = arg('image_topic')
    remappings = [('image', image_topic)]
    if topics:
        parameters.append(Parameter('image_topics', topics))
    elif image_topic.rstrip('/').split('/')[-1] == 'compressed':
        # The node picks the message type from its own topic name, before remapping: a compressed camera needs the
        # input named '.../compressed' on the node side too.
        parameters.append(Parameter('image_topics', ['image/compressed']))
        remappings = [('image/compressed', image_topic)]
    parameters.append(Parameter('use_sim_time', arg('use_sim_time').lower() in TRUE_VALUES))

    additional_env = {}
    if arg('use_cyclone_config').lower() in TRUE_VALUES:
        additional_env['CYCLONEDDS_URI'] = 'file://' + os.path.join(share, 'config', 'cyclonedds.xml')

    node = Node(
        package='edgenext',
        executable='classify',
        name=arg('node_name'),
        namespace=arg('namespace'),
        parameters=parameters,
        remappings=remappings,
        additional_env=additional_env,
        output='screen',
        emulate_tty=True,
    )
    # A second SIGINT (after a terminal's Ctrl-C) is ignored by the node; a SIGINT to a finished node is not sent.
    interrupt_on_shutdown = RegisterEventHandler(
        OnShutdown(
            on_shutdown=[EmitEvent(event=SignalProcess(signal_number=signal.SIGINT, process_matcher=matches_action(node)))]
        )
    )
    return [node, interrupt_on_shutdown]


def generate_launch_description():
    return LaunchDescription(
        [DeclareLaunchArgument(name, default_value=default, description=description) for name, default, description in ARGUMENTS]
        + [OpaqueFunction(function=_node_actions)]
    )
