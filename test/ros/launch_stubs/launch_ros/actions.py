"""Stand-in for launch_ros.actions.Node (Humble signature): records what the node would be started with."""


class Node:
    def __init__(self, *, executable, package=None, name=None, namespace=None, exec_name=None, parameters=None,
                 remappings=None, ros_arguments=None, arguments=None, **kwargs):
        self.executable = executable
        self.package = package
        self.name = name
        self.namespace = namespace
        self.parameters = parameters
        self.remappings = remappings
        self.ros_arguments = ros_arguments
        self.arguments = arguments
        self.kwargs = kwargs
