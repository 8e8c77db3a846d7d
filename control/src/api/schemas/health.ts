export const healthReply = {
  type: 'object', required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    checks: {
      type: 'object',
      additionalProperties: {
        type: 'object', required: ['status', 'latency_ms'],
        properties: {
          status: { type: 'string', enum: ['ok', 'fail'] },
          latency_ms: { type: 'integer' },
          error: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;
