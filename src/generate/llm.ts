/**
 * The language model client: any server that speaks the OpenAI chat-completions protocol (a
 * hosted API, Ollama, llama.cpp, vLLM…) through the official `openai` package with `baseURL`.
 *
 * - Answers are streamed (`stream: true`); the caller reads the text as it arrives.
 * - At most `maxConcurrency` requests are in flight; the others wait their turn in order.
 * - One deadline (`timeoutMs`) bounds everything a request costs: its wait in the queue, retries
 *   and their back-off, and the whole stream. A 429 or 5xx before the stream starts is retried
 *   up to `maxRetries` times, waiting what `retry-after` / `retry-after-ms` asks (or a short
 *   back-off) — never past the deadline. The retry loop is ours (the SDK's is off) because the
 *   SDK's back-off sleep honours any `retry-after`, even an hour, and cannot be cancelled.
 * - Every failure becomes a {@link GenerationError} whose `reason` is one plain phrase
 *   (timeout, 429, 500, connection dropped, invalid JSON, empty answer…); the caller falls back
 *   to the quoted answer. The API key is never logged or put in a message.
 */
import { setTimeout as delay } from 'node:timers/promises';
import OpenAI from 'openai';
import { GenerationError } from '../errors.js';
import { registerSecret, type Logger } from '../log.js';

/** One message of a chat-completions request. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Settings of {@link createLlmClient} (from `Config`: LLM_BASE_URL, LLM_MODEL, LLM_API_KEY…). */
export interface LlmOptions {
  baseUrl: string;
  model: string;
  /** Empty or null for local servers that need none (a placeholder is sent). */
  apiKey?: string | null;
  timeoutMs: number;
  maxConcurrency: number;
  /** Retries of a 429 / 5xx / refused connection before the stream starts (default 2). */
  maxRetries?: number;
  /** Sampling temperature (default 0: the answer should follow the sources, not vary). */
  temperature?: number;
  /** Most tokens the model may write (default 600). */
  maxTokens?: number;
  /** A fetch to use instead of the global one (tests). */
  fetch?: typeof fetch;
}

/** What a finished stream said about how it ended. */
export interface StreamEnd {
  /** `stop`, or `length` when the model hit its token limit (the last sentence may be cut). */
  finishReason: string;
}

/** A streamed chat completion. */
export interface LlmClient {
  readonly model: string;
  /**
   * Streams the answer to `messages`: yields text deltas as they arrive and returns how the
   * stream ended. Throws {@link LlmFailure} on any failure, including `signal` being aborted.
   */
  stream(messages: ChatMessage[], options?: { signal?: AbortSignal }): AsyncGenerator<string, StreamEnd, void>;
  /** Requests in flight and waiting (for `/status` and the bench). */
  load(): { active: number; queued: number };
}

/** A {@link GenerationError} that also carries a short machine-readable reason. */
export class LlmFailure extends GenerationError {
  constructor(
    /** One plain phrase: `timeout`, `429 rate limited`, `500 server error`, `connection dropped`… */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A first-come first-served limit on concurrent work: `acquire` resolves when a slot is free
 * (or rejects when `signal` aborts while waiting); the returned function frees the slot.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly limit: number) {}

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    const release = () => {
      this.active--;
      const next = this.waiting.shift();
      if (next) next.grant();
    };
    let released = false;
    const once = () => {
      if (released) return;
      released = true;
      release();
    };
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve(once);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve(once);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }
}

const DEADLINE = Symbol('deadline');

/** Milliseconds a 429/503 response asks to wait (`retry-after-ms`, `retry-after` seconds or date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

function isAbort(error: unknown): boolean {
  return error instanceof OpenAI.APIUserAbortError || (error instanceof Error && error.name === 'AbortError');
}

/** The plain reason and a message that says how to fix it, for any thrown value. */
function classify(error: unknown, baseUrl: string, model: string, timeoutMs: number): LlmFailure {
  if (error instanceof LlmFailure) return error;
  const where = `the language model at LLM_BASE_URL=${baseUrl}`;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmFailure('timeout', `${where} did not answer within LLM_TIMEOUT_MS=${timeoutMs} ms: raise LLM_TIMEOUT_MS or use a faster model.`, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new LlmFailure('connection failed', `${where} could not be reached (${error.message}): is the server running, and is LLM_BASE_URL right (it usually ends in /v1)?`, { cause: error });
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    if (status === 429) return new LlmFailure('429 rate limited', `${where} answered 429 (rate limited or out of quota) after retries: lower LLM_MAX_CONCURRENCY or check the plan of LLM_API_KEY.`, { cause: error });
    if (status === 401 || status === 403) return new LlmFailure(`${status} unauthorised`, `${where} refused the key (${status}): check LLM_API_KEY.`, { cause: error });
    if (status === 404) return new LlmFailure('404 not found', `${where} answered 404: check LLM_BASE_URL (it usually ends in /v1) and that LLM_MODEL=${model} exists there.`, { cause: error });
    if (status >= 500) return new LlmFailure(`${status} server error`, `${where} failed with ${status} after retries: see the server's log.`, { cause: error });
    return new LlmFailure(`${status} error`, `${where} rejected the request with ${status} (${error.message}): check LLM_MODEL=${model} and LLM_BASE_URL.`, { cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    // An error object inside the stream (a server-side failure mid-answer).
    return new LlmFailure('error in stream', `${where} reported an error while streaming (${error.message}).`, { cause: error });
  }
  if (error instanceof SyntaxError) {
    return new LlmFailure('invalid JSON', `${where} sent a stream chunk that is not valid JSON: is it an OpenAI-compatible chat-completions endpoint?`, { cause: error });
  }
  const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
  if (/terminated|socket|ECONNRESET|other side closed|premature/i.test(message)) {
    return new LlmFailure('connection dropped', `${where} closed the connection in the middle of the answer (${message}).`, { cause: error });
  }
  return new LlmFailure('failed', `${where} failed: ${message}`, { cause: error });
}

/** Optional request parameters, each dropped when a server says it does not support it. */
type Sampling = { temperature?: number; max_tokens?: number; max_completion_tokens?: number };

/** The parameter a 400 answer says is unsupported (and that we sent), if that is what it says. */
function unsupportedParameter(error: unknown, sent: Sampling): keyof Sampling | null {
  if (!(error instanceof OpenAI.APIError) || error.status !== 400) return null;
  const text = `${error.message} ${JSON.stringify(error.error ?? '')}`;
  if (!/unsupported|not supported|does not support|unrecognized|unknown (parameter|field)/i.test(text)) return null;
  for (const key of ['max_tokens', 'max_completion_tokens', 'temperature'] as const) {
    if (key in sent && new RegExp(`\\b${key}\\b`).test(text)) return key;
  }
  return null;
}

/** The placeholder key sent to servers that need none (Ollama, llama.cpp): never a real key. */
export const NO_KEY = 'none';

/**
 * A streaming chat-completions client for `options.baseUrl`. `log` receives the SDK's warnings
 * (never the key: the SDK's own request logging stays off).
 */
export function createLlmClient(options: LlmOptions, log: Logger): LlmClient {
  const maxRetries = options.maxRetries ?? 2;
  // A compatible server may echo the key in an error: it is redacted from every log line.
  registerSecret(options.apiKey);
  const sdk = new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey || NO_KEY,
    timeout: options.timeoutMs,
    maxRetries: 0,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // The SDK's own lines (e.g. «Could not parse message into JSON») are details of a failure
    // we log once, with its reason, where it is handled: they go to debug.
    logLevel: 'error',
    logger: {
      error: (message: string) => log.debug({ baseUrl: options.baseUrl }, `language model client: ${message}`),
      warn: (message: string) => log.debug({ baseUrl: options.baseUrl }, `language model client: ${message}`),
      info: () => {},
      debug: () => {},
    },
  });
  const limit = new ConcurrencyLimit(options.maxConcurrency);
  /** The sampling parameters sent; one the server rejects as unsupported is dropped for good. */
  let sampling: Sampling = { temperature: options.temperature ?? 0, max_tokens: options.maxTokens ?? 600 };

  async function* stream(messages: ChatMessage[], callOptions: { signal?: AbortSignal } = {}): AsyncGenerator<string, StreamEnd, void> {
    const deadline = new AbortController();
    const deadlineAt = Date.now() + options.timeoutMs;
    const timer = setTimeout(() => deadline.abort(DEADLINE), options.timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, deadline.signal]) : deadline.signal;
    const why = (): LlmFailure =>
      deadline.signal.aborted
        ? new LlmFailure('timeout', `the language model at LLM_BASE_URL=${options.baseUrl} did not finish within LLM_TIMEOUT_MS=${options.timeoutMs} ms: raise LLM_TIMEOUT_MS or use a faster model.`)
        : new LlmFailure('abandoned', 'the generated answer was abandoned by the caller.');
    let release: (() => void) | null = null;
    try {
      try {
        release = await limit.acquire(signal);
      } catch {
        throw why();
      }
      let attempt = 0;
      let response: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
      for (;;) {
        try {
          response = await sdk.chat.completions.create({ model: options.model, messages, stream: true, ...sampling }, { signal });
          break;
        } catch (error) {
          if (signal.aborted || isAbort(error)) throw why();
          const unsupported = unsupportedParameter(error, sampling);
          if (unsupported) {
            // Some models refuse a parameter (newer OpenAI models: max_tokens, temperature):
            // drop it for this and every later request, and ask again at once.
            log.warn({ baseUrl: options.baseUrl, model: options.model, parameter: unsupported }, 'the model does not accept this parameter: asking without it');
            const { [unsupported]: _dropped, ...rest } = sampling;
            sampling = unsupported === 'max_tokens' ? { ...rest, max_completion_tokens: options.maxTokens ?? 600 } : rest;
            continue;
          }
          const status = error instanceof OpenAI.APIError ? error.status : undefined;
          const retryable = status === 429 || (typeof status === 'number' && status >= 500) || (error instanceof OpenAI.APIConnectionError && !(error instanceof OpenAI.APIConnectionTimeoutError));
          if (!retryable || attempt >= maxRetries) throw classify(error, options.baseUrl, options.model, options.timeoutMs);
          const asked = error instanceof OpenAI.APIError ? retryAfterMs(error.headers) : null;
          const wait = asked ?? Math.min(4000, 250 * 2 ** attempt);
          // A wait that would outlast the deadline is not worth starting: say what the server answered.
          if (Date.now() + wait >= deadlineAt) throw classify(error, options.baseUrl, options.model, options.timeoutMs);
          attempt++;
          log.warn({ baseUrl: options.baseUrl, status: status ?? null, waitMs: Math.round(wait), attempt }, 'language model busy or failing: retrying');
          try {
            await delay(wait, undefined, { signal });
          } catch {
            // The wait would outlast the deadline: say what the server answered.
            if (deadline.signal.aborted) throw classify(error, options.baseUrl, options.model, options.timeoutMs);
            throw why();
          }
        }
      }
      let finishReason: string | null = null;
      let said = false;
      try {
        for await (const chunk of response) {
          if (!chunk || !Array.isArray(chunk.choices)) {
            throw new LlmFailure('invalid chunk', `the language model at LLM_BASE_URL=${options.baseUrl} sent a chunk without choices: is it an OpenAI-compatible chat-completions endpoint?`);
          }
          const choice = chunk.choices[0];
          if (!choice) continue;
          const text = choice.delta?.content;
          if (typeof text === 'string' && text) {
            said = true;
            yield text;
          }
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      } catch (error) {
        if (signal.aborted || isAbort(error)) throw why();
        throw classify(error, options.baseUrl, options.model, options.timeoutMs);
      }
      // The SDK ends an aborted stream quietly; a stream that ends without a finish reason was cut.
      if (signal.aborted) throw why();
      if (finishReason === null) {
        if (!said) throw new LlmFailure('empty answer', `the language model at LLM_BASE_URL=${options.baseUrl} sent no answer (no choice with text): check LLM_MODEL=${options.model}.`);
        throw new LlmFailure('connection dropped', `the language model at LLM_BASE_URL=${options.baseUrl} ended the stream before finishing the answer (no finish_reason).`);
      }
      return { finishReason };
    } finally {
      clearTimeout(timer);
      release?.();
    }
  }

  return { model: options.model, stream, load: () => limit.load };
}
