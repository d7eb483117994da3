/**
 * Two library behaviours that let one bad message from the network take the
 * whole daemon down, made safe where they live (not at each call site):
 *
 * - drachtio-srf's `Dialog.destroy()` without a callback returns a promise
 *   that rejects when the connection to drachtio-server is gone
 *   (`ESOCKETDESTROYED`). drachtio-fsmrf's own timeout handlers call it and
 *   drop the promise, so a lost connection became an unhandled rejection and
 *   ended the process. The guard marks that promise handled (a caller that
 *   awaits it still sees the rejection) and logs it.
 * - drachtio-modesl's event parser (under drachtio-fsmrf) runs
 *   `decodeURIComponent` on every header FreeSWITCH sends, inside the
 *   socket's data handler; a caller's name with bytes that are not UTF-8 is
 *   sent percent-encoded as is, and the URIError was thrown out of the
 *   socket. The guard keeps such a value as FreeSWITCH sent it.
 * - drachtio-modesl's inbound connection (drachtio-fsmrf's link to
 *   FreeSWITCH) starts reconnecting by itself whenever it fails, including a
 *   first attempt while FreeSWITCH is down, and never stops. Each of the
 *   daemon's own retries (media-server.ts) left one such connection behind,
 *   and when FreeSWITCH came back every one connected and built a media
 *   server nobody used. The daemon owns reconnecting; these never do.
 *
 * Applied once per process, before any connection is made.
 */
import { createRequire } from 'node:module';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';

let applied = false;

export function applyLibraryGuards(log: Logger): void {
  if (applied) return;
  applied = true;
  guardDialogDestroy(log);
  guardEventParser();
}

type DestroyFn = (this: unknown, opts?: unknown, callback?: unknown) => unknown;

function guardDialogDestroy(log: Logger): void {
  const proto = (Srf as unknown as { Dialog: { prototype: { destroy: DestroyFn } } }).Dialog.prototype;
  const original = proto.destroy;
  proto.destroy = function guardedDestroy(this: unknown, opts?: unknown, callback?: unknown) {
    const result = original.call(this, opts, callback);
    if (result instanceof Promise) {
      result.catch((err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'BYE not sent: the dialog is already gone'));
    }
    return result;
  };
}

/** Percent-decodes a value, keeping it as it came when it is not valid percent-encoding (of UTF-8). */
export function decodePercentOrRaw(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function guardEventParser(): void {
  const fromFsmrf = createRequire(createRequire(import.meta.url).resolve('drachtio-fsmrf'));
  const Connection = fromFsmrf('drachtio-modesl/lib/esl/Connection.js') as { prototype: { _onConnectionGone(): void } };
  Connection.prototype._onConnectionGone = function noReconnect() {
    // The daemon reconnects with a new connection (src/media/media-server.ts).
  };
  const Parser = fromFsmrf('drachtio-modesl/lib/esl/Parser.js') as { prototype: { _parseHeaderText(txt: string): Record<string, string | number> } };
  Parser.prototype._parseHeaderText = function parseHeaderText(txt: string) {
    const headers: Record<string, string | number> = {};
    for (const line of txt.split('\n')) {
      const [key = '', ...rest] = line.split(': ');
      const value = decodePercentOrRaw(rest.join(': '));
      headers[key] = key === 'Content-Length' ? parseInt(value, 10) : value;
    }
    return headers;
  };
}
