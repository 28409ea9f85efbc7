// Reads the node's /diagnostics for bench/rosNode.ts: prints "received <n>" (frames the node took from its camera
// topic, all causes included) for each DiagnosticArray, so that the bench samples the node's CPU at that moment.
// Usage: node diagnosticsObserver.cjs <rclnodejs dir>.
const [rclDir] = process.argv.slice(2);
const rclnodejs = require(rclDir);

rclnodejs.init().then(() => {
  const node = new rclnodejs.Node('bench_diagnostics_observer');
  node.createSubscription('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', {}, (array) => {
    for (const status of array.status) {
      const received = status.values.find((kv) => kv.key === 'received');
      if (received !== undefined && status.name.includes('camera'))
        process.stdout.write(`received ${received.value}\n`);
    }
  });
  node.spin();
});
