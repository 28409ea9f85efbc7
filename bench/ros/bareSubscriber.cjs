// The baseline of bench/rosNode.ts: the least an rclnodejs process can do per frame (take the raw CDR, count it).
// Usage: node bareSubscriber.cjs <rclnodejs dir> <topic>. Prints "count <n>" once a second.
const [rclDir, topic] = process.argv.slice(2);
const rclnodejs = require(rclDir);

rclnodejs.init().then(() => {
  const node = new rclnodejs.Node('bench_bare_subscriber');
  let count = 0;
  node.createSubscription('sensor_msgs/msg/Image', topic, { qos: rclnodejs.QoS.profileSensorData, isRaw: true }, () => {
    count++;
  });
  node.spin();
  setInterval(() => process.stdout.write(`count ${count}\n`), 1000);
});
