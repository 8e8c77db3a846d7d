/**
 * A TCP relay on loopback whose connections the test can cut: the browser's SIP WebSocket goes through
 * it, and `cut()` destroys every open connection at once (what a dropped network looks like to the
 * browser: the WebSocket closes abnormally, 1006). The network stays down (new connections are closed at once, as
 * a refused reconnect) until `restore()`: the test sees the page report the drop, then brings the network back, instead
 * of racing a reconnect that takes a millisecond on loopback (the page's first retry is immediate).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Closes every open connection; new ones are closed at once until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(targetHost: string, targetPort: number): Promise<TcpRelay> {
  const open = new Set<Socket>();
  let accepted = 0;
  let down = false;
  const server = createServer((client) => {
    if (down) { client.destroy(); return; }
    accepted += 1;
    const upstream = connect(targetPort, targetHost);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => { client.destroy(); upstream.destroy(); });
      s.on('close', () => { open.delete(s); client.destroy(); upstream.destroy(); });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    cut: () => { down = true; for (const s of open) s.destroy(); },
    restore: () => { down = false; },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
