/**
 * FIXTURE: a local web server for tests, on 127.0.0.1 with a free port. It serves whatever the
 * test puts in its route table and nothing else; no traffic leaves the machine.
 *
 * ```ts
 * const web = await startWebServer({
 *   '/news/1': page('<html>…</html>'),                       // 200 text/html
 *   '/feed.xml': { body: rss, headers: { 'content-type': 'application/rss+xml' }, etag: '"v1"' },
 *   '/old': redirect('/news/1'),                              // 302, relative Location
 *   '/big': huge(50 * 1024 * 1024),                           // streamed, never held in memory
 *   '/bomb': gzipBomb(50 * 1024 * 1024),                      // small on the wire, 50 MB inflated
 *   '/cut': resetMidBody('<html><body>half'),                 // connection reset mid-body
 *   '/slow': { body: 'late', delayMs: 5_000 },                // headers only after 5 s
 * });
 * web.url('/news/1');      // "http://127.0.0.1:<port>/news/1"
 * web.count('/feed.xml');  // requests seen for that path
 * web.route('/later', page('…'));  // add or replace a route at any time
 * await web.close();       // also cuts connections still open (slow or trickling answers)
 * ```
 *
 * A route is matched on the path alone (the query string is ignored for matching but recorded).
 * An unknown path answers 404. A route with `etag` / `lastModified` answers 304 to a request whose
 * If-None-Match matches the ETag, or (without If-None-Match) whose If-Modified-Since equals
 * Last-Modified. For anything else a route may be a handler
 * `(req, res) => …` with full control.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/** A canned answer. */
export interface RouteAnswer {
  /** Default 200. */
  status?: number;
  /** Response headers; `content-type` defaults to `text/html; charset=utf-8` when there is a body. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent as ETag; a request with a matching If-None-Match gets 304. */
  etag?: string;
  /** Sent as Last-Modified; a request with an equal If-Modified-Since gets 304. */
  lastModified?: string;
  /** Wait this long before sending the headers. */
  delayMs?: number;
  /** Send the body in small pieces with this pause between them. */
  trickleMs?: number;
}

/** Full control over one answer. */
export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

export type Route = RouteAnswer | RouteHandler;

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  /** Path and query string. */
  url: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface WebServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly port: number;
  /** Absolute URL of a path on this server. */
  url(path?: string): string;
  /** Adds or replaces the route for `path`. */
  route(path: string, route: Route): void;
  /** Requests seen for `path` (matched on the path alone). */
  count(path: string): number;
  /** Every request seen, in order. */
  readonly requests: SeenRequest[];
  /** Stops the server, cutting any connection still open. */
  close(): Promise<void>;
}

/** Starts a fixture server on 127.0.0.1 (port 0) with the given routes. */
export async function startWebServer(routes: Record<string, Route> = {}): Promise<WebServer> {
  const table = new Map(Object.entries(routes));
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fixture').pathname;
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', path, headers: req.headers });
    const route = table.get(path);
    const answer = route === undefined ? notFound(req, res) : typeof route === 'function' ? route(req, res) : serve(route, req, res);
    Promise.resolve(answer).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    url: (path = '/') => new URL(path, origin).href,
    route: (path, route) => void table.set(path, route),
    count: (path) => requests.filter((r) => r.path === path).length,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function notFound(_req: http.IncomingMessage, res: http.ServerResponse) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serve(route: RouteAnswer, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (route.delayMs) await sleep(route.delayMs);
  if (res.destroyed) return;
  const headers: Record<string, string> = {};
  if (route.body !== undefined) headers['content-type'] = 'text/html; charset=utf-8';
  Object.assign(headers, route.headers);
  if (route.etag) headers.etag = route.etag;
  if (route.lastModified) headers['last-modified'] = route.lastModified;
  // As RFC 9110 says: If-None-Match, when sent, decides alone; else If-Modified-Since.
  const fresh =
    req.headers['if-none-match'] !== undefined
      ? route.etag !== undefined && req.headers['if-none-match'] === route.etag
      : route.lastModified !== undefined && req.headers['if-modified-since'] === route.lastModified;
  if (fresh) {
    delete headers['content-type'];
    res.writeHead(304, headers).end();
    return;
  }
  const body = typeof route.body === 'string' ? Buffer.from(route.body) : Buffer.from(route.body ?? []);
  if (!route.trickleMs) {
    res.writeHead(route.status ?? 200, headers).end(body);
    return;
  }
  res.writeHead(route.status ?? 200, headers);
  for (let i = 0; i < body.length && !res.destroyed; i += 16) {
    res.write(body.subarray(i, i + 16));
    await sleep(route.trickleMs);
  }
  res.end();
}

/** 200 with an HTML (or other, by `contentType`) body. */
export function page(body: string | Uint8Array, contentType = 'text/html; charset=utf-8'): RouteAnswer {
  return { body, headers: { 'content-type': contentType } };
}

/** A redirect to `location` (relative or absolute), default 302. */
export function redirect(location: string, status = 302): RouteAnswer {
  return { status, headers: { location } };
}

/**
 * `bytes` of filler HTML streamed in 64 KB pieces as the client reads them (never held in
 * memory). With `declareLength` the Content-Length header says the size up front; without it
 * the body is chunked and only its length gives it away.
 */
export function huge(bytes: number, options: { declareLength?: boolean; contentType?: string } = {}): RouteHandler {
  return async (_req, res) => {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'text/html; charset=utf-8' };
    if (options.declareLength) headers['content-length'] = String(bytes);
    res.writeHead(200, headers);
    const piece = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    while (sent < bytes && !res.destroyed) {
      const n = Math.min(piece.length, bytes - sent);
      sent += n;
      if (!res.write(piece.subarray(0, n))) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
      }
    }
    if (!res.destroyed) res.end();
  };
}

/** A gzip-encoded HTML body that is small on the wire and `bytes` long once inflated. */
export function gzipBomb(bytes: number): RouteHandler {
  let compressed: Buffer | null = null;
  return (_req, res) => {
    compressed ??= gzipOfSpaces(bytes);
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': String(compressed.length) });
    res.end(compressed);
  };
}

/**
 * `bytes` of spaces gzipped as back-to-back 1 MB gzip members (gunzip inflates them all in
 * order): the compressed form is about 1 KB a megabyte, built without the inflated text in memory.
 */
function gzipOfSpaces(bytes: number): Buffer {
  const block = 1024 * 1024;
  const member = zlib.gzipSync(Buffer.alloc(block, 0x20), { level: 9 });
  const members: Buffer[] = [];
  for (let left = bytes; left > 0; left -= block) members.push(left >= block ? member : zlib.gzipSync(Buffer.alloc(left, 0x20)));
  return Buffer.concat(members);
}

/** Sends the headers and `partial`, claims more with Content-Length, then resets the connection. */
export function resetMidBody(partial: string, contentType = 'text/html; charset=utf-8'): RouteHandler {
  return (_req, res) => {
    const body = Buffer.from(partial);
    res.writeHead(200, { 'content-type': contentType, 'content-length': String(body.length * 10 + 1000) });
    res.write(body, () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
  };
}
