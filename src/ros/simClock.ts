/**
 * Sim time for the node, read from /clock with a best-effort subscription.
 *
 * rclnodejs 2.2's TimeSource subscribes to /clock RELIABLE, and `ros2 bag play --clock` (like every rclcpp clock
 * publisher) publishes it BEST_EFFORT: the two never match, so under use_sim_time rclnodejs' clock stays at 0 and
 * everything timed by it stops. A best-effort subscription receives from both kinds of publisher, so the node keeps
 * its own copy of the simulated time and uses it for stamps and frame ages.
 */
import { EdgenextError, ErrorCodes } from '../core/errors';

/** CDR encapsulation header (4 bytes) + int32 sec + uint32 nanosec of rosgraph_msgs/msg/Clock. */
const CLOCK_CDR_BYTES = 12;

export class SimClock {
  #nowNs: bigint | undefined;

  /** Takes one serialized rosgraph_msgs/msg/Clock. Throws EdgenextError malformed_frame on a short or odd message. */
  update(cdr: Uint8Array): void {
    if (cdr.byteLength < CLOCK_CDR_BYTES) {
      throw new EdgenextError(
        ErrorCodes.malformedFrame,
        `a /clock message has ${cdr.byteLength} bytes, expected at least ${CLOCK_CDR_BYTES}`,
      );
    }
    const view = new DataView(cdr.buffer, cdr.byteOffset, cdr.byteLength);
    // Byte 1 of the encapsulation header: 0 = CDR_BE, 1 = CDR_LE.
    const littleEndian = view.getUint8(1) === 1;
    const sec = view.getInt32(4, littleEndian);
    const nanosec = view.getUint32(8, littleEndian);
    this.#nowNs = BigInt(sec) * 1_000_000_000n + BigInt(nanosec);
  }

  /** False until the first /clock message (then the time is 0, as rclcpp reports it). */
  get started(): boolean {
    return this.#nowNs !== undefined;
  }

  nowNs(): bigint {
    return this.#nowNs ?? 0n;
  }

  nowMs(): number {
    return Number(this.nowNs()) / 1e6;
  }
}
