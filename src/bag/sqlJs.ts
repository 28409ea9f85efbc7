import { readFileSync } from 'node:fs';
import initSqlJs, { type SqlJsStatic } from '@foxglove/sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/**
 * sql.js (SQLite compiled to wasm) initialised once per process. The wasm bytes are handed over directly:
 * left to itself, emscripten tries fetch('/abs/path.wasm') under Node and fails (../shared/docs/ros2-integration.md §8.3).
 * Databases live in memory, so read-only folders and WAL-mode files open without -wal/-shm side files.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ wasmBinary: readFileSync(require.resolve('@foxglove/sql.js/dist/sql-wasm.wasm')) });
  return loading;
}
