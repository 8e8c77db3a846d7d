/** Types of consoles/qa/download.js for the unit tests (the browser uses the .js directly). */
export function dispositionName(header: string | null | undefined, fallback: string): string;
export function downloadFile(token: string | null, path: string, fallbackName: string): Promise<{ name: string; bytes: number }>;
