"""Stand-ins for launch_ros.parameter_descriptions (Humble): Parameter(name, value, *, value_type=None)."""


class ParameterValue:
    def __init__(self, value, *, value_type=None):
        self.value = value
        self.value_type = value_type


class Parameter:
    def __init__(self, name, value, *, value_type=None):
        self.name = name
        self.value = value
        self.value_type = value_type
