"""Stand-ins for launch.event_handlers (Humble signatures)."""


class OnShutdown:
    def __init__(self, *, on_shutdown, **kwargs):
        self.on_shutdown = on_shutdown
