import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of this package. Compiled builds run the .js file directly; when the
 * code runs from TypeScript sources (tests, development) the worker gets a tiny require hook that
 * transpiles .ts files with the TypeScript compiler, so the same module serves both.
 */
export function spawnPackageWorker(modulePath: string, workerData: unknown): Worker {
  if (!modulePath.endsWith('.ts')) return new Worker(modulePath, { workerData });
  // Resolved here, because code evaluated in a worker resolves modules from the process's working directory.
  const typescriptPath = require.resolve('typescript');
  const bootstrap = `
const fs = require('node:fs');
const ts = require(${JSON.stringify(typescriptPath)});
require.extensions['.ts'] = (module, filename) => {
  const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(output.outputText, filename);
};
require(${JSON.stringify(modulePath)});
`;
  return new Worker(bootstrap, { eval: true, workerData });
}
