/**
 * What it takes to send a request inside a phone's dialog without the dialog
 * object: Call-ID, our From and their To (with tags), their Contact as the
 * target, the route set, and where to send it when the Contact is not
 * reachable directly (a phone behind NAT, a browser's WebSocket).
 *
 * A restarted daemon needs this: drachtio-server keeps in-dialog requests of
 * the previous connection's dialogs to itself, so the new daemon cannot use
 * drachtio-srf's Dialog for calls it adopted. Saved with the call record, the
 * identity lets it probe each phone (in-dialog OPTIONS, as SBCs' dialog
 * keep-alives do) and send the BYE when the other side is gone.
 */
import type Srf from 'drachtio-srf';
import { proxyUnlessContactHost } from './registrar.js';

export interface DialogIdentity {
  callId: string;
  /** Our side, with our tag. */
  from: string;
  /** The phone's side, with its tag. */
  to: string;
  /** The phone's Contact URI: the request URI. */
  target: string;
  /** Route headers, in the order to send them. */
  route?: string[];
  /** Where to send the request when it is not the target's host (NAT, WebSocket). */
  proxy?: string;
}

interface Message {
  get(name: string): string | undefined;
  source_address?: string;
  source_port?: number | string;
  protocol?: string;
}

const withTag = (header: string, tag: string) => (/;\s*tag=/i.test(header) ? header : `${header};tag=${tag}`);
const splitRoutes = (header: string | undefined) => (header ? header.split(/,(?=\s*<)/).map((r) => r.trim()).filter(Boolean) : []);

/** The address a request came from, when its Contact names another host (as the registrar does for REGISTERs). */
export function sourceProxy(contact: string, msg: Message): string | undefined {
  if (!msg.source_address || !msg.source_port) return undefined;
  return proxyUnlessContactHost(contact, msg.protocol ?? 'udp', msg.source_address, msg.source_port);
}

/** A dialog where the phone called us (we answered its INVITE). */
export function identityAsUas(dialog: Srf.Dialog, invite: Message): DialogIdentity {
  const target = dialog.remote.uri as string;
  const route = splitRoutes(invite.get('Record-Route'));
  const proxy = sourceProxy(target, invite);
  return {
    callId: dialog.sip.callId,
    from: withTag(invite.get('To') ?? '', dialog.sip.localTag),
    to: invite.get('From') ?? '',
    target,
    ...(route.length ? { route } : {}),
    ...(proxy ? { proxy } : {}),
  };
}

/** A dialog where we called the phone (it answered our INVITE). */
export function identityAsUac(dialog: Srf.Dialog, proxy?: string): DialogIdentity {
  const d = dialog as unknown as { req: Message; res: Message; remote: { uri: string }; sip: Srf.Dialog['sip'] };
  const route = splitRoutes(d.res.get('Record-Route')).reverse();
  return {
    callId: d.sip.callId,
    from: d.req.get('From') ?? '',
    to: withTag(d.res.get('To') ?? '', d.sip.remoteTag),
    target: d.remote.uri,
    ...(route.length ? { route } : {}),
    ...(proxy ? { proxy } : {}),
  };
}

let lastCSeq = 0;
/**
 * A CSeq above any the previous run's stack used in the dialog: sofia-sip
 * starts a dialog at (NTP seconds / 2) mod 2^27 and counts up by one per
 * request, so now's value plus a margin is higher (unless the 27 bits wrapped
 * in between, once in 8.5 years). Increasing across calls to this function.
 */
export function nextCSeq(nowMs = Date.now()): number {
  const ntpSeconds = Math.floor(nowMs / 1000) + 2_208_988_800;
  const base = (ntpSeconds >>> 1) & 0x7ffffff;
  lastCSeq = Math.max(lastCSeq + 1, base + 1_000);
  return lastCSeq;
}

export type InDialogOutcome = { status: number } | { status: 'timeout' };

/**
 * Sends a request (OPTIONS, BYE) inside the dialog and settles with the final
 * status, or 'timeout' after `timeoutMs` (the SIP transaction itself may go on).
 * The CSeq comes from {@link nextCSeq}.
 */
export function requestInDialog(srf: Srf, id: DialogIdentity, method: 'OPTIONS' | 'BYE', timeoutMs = 4_000): Promise<InDialogOutcome> {
  const proxy = id.route?.length ? /<([^>]+)>/.exec(id.route[0]!)?.[1] : id.proxy;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'timeout' }), timeoutMs);
    const done = (o: InDialogOutcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    (srf as unknown as { request(uri: string, opts: object): Promise<unknown> })
      .request(id.target, {
        method,
        headers: { 'Call-ID': id.callId, CSeq: `${nextCSeq()} ${method}`, From: id.from, To: id.to, ...(id.route?.length ? { Route: id.route.join(', ') } : {}) },
        ...(proxy ? { proxy } : {}),
      })
      .then((req: unknown) => {
        (req as { on(e: 'response', f: (res: { status: number }) => void): void }).on('response', (res) => {
          if (res.status >= 200) done({ status: res.status });
        });
      })
      .catch(() => done({ status: 503 }));
  });
}
