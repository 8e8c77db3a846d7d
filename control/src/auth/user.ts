import type { Role } from './roles.ts';

/** The person behind a request (request.user), as carried by the session token. */
export interface AuthUser {
  id: string;
  username: string;
  display_name: string;
  roles: Role[];
  centre_id: string;
}
