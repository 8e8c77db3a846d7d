/** Sessions: log in, log out, who am I, change my own password. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { login, logout } from '../../auth/login.ts';
import { verifyPassword } from '../../auth/password.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { passwordHashOf, setPassword } from '../../users/service.ts';
import { authUserSchema, changeOwnPasswordBody, loginBody, loginReply } from '../schemas/auth.ts';
import { authedErrors, errorResponses, noContent } from '../schemas/common.ts';

export function authRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Body: { username: string; password: string } }>('/v1/auth/login', {
      config: { public: true },
      schema: {
        tags: ['auth'], summary: 'Log in; returns a session token', security: [],
        body: loginBody, response: { 200: loginReply, ...errorResponses(400, 401, 429, 500) },
      },
    }, async (request) => login(deps, request.body.username, request.body.password, request.ip));

    app.post('/v1/auth/logout', {
      schema: { tags: ['auth'], summary: 'End this session', response: { 204: noContent, ...authedErrors() } },
    }, async (request, reply) => {
      await logout(deps, request.user, request.authToken!, request.ip);
      return reply.status(204).send();
    });

    app.get('/v1/me', {
      schema: { tags: ['auth'], summary: 'The logged-in person', response: { 200: authUserSchema, ...authedErrors() } },
    }, async (request) => request.user);

    app.post<{ Body: { current_password: string; new_password: string } }>('/v1/me/password', {
      schema: {
        tags: ['auth'], summary: 'Change my own password (ends all my sessions)',
        body: changeOwnPasswordBody, response: { 204: noContent, ...authedErrors() },
      },
    }, async (request, reply) => {
      const hash = await passwordHashOf(deps, request.user.id);
      if (!(await verifyPassword(request.body.current_password, hash))) {
        throw new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/current_password', message: 'is not your current password' }] });
      }
      await setPassword(deps, changeOf(request), request.user.id, request.body.new_password);
      return reply.status(204).send();
    });
  };
}
