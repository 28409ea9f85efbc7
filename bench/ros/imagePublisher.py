"""Camera stand-in for bench/rosNode.ts: publishes one WIDTHxHEIGHT bgr8 sensor_msgs/Image, best effort, at RATE Hz.

Usage: python3 imagePublisher.py <topic> <width> <height> <rate_hz>. Runs until SIGINT/SIGTERM. The pixels are the
same every frame (a gradient): only transport and the node's per-frame work are measured, not the content.
"""
import array
import signal
import sys

import rclpy
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image


def main() -> None:
    topic, width, height, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    rclpy.init()
    node = rclpy.create_node('bench_camera')
    publisher = node.create_publisher(Image, topic, qos_profile_sensor_data)
    msg = Image()
    msg.header.frame_id = 'bench_camera'
    msg.height, msg.width, msg.encoding, msg.is_bigendian, msg.step = height, width, 'bgr8', 0, width * 3
    msg.data = array.array('B', bytes(i % 251 for i in range(width * height * 3)))

    def publish() -> None:
        if not rclpy.ok():  # a timer tick can still run after SIGTERM/SIGINT shut the context down
            return
        msg.header.stamp = node.get_clock().now().to_msg()
        try:
            publisher.publish(msg)
        except RuntimeError:  # RCLError "publisher's context is invalid": shut down between the check and here
            if rclpy.ok():
                raise

    node.create_timer(1.0 / rate, publish)
    signal.signal(signal.SIGTERM, lambda *_: rclpy.shutdown())
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        pass


if __name__ == '__main__':
    main()
