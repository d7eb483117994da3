/**
 * npm run bench: the router's decision time (pure, in-process) and the call
 * latencies on the real stack when FreeSWITCH, drachtio-server and SIPp are
 * installed, the live-call controls' request -> effect on the wire, and a
 * progressive campaign's agent idle time and calls per agent-hour. The AMD
 * benchmark is `npm run bench:amd`.
 */
import { benchAcdStack } from './acd-stack.js';
import { benchInbound } from './inbound.js';
import { benchRouter } from './router.js';
import { benchLiveControls } from './live-call.js';
import { benchConsult } from './consult.js';
import { benchCampaign } from './campaign.js';

const router = benchRouter();
const inbound = await benchInbound({ calls: 200, agents: 10, cps: 5, talkMs: 1000 });
const acd = await benchAcdStack(200);
const live = await benchLiveControls(200);
const consult = await benchConsult(100);
const campaign = await benchCampaign();
console.log('\nSummary');
console.log(`router: agent frees up -> offer p99 ${router.freeUpP99!.toFixed(2)} us (target < 100 us)`);
if (inbound) {
  console.log(`real stack: caller INVITE -> 200 OK median ${inbound.setupP50!.toFixed(2)} ms, p99 ${inbound.setupP99!.toFixed(2)} ms`);
  console.log(`real stack: queue entry -> agent INVITE median ${inbound.offerP50!.toFixed(2)} ms, p99 ${inbound.offerP99!.toFixed(2)} ms (target p99 < 25 ms)`);
}
if (acd) {
  console.log(`real stack: agent free -> waiting call's INVITE median ${acd.freeToOfferP50!.toFixed(2)} ms, p99 ${acd.freeToOfferP99!.toFixed(2)} ms (target p99 < 25 ms)`);
  console.log(`real stack: decline -> re-offer INVITE median ${acd.reofferP50!.toFixed(2)} ms, p99 ${acd.reofferP99!.toFixed(2)} ms`);
  console.log(`real stack: caller hang-up -> CANCEL to ringing agent median ${acd.cancelP50!.toFixed(2)} ms, p99 ${acd.cancelP99!.toFixed(2)} ms`);
}
if (live) {
  console.log(`real stack: hold request -> first hold-music packet at the customer median ${live.holdP50!.toFixed(2)} ms, p99 ${live.holdP99!.toFixed(2)} ms (aim p99 < 50 ms)`);
  console.log(`real stack: resume request -> first packet of the agent again median ${live.resumeP50!.toFixed(2)} ms, p99 ${live.resumeP99!.toFixed(2)} ms`);
  console.log(`real stack: DTMF request -> first RFC 2833 packet median ${live.dtmfP50!.toFixed(2)} ms, p99 ${live.dtmfP99!.toFixed(2)} ms (aim p99 < 50 ms)`);
}
if (consult) {
  console.log(`real stack: consult request -> INVITE at the colleague median ${consult.inviteP50!.toFixed(2)} ms, p99 ${consult.inviteP99!.toFixed(2)} ms`);
  console.log(`real stack: complete request -> colleague heard by the customer median ${consult.bridgedP50!.toFixed(2)} ms, p99 ${consult.bridgedP99!.toFixed(2)} ms`);
}
if (campaign) {
  console.log(`real stack: progressive campaign, end of wrap-up -> next connected call median ${(campaign.idleP50! / 1000).toFixed(2)} s, p99 ${(campaign.idleP99! / 1000).toFixed(2)} s (${campaign.gaps} gaps)`);
  console.log(`real stack: progressive campaign, ${campaign.perAgentHour!.toFixed(1)} calls per agent-hour (${campaign.connected} connected of ${campaign.dialed} dialed in ${campaign.elapsedSec!.toFixed(0)} s)`);
}
process.exit(0);
