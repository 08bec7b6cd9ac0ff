/**
 * Secrets never reach a log line (src/log.ts): the Telegram token by its shape, API keys by
 * theirs (sk-…, Bearer …, user:password@ in a URL), the language model key from the settings by
 * its exact value, and fields named like secrets.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, registerSecret } from '../src/log.js';
import { Writable } from 'node:stream';

describe('redactSecrets', () => {
  it('hides tokens and keys by their shape, and a registered key wherever it appears', () => {
    expect(redactSecrets('GET https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef/getMe')).not.toContain('ABCDEFGHIJ');
    expect(redactSecrets('401: Incorrect API key provided: sk-proj-abcdefghijklmnop1234')).toBe('401: Incorrect API key provided: <redacted-key>');
    expect(redactSecrets('Authorization: Bearer abc.def-ghi_jkl')).toBe('Authorization: Bearer <redacted>');
    expect(redactSecrets('LLM_BASE_URL=https://user:hunter22@llm.example/v1')).toBe('LLM_BASE_URL=https://<redacted>@llm.example/v1');
    registerSecret('my-local-key-1234');
    expect(redactSecrets('the server said: key my-local-key-1234 is not valid')).toBe('the server said: key <redacted> is not valid');
    expect(redactSecrets('a plain sentence with sk- and Bearer in it')).toBe('a plain sentence with sk- and Bearer in it');
  });

  it('applies to every log line: messages, fields, errors, and fields named like secrets', () => {
    let out = '';
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => ((out += String(c)), done()) }) as never });
    registerSecret('registered-secret-value');
    log.warn({ apiKey: 'anything', authorization: 'x', err: new Error('echo registered-secret-value') }, 'failed with sk-abcdefghijklmnopqrstu');
    expect(out).not.toMatch(/anything|registered-secret-value|sk-abcdefghijklmnopqrstu/);
  });
});
