/**
 * What intake answers for one input: added or updated, a duplicate of a known article, or
 * rejected with a plain reason and a {@link RejectCode}; and how a result is told in one line and
 * to the feed poller.
 */
import { describeError, IntakeError } from '../errors.js';
import type { DocId } from '../types.js';

/** The article that an added or refused one is measured against. */
export interface ArticleRef {
  file: DocId;
  title: string | null;
  outlet: string | null;
  date: string | null;
}

/** Why an input was not added, for the surfaces to say in their language. */
export type RejectCode =
  | 'empty'
  | 'not-article'
  | 'too-large'
  | 'encoding'
  | 'binary'
  | 'unsupported'
  | 'refused'
  | 'fetch'
  | 'index';

/** The outcome of one input. */
export type IntakeResult =
  | {
      status: 'added' | 'updated';
      file: DocId;
      title: string | null;
      outlet: string | null;
      date: string | null;
      url: string | null;
      /** Chunks the article is indexed as (0 when it is a near-duplicate shown under another). */
      chunks: number;
      /** The article already holding the same story, when this one is a near-duplicate. */
      alsoOf?: ArticleRef & { similarity: number };
    }
  | { status: 'duplicate'; of: ArticleRef; why: 'same address' | 'same text' }
  | { status: 'rejected'; reason: string; code: RejectCode };

const REJECT_PATTERNS: Array<[RegExp, RejectCode]> = [
  [/larger than|too large/i, 'too-large'],
  [/FETCH_ALLOW_PRIVATE|only http|not a valid web address|not an address/i, 'refused'],
  [/binary/i, 'binary'],
  [/charset|encoding|UTF-8/i, 'encoding'],
  [/not a page or a feed/i, 'unsupported'],
  [/no article|not an article|main text|too short|no text/i, 'not-article'],
];

/** Turns a thrown intake error into a rejection with a code (read from the reason after the address). */
export function rejection(error: unknown): Extract<IntakeResult, { status: 'rejected' }> {
  const reason = describeError(error);
  const why = reason.replace(/^\S+(?: \(redirected to \S+\))?: /, '');
  const code = REJECT_PATTERNS.find(([re]) => re.test(why))?.[1] ?? 'fetch';
  return { status: 'rejected', reason, code };
}

/** A one-line account of a result, for logs, the CLI and the feed poller. */
export function describeResult(result: IntakeResult): string {
  switch (result.status) {
    case 'added':
    case 'updated':
      return `${result.status} ${result.file}: «${result.title ?? '(untitled)'}» — ${result.outlet ?? 'outlet unknown'} · ${result.date ?? 'undated'} · ${result.chunks} chunks${
        result.alsoOf ? ` (also published as ${result.alsoOf.file}, similarity ${result.alsoOf.similarity.toFixed(2)})` : ''
      }`;
    case 'duplicate':
      return `duplicate (${result.why}) of ${result.of.file}: «${result.of.title ?? '(untitled)'}» — ${result.of.outlet ?? 'outlet unknown'} · ${result.of.date ?? 'undated'}`;
    case 'rejected':
      return `not added: ${result.reason}`;
  }
}

/**
 * A result as the feed poller's `take` reports it: added, or not added with the reason when that
 * will not change (a duplicate, no article, HTTP 404, too large…). A failure that may pass (a
 * timeout, a 5xx answer, a broken connection, the index not writable) is thrown as an
 * {@link IntakeError}, so the poller tries the item again on a later poll.
 */
export function pollerOutcome(result: IntakeResult, source: string): { added: boolean; reason?: string } {
  if (result.status === 'added' || result.status === 'updated') return { added: true };
  if (result.status === 'rejected' && (result.code === 'index' || (result.code === 'fetch' && !/answered 4\d\d/.test(result.reason)))) {
    throw new IntakeError(result.reason, source);
  }
  return { added: false, reason: describeResult(result) };
}
