/**
 * The v3 facts (connection outcome, TLS server name, DNS exchange) in the ECS
 * and OCSF shapes. DNS codes are numbers on the wire; both standards want the
 * IANA mnemonics, for the common ones (others stay numeric text).
 */
import type { EnrichedFlow } from '@flowmesh/lib';

/** IANA DNS RR types (RFC 1035, 3596, 2782, 6844…) that queries commonly ask for. */
const QUERY_TYPES: Readonly<Record<number, string>> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY', 257: 'CAA' };
/** IANA DNS RCODEs (RFC 1035, 2136). */
const RESPONSE_CODES: Readonly<Record<number, string>> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE' };

export function queryTypeName(type: number | null): string | null {
  return type === null ? null : (QUERY_TYPES[type] ?? String(type));
}

export function responseCodeName(code: number | null): string | null {
  return code === null ? null : (RESPONSE_CODES[code] ?? String(code));
}

/** success when the handshake completed, failure when it was refused, timed out or reset; null when unseen. */
export function outcomeOf(flow: EnrichedFlow): 'success' | 'failure' | null {
  if (flow.connection_outcome === null) return null;
  return flow.connection_outcome === 'ESTABLISHED' ? 'success' : 'failure';
}

/** ECS `tls.*` and `dns.*` (compact() drops what is null). */
export function ecsFacts(flow: EnrichedFlow): Record<string, unknown> {
  return {
    tls: { client: { server_name: flow.tls_server_name } },
    dns:
      flow.dns_query_name === null
        ? null
        : {
            type: flow.dns_response_code === null ? 'query' : 'answer',
            question: { name: flow.dns_query_name, type: queryTypeName(flow.dns_query_type) },
            response_code: responseCodeName(flow.dns_response_code),
            resolved_ip: flow.dns_answers.length ? flow.dns_answers : null,
          },
  };
}

/**
 * OCSF `status` / `status_id` (1 Success, 2 Failure). Network Activity has no
 * `dns_query` (that is DNS Activity's) and its `tls` requires the TLS version,
 * which the probe does not capture: ocsfUnmapped carries those under `unmapped`.
 */
export function ocsfFacts(flow: EnrichedFlow): Record<string, unknown> {
  const outcome = outcomeOf(flow);
  return {
    status_id: outcome === null ? null : outcome === 'success' ? 1 : 2,
    status: outcome === null ? null : outcome === 'success' ? 'Success' : 'Failure',
  };
}

/** `unmapped.flowmesh` additions: the TLS server name and the DNS exchange, OCSF dns_query-shaped. */
export function ocsfUnmapped(flow: EnrichedFlow): Record<string, unknown> {
  return {
    tls_sni: flow.tls_server_name,
    dns_query: flow.dns_query_name === null ? null : { hostname: flow.dns_query_name, type: queryTypeName(flow.dns_query_type) },
    dns_rcode: responseCodeName(flow.dns_response_code),
    dns_answers: flow.dns_answers.length ? flow.dns_answers : null,
  };
}
