import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type HttpResponse } from '../../src/nix/substituter/http-client.js';

/** A TCP server answering each request (head read up to the blank line) with `respond`. */
async function rawServer(respond: (sock: Socket, n: number, head: string) => void): Promise<{ url: string; server: Server; connections: () => number }> {
  let requests = 0;
  let connections = 0;
  const server = createServer((sock) => {
    connections++;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i; (i = buf.indexOf('\r\n\r\n')) >= 0; ) {
        const head = buf.slice(0, i);
        buf = buf.slice(i + 4);
        respond(sock, requests++, head);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, connections: () => connections };
}

async function text(res: HttpResponse): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of res.body()) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

describe('HttpClient (the binary cache HTTP/1.1 client)', () => {
  const servers: Server[] = [];
  const clients: HttpClient[] = [];
  const client = (maxSockets = 4, idleTimeoutMs = 2000): HttpClient => {
    const c = new HttpClient({ maxSockets, idleTimeoutMs });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('Content-Length bodies over one keep-alive connection; the request names path, query and host', async () => {
    const heads: string[] = [];
    const s = await rawServer((sock, n, head) => {
      heads.push(head);
      const body = `body ${n}`;
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-A: 1\r\nx-a: 2\r\n\r\n${body}`);
    });
    servers.push(s.server);
    const c = client();
    for (let i = 0; i < 3; i++) {
      const res = await c.get(new URL(`${s.url}/a/b.narinfo?x=${i}`));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-a')).toBe('1, 2');
      expect(await text(res)).toBe(`body ${i}`);
    }
    expect(s.connections()).toBe(1);
    expect(heads[2]).toMatch(new RegExp(`^GET /a/b\\.narinfo\\?x=2 HTTP/1\\.1\\r\\nHost: ${s.url.slice(7)}\\r\\n`));
  });

  it('chunked bodies (extensions, trailers, chunks split across reads), a head split across reads, 100 Continue', async () => {
    const s = await rawServer((sock) => {
      const parts = [
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Enc',
        'oding: chunked\r\n\r',
        '\n5;ext=1\r\nhello\r\n7\r\n, wor',
        'ld\r\n0\r\nTrailer: x\r\n\r\n',
      ];
      let i = 0;
      const next = (): void => {
        sock.write(parts[i++]!);
        if (i < parts.length) setTimeout(next, 5);
      };
      next();
    });
    servers.push(s.server);
    const c = client();
    expect(await text(await c.get(new URL(`${s.url}/x`)))).toBe('hello, world');
    expect(await text(await c.get(new URL(`${s.url}/y`)))).toBe('hello, world');
    expect(s.connections()).toBe(1);
  });

  it('a body without length ends at close; Connection: close is not reused', async () => {
    const s = await rawServer((sock, n) => {
      if (n % 2 === 0) sock.end('HTTP/1.1 200 OK\r\n\r\nuntil close');
      else sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
    });
    servers.push(s.server);
    const c = client();
    expect(await text(await c.get(new URL(`${s.url}/1`)))).toBe('until close');
    expect(await text(await c.get(new URL(`${s.url}/2`)))).toBe('ok');
    expect(await text(await c.get(new URL(`${s.url}/3`)))).toBe('until close');
    expect(s.connections()).toBe(3);
  });

  it('a large body sent in many writes arrives intact, chunk by chunk', async () => {
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const s = await rawServer((sock) => {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`);
      for (let at = 0; at < big.length; at += 100_003) sock.write(big.subarray(at, at + 100_003));
    });
    servers.push(s.server);
    const res = await client().get(new URL(`${s.url}/big`));
    const parts: Buffer[] = [];
    for await (const c of res.body()) {
      // A slow consumer: the chunk must stay intact until the next one is asked for.
      await new Promise((r) => setTimeout(r, 1));
      parts.push(Buffer.from(c));
    }
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });

  it('a body cut short is a transient network error naming the URL and the bytes', async () => {
    const s = await rawServer((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    servers.push(s.server);
    const res = await client().get(new URL(`${s.url}/nar/x.nar`));
    await expect(text(res)).rejects.toMatchObject({ code: 'network', transient: true, message: `${s.url}/nar/x.nar: body ended after 3 of 10 bytes` });
  });

  it('a keep-alive connection the server closed while idle: the request goes out again on a new one', async () => {
    const s = await rawServer((sock, n) => {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`);
      if (n === 0) setTimeout(() => sock.destroy(), 20);
    });
    servers.push(s.server);
    const c = client();
    expect(await text(await c.get(new URL(`${s.url}/a`)))).toBe('0');
    await new Promise((r) => setTimeout(r, 60));
    expect(await text(await c.get(new URL(`${s.url}/b`)))).toBe('1');
    expect(s.connections()).toBe(2);
  });

  it('a reused connection closed before any answer: sent once more on a new one; a new one that fails is an error', async () => {
    const s = await rawServer((sock, n) => {
      if (n === 1) sock.destroy(); // the second request, on the kept-alive first connection
      else sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`);
    });
    servers.push(s.server);
    const c = client();
    expect(await text(await c.get(new URL(`${s.url}/a`)))).toBe('0');
    expect(await text(await c.get(new URL(`${s.url}/b`)))).toBe('2');
    expect(s.connections()).toBe(2);
    const dead = await rawServer((sock) => sock.destroy()); // never answers, on fresh connections
    servers.push(dead.server);
    await expect(c.get(new URL(`${dead.url}/x`))).rejects.toMatchObject({ code: 'network', transient: true });
    expect(dead.connections()).toBe(1);
  });

  it('no data for idleTimeoutMs: transient error; abort: AbortError; at most maxSockets connections', async () => {
    const s = await rawServer(() => undefined); // never answers
    servers.push(s.server);
    const c = client(2, 100);
    await expect(c.get(new URL(`${s.url}/slow`))).rejects.toMatchObject({ code: 'network', transient: true, message: expect.stringMatching(/no data for 100 ms/) });
    const ctl = new AbortController();
    const pending = [1, 2, 3].map((i) => c.get(new URL(`${s.url}/p${i}`), ctl.signal).catch((e: unknown) => e));
    // Two connections open (maxSockets), the third request waits for one: never a third.
    for (let waited = 0; s.connections() < 3 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(s.connections()).toBe(1 + 2);
    ctl.abort();
    for (const e of await Promise.all(pending)) expect(e).toMatchObject({ name: 'AbortError' });
  });

  it('malformed responses are refused: not HTTP, a bad Content-Length, an oversized head', async () => {
    const answers = ['SSH-2.0-OpenSSH\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(20000)}\r\n`];
    const s = await rawServer((sock, n) => sock.write(answers[n]!));
    servers.push(s.server);
    const c = client();
    await expect(c.get(new URL(`${s.url}/1`))).rejects.toMatchObject({ code: 'http', message: expect.stringMatching(/not an HTTP\/1\.x response/) });
    await expect(c.get(new URL(`${s.url}/2`))).rejects.toMatchObject({ code: 'http', message: expect.stringMatching(/bad Content-Length/) });
    await expect(c.get(new URL(`${s.url}/3`))).rejects.toMatchObject({ code: 'http', message: expect.stringMatching(/response head larger than/) });
  });
});
