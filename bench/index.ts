/**
 * npm run bench: the router's decision time (pure, in-process) and the call
 * latencies on the real stack when FreeSWITCH, drachtio-server and SIPp are
 * installed. The AMD benchmark is `npm run bench:amd`.
 */
import { benchInbound } from './inbound.js';
import { benchRouter } from './router.js';

const router = benchRouter();
const inbound = await benchInbound();
console.log('\nSummary');
console.log(`router: agent frees up -> offer p99 ${router.freeUpP99!.toFixed(2)} us (target < 100 us)`);
if (inbound) {
  console.log(`real stack: caller INVITE -> 200 OK median ${inbound.setupP50!.toFixed(2)} ms, p99 ${inbound.setupP99!.toFixed(2)} ms`);
  console.log(`real stack: queue entry -> agent INVITE median ${inbound.offerP50!.toFixed(2)} ms, p99 ${inbound.offerP99!.toFixed(2)} ms (target p99 < 25 ms)`);
}
process.exit(0);
