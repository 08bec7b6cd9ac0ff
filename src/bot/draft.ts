/**
 * Streaming a generated answer into a private chat with the Bot API's `sendMessageDraft`: an
 * ephemeral preview (about 30 seconds) that the final `sendMessage` replaces. Rules it follows:
 * - private chats only (the caller decides); `draft_id` non-zero, the same for every draft of one
 *   answer (so Telegram animates the changes); text of 1–4096 characters, sent as plain text (no
 *   parse mode: a draft can never be refused for its HTML);
 * - what is drafted is what the engine passed to `AskContext.onDraft`: whole sentences that passed
 *   the check, never an unchecked claim; a placeholder («…جارٍ كتابة الإجابة») until the first;
 * - at most one draft per `intervalMs` (300 ms), only when the text changed; the latest text
 *   waiting at the end of an interval goes out then, older ones are skipped;
 * - the first failure (an old server, an emulator without the method, a 400, a 429) ends drafting
 *   for this answer: it is logged, and the answer is still sent as a message. Drafting never
 *   throws and never delays the answer by more than {@link DRAFT_SETTLE_MS}; a draft still on its
 *   way then is cancelled, so none lands after the answer.
 */
import type { Api } from 'grammy';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import { MESSAGE_LIMIT } from './format.js';

/** Fewest milliseconds between two drafts of one answer. */
export const DRAFT_INTERVAL_MS = 300;
/** An answer that has not come within this many milliseconds gets the placeholder draft. */
export const PLACEHOLDER_AFTER_MS = 300;
/** Longest the final message waits for a draft still on its way (so it is not overtaken by it). */
export const DRAFT_SETTLE_MS = 1_500;

export interface DraftOptions {
  chatId: number;
  /** Non-zero, one per answer (the question's message id serves). */
  draftId: number;
  /** Shown until the first checked sentence. */
  placeholder: string;
  log: Logger;
  /** Called once, when the first draft has been shown (the caller stops "typing…"). */
  onShown?: () => void;
  intervalMs?: number;
  placeholderAfterMs?: number;
}

/**
 * Sends one draft. The only place `sendMessageDraft` is called (the grammY installed here types
 * it; an API server that does not know the method answers 404, which ends drafting like any
 * failure). `signal` cancels it, retries included, once the answer has been sent.
 */
export async function sendDraft(api: Api, chatId: number, draftId: number, text: string, signal?: AbortSignal): Promise<void> {
  await api.sendMessageDraft(chatId, draftId, text, undefined, signal as Parameters<Api['sendMessageDraft']>[4]);
}

/** The first `max` characters of `text` (an ellipsis last when cut), line breaks kept, surrogate pairs whole. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The drafts of one answer. Create it when asking, feed it `onDraft` texts, `stop()` it before sending the answer. */
export class DraftStream {
  private lastSent: string | null = null;
  private pending: string | null = null;
  private cooling: ReturnType<typeof setTimeout> | null = null;
  private placeholderTimer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private failed = false;
  private shown = false;
  private readonly abort = new AbortController();
  /** Drafts sent (successfully or not), for the log. */
  count = 0;

  constructor(
    private readonly api: Api,
    private readonly options: DraftOptions,
  ) {
    this.placeholderTimer = setTimeout(() => this.showPlaceholder(), options.placeholderAfterMs ?? PLACEHOLDER_AFTER_MS);
    this.placeholderTimer.unref?.();
  }

  /** The checked answer so far (`AskContext.onDraft`); an empty text asks for the placeholder now. */
  update(text: string): void {
    const clean = text.trim();
    if (!clean) {
      this.showPlaceholder();
      return;
    }
    this.clearPlaceholderTimer();
    this.push(clip(clean, MESSAGE_LIMIT));
  }

  /** Ends drafting: nothing more is sent. Resolves once a draft on its way has arrived (or after {@link DRAFT_SETTLE_MS}). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = null;
    this.clearPlaceholderTimer();
    if (this.cooling) clearTimeout(this.cooling);
    this.cooling = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAFT_SETTLE_MS);
      timer.unref?.();
    });
    await Promise.race([this.chain, settle]);
    clearTimeout(timer);
    // A draft still on its way (a slow server, a retry after 429) must not land after the answer.
    this.abort.abort();
  }

  private showPlaceholder(): void {
    this.clearPlaceholderTimer();
    if (this.lastSent === null && this.pending === null) this.push(this.options.placeholder);
  }

  private clearPlaceholderTimer(): void {
    if (this.placeholderTimer) clearTimeout(this.placeholderTimer);
    this.placeholderTimer = null;
  }

  private push(text: string): void {
    if (this.stopped || this.failed || text === this.lastSent) return;
    if (this.cooling) {
      this.pending = text;
      return;
    }
    this.lastSent = text;
    this.pending = null;
    this.count++;
    const { chatId, draftId, log } = this.options;
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        await sendDraft(this.api, chatId, draftId, text, this.abort.signal);
        if (!this.shown) {
          this.shown = true;
          this.options.onShown?.();
        }
      } catch (error) {
        this.failed = true;
        if (this.abort.signal.aborted) return; // given up on at the end of the answer
        log.warn({ chatId, error: redactSecrets(describeError(error)) }, 'sendMessageDraft failed; no more drafts for this answer (the answer is still sent)');
      }
    });
    this.cooling = setTimeout(() => {
      this.cooling = null;
      const next = this.pending;
      this.pending = null;
      if (next !== null) this.push(next);
    }, this.options.intervalMs ?? DRAFT_INTERVAL_MS);
    this.cooling.unref?.();
  }
}
