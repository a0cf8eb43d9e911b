#!/usr/bin/env node
// A floor for bench/nix: GET every narinfo and NAR file of a cache with Node's own HTTP client
// (25 keep-alive sockets, like nixwrt fetch), discarding the bodies. No decoding, hashing or
// writing: any fetch in Node over this server costs at least this much.
// Usage: http-floor.mjs <base URL> <cache dir on disk>
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, dir] = process.argv.slice(2);
const paths = [
  ...readdirSync(dir).filter((f) => f.endsWith('.narinfo')),
  ...readdirSync(join(dir, 'nar')).map((f) => `nar/${f}`),
];
const agent = new http.Agent({ keepAlive: true, maxSockets: 25 });
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
await Promise.all(Array.from({ length: 25 }, async () => {
  while (next < paths.length) await get(paths[next++]);
}));
agent.destroy();
