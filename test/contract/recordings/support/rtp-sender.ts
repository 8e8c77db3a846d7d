/** A G.711 RTP endpoint for tests: sends a sine tone every 20 ms and counts what it receives. */
import dgram from 'node:dgram';
import { encodeAlaw, encodeUlaw } from '../../../../recordings/src/g711.ts';
import { buildRtp } from '../../../../recordings/src/rtp.ts';

export interface ToneSpec {
  frequencyHz: number;
  payloadType: 0 | 8;
  durationMs: number;
  /** Do not send during [startMs, endMs) of the stream (RTP timestamps keep running, as with VAD). */
  pauseMs?: [number, number];
  amplitude?: number;
  ssrc?: number;
}

export class RtpEndpoint {
  readonly socket = dgram.createSocket('udp4');
  received = 0;
  sent = 0;

  static async open(): Promise<RtpEndpoint> {
    const ep = new RtpEndpoint();
    ep.socket.on('message', () => ep.received++);
    await new Promise<void>((r) => ep.socket.bind(0, '127.0.0.1', r));
    return ep;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends the tone to host:port in real time, 20 ms (160 samples) per packet. */
  async sendTone(port: number, spec: ToneSpec): Promise<void> {
    const samplesPerPacket = 160;
    const amplitude = spec.amplitude ?? 16000;
    const ssrc = spec.ssrc ?? (Math.random() * 0xffffffff) >>> 0;
    const encode = spec.payloadType === 8 ? encodeAlaw : encodeUlaw;
    const packets = Math.round(spec.durationMs / 20);
    const t0 = performance.now();
    let seq = Math.floor(Math.random() * 60000);
    const ts0 = (Math.random() * 0x7fffffff) >>> 0;
    for (let n = 0; n < packets; n++) {
      const due = t0 + n * 20;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const at = n * 20;
      if (spec.pauseMs && at >= spec.pauseMs[0] && at < spec.pauseMs[1]) continue;
      const pcm = new Float64Array(samplesPerPacket);
      for (let i = 0; i < samplesPerPacket; i++) {
        const k = n * samplesPerPacket + i;
        pcm[i] = amplitude * Math.sin((2 * Math.PI * spec.frequencyHz * k) / 8000);
      }
      const pkt = buildRtp(
        { payloadType: spec.payloadType, sequenceNumber: seq++ & 0xffff, timestamp: ts0 + n * samplesPerPacket, ssrc, marker: n === 0 },
        encode(pcm),
      );
      this.socket.send(pkt, port, '127.0.0.1');
      this.sent++;
    }
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
