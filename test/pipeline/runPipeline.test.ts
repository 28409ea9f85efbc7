import type { ModelInput } from '../../src/core/preprocessing';
import { runPipeline, type DroppedFrame, type Frame, type PipelineBackend } from '../../src/pipeline';
import { fakePostprocess, fakePreprocess, frameAt, MARK } from './fakes';

/** Resolves each call on a later macrotask and counts the calls started. */
class SlowBackend implements PipelineBackend {
  readonly maxBatch = 1;
  started = 0;
  infer(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    this.started += 1;
    return new Promise((resolve) => setTimeout(() => resolve(inputs.map((i) => Float32Array.of(i.data[0] ?? 0))), 1));
  }
}

describe('runPipeline with a pulled source', () => {
  it('reads only while the buffer has room, drops nothing, and reports each dropped frame with its payload', async () => {
    const backend = new SlowBackend();
    let produced = 0;
    let maxLead = 0;
    async function* files(): AsyncGenerator<Frame<number>> {
      for (let k = 0; k < 30; k += 1) {
        produced += 1;
        // Frames read but not yet sent to the backend: at most the buffer (3) plus the frame being read.
        maxLead = Math.max(maxLead, produced - backend.started);
        yield { ...frameAt(`f${k}`, 0, { marker: k === 7 ? MARK.decodeError : MARK.ok }), payload: k };
        await Promise.resolve();
      }
    }
    const results: number[] = [];
    const drops: DroppedFrame<number>[] = [];
    const stats = await runPipeline<number>({
      options: { queuePolicy: 'drop_newest', queueDepth: 3, maxInflight: 1 },
      deps: { backend, preprocess: fakePreprocess, postprocess: fakePostprocess, onDrop: (d) => drops.push(d) },
      sources: new Map([['files', files()]]),
      onResult: (r) => results.push(r.payload),
    });
    expect(results).toEqual([...Array(30).keys()].filter((k) => k !== 7));
    expect(drops).toEqual([
      expect.objectContaining({ source: 'files', cause: 'decode_error', payload: 7, error: expect.any(Error) }),
    ]);
    expect(stats.sources[0]).toMatchObject({ received: 30, published: 29, droppedTotal: 1, active: false });
    expect(maxLead).toBeLessThanOrEqual(3 + 1);
  });

  it('ends a source whose reader fails and still finishes the frames it gave', async () => {
    async function* broken(): AsyncGenerator<Frame<string>> {
      yield { ...frameAt('a', 0), payload: 'a' };
      throw new Error('truncated');
    }
    const warnings: string[] = [];
    const results: string[] = [];
    await runPipeline<string>({
      options: { queuePolicy: 'drop_newest', queueDepth: 2 },
      deps: {
        backend: new SlowBackend(),
        preprocess: fakePreprocess,
        postprocess: fakePostprocess,
        logger: { warn: (m) => warnings.push(m) },
      },
      sources: new Map([['bag', broken()]]),
      onResult: (r) => results.push(r.payload),
    });
    expect(results).toEqual(['a']);
    expect(warnings).toEqual(["pipeline: source 'bag' failed: truncated"]);
  });
});
