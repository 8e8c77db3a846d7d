/**
 * Sessions: opaque random tokens (32 bytes, base64url) kept in Redis with a TTL.
 * Redis holds only a SHA-256 of the token, so a copy of Redis does not hand out sessions.
 * Each user's live tokens are indexed so that disabling a user or changing their roles or password
 * ends their sessions at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuthUser } from './user.ts';

const TOKEN_KEY = 'cti:auth:token:';
const USER_TOKENS_KEY = 'cti:auth:user-tokens:';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  token: string;
  expires_at: string;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export async function issueToken(redis: Redis, user: AuthUser, ttlS: number, now = new Date()): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url');
  const d = digest(token);
  const userKey = USER_TOKENS_KEY + user.id;
  await redis.multi()
    .set(TOKEN_KEY + d, JSON.stringify(user), 'EX', ttlS)
    .sadd(userKey, d)
    .expire(userKey, ttlS, 'GT')
    .expire(userKey, ttlS, 'NX')
    .exec();
  return { token, expires_at: new Date(now.getTime() + ttlS * 1000).toISOString() };
}

/** The session's user, or undefined when the token is unknown, expired or revoked. */
export async function resolveToken(redis: Redis, token: string): Promise<AuthUser | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const raw = await redis.get(TOKEN_KEY + digest(token));
  return raw === null ? undefined : (JSON.parse(raw) as AuthUser);
}

export async function revokeToken(redis: Redis, token: string, userId: string): Promise<void> {
  const d = digest(token);
  await redis.multi().del(TOKEN_KEY + d).srem(USER_TOKENS_KEY + userId, d).exec();
}

/** Ends every session of a user; returns how many were live. */
export async function revokeUserTokens(redis: Redis, userId: string): Promise<number> {
  const userKey = USER_TOKENS_KEY + userId;
  const digests = await redis.smembers(userKey);
  if (digests.length === 0) return 0;
  const replies = await redis.multi().del(...digests.map((d) => TOKEN_KEY + d)).del(userKey).exec();
  const deleted = replies?.[0]?.[1];
  return typeof deleted === 'number' ? deleted : 0;
}
