#!/usr/bin/env python3
"""A stand-in for the robot's other ROS processes in the real-ROS tests (a camera driver, `ros2 topic echo`), on
rclpy so that nothing of the code under test is used to talk to it.

usage: probe.py <spec.json>   prints one JSON object: {"received": {topic: [message, ...]}, "published": {topic: n}}

spec: {"subscribe": [{"topic", "type", "reliability"?, "durability"?, "depth"?, "count"?, "omit"?: [field, ...]}],
       "publish": [{"topic", "type", "reliability"?, "durability"?, "depth"?, "subscribers"?: 1, "period_s"?: 0.05,
                    "messages": [{field: value, ..., "data_file"?: path}]}],
       "start_delay_s"?: 0, "settle_s"?: 0.5, "timeout_s"?: 30, "linger_s"?: 0}
After the last publish the probe records for linger_s, then until every subscription with a count has that many
messages (or, with no counts and no linger_s, until the timeout).
"""
import array
import json
import sys
import time

import rclpy
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rosidl_runtime_py.convert import message_to_ordereddict
from rosidl_runtime_py.set_message import set_message_fields
from rosidl_runtime_py.utilities import get_message


def qos(entry, default_reliability):
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=entry.get('depth', 100),
        reliability=ReliabilityPolicy.RELIABLE
        if entry.get('reliability', default_reliability) == 'reliable'
        else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.TRANSIENT_LOCAL
        if entry.get('durability') == 'transient_local'
        else DurabilityPolicy.VOLATILE,
    )


def build(message_type, fields):
    fields = dict(fields)
    data_file = fields.pop('data_file', None)
    message = message_type()
    set_message_fields(message, fields)
    if data_file is not None:
        with open(data_file, 'rb') as f:
            message.data = array.array('B', f.read())
    return message


def main(spec_file):
    with open(spec_file) as f:
        spec = json.load(f)
    rclpy.init()
    node = rclpy.create_node('edgenext_test_probe')
    received, published, subscriptions = {}, {}, []

    def record(entry):
        omit = set(entry.get('omit', []))

        def callback(message):
            as_dict = message_to_ordereddict(message)
            for field in omit:
                as_dict.pop(field, None)
            received[entry['topic']].append(as_dict)

        return callback

    for entry in spec.get('subscribe', []):
        received[entry['topic']] = []
        subscriptions.append(
            node.create_subscription(get_message(entry['type']), entry['topic'], record(entry), qos(entry, 'reliable'))
        )

    deadline = time.monotonic() + spec.get('timeout_s', 30)

    def spin_until(condition):
        while not condition() and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.02)

    def counts_reached():
        entries = [e for e in spec.get('subscribe', []) if 'count' in e]
        return bool(entries) and all(len(received[e['topic']]) >= e['count'] for e in entries)

    start_delay = time.monotonic() + spec.get('start_delay_s', 0)
    spin_until(lambda: time.monotonic() >= start_delay)
    publishers = []
    for entry in spec.get('publish', []):
        message_type = get_message(entry['type'])
        publishers.append((entry, message_type, node.create_publisher(message_type, entry['topic'], qos(entry, 'best_effort'))))
    for entry, _, publisher in publishers:
        spin_until(lambda: publisher.get_subscription_count() >= entry.get('subscribers', 1))
        if publisher.get_subscription_count() < entry.get('subscribers', 1):
            print(json.dumps({'error': 'no subscriber on %s' % entry['topic']}))
            return 3
    if publishers:
        # Our side sees the subscriber before the subscriber's side has matched us: a best-effort message sent in
        # between is lost. Let discovery finish both ways first.
        settle = time.monotonic() + spec.get('settle_s', 0.5)
        spin_until(lambda: time.monotonic() >= settle)
    for entry, message_type, publisher in publishers:
        published[entry['topic']] = 0
        for fields in entry['messages']:
            publisher.publish(build(message_type, fields))
            published[entry['topic']] += 1
            until = time.monotonic() + entry.get('period_s', 0.05)
            spin_until(lambda: time.monotonic() >= until)
    linger = time.monotonic() + spec.get('linger_s', 0)
    spin_until(lambda: time.monotonic() >= linger)
    if any('count' in e for e in spec.get('subscribe', [])):
        spin_until(counts_reached)
    elif 'linger_s' not in spec:
        spin_until(lambda: False)  # record until the timeout
    print(json.dumps({'received': received, 'published': published}))
    node.destroy_node()
    rclpy.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
