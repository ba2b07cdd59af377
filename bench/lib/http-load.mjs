// The client side of an HTTP benchmark, run as its own process so that the server's process is
// measured alone (a client in the same process, such as fetch, costs as much CPU as the server).
// Usage: node bench/lib/http-load.mjs JOB.json, where JOB is { url, limit, rounds: [[body, …], …] }:
// each round's bodies are POSTed to url with at most `limit` in flight over keep-alive node:http
// connections, the rounds one after the other. Prints { ms } (wall time of all rounds) as JSON.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const { url, limit, rounds } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const agent = new Agent({ keepAlive: true, maxSockets: limit });

function post(body) {
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
  });
}

const t = performance.now();
for (const bodies of rounds) {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const status = await post(bodies[next++]);
      if (status !== 200) throw new Error(`a request was refused: ${status}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, bodies.length) }, worker));
}
console.log(JSON.stringify({ ms: performance.now() - t }));
agent.destroy();
