"""Stand-ins for launch.events.process (Humble signatures)."""


class SignalProcess:
    def __init__(self, *, signal_number, process_matcher):
        self.signal_number = signal_number
        self.process_matcher = process_matcher
