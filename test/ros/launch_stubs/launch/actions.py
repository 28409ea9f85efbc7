"""Stand-ins for launch.actions (Humble signatures)."""


class DeclareLaunchArgument:
    def __init__(self, name, *, default_value=None, description=None, choices=None, **kwargs):
        self.name = name
        self.default_value = default_value
        self.description = description
        self.choices = choices


class OpaqueFunction:
    def __init__(self, *, function, args=None, kwargs=None, **left_over_kwargs):
        self.function = function
        self.args = args or []
        self.kwargs = kwargs or {}


class SetEnvironmentVariable:
    def __init__(self, name, value, **kwargs):
        self.name = name
        self.value = value


class EmitEvent:
    def __init__(self, *, event, **kwargs):
        self.event = event


class RegisterEventHandler:
    def __init__(self, event_handler, **kwargs):
        self.event_handler = event_handler
