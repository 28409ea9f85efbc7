import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEST_MODEL_DIR } from '../replay/testModelDir';
import { FIXTURE_IMAGES, REPO_ROOT } from '../support/paths';

const run = promisify(execFile);

/** A user's project: TypeScript importing 'edgenext' by package name, compiled with tsc, run with node. */
const CONSUMER = `
import { of } from 'rxjs';
import { classifierPipeline, classifyImage, openClassifier, type ModelCard, type RawImage } from 'edgenext';

async function main(): Promise<void> {
  const classifier = await openClassifier({ modelDir: process.argv[2] });
  try {
    const card: ModelCard = classifier.card;
    const fromFile = await classifyImage(classifier, process.argv[3] as string, 3);
    const gray: RawImage = {
      kind: 'raw', width: 64, height: 48, encoding: 'rgb8', step: 192, data: new Uint8Array(64 * 48 * 3).fill(90),
    };
    const direct = await classifyImage(classifier, gray, 1);
    const pipeline = classifierPipeline(classifier, { topK: 1 });
    const results: number[] = [];
    pipeline.results.subscribe((r) => results.push(r.topK[0]?.classId ?? -1));
    pipeline.addSource('cam', of({ header: { stamp: { sec: 1, nanosec: 0 }, frameId: 'cam' }, receiveTimeMs: Date.now(), image: gray }));
    await pipeline.drained();
    await pipeline.shutdown();
    console.log(JSON.stringify({
      backend: card.backend,
      labelsMeaningful: card.labelsMeaningful,
      fileTop: fromFile.topK.map((c) => c.classId),
      directTop: direct.topK[0]?.classId,
      pipelineTop: results,
    }));
  } finally {
    await classifier.close();
  }
}
void main();
`;

describe('the package as a library', () => {
  it("is imported by name from a user's TypeScript project, type-checks, classifies an image and runs the pipeline", async () => {
    const entry = path.join(REPO_ROOT, 'dist', 'src', 'index.js');
    if (!existsSync(entry) || !existsSync(path.join(REPO_ROOT, 'dist', 'src', 'index.d.ts'))) {
      throw new Error(`${entry} (and its .d.ts) missing: run 'npm run build' first`);
    }
    const project = mkdtempSync(path.join(tmpdir(), 'edgenext-user-project-'));
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(REPO_ROOT, path.join(project, 'node_modules', 'edgenext'), 'dir');
    symlinkSync(path.join(REPO_ROOT, 'node_modules', 'rxjs'), path.join(project, 'node_modules', 'rxjs'), 'dir');
    writeFileSync(path.join(project, 'consumer.ts'), CONSUMER);
    await run(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'),
      [
        '--strict',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node10',
        '--target',
        'ES2022',
        '--skipLibCheck',
        '--typeRoots',
        path.join(REPO_ROOT, 'node_modules', '@types'),
        '--types',
        'node',
        'consumer.ts',
      ],
      { cwd: project },
    );
    const { stdout } = await run(
      process.execPath,
      ['consumer.js', TEST_MODEL_DIR, path.join(FIXTURE_IMAGES, 'Zebra.jpg')],
      { cwd: project, env: { ...process.env, HB_EMU_QUIET: '1' } },
    );
    const result = JSON.parse(stdout.trim()) as {
      backend: string;
      labelsMeaningful: boolean;
      fileTop: number[];
      directTop: number;
      pipelineTop: number[];
    };
    expect(result.backend).toBe('onnx');
    expect(result.labelsMeaningful).toBe(false);
    expect(result.fileTop).toHaveLength(3);
    expect(new Set(result.fileTop).size).toBe(3);
    // The pipeline and a direct call agree on the same frame.
    expect(result.pipelineTop).toEqual([result.directTop]);
  });
});
