import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/package-root.js';
import { havePeers } from '../helpers/peer.js';
import { slow } from '../helpers/slack.js';

// NODE_EXTRA_CA_CERTS through the sh launcher (bin/nixwrt), which defers it to our HTTP client,
// and through the JS entry run directly (Node loads it). Runs the compiled CLI (npm test
// compiles first) against the fixture binary cache served over HTTPS with a self-signed cert.
const root = packageRoot();
const launcher = join(root, 'bin', 'nixwrt');
const entry = join(root, 'bin', 'nixwrt.js');
const cacheDir = join(root, 'fixtures', 'cache');
const publicKey = readFileSync(join(root, 'fixtures', 'cache.pub'), 'utf8').trim();
/** The smallest fixture path: one NAR, no references but itself. */
const storePath = '/nix/store/ix6j2wrkfic3nladm4iicg28fgwv7snp-nar-edge-cases';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without NODE_EXTRA_CA_CERTS/NIXWRT_EXTRA_CA_CERTS, plus `extra`; `node` on PATH is this one. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NIXWRT_EXTRA_CA_CERTS;
  return { ...env, ...extra };
}

/** Asynchronous: the HTTPS server answers from this process. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!havePeers('openssl'))('NODE_EXTRA_CA_CERTS', () => {
  let work: string;
  let cert: string;
  let server: Server;
  let url: string;
  let n = 0;
  const fetchArgs = (...extra: string[]): string[] => [
    'fetch', storePath, '--substituter', url, '--trusted-public-key', publicKey, '--cache-dir', join(work, `cache-${n++}`), ...extra,
  ];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nixwrt-extra-ca-'));
    cert = join(work, 'cert.pem');
    const key = join(work, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '2', '-subj', '/CN=nixwrt test', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'pipe' });
    server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      const file = normalize(join(cacheDir, decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname)));
      let body: Buffer;
      try {
        if (!file.startsWith(cacheDir + '/')) throw new Error('outside');
        body = readFileSync(file);
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  for (const threads of ['0', '1']) {
    it(`bin/nixwrt fetches over TLS with the extra cert (--threads ${threads}), and fails without it`, async () => {
      const ok = await run(launcher, fetchArgs('--threads', threads), envWith({ NODE_EXTRA_CA_CERTS: cert }));
      expect(ok.stderr).not.toMatch(/Warning/);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout.split('\n')).toContain(storePath);
      const bad = await run(launcher, fetchArgs('--threads', threads), envWith({}));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/self[- ]signed certificate/);
    }, slow(60_000));
  }

  it('node bin/nixwrt.js fetches with the extra cert (Node loads it)', async () => {
    const ok = await run(process.execPath, [entry, ...fetchArgs()], envWith({ NODE_EXTRA_CA_CERTS: cert }));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.split('\n')).toContain(storePath);
  }, slow(60_000));

  it('bin/nixwrt keeps the file from Node\'s start: an unreadable one warns only when TLS is used', async () => {
    const missing = join(work, 'no-such.pem');
    // The premise: Node itself warns at start, whatever the command.
    const direct = await run(process.execPath, [entry, '--version'], envWith({ NODE_EXTRA_CA_CERTS: missing }));
    expect(direct.stderr).toContain(`Ignoring extra certs from \`${missing}\``);
    const version = await run(launcher, ['--version'], envWith({ NODE_EXTRA_CA_CERTS: missing }));
    expect(version.code).toBe(0);
    expect(version.stderr).toBe('');
    const fetched = await run(launcher, fetchArgs(), envWith({ NODE_EXTRA_CA_CERTS: missing }));
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toContain(`Warning: Ignoring extra certs from \`${missing}\`, load failed: ENOENT`);
    expect(fetched.stderr).toMatch(/self[- ]signed certificate/);
    expect(fetched.stderr.match(/Ignoring extra certs/g)).toHaveLength(1);
  }, slow(60_000));

  it('the CLI process (and so its children) sees NODE_EXTRA_CA_CERTS restored', async () => {
    const config = join(work, 'env.ts');
    writeFileSync(config, [
      'export default {',
      `  device: 'qemu-malta', hostname: 'envbox', lock: ${JSON.stringify(join(root, 'test/config/data/lock.json'))},`,
      "  kernelCmdline: ['node=' + process.env.NODE_EXTRA_CA_CERTS, 'nixwrt=' + process.env.NIXWRT_EXTRA_CA_CERTS],",
      '};',
      '',
    ].join('\n'));
    const seen = async (cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string[]> => {
      const r = await run(cmd, [...args, 'eval', '--json', config], env);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { kernelCmdline: string[] }).kernelCmdline;
    };
    // Through the launcher Node started without it (NIXWRT_EXTRA_CA_CERTS stays: not loaded yet).
    expect(await seen(launcher, [], envWith({ NODE_EXTRA_CA_CERTS: cert }))).toEqual([`node=${cert}`, `nixwrt=${cert}`]);
    // Run directly, Node loaded it: a handed-over name left in the environment is dropped.
    expect(await seen(process.execPath, [entry], envWith({ NODE_EXTRA_CA_CERTS: cert, NIXWRT_EXTRA_CA_CERTS: cert }))).toEqual([`node=${cert}`, 'nixwrt=undefined']);
    expect(await seen(launcher, [], envWith({}))).toEqual(['node=undefined', 'nixwrt=undefined']);
  }, slow(60_000));

  it('bin/nixwrt works through a symlink, as npm installs it', async () => {
    const bin = join(work, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(launcher, join(bin, 'nixwrt'));
    const r = await run(join(bin, 'nixwrt'), ['--version'], envWith({}));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  }, slow(60_000));
});
