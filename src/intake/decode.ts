/**
 * Page bytes → text, in the encoding the page is served in.
 *
 * Arabic sites still serve `windows-1256` and `ISO-8859-6`; Node's TextDecoder only knows those
 * with full ICU, so every legacy charset is decoded with iconv-lite. Where the charset comes
 * from, in order: a byte-order mark (it cannot be wrong about the bytes that follow, so it wins,
 * as in the WHATWG Encoding Standard), the HTTP `Content-Type` header, then the page's own
 * `<meta charset>` or `<meta http-equiv="Content-Type">`. A page that declares nothing must be
 * valid UTF-8: guessing a legacy Arabic charset could silently produce the wrong letters.
 */
import iconv from 'iconv-lite';
import { IntakeError } from '../errors.js';

/** How many leading bytes are searched for a `<meta>` charset (pages put scripts before it). */
export const META_SCAN_BYTES = 16 * 1024;

/** Charset labels browsers treat as another encoding (WHATWG), and spellings iconv-lite lacks. */
const LABEL_ALIASES: Readonly<Record<string, string>> = {
  'iso-8859-1': 'windows-1252',
  'latin1': 'windows-1252',
  'us-ascii': 'windows-1252',
  'ascii': 'windows-1252',
  'iso-8859-6-i': 'iso-8859-6',
  'iso-8859-6-e': 'iso-8859-6',
  'iso-8859-8-i': 'iso-8859-8',
  'arabic': 'iso-8859-6',
  'asmo-708': 'iso-8859-6',
  'x-user-defined': 'windows-1252',
  'unicode': 'utf-16le',
  'utf-16': 'utf-16le',
};

/**
 * The charset parameter of a `Content-Type` value (`text/html; charset="windows-1256"`), lower-cased.
 * Also found without a media type before it (`<meta http-equiv content="charset=utf-8">`, as youm7 writes it).
 */
export function charsetFromContentType(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  const m = /(?:^|[;\s])charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;,"']+))/i.exec(contentType);
  const label = (m?.[1] ?? m?.[2] ?? m?.[3] ?? '').trim().toLowerCase();
  return label || null;
}

/** The encoding a byte-order mark announces, and its length; null without a BOM. */
export function sniffBom(bytes: Uint8Array): { charset: string; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  return null;
}

/**
 * The charset a page declares in its first {@link META_SCAN_BYTES} bytes: `<meta charset=…>` or
 * `<meta http-equiv="Content-Type" content="…; charset=…">`, lower-cased; null when none does.
 * The bytes are read as Latin-1, which keeps ASCII markup intact whatever the real encoding.
 */
export function charsetFromMeta(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, META_SCAN_BYTES)).toString('latin1');
  const withoutComments = head.replace(/<!--[\s\S]*?-->/g, ' ');
  for (const tag of withoutComments.matchAll(/<meta\b[^>]*>/gi)) {
    const t = tag[0];
    const direct = /\bcharset\s*=\s*["']?\s*([^\s"'/>;]+)/i.exec(t);
    if (direct && !/\bcontent\s*=/i.test(t.slice(0, direct.index))) return direct[1]!.toLowerCase();
    if (/\bhttp-equiv\s*=\s*["']?content-type/i.test(t)) {
      const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(t);
      const label = charsetFromContentType(content?.[1] ?? content?.[2] ?? content?.[3]);
      if (label) return label;
    }
  }
  return null;
}

/** The iconv-lite name for a charset label, or null when iconv-lite cannot decode it. */
export function resolveCharset(label: string): string | null {
  const key = label.trim().toLowerCase();
  const name = LABEL_ALIASES[key] ?? key;
  return iconv.encodingExists(name) ? name : null;
}

/**
 * Decodes a fetched or uploaded page to text. The charset comes from a BOM, then the HTTP
 * `contentType` header, then the page's `<meta>`; a page declaring a UTF-16 charset in a
 * `<meta>` is read as UTF-8 (a `<meta>` readable as ASCII cannot be UTF-16). The BOM is not part
 * of the text. Throws {@link IntakeError} when the declared charset is unknown, or when nothing
 * is declared and the bytes are not valid UTF-8.
 */
export function decodePage(bytes: Uint8Array, contentType?: string | null): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = sniffBom(buffer);
  if (bom) return iconv.decode(buffer.subarray(bom.length), bom.charset);
  const header = charsetFromContentType(contentType);
  let meta: string | null = null;
  if (!header) {
    meta = charsetFromMeta(buffer);
    if (meta && /^(?:utf-?16|unicode)/.test(meta)) meta = 'utf-8';
  }
  const declared = header ?? meta;
  if (declared) {
    const name = resolveCharset(declared);
    if (!name) {
      throw new IntakeError(
        `The page declares the charset "${declared}" (in its ${header ? 'Content-Type header' : '<meta> tag'}), which cannot be decoded; ` +
          'save it as UTF-8 (or windows-1256 / ISO-8859-6) and add it again.',
      );
    }
    return iconv.decode(buffer, name);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch (error) {
    throw new IntakeError(
      'The page is not valid UTF-8 and declares no charset (no Content-Type charset, no <meta charset>); ' +
        'add a <meta charset="windows-1256"> (or whatever it is written in) or save it as UTF-8.',
      undefined,
      { cause: error },
    );
  }
}
