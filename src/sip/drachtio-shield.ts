/**
 * INVITEs (and SUBSCRIBEs) that drachtio-server 0.9.x cannot survive being
 * answered. When the application sends its first response, drachtio builds
 * the dialog (`SipDialog::SipDialog`, sip-dialog.cpp) and, over UDP with no
 * Record-Route, runs its NAT check:
 *
 * - `m_sourceAddress.compare(contact->url_host)`: a Contact without a host
 *   (`Contact: <tel:123>`, or `\a<sip:a@b>` which sofia reads as a scheme
 *   "\a<sip" with no host) passes NULL to std::string and segfaults;
 * - when the Contact differs from the source (any client behind NAT, any
 *   scanner), `m_routeUri = request_uri->url_scheme`: a request-URI sofia
 *   cannot type (`INVITE <> SIP/2.0`, `INVITE x SIP/2.0`, `INVITE foo:bar
 *   SIP/2.0`) has a NULL scheme and segfaults the same way.
 *
 * Any response does it, a 404 or a 403 as much as a 200, so such a request
 * is left unanswered: drachtio forgets it after 64 s without building a
 * dialog, and the sender learns nothing. Found by the SIP fuzz test; one
 * such datagram used to take the whole platform down.
 */
import type Srf from 'drachtio-srf';

const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)`;
const USER = String.raw`(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+@)?`;
const SIP_URI = String.raw`sips?:${USER}${HOST}(?::[0-9]{1,5})?`;
const SAFE_REQUEST_URI = new RegExp(String.raw`^(?:${SIP_URI}(?:[;?][\x21-\x7e]*)?|tel:[\x21-\x7e]+)$`, 'i');
/**
 * The first Contact as RFC 3261 writes it, strictly: `*`, or an optional
 * display name (tokens or a quoted string) then `<sip-uri>`, or a bare
 * sip-uri; parameters after it. Anything else (a control character before
 * the `<` made sofia read "\a<sip" as a scheme with no host) is refused.
 */
const DISPLAY_NAME = String.raw`(?:"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"|[A-Za-z0-9.!%*_+\x60'~ -]*)`;
const URI_PARAMS = String.raw`(?:[;?][\x20-\x3d\x3f-\x7e]*)?`;
const SAFE_CONTACT = new RegExp(String.raw`^[ \t]*(?:\*|(?:${DISPLAY_NAME}[ \t]*)?<${SIP_URI}${URI_PARAMS}>|${SIP_URI})(?:[ \t]*;[\x20-\x7e]*)?(?:,.*)?$`, 'is');

/** Why answering this request would crash drachtio-server, or undefined when it is safe to answer. */
export function unanswerable(method: string, requestUri: string, contact: string | undefined): string | undefined {
  if (method !== 'INVITE' && method !== 'SUBSCRIBE') return undefined;
  if (!SAFE_REQUEST_URI.test(requestUri)) return 'request-URI is no sip, sips or tel URI';
  if (contact !== undefined && contact.trim() !== '' && !SAFE_CONTACT.test(contact)) return 'Contact is not a sip or sips URI with a host';
  return undefined;
}

export function unanswerableRequest(req: Srf.SrfRequest): string | undefined {
  return unanswerable(req.method, req.uri ?? '', req.has('Contact') ? req.get('Contact') : undefined);
}
