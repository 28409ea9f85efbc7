import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Deterministic body for a file name, so a test can check the saved bytes without keeping a copy. */
export function bodyFor(name: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  for (let i = 0; i < size; i++) {
    h = Math.imul(h ^ i, 16777619);
    out[i] = h >>> 24;
  }
  return out;
}

export interface LocalServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** Paths requested so far. */
  readonly requests: string[];
  /** The Range header of each request, in the same order (undefined when none was sent). */
  readonly ranges: (string | undefined)[];
  close(): Promise<void>;
}

/** Bytes served for every file (big enough to arrive in several chunks). */
export const FILE_BYTES = 300_000;

/**
 * A local HTTP server on an ephemeral port of 127.0.0.1:
 * - `/ok/<name>`: FILE_BYTES of bodyFor(name) with Content-Length, in 3 writes; honours `Range: bytes=N-` (206);
 * - `/norange/<name>`: as `/ok/` but ignores Range (always 200 with the whole body);
 * - `/chunked/<name>`: the same body without Content-Length (chunked encoding);
 * - `/missing/<name>`: 404;
 * - `/drop/<name>`: announces FILE_BYTES, sends a third of them, then destroys the socket;
 * - `/empty/<name>`: 200 with an empty body;
 * - `/stall/<name>`: sends the headers and a few bytes, then nothing;
 * - `/html/<name>`: 200 with a web page (what a captive portal answers).
 */
export async function startLocalServer(): Promise<LocalServer> {
  const requests: string[] = [];
  const ranges: (string | undefined)[] = [];
  const stalled: ServerResponse[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    requests.push(url);
    ranges.push(req.headers.range);
    const [, route = '', name = ''] = url.split('/');
    const body = bodyFor(decodeURIComponent(name), FILE_BYTES);
    const third = Math.floor(FILE_BYTES / 3);
    const rangeStart = route === 'ok' ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] : undefined;
    if (rangeStart !== undefined) {
      const start = Number(rangeStart);
      if (start >= FILE_BYTES) {
        res.writeHead(416, { 'content-range': `bytes */${FILE_BYTES}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        'content-type': 'application/octet-stream',
        'content-length': String(FILE_BYTES - start),
        'content-range': `bytes ${start}-${FILE_BYTES - 1}/${FILE_BYTES}`,
      });
      res.end(body.subarray(start));
      return;
    }
    switch (route) {
      case 'ok':
      case 'norange':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(FILE_BYTES) });
        res.write(body.subarray(0, third));
        res.write(body.subarray(third, 2 * third));
        res.end(body.subarray(2 * third));
        return;
      case 'chunked':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(body.subarray(0, third));
        res.end(body.subarray(third));
        return;
      case 'drop':
        res.writeHead(200, { 'content-length': String(FILE_BYTES) });
        res.write(body.subarray(0, third), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      case 'empty':
        res.writeHead(200, { 'content-length': '0' });
        res.end();
        return;
      case 'stall':
        res.writeHead(200, { 'content-length': String(FILE_BYTES) });
        res.write(body.subarray(0, 100));
        stalled.push(res);
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>Please log in</body></html>');
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here');
    }
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    ranges,
    close: () =>
      new Promise((resolve) => {
        for (const res of stalled) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (a server was there a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
