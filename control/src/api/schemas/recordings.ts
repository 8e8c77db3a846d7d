import { dateTime, slug, uuid } from './common.ts';

const channel = { type: 'object', additionalProperties: true, description: 'Per-party statistics: packets, lost, rmsDbfs, silentGapsMs, payloadTypes.' } as const;

export const recordingMeta = {
  type: 'object',
  required: ['id', 'call_id', 'sip_call_id', 'centre_id', 'status', 'started_at', 'duration_ms', 'size_bytes', 'sm3', 'channels', 'created_at', 'audio_url'],
  properties: {
    id: uuid, call_id: { type: ['string', 'null'] }, sip_call_id: { type: 'string' }, centre_id: slug,
    status: { type: 'string', enum: ['ready', 'missing', 'failed', 'purged'], description: 'Only a ready recording has audio; purged: removed by the retention policy, the record stays.' },
    started_at: { type: ['string', 'null'], format: 'date-time', description: 'Time of the first sample (the call\'s first RTP packet).' },
    duration_ms: { type: ['integer', 'null'] }, size_bytes: { type: ['integer', 'null'] },
    sm3: { type: ['string', 'null'], description: 'SM3 (GB/T 32905) of the whole WAV file, hex.' },
    channels: {
      type: ['object', 'null'], description: 'Stereo WAV: caller on the left channel, seat on the right.',
      properties: { caller: channel, seat: channel },
    },
    created_at: dateTime,
    audio_url: { type: ['string', 'null'], description: 'Where to fetch the WAV (Range requests supported); null unless ready.' },
  },
} as const;

const wav = { type: 'string', format: 'binary', description: 'audio/wav, 8 kHz 16-bit stereo (caller left, seat right).' } as const;

/** The audio responses: the whole file, or one byte range. */
export const audioResponses = {
  200: { description: 'The whole WAV', content: { 'audio/wav': { schema: wav } } },
  206: { description: 'One byte range of the WAV (Content-Range)', content: { 'audio/wav': { schema: wav } } },
} as const;

export const audioQuery = { type: 'object', additionalProperties: false, properties: {} } as const;
