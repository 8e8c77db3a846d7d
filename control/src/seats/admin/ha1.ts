/**
 * SIP digest credentials as Kamailio's auth_db reads them from `subscriber` (calculate_ha1 = no):
 *   HA1  = MD5(username ":" realm ":" password)               RFC 2617 §3.2.2.2 (A1 for algorithm MD5)
 *   HA1B = MD5(username "@" domain ":" realm ":" password)    for clients that put user@domain in the
 *                                                             Authorization username (Kamailio's ha1b column)
 * Only these digests are stored; the SIP password itself is never kept.
 */
import { createHash } from 'node:crypto';

function md5Hex(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

export function ha1(username: string, realm: string, password: string): string {
  return md5Hex(`${username}:${realm}:${password}`);
}

export function ha1b(username: string, domain: string, realm: string, password: string): string {
  return md5Hex(`${username}@${domain}:${realm}:${password}`);
}

export interface SipDigests {
  sip_domain: string;
  ha1: string;
  ha1b: string;
}

/** The digests for a seat, with realm = domain = the centre's SIP domain. */
export function seatDigests(username: string, sipDomain: string, password: string): SipDigests {
  return { sip_domain: sipDomain, ha1: ha1(username, sipDomain, password), ha1b: ha1b(username, sipDomain, sipDomain, password) };
}
