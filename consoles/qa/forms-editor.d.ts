/** Types of consoles/qa/forms-editor.js for the unit tests (the browser uses the .js directly). */
export interface Band { up_to_s: number; value: number }
export const METRICS: readonly string[];
export function parseBands(text: string): Band[] | null;
export function formatBands(bands: readonly Band[] | undefined): string;
export function createFormsEditor(deps: { api: unknown; root: unknown; onSaved(): unknown }): { load(): Promise<void> };
