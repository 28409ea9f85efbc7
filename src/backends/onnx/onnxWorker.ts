import { parentPort, workerData } from 'node:worker_threads';
import { ort } from './ort';
import type { OnnxWorkerData, RunRequest, WorkerReply, WorkerTensorInfo } from './workerProtocol';

/*
 * Runs in a worker thread. onnxruntime-node executes session.run on the calling JS thread (measured: the
 * event loop stalls for the whole inference), so each worker owns one session and the main thread only
 * exchanges transferred buffers with it.
 */

const port = parentPort;
if (port === null) throw new Error('onnxWorker must run in a worker thread');

const data = workerData as OnnxWorkerData;

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(reply, transfer);
}

function describe(metadata: readonly ort.InferenceSession.ValueMetadata[]): WorkerTensorInfo[] {
  return metadata.map((value) =>
    value.isTensor
      ? { name: value.name, dims: [...value.shape], type: value.type }
      : { name: value.name, dims: [], type: 'non-tensor' },
  );
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(data.modelPath, {
      intraOpNumThreads: data.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    post({ kind: 'load_error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  post({ kind: 'ready', inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) });

  port!.on('message', (request: RunRequest) => {
    void (async () => {
      try {
        const tensor = new ort.Tensor('float32', request.input, [...request.dims]);
        const results = await session.run({ [inputName as string]: tensor });
        const output = results[outputName as string];
        if (output === undefined || output.type !== 'float32') {
          throw new Error(`output '${outputName}' is not a float32 tensor`);
        }
        // Copy into a standalone buffer so it can be transferred without detaching ORT-owned memory.
        const copy = new Float32Array(output.data as Float32Array);
        post({ kind: 'result', id: request.id, output: copy, dims: [...output.dims] }, [copy.buffer as ArrayBuffer]);
      } catch (error) {
        post({ kind: 'run_error', id: request.id, message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
}

void main();
