import { dateTime, slug, uuid } from './common.ts';

const channel = { type: 'object', additionalProperties: true, description: 'Per-party statistics: packets, lost, rmsDbfs, silentGapsMs, payloadTypes.' } as const;

export const recordingMeta = {
  type: 'object',
  required: ['id', 'call_id', 'sip_call_id', 'centre_id', 'status', 'started_at', 'duration_ms', 'size_bytes', 'sm3', 'channels', 'flags', 'gaps', 'created_at', 'audio_url'],
  properties: {
    id: uuid, call_id: { type: ['string', 'null'] }, sip_call_id: { type: 'string' }, centre_id: slug,
    status: { type: 'string', enum: ['ready', 'missing', 'failed', 'purged'], description: 'Only a ready recording has audio; purged: removed by the retention policy, the record stays.' },
    started_at: { type: ['string', 'null'], format: 'date-time', description: 'Time of the first sample (the call\'s first RTP packet).' },
    duration_ms: { type: ['integer', 'null'] }, size_bytes: { type: ['integer', 'null'] },
    sm3: { type: ['string', 'null'], description: 'SM3 (GB/T 32905) of the whole WAV file, hex.' },
    channels: {
      type: ['object', 'null'], description: 'Stereo WAV: what the caller said on the left channel, what the caller heard on the right (docs/recordings.md "Channel layout").',
      properties: {
        caller: channel, seat: channel,
        room: {
          type: 'object', additionalProperties: true,
          description: 'The call went into a conference room: from fromMs (recording axis) on the right channel is the room\'s mix for the caller.',
          properties: { fromMs: { type: 'integer' }, toMs: { type: 'integer' }, callerMixPackets: { type: 'integer' }, seatMixPackets: { type: 'integer' } },
        },
        callerHeld: {
          type: 'array', description: 'Spans [start_ms, end_ms] (recording axis) in which the caller heard the hold audio, not recorded by rtpengine: the right channel is silent there.',
          items: { type: 'array', items: { type: 'integer' } },
        },
      },
    },
    flags: { type: 'array', items: { type: 'string' }, description: 'gap: a side sent no audio for 3 s or more after the answer (see gaps).' },
    gaps: {
      type: ['array', 'null'], description: 'The missing-audio stretches behind the gap flag, on the recording\'s time axis.',
      items: { type: 'object', required: ['channel', 'start_ms', 'end_ms'], properties: { channel: { type: 'string', enum: ['caller', 'seat'] }, start_ms: { type: 'integer' }, end_ms: { type: 'integer' } } },
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

/** PUT /v1/calls/:id/incident: the CAD's incident id (no spaces; letters, digits and - _ . : / #). */
export const incidentBody = {
  type: 'object', additionalProperties: false, required: ['incident_id'],
  properties: { incident_id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:/#-]+$', description: 'The dispatch system\'s incident id (事件编号), e.g. CAD-2026-000123.' } },
} as const;

export const incidentLink = {
  type: 'object', required: ['call_id', 'incident_id', 'recording_id', 'changed'],
  properties: {
    call_id: uuid, incident_id: { type: 'string' }, recording_id: { type: ['string', 'null'] },
    changed: { type: 'boolean', description: 'false: the call already had this incident id (nothing audited).' },
  },
} as const;
