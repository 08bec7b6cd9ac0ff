/**
 * The compact encoding of chunks that chunks.json and the journal's records share (see
 * {@link ChunkFile}).
 */
import type { Chunk, DocId } from './types.js';

/**
 * chunks.json: the metadata of each article section once (every chunk of a section shares it,
 * and after loading shares the very same strings), then one row per chunk. A chunk's text is its
 * sentences joined by single spaces and each sentence is `end − start` characters long, so the
 * sentences are stored as their offsets and their texts are taken back out of the chunk text
 * (slices share its memory). A chunk that does not fit this shape (checked on every save) keeps
 * its sentences and id in full.
 */
export interface ChunkFile {
  /** [docId, section, kind, title, outlet, agency, date] */
  sections: Array<[DocId, number, Chunk['sectionKind'], string | null, string | null, string | null, string | null]>;
  /** [label, section row, ordinal, heading, text, [start, end, start, end, …]], or [label, chunk] in full */
  chunks: Array<[number, number, number, string | null, string, number[]] | [number, Chunk]>;
}

/** Encodes chunks by label as a {@link ChunkFile} (sections once, sentences as offsets where they fit). */
export function encodeChunks(chunks: Map<number, Chunk>): ChunkFile {
  const sections: ChunkFile['sections'] = [];
  const sectionRow = new Map<string, number>();
  const rows: ChunkFile['chunks'] = [];
  for (const [label, c] of chunks) {
    const meta = [c.docId, c.section, c.sectionKind, c.title, c.outlet, c.agency, c.date] as ChunkFile['sections'][number];
    const key = JSON.stringify(meta);
    let row = sectionRow.get(key);
    if (row === undefined) {
      sectionRow.set(key, (row = sections.length));
      sections.push(meta);
    }
    let compact = c.sentences.length > 0 && c.start === c.sentences[0]!.start && c.end === c.sentences[c.sentences.length - 1]!.end;
    let at = 0;
    const offsets: number[] = [];
    for (const s of c.sentences) {
      if (!compact) break;
      compact = s.end - s.start === s.text.length && c.text.startsWith(s.text, at) && (at === 0 || c.text[at - 1] === ' ');
      offsets.push(s.start, s.end);
      at += s.text.length + 1;
    }
    compact = compact && at - 1 === c.text.length && c.id === `${c.docId}#${c.section}.${c.ordinal}`;
    rows.push(compact ? [label, row, c.ordinal, c.heading, c.text, offsets] : [label, c]);
  }
  return { sections, chunks: rows };
}

/** The chunks of a {@link ChunkFile}, by label; throws when a row names a section it does not have. */
export function decodeChunks(file: ChunkFile): Array<[number, Chunk]> {
  return file.chunks.map((row): [number, Chunk] => {
    if (row.length === 2) return row;
    const [label, sectionRow, ordinal, heading, text, offsets] = row;
    const meta = file.sections[sectionRow];
    if (!meta) throw new Error(`chunk ${label} names section row ${sectionRow}, which chunks.json does not have`);
    const [docId, section, sectionKind, title, outlet, agency, date] = meta;
    const sentences: Chunk['sentences'] = [];
    let at = 0;
    for (let i = 0; i + 1 < offsets.length; i += 2) {
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      sentences.push({ start, end, text: text.slice(at, at + end - start) });
      at += end - start + 1;
    }
    const chunk: Chunk = {
      id: `${docId}#${section}.${ordinal}`,
      docId,
      section,
      sectionKind,
      title,
      outlet,
      agency,
      date,
      heading,
      text,
      start: offsets[0]!,
      end: offsets[offsets.length - 1]!,
      sentences,
      ordinal,
    };
    return [label, chunk];
  });
}
