/** Types of transfer.js for the TypeScript unit tests (the one-key row; the panel itself is tested in the browser). */
export interface OneKeyEntry { id: string; kind: string; category: string; speed_key: string | null }
export declare const ONE_KEY: ReadonlyArray<{ action: string; category: string; number: string }>;
export declare function pickOneKey<E extends OneKeyEntry>(all: readonly E[]): Array<{ key: string; entry: E }>;
