/** Types of failover.js for the TypeScript unit tests. */
export declare function failoverText(tookMs: number, atMs: number): string;
export declare class FailoverWatch {
  constructor(opts: { banner(topic: string, level: string, text: string | null): void; onRecovered(moved: boolean): void });
  node: string | null;
  lostSinceMs: number | null;
  setNode(node: string | null | undefined): void;
  lost(lastAliveMs: number): void;
  registered(): Promise<void>;
  currentNode(): Promise<string | null>;
}
