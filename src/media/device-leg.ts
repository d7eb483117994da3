/**
 * The media leg of a device that answered our late-offer INVITE: its 200 OK
 * carries the offer, FreeSWITCH answers it, and the ACK carries that answer.
 *
 * A DTLS-SRTP device (a WebRTC softphone) starts its handshake with
 * FreeSWITCH only once it has the answer, in our ACK, and FreeSWITCH parks
 * the leg only once that handshake is done; so the ACK leaves as soon as
 * FreeSWITCH answers, and the leg is ready when it is parked.
 *
 * ```
 *  offer --INVITE(offer)--> FreeSWITCH --200(answer)--> ACK(answer) to device
 *     --DTLS handshake--> leg parked --> ready
 * ```
 * A WebRTC caller is the same with the offer in its INVITE and the answer in
 * our 200 OK ({@link connectCallerLeg}).
 */
import type Srf from 'drachtio-srf';
import type { Leg } from './legs.js';
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
 * Waits this long for a secure leg's media: the browser's ICE checks and
 * DTLS handshake come first. A headless browser on loopback missed 4 s about
 * one call in three; a real network is slower still.
 */
const HANDOVER_MS = 10_000;

/** A caller's leg; a WebRTC caller's (a DTLS offer in the INVITE) is ready once its handshake is done. */
export async function connectCallerLeg(ms: MediaServer, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<{ endpoint: Endpoint; dialog: Srf.Dialog }> {
  const offer = typeof req.body === 'string' ? req.body : '';
  const leg = await ms.connectCaller(req, res);
  if (needsDtls(offer)) await secureMedia(leg.endpoint, leg.dialog);
  return leg;
}

export async function connectDeviceLeg(ms: MediaServer, answer: DeviceAnswer): Promise<{ ep: Endpoint; dialog: Srf.Dialog }> {
  const ep = await ms.createEndpoint({ remoteSdp: answer.sdp });
  let dialog: Srf.Dialog;
  try {
    dialog = await answer.ack(ep.local.sdp);
  } catch (err) {
    void ep.destroy().catch(() => undefined);
    throw err;
  }
  if (needsDtls(answer.sdp)) await secureMedia(ep, dialog);
  return { ep, dialog };
}

/** The device has an answer but no media will come: both hung up rather than left in a dead call. */
async function secureMedia(ep: Leg, dialog: Srf.Dialog): Promise<void> {
  try {
    await ep.parked(HANDOVER_MS);
  } catch (err) {
    void ep.destroy().catch(() => undefined);
    void dialog.destroy();
    throw err;
  }
}
