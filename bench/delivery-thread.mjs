// Posts signed webhooks over `connections` lanes from a thread of its own, so that the sending does not
// delay the Stripe double's event loop (it stamps and rate-limits the service's requests in the main one).
import { parentPort, workerData } from 'node:worker_threads';

const { url, deliveries, connections } = workerData;
const results = new Array(deliveries.length);
let next = 0;

async function lane() {
  while (next < deliveries.length) {
    const index = next++;
    const { body, signature } = deliveries[index];
    const sentAt = performance.now();
    let status;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    results[index] = { status, ms: performance.now() - sentAt };
  }
}

await Promise.all(Array.from({ length: connections }, lane));
parentPort.postMessage(results);
