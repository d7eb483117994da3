import t from 'tap';
import { answerDirection, isHold, offeredDirection, withDirection } from '../../../src/app/calls/reinvite.js';

const sdp = (extra: { session?: string; audio?: string; c?: string } = {}) =>
  ['v=0', 'o=x 1 2 IN IP4 10.0.0.1', 's=-', `c=IN IP4 ${extra.c ?? '10.0.0.1'}`, 't=0 0', ...(extra.session ? [extra.session] : []), 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ...(extra.audio ? [extra.audio] : []), 'm=video 4002 RTP/AVP 96', 'a=sendrecv', ''].join('\r\n');

t.test("a phone's hold re-INVITE is read from the audio section, then the session, then the old c=0.0.0.0", async (t) => {
  t.equal(offeredDirection(sdp({ audio: 'a=sendonly' })), 'sendonly');
  t.equal(offeredDirection(sdp({ audio: 'a=inactive' })), 'inactive');
  t.equal(offeredDirection(sdp({ session: 'a=sendonly' })), 'sendonly', 'session-level direction');
  t.equal(offeredDirection(sdp({ session: 'a=sendonly', audio: 'a=sendrecv' })), 'sendrecv', 'the audio section wins');
  t.equal(offeredDirection(sdp({ c: '0.0.0.0' })), 'sendonly', 'c=0.0.0.0 is a hold');
  t.equal(offeredDirection(sdp()), 'sendrecv', "the video section's direction is not the audio's");
  t.equal(offeredDirection(''), 'sendrecv', 'no SDP: no hold');
  t.ok(isHold('sendonly') && isHold('inactive') && !isHold('sendrecv') && !isHold('recvonly'));
  t.same(['sendonly', 'recvonly', 'inactive', 'sendrecv'].map((d) => answerDirection(d as 'sendonly')), ['recvonly', 'sendonly', 'inactive', 'sendrecv']);
});

t.test('our answer gets one direction line, in the audio section', async (t) => {
  const out = withDirection(sdp({ audio: 'a=sendrecv' }), 'recvonly');
  const lines = out.split('\r\n');
  const audio = lines.indexOf('m=audio 4000 RTP/AVP 0');
  const video = lines.indexOf('m=video 4002 RTP/AVP 96');
  t.equal(lines.filter((l) => /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l)).length, 1, 'only one direction left');
  t.ok(lines.indexOf('a=recvonly') > audio && lines.indexOf('a=recvonly') < video, 'inside the audio section');
  t.equal(withDirection('v=0\r\n', 'recvonly'), 'v=0\r\n', 'no audio section: unchanged');
});
