import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, readdirSync, lstatSync, readlinkSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { nixEnv } from './nix-peer.js';

/** Nix without sandbox (the builder is the host's /bin/sh), as root without build users. */
export function buildEnv(): NodeJS.ProcessEnv {
  return nixEnv({ NIX_CONFIG: 'experimental-features = nix-command\nbuild-users-group =\nsandbox = false' });
}

/**
 * A small closure built by real Nix: c → b → a and c → a; Nix's own scan finds the
 * references. `salt` makes distinct store paths per test file.
 */
export function buildClosure(dir: string, salt: string): string {
  mkdirSync(dir, { recursive: true });
  const expr = `
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh";
    PATH = "/usr/bin:/bin"; args = [ "-c" script ]; };
  a = mk "nixwrt-${salt}-a" "mkdir $out; echo hello > $out/hello; printf '#!/bin/sh\\\\necho hi\\\\n' > $out/run; chmod +x $out/run; ln -s hello $out/link; mkdir $out/empty";
  b = mk "nixwrt-${salt}-b" "mkdir -p $out/bin $out/share/deep/er; echo ${'$'}{a}/run > $out/bin/ref; head -c 300000 /dev/urandom > $out/rand; seq 1 20000 > $out/share/deep/er/seq; ln -s ${'$'}{a}/hello $out/abs-link";
  f = mk "nixwrt-${salt}-f" "echo single file ${'$'}{a} > $out";
in mk "nixwrt-${salt}-c" "mkdir $out; echo ${'$'}{b} ${'$'}{a} ${'$'}{f} > $out/refs"
`;
  writeFileSync(join(dir, 'closure.nix'), expr);
  return execFileSync('nix-build', [join(dir, 'closure.nix'), '--no-out-link'], { env: buildEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

export interface NixCache {
  dir: string;
  publicKey: string;
  secretKeyFile: string;
}

/** Sign the closure and `nix copy` it to a file:// cache with the given compression. */
export function makeCache(work: string, root: string, compression: string, keyName = 'nixwrt-test-1'): NixCache {
  const secretKeyFile = join(work, `${keyName}.secret`);
  const env = buildEnv();
  try {
    readFileSync(secretKeyFile);
  } catch {
    writeFileSync(secretKeyFile, execFileSync('nix', ['key', 'generate-secret', '--key-name', keyName], { env }));
  }
  const publicKey = execFileSync('nix', ['key', 'convert-secret-to-public'], { env, input: readFileSync(secretKeyFile) }).toString().trim();
  execFileSync('nix', ['store', 'sign', '-k', secretKeyFile, '-r', root], { env, stdio: 'ignore' });
  const dir = join(work, `cache-${compression}`);
  execFileSync('nix', ['copy', '--to', `file://${dir}?compression=${compression}`, root], { env, stdio: 'ignore' });
  return { dir, publicKey, secretKeyFile };
}

export function closureOf(root: string): string[] {
  return execFileSync('nix-store', ['-qR', root], { env: buildEnv() }).toString().trim().split('\n').sort();
}

/** Type, mode bits, contents and link targets of a tree, for comparing two unpackings. */
export function describeTree(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    const st = lstatSync(p);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(p)}`;
    else if (st.isFile()) out[rel] = `file ${mode} ${readFileSync(p).toString('base64')}`;
    else {
      out[rel] = `dir ${mode}`;
      for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
    }
  };
  walk(path, '');
  return out;
}

/** What the fault-injecting server does to one request. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'reset' } // destroy the socket half-way through the body
  | { kind: 'truncate' } // announce the full length, send half, end the connection
  | { kind: 'slow'; gapMs: number; pieces: number }
  | { kind: 'flip' } // flip one byte in the middle of the body
  | { kind: 'edit'; edit: (text: string) => string } // rewrite a text body (narinfos)
  | { kind: 'redirect'; location: string };

export interface FaultServer {
  url: string;
  /** Requests per URL path, to see retries and which files were asked for. */
  hits: Map<string, number>;
  /** Faults by URL path; each entry is used once per request, `times` times (default: always). */
  faults: Map<string, { fault: Fault; times?: number }>;
  server: Server;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 serving a cache directory, with injectable faults. */
export async function startFaultServer(root: string): Promise<FaultServer> {
  const hits = new Map<string, number>();
  const faults = new Map<string, { fault: Fault; times?: number }>();
  const send = (res: ServerResponse, body: Buffer): void => {
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    let body: Buffer;
    try {
      if (path.includes('..')) throw new Error('no');
      body = readFileSync(join(root, path));
    } catch {
      res.writeHead(404).end();
      return;
    }
    const f = faults.get(path);
    if (!f || f.times === 0) return send(res, body);
    if (f.times !== undefined) f.times--;
    const fault = f.fault;
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status).end();
        return;
      case 'reset':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
        return;
      case 'truncate':
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.end());
        return;
      case 'flip': {
        const copy = Buffer.from(body);
        copy[copy.length >> 1] ^= 0x55;
        return send(res, copy);
      }
      case 'edit':
        return send(res, Buffer.from(fault.edit(body.toString('utf8'))));
      case 'redirect':
        res.writeHead(302, { location: fault.location }).end();
        return;
      case 'slow': {
        res.writeHead(200, { 'content-length': body.length });
        const step = Math.ceil(body.length / fault.pieces);
        let at = 0;
        const tick = (): void => {
          if (res.destroyed) return;
          res.write(body.subarray(at, at + step));
          at += step;
          if (at >= body.length) res.end();
          else setTimeout(tick, fault.gapMs);
        };
        tick();
        return;
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    faults,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
