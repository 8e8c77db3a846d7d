/** People administration (admin only). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { createUser, getUser, listUsers, setPassword, updateUser, type NewUser, type UserPatch } from '../../users/service.ts';
import { authedErrors, uuidParams } from '../schemas/common.ts';
import { createUserBody, listUsersQuery, patchUserBody, resetPasswordBody, userList, userSchema } from '../schemas/users.ts';

type Id = { Params: { id: string } };

export function usersRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const admin = requireRole('admin');
    const tags = ['users'];

    app.post<{ Body: NewUser }>('/v1/users', {
      onRequest: admin,
      schema: { tags, summary: 'Create a user', body: createUserBody, response: { 201: userSchema, ...authedErrors(409) } },
    }, async (request, reply) => reply.status(201).send(await createUser(deps, changeOf(request), request.body)));

    app.get<{ Querystring: { centre_id?: string; include_disabled: boolean } }>('/v1/users', {
      onRequest: admin,
      schema: { tags, summary: 'List users', querystring: listUsersQuery, response: { 200: userList, ...authedErrors() } },
    }, async (request) => ({ items: await listUsers(deps, request.query) }));

    app.get<Id>('/v1/users/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Get a user', params: uuidParams, response: { 200: userSchema, ...authedErrors(404) } },
    }, async (request) => getUser(deps, request.params.id));

    app.patch<Id & { Body: UserPatch }>('/v1/users/:id', {
      onRequest: admin,
      schema: {
        tags, summary: 'Change roles, display name, centre or disable/enable (ends the user\'s sessions on roles, centre or disable)',
        params: uuidParams, body: patchUserBody, response: { 200: userSchema, ...authedErrors(404, 409) },
      },
    }, async (request) => updateUser(deps, changeOf(request), request.params.id, request.body));

    app.post<Id & { Body: { password: string } }>('/v1/users/:id/password', {
      onRequest: admin,
      schema: {
        tags, summary: 'Reset a user\'s password (ends their sessions)',
        params: uuidParams, body: resetPasswordBody, response: { 200: userSchema, ...authedErrors(404) },
      },
    }, async (request) => setPassword(deps, changeOf(request), request.params.id, request.body.password));
  };
}
