#!/usr/bin/env node
// A static file server for bench/nix that behaves like a real binary-cache host (nginx, an
// object store behind a CDN) in the ways a client's speed depends on: HTTP/1.1 with keep-alive
// (no connection is closed after a response), a listen backlog of 511 (nginx's default), no
// per-request limit, Content-Length on every response, and bodies streamed from the file in
// large reads. GET and HEAD only; 404 for anything missing; never serves outside ROOT.
// Usage: serve.mjs ROOT PORT   (binds 127.0.0.1; prints "listening" once it accepts)
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

const [rootArg, portArg] = process.argv.slice(2);
if (!rootArg || !portArg) {
  process.stderr.write('usage: serve.mjs ROOT PORT\n');
  process.exit(2);
}
const root = resolve(rootArg);

const server = http.createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 0 }, async (req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-length': 0 }).end();
    return;
  }
  let path;
  try {
    path = resolve(root, '.' + decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  } catch {
    res.writeHead(400, { 'content-length': 0 }).end();
    return;
  }
  const st = path.startsWith(root + sep) ? await stat(path).catch(() => null) : null;
  if (!st?.isFile()) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = createReadStream(path, { highWaterMark: 256 << 10 });
  body.on('error', () => res.destroy());
  body.pipe(res);
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.maxRequestsPerSocket = 0;
server.listen({ host: '127.0.0.1', port: Number(portArg), backlog: 511 }, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
