/**
 * Prompt and music files (media/, see media/README.md). Settings name them without folder or extension;
 * a file is looked up when it is played, so a studio recording dropped in place is used from the next call on.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CtiError } from '../errors/catalogue.ts';

export type MediaKind = 'prompt' | 'music' | 'hold';

const FOLDER: Record<MediaKind, string> = { prompt: 'prompts/zh-CN', music: 'music', hold: 'hold' };
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function mediaPath(mediaDir: string, kind: MediaKind, name: string): string {
  if (!NAME.test(name)) throw new CtiError('CTI_BAD_REQUEST', { media: name, reason: 'prompt names are letters, digits, - and _' });
  return join(mediaDir, FOLDER[kind], `${name}.wav`);
}

/** The path if the file is there; undefined (logged by the caller) if not. */
export async function existingMedia(mediaDir: string, kind: MediaKind, name: string): Promise<string | undefined> {
  const path = mediaPath(mediaDir, kind, name);
  try {
    await access(path);
    return path;
  } catch {
    return undefined;
  }
}
