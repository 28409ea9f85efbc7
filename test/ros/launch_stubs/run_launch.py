"""Evaluates a launch file with the stand-in modules and prints its node actions as JSON.

usage: PYTHONPATH=test/ros/launch_stubs python3 run_launch.py <file.launch.py> [name:=value ...]
"""
import importlib.util
import json
import sys

from launch.actions import DeclareLaunchArgument, EmitEvent, OpaqueFunction, RegisterEventHandler, SetEnvironmentVariable
from launch.event_handlers import OnShutdown
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import Parameter


class Context:
    def __init__(self, launch_configurations):
        self.launch_configurations = launch_configurations


def describe_parameter(entry):
    if isinstance(entry, Parameter):
        return {'name': entry.name, 'value': entry.value,
                'value_type': entry.value_type.__name__ if entry.value_type else None}
    if isinstance(entry, dict):
        return {'dict': entry}
    return {'file': entry}


def main(path, overrides):
    spec = importlib.util.spec_from_file_location('launch_file', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()

    arguments = {}
    pending = list(description.entities)
    nodes, env, on_shutdown = [], [], []
    values = {}
    while pending:
        entity = pending.pop(0)
        if isinstance(entity, DeclareLaunchArgument):
            arguments[entity.name] = {'default': entity.default_value, 'description': entity.description}
            values.setdefault(entity.name, entity.default_value)
            for key, value in overrides.items():
                if key == entity.name:
                    values[key] = value
        elif isinstance(entity, OpaqueFunction):
            produced = entity.function(Context(values), *entity.args, **entity.kwargs) or []
            pending = list(produced) + pending
        elif isinstance(entity, SetEnvironmentVariable):
            env.append({'name': entity.name, 'value': entity.value})
        elif isinstance(entity, Node):
            nodes.append({
                'package': entity.package,
                'executable': entity.executable,
                'name': entity.name,
                'namespace': entity.namespace,
                'parameters': [describe_parameter(p) for p in (entity.parameters or [])],
                'remappings': [list(r) for r in (entity.remappings or [])],
                'arguments': entity.arguments,
                'kwargs': entity.kwargs,
            })
        elif isinstance(entity, RegisterEventHandler) and isinstance(entity.event_handler, OnShutdown):
            for action in entity.event_handler.on_shutdown:
                if not isinstance(action, EmitEvent):
                    raise TypeError('unexpected shutdown action %r' % (action,))
                target = getattr(action.event.process_matcher, 'target_action', None)
                on_shutdown.append({
                    'signal': int(action.event.signal_number),
                    'node': target.name if isinstance(target, Node) else None,
                })
        else:
            raise TypeError('unexpected launch entity %r' % (entity,))
    unknown = sorted(set(overrides) - set(arguments))
    if unknown:
        raise SystemExit('unknown launch arguments: %s' % ', '.join(unknown))
    json.dump({'arguments': arguments, 'nodes': nodes, 'environment': env, 'on_shutdown': on_shutdown}, sys.stdout)


if __name__ == '__main__':
    main(sys.argv[1], dict(arg.split(':=', 1) for arg in sys.argv[2:]))
