/** Bundles (transaction for sending, searchset for the API) and OperationOutcome. Pure. */
import type { Resource } from './patient';

export interface Bundle {
  resourceType: 'Bundle';
  id?: string;
  type: 'transaction' | 'searchset';
  [element: string]: unknown;
}

/** A transaction of PUTs by id: sending it twice leaves the receiver as after once (ids are deterministic). */
export function transactionBundle(resources: readonly Resource[], id?: string): Bundle {
  return {
    resourceType: 'Bundle',
    ...(id ? { id } : {}),
    type: 'transaction',
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
}

/** A search answer: every match, with the total and its self link. */
export function searchsetBundle(resources: readonly Resource[], selfUrl: string, baseUrl: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    link: [{ relation: 'self', url: selfUrl }],
    entry: resources.map((r) => ({ fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })),
  };
}

export type IssueCode = 'invalid' | 'not-found' | 'not-supported' | 'forbidden' | 'login' | 'exception' | 'processing';

export function operationOutcome(code: IssueCode, diagnostics: string, severity: 'error' | 'fatal' = 'error') {
  return { resourceType: 'OperationOutcome' as const, issue: [{ severity, code, diagnostics }] };
}
