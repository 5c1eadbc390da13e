/**
 * `rxbridge acks FILE... [--url URL]`: sends the clearinghouse's acknowledgments (999/997, 277CA) to a running
 * engine's API (POST /api/acknowledgments) and prints, per file, what each said: each batch a 999 accepted or
 * rejected and its claim count, each claim a 277CA (or a 999 rejection) moved and its status now, and the claim
 * numbers that name nothing of ours. Needs RXBRIDGE_TOKEN (an API token of a billing user) or RXBRIDGE_ADMIN_TOKEN.
 * Exit 0 when every file was recorded, 1 when one was refused or unreadable, 2 for a usage error.
 */
import { postX12Files } from './post-x12';

export const ACKS_USAGE = '  rxbridge acks FILE... [--url URL]';

export interface AckAnswer {
  batches: Array<{ batchId: string; accepted: boolean; claims: number }>;
  claims: Array<{ claimId: string; controlNumber: string; outcome: string; status: string }>;
  unmatched: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('h') ? 'es' : 's'}`;

/**
 * The summary lines of one recorded file (pure): a head line (batches a 999 answered, claims answered one by one
 * with how many were accepted and rejected, claim numbers naming nothing of ours), then one line per batch and claim.
 */
export function ackSummary(file: string, a: AckAnswer): string[] {
  const rejected = a.claims.filter((c) => c.status === 'rejected').length;
  const parts = [
    ...(a.batches.length > 0
      ? [
          `${plural(a.batches.length, 'batch')} (${a.batches.filter((b) => b.accepted).length} accepted, ${a.batches.filter((b) => !b.accepted).length} rejected)`,
        ]
      : []),
    ...(a.claims.length > 0 ? [`${plural(a.claims.length, 'claim')} (${a.claims.length - rejected} accepted, ${rejected} rejected)`] : []),
    ...(a.unmatched.length > 0 ? [`${a.unmatched.length} not ours (${a.unmatched.join(', ')})`] : []),
  ];
  return [
    `${file}: ${parts.length > 0 ? parts.join(', ') : 'nothing of ours'}`,
    ...a.batches.map((b) => `  batch ${b.batchId}: ${b.accepted ? 'accepted' : 'rejected'}, ${plural(b.claims, 'claim')}`),
    ...a.claims.map((c) => `  ${c.controlNumber} (claim ${c.claimId}): ${c.outcome} → ${c.status}`),
  ];
}

export function acksCommand(args: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  return postX12Files<AckAnswer>(
    { noFiles: 'acks needs at least one 999, 997 or 277CA file', usage: ACKS_USAGE, path: '/api/acknowledgments', summary: ackSummary },
    args,
    env,
    out,
  );
}
