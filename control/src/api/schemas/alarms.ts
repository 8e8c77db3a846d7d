import { dateTime } from './common.ts';

const level = { type: 'string', enum: ['info', 'warning', 'critical'] } as const;

export const alarmSchema = {
  type: 'object',
  required: ['id', 'type', 'level', 'subject', 'details', 'raised_at', 'cleared_at'],
  properties: {
    id: { type: 'string', description: 'Alarm id (the alarm_id of its events).' },
    type: { type: 'string', description: 'The condition, e.g. recording_missing, recording_failed.' },
    level,
    subject: { type: ['string', 'null'], description: 'What it is about (a call id, a SIP Call-ID, a trunk id), or null.' },
    details: { type: 'object', additionalProperties: true },
    raised_at: dateTime,
    cleared_at: { type: ['string', 'null'], format: 'date-time', description: 'null while the alarm is open.' },
  },
} as const;

export const alarmsQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    open: { type: 'boolean', description: 'true: open alarms only; false: cleared ones only; absent: both.' },
    type: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' },
    level,
    subject: { type: 'string', minLength: 1, maxLength: 256 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
  },
} as const;

export const alarmList = {
  type: 'object', required: ['items'],
  properties: { items: { type: 'array', items: alarmSchema } },
} as const;
