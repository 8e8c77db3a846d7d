/** Duration of a RIFF/WAVE file from its header (fmt byte rate, data size): for prompts rtpengine did not time. */
import { open } from 'node:fs/promises';

export async function wavDurationMs(path: string): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return undefined;
    let pos = 12;
    let byteRate = 0;
    while (pos + 8 <= bytesRead) {
      const id = head.toString('ascii', pos, pos + 4);
      const size = head.readUInt32LE(pos + 4);
      if (id === 'fmt ' && pos + 16 <= bytesRead) byteRate = head.readUInt32LE(pos + 16);
      if (id === 'data') {
        if (!byteRate) return undefined;
        const { size: fileSize } = await fh.stat();
        const dataBytes = Math.min(size, fileSize - pos - 8);
        return Math.round((dataBytes / byteRate) * 1000);
      }
      pos += 8 + size + (size % 2);
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
