/**
 * Puts the node's own parameter validation in front of rclnodejs' checks for every `ros2 param set`.
 *
 * rclnodejs 2.2 checks a new value against the descriptor (type, range, read-only) before any on-set callback runs,
 * and refuses with its own text: "Parameter top_k does not  readonly" for a range or type error (sic), "Parameter
 * model is readonly" for a read-only one. The parameter service calls `node.setParameters` /
 * `node.setParametersAtomically` (and `setParameter` goes through `setParameters`), so wrapping those two on the
 * node instance lets the project's reason reach the user while the descriptors keep their ranges and read-only
 * flags for `ros2 param describe`. A batch that passes the gate is handed to rclnodejs unchanged.
 */
import type { RclNode, RclParameter, RclSetParametersResult } from './rcl';

export type ParameterValidator = (parameters: readonly RclParameter[]) => RclSetParametersResult;

export function gateParameterSets(node: RclNode, validate: ParameterValidator): void {
  const setParameters = node.setParameters.bind(node);
  const setParametersAtomically = node.setParametersAtomically.bind(node);
  node.setParameters = (parameters) =>
    parameters.map((parameter) => {
      const verdict = validate([parameter]);
      return verdict.successful ? (setParameters([parameter])[0] ?? verdict) : verdict;
    });
  node.setParametersAtomically = (parameters) => {
    const verdict = validate(parameters);
    return verdict.successful ? setParametersAtomically(parameters) : verdict;
  };
}
