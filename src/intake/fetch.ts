/**
 * Fetching one page or feed from the web, safely: the single way intake reaches the network.
 *
 * Only http and https. Every address a host name resolves to is checked before connecting, and
 * the address of the connection actually made is checked again (a name that answers a public
 * address to one query and a private one to the next gains nothing); an IP literal in the URL is
 * checked too. Loopback, private, link-local, unique-local, carrier-grade NAT, multicast and
 * reserved addresses are refused unless `allowPrivate` (FETCH_ALLOW_PRIVATE) is set; cloud
 * metadata addresses (which hand out the machine's credentials) are refused always.
 * Redirects are followed by hand, at most `maxRedirects`, each hop checked like the first. One
 * deadline covers connecting and reading the body; the size cap is enforced while streaming,
 * before and after decompression (a gzip bomb stops at the cap). Only HTML, XHTML, XML
 * (RSS, Atom, RDF) and plain text are accepted.
 *
 * Every failure is an {@link IntakeError} whose message starts with the URL and says why in plain
 * words, with `source` set to the URL asked for.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import zlib from 'node:zlib';
import ipaddr from 'ipaddr.js';
import { IntakeError, describeError } from '../errors.js';

/** How the fetcher identifies itself to web servers. */
export const USER_AGENT = 'ArabicNewsQABot/0.1 (bot; fetches news articles and feeds to answer questions about them)';

/** Default most redirects followed before giving up. */
export const DEFAULT_MAX_REDIRECTS = 5;

export interface FetchOptions {
  /** Whether loopback, private, link-local… addresses may be reached (FETCH_ALLOW_PRIVATE); never cloud metadata ones. */
  allowPrivate: boolean;
  /** Deadline for the whole fetch, redirects and body included, in milliseconds. */
  timeoutMs: number;
  /** Largest body accepted, in bytes, as sent and after decompression. */
  maxBytes: number;
  /** Most redirects followed; default {@link DEFAULT_MAX_REDIRECTS}. */
  maxRedirects?: number;
  /** Extra request headers, e.g. `If-None-Match` / `If-Modified-Since` for a conditional GET. */
  headers?: Record<string, string>;
  /** DNS resolution (Node's `dns.lookup` shape); tests inject one. Its every answer is checked. */
  lookup?: LookupFunction;
  /** Cancels the fetch; it then fails with an {@link IntakeError}. */
  signal?: AbortSignal;
  /**
   * Which addresses are refused when `allowPrivate` is off; default {@link isRefusedAddress}.
   * Only tests replace it, to let the loopback fixture server stand in for a public host.
   */
  refuseAddress?: (ip: string) => boolean;
}

export interface Fetched {
  /** The URL finally answered, after redirects. */
  url: string;
  status: number;
  /** Media type from Content-Type, lower-case, without parameters; null when the server sent none. */
  contentType: string | null;
  /** `charset` parameter of Content-Type, lower-case; null when absent. */
  charset: string | null;
  /** The body, decompressed; empty for a 304. */
  bytes: Uint8Array;
  etag: string | null;
  lastModified: string | null;
  /** The server answered 304 Not Modified to a conditional GET. */
  notModified: boolean;
}

/** Media types accepted: pages, feeds and plain text. */
const ACCEPTED_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'application/xml',
  'text/xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/rdf+xml',
  'text/rdf',
  'text/plain',
]);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Cloud metadata endpoints (AWS/GCP/Azure/Oracle 169.254.169.254, AWS IPv6 fd00:ec2::254, Alibaba
 * 100.100.100.200): refused whatever FETCH_ALLOW_PRIVATE says, and named as such in refusals.
 */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/**
 * Whether `ip` is a cloud metadata endpoint, in any spelling: IPv4, IPv6, or IPv4 written as IPv6
 * (mapped `::ffff:169.254.169.254`, NAT64, 6to4, IPv4-compatible). Such an address is never
 * fetched, even with FETCH_ALLOW_PRIVATE: a page or redirect pointing there could read the host's
 * cloud credentials. Anything that does not parse as an address is not one.
 */
export function isMetadataAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return false;
  const address = ipaddr.parse(bare);
  if (METADATA.has(address.toString())) return true;
  const embedded = address.kind() === 'ipv6' ? embeddedIPv4(address as ipaddr.IPv6) : null;
  return embedded !== null && METADATA.has(embedded.toString());
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local (private IPv6) address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  deprecatedSiteLocal: 'a site-local address',
};

/**
 * Why `ip` may not be fetched from without FETCH_ALLOW_PRIVATE ("a loopback address", "the cloud
 * metadata address"…), or null for an ordinary public unicast address. IPv4 addresses embedded in
 * IPv6 (IPv4-mapped, NAT64, 6to4, IPv4-compatible) are judged by the IPv4 address. Anything that
 * does not parse as an address is refused.
 */
export function refusalReason(ip: string): string | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return 'not a valid IP address';
  const address = ipaddr.parse(bare);
  if (METADATA.has(address.toString())) return 'the cloud metadata address';
  if (address.kind() === 'ipv6') {
    const embedded = embeddedIPv4(address as ipaddr.IPv6);
    if (embedded) {
      const inner = refusalReason(embedded.toString());
      return inner ? `${inner} (${embedded.toString()}, written as IPv6)` : null;
    }
  }
  const range = address.range();
  if (range === 'unicast') return null;
  return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
}

/**
 * Whether `ip` is an address a fetch must not reach without FETCH_ALLOW_PRIVATE: loopback,
 * private, link-local, unique-local, carrier-grade NAT, unspecified, broadcast, multicast,
 * reserved or special-purpose, cloud metadata, or an IPv6 form of one of these.
 */
export function isRefusedAddress(ip: string): boolean {
  return refusalReason(ip) !== null;
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, IPv4-compatible), if any. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = v6.parts;
  const last = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const range = v6.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return last(p[6]!, p[7]!);
  if (range === 'rfc6052') return last(p[6]!, p[7]!);
  if (range === '6to4') return last(p[1]!, p[2]!);
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 keep their own ranges.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return last(p[6]!, p[7]!);
  return null;
}

/** "5 MB", "512 KB", "900 bytes". */
function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** "15 s", "0.2 s". */
function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** What a refused media type is, in words. */
function describeType(type: string): string {
  const [major] = type.split('/');
  if (major === 'image') return 'an image';
  if (major === 'video') return 'a video';
  if (major === 'audio') return 'an audio file';
  if (major === 'font') return 'a font';
  if (type === 'application/pdf') return 'a PDF document';
  if (type === 'application/json' || type.endsWith('+json')) return 'JSON data';
  if (type === 'text/javascript' || type === 'application/javascript') return 'a script';
  if (type === 'text/css') return 'a style sheet';
  if (/zip|compressed|tar|octet-stream|msword|officedocument|executable/.test(type)) return 'a binary file';
  return 'a file of another kind';
}

/** Media type and charset from a Content-Type header value. */
function parseContentType(value: string | undefined): { type: string | null; charset: string | null } {
  if (!value) return { type: null, charset: null };
  const [type, ...params] = value.split(';');
  let charset: string | null = null;
  for (const param of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(param);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { type: type!.trim().toLowerCase() || null, charset };
}

/** The URL as a parsed http(s) URL, or an {@link IntakeError} saying why not. */
function parseTarget(raw: string, label: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IntakeError(`${label}: this is not a valid web address; give a full http:// or https:// URL.`, source);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IntakeError(`${label}: only http:// and https:// addresses are fetched, not ${url.protocol}`, source);
  }
  return url;
}

/**
 * Fetches `url` under the rules in the module comment. Resolves with the final URL, status,
 * media type, charset, body and validators; a 304 answer to a conditional GET resolves with
 * `notModified: true` and an empty body. Rejects with an {@link IntakeError} naming the URL and
 * the reason: refused address, bad scheme, no answer within the deadline, an error status, too
 * large, a media type that is not a page or a feed, too many redirects, a broken connection.
 */
export async function safeFetch(url: string, options: FetchOptions): Promise<Fetched> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let target = parseTarget(url, url, url);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new IntakeError(`${url}: did not answer within ${formatSeconds(options.timeoutMs)} (FETCH_TIMEOUT_MS).`, url)),
    options.timeoutMs,
  );
  const onCancel = () => controller.abort(new IntakeError(`${url}: the fetch was cancelled.`, url));
  if (options.signal?.aborted) onCancel();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  try {
    for (let hop = 0; ; hop++) {
      const label = hop === 0 ? url : `${url} (redirected to ${target.href})`;
      const res = await request(target, label, url, options, controller.signal);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.destroy();
        const location = res.headers.location;
        if (!location) throw new IntakeError(`${label}: answered ${status}, a redirect without a Location.`, url);
        if (hop >= maxRedirects) throw new IntakeError(`${url}: redirected more than ${maxRedirects} times.`, url);
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new IntakeError(`${label}: redirected to "${location}", which is not a valid address.`, url);
        }
        target = parseTarget(next.href, `${url} (redirected to ${next.href})`, url);
        continue;
      }
      const { type, charset } = parseContentType(res.headers['content-type']);
      const meta = {
        url: target.href,
        status,
        contentType: type,
        charset,
        etag: header(res.headers.etag),
        lastModified: header(res.headers['last-modified']),
      };
      if (status === 304) {
        res.destroy();
        return { ...meta, bytes: new Uint8Array(0), notModified: true };
      }
      if (status < 200 || status > 299) {
        res.destroy();
        const text = http.STATUS_CODES[status];
        throw new IntakeError(`${label}: answered ${status}${text ? ` (${text})` : ''}.`, url);
      }
      if (type !== null && !ACCEPTED_TYPES.has(type)) {
        res.destroy();
        throw new IntakeError(`${label}: is ${describeType(type)} (${type}), not a page or a feed.`, url);
      }
      const bytes = await readBody(res, label, url, options.maxBytes, controller.signal);
      if (type === null && looksBinary(bytes)) {
        throw new IntakeError(`${label}: is a binary file (no Content-Type, and the body is not text), not a page or a feed.`, url);
      }
      return { ...meta, bytes, notModified: false };
    }
  } catch (error) {
    throw error instanceof IntakeError ? error : mapError(error, url, url, controller.signal);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCancel);
  }
}

function header(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** NUL bytes in the first 1024 bytes: not text in any encoding a news page uses. */
function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 1024).includes(0);
}

/** The guard every connection goes through: its DNS answers and its connected address. */
function guard(options: FetchOptions, label: string, source: string) {
  const refuse = options.refuseAddress ?? isRefusedAddress;
  const check = (ip: string, how: string): IntakeError | null => {
    if (isMetadataAddress(ip)) {
      return new IntakeError(
        `${label}: ${how} ${ip} is ${refusalReason(ip)}, which is never fetched, whatever FETCH_ALLOW_PRIVATE says ` +
          `(it hands out this machine's cloud credentials). Use the page's public address instead.`,
        source,
      );
    }
    if (options.allowPrivate || !refuse(ip)) return null;
    const reason = refusalReason(ip) ?? 'not allowed by the fetch policy';
    return new IntakeError(`${label}: ${how} ${ip} is ${reason}; set FETCH_ALLOW_PRIVATE=true to allow it.`, source);
  };
  const resolve = options.lookup ?? (dns.lookup as unknown as LookupFunction);
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses, family) => {
      if (error) return callback(error, '', 4);
      const list: dns.LookupAddress[] = Array.isArray(addresses)
        ? addresses
        : [{ address: addresses, family: family ?? (addresses.includes(':') ? 6 : 4) }];
      if (list.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
      for (const entry of list) {
        const refused = check(entry.address, `the address`);
        if (refused) return callback(refused, '', 4);
      }
      if (lookupOptions.all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
  return { check, lookup };
}

/** One GET, resolved when the response headers arrive. */
function request(target: URL, label: string, source: string, options: FetchOptions, signal: AbortSignal): Promise<http.IncomingMessage> {
  const { check, lookup } = guard(options, label, source);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    const refused = check(host, 'the address');
    if (refused) return Promise.reject(refused);
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(mapError(error, label, source, signal));
    };
    const req = client.request(target, {
      method: 'GET',
      agent: false,
      lookup,
      signal,
      headers: {
        'user-agent': USER_AGENT,
        accept: 'text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,text/plain;q=0.8',
        'accept-encoding': 'gzip, deflate, br',
        ...options.headers,
      },
    });
    req.on('socket', (socket: Socket) => {
      // The address actually connected to, checked before a byte of the request is written.
      const onConnect = () => {
        const ip = socket.remoteAddress;
        const refused = ip ? check(ip, 'the connection reached') : null;
        if (refused) fail(refused);
      };
      if (socket.connecting) socket.prependOnceListener('connect', onConnect);
      else onConnect();
    });
    req.on('response', (res) => {
      if (settled) return res.destroy();
      settled = true;
      resolve(res);
    });
    req.on('error', fail);
    req.end();
  });
}

/** Reads the body, decompressing it, refusing it past `maxBytes` before or after decompression. */
function readBody(res: http.IncomingMessage, label: string, source: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const tooLarge = (after: string) => new IntakeError(`${label}: is larger than ${formatBytes(maxBytes)}${after} (FETCH_MAX_BYTES).`, source);
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(tooLarge(''));
  }
  const encoding = (header(res.headers['content-encoding']) ?? 'identity').trim().toLowerCase();
  let decoder: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoder = zlib.createGunzip();
  else if (encoding === 'deflate') decoder = zlib.createInflate();
  else if (encoding === 'br') decoder = zlib.createBrotliDecompress();
  else if (encoding === 'identity' || encoding === '') decoder = null;
  else {
    res.destroy();
    return Promise.reject(new IntakeError(`${label}: sent its body in an encoding this bot cannot read (${encoding}).`, source));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let raw = 0;
    let size = 0;
    let done = false;
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      res.destroy();
      decoder?.destroy();
      reject(error instanceof IntakeError ? error : mapError(error, label, source, signal));
    };
    const finish = () => {
      if (done) return;
      done = true;
      resolve(new Uint8Array(Buffer.concat(chunks)));
    };
    const collect = (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) return fail(tooLarge(decoder ? ' once decompressed' : ''));
      chunks.push(chunk);
    };
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      raw += chunk.length;
      if (raw > maxBytes) return fail(tooLarge(''));
      if (decoder) decoder.write(chunk);
      else collect(chunk);
    });
    res.on('end', () => (decoder ? decoder.end() : finish()));
    res.on('error', fail);
    res.on('close', () => {
      if (!res.complete) fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
    if (decoder) {
      decoder.on('data', collect);
      decoder.on('end', finish);
      decoder.on('error', (error) => fail(new IntakeError(`${label}: sent a damaged ${encoding} body (${describeError(error)}).`, source)));
    }
  });
}

/** An {@link IntakeError} for a network-level failure. */
function mapError(error: unknown, label: string, source: string, signal: AbortSignal): IntakeError {
  if (signal.aborted && signal.reason instanceof IntakeError) return signal.reason;
  if (error instanceof IntakeError) return error;
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof IntakeError) return cause;
  const code = (error as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = {
    ENOTFOUND: 'the host name does not exist (DNS found no address)',
    EAI_AGAIN: 'the host name could not be resolved right now (DNS failure); try again later',
    ECONNREFUSED: 'refused the connection (nothing listens there)',
    ECONNRESET: 'cut the connection off before the whole answer arrived',
    EPIPE: 'cut the connection off',
    ETIMEDOUT: 'did not accept a connection in time',
    EHOSTUNREACH: 'cannot be reached from here (no route)',
    ENETUNREACH: 'cannot be reached from here (no network)',
    HPE_INVALID_CONSTANT: 'answered with something that is not HTTP',
    ERR_TLS_CERT_ALTNAME_INVALID: 'has a TLS certificate for another name',
    CERT_HAS_EXPIRED: 'has an expired TLS certificate',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'has a self-signed TLS certificate',
  };
  const reason = (code && why[code]) ?? `could not be fetched (${describeError(error)})`;
  return new IntakeError(`${label}: ${reason}.`, source, { cause: error });
}
