#!/usr/bin/env node
// A floor for bench/nix: GET every narinfo and NAR file of a cache, discarding the bodies, with
// Node's own HTTP client (keep-alive agent) or with the client nixwrt fetch uses
// (src/nix/substituter/http-client.ts, from dist/). No decoding, hashing or writing: a fetch
// over this server with that client costs at least this much.
// Usage: http-floor.mjs <base URL> <cache dir on disk> [connections] [node|ours]
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, dir, conns = '25', which = 'node'] = process.argv.slice(2);
const n = Number(conns);
const paths = [
  ...readdirSync(dir).filter((f) => f.endsWith('.narinfo')),
  ...readdirSync(join(dir, 'nar')).map((f) => `nar/${f}`),
];
let get;
let close;
if (which === 'ours') {
  const { HttpClient } = await import('../../dist/src/nix/substituter/http-client.js');
  const client = new HttpClient({ maxSockets: n, idleTimeoutMs: 30_000 });
  get = async (p) => {
    const res = await client.get(new URL(`${base}/${p}`));
    for await (const _ of res.body());
  };
  close = () => client.close();
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  get = (p) =>
    new Promise((resolve, reject) => {
      http
        .get(`${base}/${p}`, { agent }, (res) => {
          res.on('data', () => undefined);
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
  close = () => agent.destroy();
}
let next = 0;
await Promise.all(Array.from({ length: n }, async () => {
  while (next < paths.length) await get(paths[next++]);
}));
close();
