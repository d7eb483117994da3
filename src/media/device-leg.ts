/**
 * The media leg of a device that answered our late-offer INVITE: its 200 OK
 * carries the offer, FreeSWITCH answers it, and the ACK carries that answer.
 *
 * Plain RTP (desk phones, trunks): drachtio-fsmrf's createEndpoint with the
 * offer, then the ACK.
 *
 * DTLS-SRTP (a WebRTC softphone): FreeSWITCH hands the channel to us over the
 * Event Socket only once its DTLS handshake with the browser is done, and the
 * browser starts that handshake only once it has the answer, in our ACK. So
 * the ACK must leave as soon as FreeSWITCH answers, before the endpoint exists.
 * fsmrf's createEndpoint waits for the endpoint first (and refuses such SDP);
 * its connectCaller does the right order, but only for an incoming INVITE. This
 * does that order for the ACK case, through the same pending-connection table
 * fsmrf's Event Socket listener resolves (fsmrf 4.1.x internals, pinned).
 *
 * ```
 *  offer --INVITE(offer)--> FreeSWITCH --200(answer)--> ACK(answer) to device
 *     --DTLS handshake--> Event Socket connection --> Endpoint ready
 * ```
 * A WebRTC caller is the same with the offer in its INVITE and the answer in
 * our 200 OK ({@link connectCallerLeg}).
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type Srf from 'drachtio-srf';
import type { Endpoint, MediaServer } from './media-server.js';

/** An SDP whose audio is SRTP (WebRTC's UDP/TLS/RTP/SAVPF): FreeSWITCH must do a DTLS handshake. */
export function needsDtls(sdp: string): boolean {
  return /^m=audio [^\r\n]*SAVP/m.test(sdp);
}

export interface DeviceAnswer {
  sdp: string;
  ack(localSdp: string): Promise<Srf.Dialog>;
}

/**
 * Waits this long for FreeSWITCH to hand over a secure channel: the browser's
 * ICE checks and DTLS handshake come first. fsmrf allows 4 s, which a
 * headless browser on loopback missed about one call in three; a real network
 * is slower still.
 */
const HANDOVER_MS = 10_000;

/**
 * A caller's leg: fsmrf's connectCaller, except for a WebRTC caller (a DTLS
 * offer in the INVITE), whose 200 OK (FreeSWITCH's answer) is sent the same
 * way as the ACK above, with the longer handover.
 */
export async function connectCallerLeg(srf: Srf, ms: MediaServer, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<{ endpoint: Endpoint; dialog: Srf.Dialog }> {
  const offer = typeof req.body === 'string' ? req.body : '';
  if (!needsDtls(offer)) return ms.connectCaller(req, res);
  const { ep, dialog } = await connectDeviceLeg(ms, { sdp: offer, ack: (localSdp) => srf.createUAS(req, res, { localSdp }) });
  return { endpoint: ep, dialog };
}

export async function connectDeviceLeg(ms: MediaServer, answer: DeviceAnswer): Promise<{ ep: Endpoint; dialog: Srf.Dialog }> {
  if (!needsDtls(answer.sdp)) {
    const ep = await ms.createEndpoint({ remoteSdp: answer.sdp });
    return { ep, dialog: await answer.ack(ep.local.sdp) };
  }
  const internals = ms as unknown as FsmrfInternals;
  const address = internals.sip?.ipv4?.udp?.address;
  if (!ms.connected() || !address) throw new Error('media server not ready');
  const uuid = randomUUID();
  const pending: Pending = {};
  internals.pendingConnections.set(uuid, pending);
  const channel = new Promise<EslConnection>((resolve) => (pending.fn = resolve));
  let fsDialog: Srf.Dialog | undefined;
  let deviceDialog: Srf.Dialog | undefined;
  try {
    fsDialog = await internals.srf.createUAC(`sip:drachtio@${address}`, {
      headers: {
        'User-Agent': `drachtio-fsmrf:${uuid}`,
        'X-esl-outbound': `${internals.advertisedAddress}:${internals.advertisedPort}`,
      },
      localSdp: answer.sdp,
    });
    const dialog = (deviceDialog = await answer.ack(fsDialog.remote.sdp));
    const conn = await withTimeout(channel, HANDOVER_MS, 'FreeSWITCH did not hand over the secure leg (DTLS handshake?)');
    const ep = await new Promise<Endpoint>((resolve) => {
      const e = new (fsmrfEndpoint())(conn, fsDialog!, ms, { customEvents: internals._mrf?.customEvents ?? [] });
      e.once('ready', () => resolve(e));
    });
    return { ep, dialog };
  } catch (err) {
    internals.pendingConnections.delete(uuid);
    fsDialog?.destroy();
    // The device has an answer but no media will come: hang it up rather than leave it in a dead call.
    deviceDialog?.destroy();
    throw err;
  }
}

interface EslConnection {
  getInfo(): { getHeader(name: string): string };
}
interface Pending {
  fn?: (conn: EslConnection) => void;
}
interface FsmrfInternals {
  srf: Srf;
  sip?: { ipv4?: { udp?: { address?: string } } };
  advertisedAddress: string;
  advertisedPort: number;
  pendingConnections: Map<string, Pending>;
  _mrf?: { customEvents?: string[] };
}

type EndpointClass = new (conn: EslConnection, dialog: Srf.Dialog, ms: MediaServer, opts: object) => Endpoint;
let endpointClass: EndpointClass | undefined;
function fsmrfEndpoint(): EndpointClass {
  endpointClass ??= createRequire(import.meta.url)('drachtio-fsmrf/lib/endpoint.js') as EndpointClass;
  return endpointClass;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
