/**
 * Sends re-injected INVITEs to this node's Kamailio (the address the INVITE first arrived on: the pair's floating
 * address, which this node now holds). The datagram goes from this node to itself and never leaves the host; its
 * marker makes Kamailio take the gateway's address as the request's source (route TAKEOVER_MARK, corex
 * set_source_address), so that every response goes to the gateway.
 *
 * Why not Kamailio alone: tm cannot import a server transaction, and none of t_relay_to, forward, uac_req_send or
 * corex's send_data creates one from a stored message (they all send a request *out*); only a request arriving
 * through a listening socket runs request_route and t_newtran. Why not a datagram with the gateway's source
 * address: Linux refuses to route a datagram from an address the host does not have (ENETUNREACH, even with
 * net.ipv4.ip_nonlocal_bind=1, tried here) unless the socket is IP_TRANSPARENT, which needs CAP_NET_ADMIN and which
 * Node's dgram does not expose (docs/ha.md).
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(v: string): HostPort | undefined {
  const m = /^\[?([0-9A-Fa-f:.]+)\]?:(\d{1,5})$/.exec(v.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!, port } : undefined;
}

/** One socket for a takeover batch (IPv4 or IPv6 by the destination). */
export class TakeoverSender {
  private readonly sockets = new Map<'udp4' | 'udp6', Socket>();

  async send(destination: HostPort, datagram: Buffer): Promise<void> {
    const type = destination.host.includes(':') ? 'udp6' : 'udp4';
    let socket = this.sockets.get(type);
    if (!socket) {
      socket = createSocket(type);
      // responses never come here (Kamailio answers the gateway); an ICMP error must not crash the process
      socket.on('error', () => undefined);
      this.sockets.set(type, socket);
    }
    const s = socket;
    await new Promise<void>((resolve, reject) => s.send(datagram, destination.port, destination.host, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

/** Writes `data` over a new TCP connection and closes it (RFC 3261 18.2.2: the original connection is gone). */
export function sendOverNewTcpConnection(target: HostPort, data: Buffer, timeoutMs = 2000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP connection to ${target.host}:${target.port} within ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.once('connect', () => socket.end(data, () => resolve()));
  });
}
