"""Stand-ins for launch.events (Humble signatures)."""


def matches_action(target_action):
    def matcher(action):
        return action is target_action

    matcher.target_action = target_action
    return matcher
