#!/usr/bin/env node
// A floor for bench/nix: GET every narinfo and NAR file of a cache with Node's own HTTP client
// (keep-alive sockets: 25 like nixwrt fetch, or as given), discarding the bodies. No decoding,
// hashing or writing: any fetch in Node over this server costs at least this much.
// Usage: http-floor.mjs <base URL> <cache dir on disk> [connections]
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, dir, conns = '25'] = process.argv.slice(2);
const n = Number(conns);
const paths = [
  ...readdirSync(dir).filter((f) => f.endsWith('.narinfo')),
  ...readdirSync(join(dir, 'nar')).map((f) => `nar/${f}`),
];
const agent = new http.Agent({ keepAlive: true, maxSockets: n });
const get = (p) =>
  new Promise((resolve, reject) => {
    http
      .get(`${base}/${p}`, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', resolve);
        res.on('error', reject);
      })
      .on('error', reject);
  });
let next = 0;
await Promise.all(Array.from({ length: n }, async () => {
  while (next < paths.length) await get(paths[next++]);
}));
agent.destroy();
