/** The part of janode 1.8 (plain JavaScript, no types of its own) that engine/janus/ uses. */
declare module 'janode' {
  import type { EventEmitter } from 'node:events';
  export interface Connection extends EventEmitter {
    create(kaIntervalSeconds?: number): Promise<Session>;
    close(): Promise<void>;
  }
  export interface Session extends EventEmitter {
    readonly id: number;
    attach<H>(plugin: { id: string; Handle: unknown }): Promise<H>;
    destroy(): Promise<void>;
  }
  export interface ServerAddress { url: string; apisecret?: string }
  const Janode: {
    connect(config: { address: ServerAddress | ServerAddress[]; retry_time_secs?: number; max_retries?: number; is_admin?: boolean }): Promise<Connection>;
    Logger: { setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): void };
    EVENT: { CONNECTION_CLOSED: string; SESSION_DESTROYED: string; HANDLE_DETACHED: string; CONNECTION_ERROR: string };
  };
  export default Janode;
}

declare module 'janode/plugins/audiobridge' {
  const AudioBridgePlugin: { id: string; Handle: new (session: import('janode').Session, id: number) => unknown; EVENT: Record<string, string> };
  export default AudioBridgePlugin;
}
