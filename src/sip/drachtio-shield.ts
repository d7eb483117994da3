/**
 * INVITEs (and SUBSCRIBEs) that drachtio-server 0.9.x cannot survive being
 * answered. When the application sends its first response, drachtio builds
 * the dialog (`SipDialog::SipDialog`, sip-dialog.cpp) and, over UDP with no
 * Record-Route, runs its NAT check:
 *
 * - `m_sourceAddress.compare(contact->url_host)`: a Contact without a host
 *   (`Contact: <tel:123>`) passes NULL to std::string and segfaults;
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

const SAFE_REQUEST_URI = /^(?:sips?:(?:[^@\s]*@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?:[:;?>]|$)|tel:[^\s]+$)/i;
const SAFE_CONTACT_URI = /^sips?:(?:[^@\s]*@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?:[:;?>]|$)/i;

/** The first Contact's URI as written (inside <...>, else up to the first ';'), or undefined when there is no Contact. */
function firstContactUri(contact: string): string {
  const trimmed = contact.trim();
  const angled = /<([^>]*)>/.exec(trimmed);
  if (angled) return angled[1]!.trim();
  return trimmed.split(/[;,]/)[0]!.trim();
}

/** Why answering this request would crash drachtio-server, or undefined when it is safe to answer. */
export function unanswerable(method: string, requestUri: string, contact: string | undefined): string | undefined {
  if (method !== 'INVITE' && method !== 'SUBSCRIBE') return undefined;
  if (!SAFE_REQUEST_URI.test(requestUri)) return 'request-URI is no sip, sips or tel URI';
  if (contact !== undefined && contact.trim() !== '' && !SAFE_CONTACT_URI.test(firstContactUri(contact))) return 'Contact has no sip or sips URI with a host';
  return undefined;
}

export function unanswerableRequest(req: Srf.SrfRequest): string | undefined {
  return unanswerable(req.method, req.uri ?? '', req.has('Contact') ? req.get('Contact') : undefined);
}
