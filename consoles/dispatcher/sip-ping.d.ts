/** Types of sip-ping.js for the TypeScript unit tests. */
export declare class SipPing {
  constructor(opts: {
    ua: unknown; target: unknown; intervalMs?: number; timeoutMs?: number;
    onAlive(atMs: number): void; onDead(silentMs: number): void;
  });
  start(): void;
  stop(): void;
  ping(): void;
}
