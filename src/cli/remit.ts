/**
 * `rxbridge remit FILE... [--url URL]`: sends 835 files to a running engine's API (POST /api/remittances) and
 * prints, per file, each remittance recorded and each claim's outcome, or why the file was refused (an 835 that
 * does not balance is refused whole: 422 with the failing equations). Needs RXBRIDGE_TOKEN (an API token of a billing user) or RXBRIDGE_ADMIN_TOKEN.
 */
import { postX12Files } from './post-x12';

export const REMIT_USAGE = '  rxbridge remit FILE... [--url URL]';

export interface RemitAnswer {
  remittances?: Array<{
    traceNumber: string;
    paymentAmount: string;
    claims: Array<{ controlNumber: string; outcome: string; paid: string; status: string }>;
    unmatched: string[];
    nextPayerClaims?: Array<{ claimId: string; nextClaimId?: string; responsibility?: string; note?: string }>;
  }>;
}

/** The lines printed for one recorded file: each remittance, each claim's outcome, the next payers' claims. */
export function remitSummary(file: string, answer: RemitAnswer): string[] {
  const lines: string[] = [];
  for (const r of answer.remittances ?? []) {
    lines.push(
      `${file}: trace ${r.traceNumber}, payment ${r.paymentAmount}, ${r.claims.length} claims recorded` +
        (r.unmatched.length > 0 ? `, ${r.unmatched.length} not ours (${r.unmatched.join(', ')})` : ''),
    );
    for (const c of r.claims) lines.push(`  ${c.controlNumber}: ${c.outcome}, paid ${c.paid} → ${c.status}`);
    for (const n of r.nextPayerClaims ?? []) {
      lines.push(
        n.nextClaimId
          ? `  claim ${n.claimId}: claim ${n.nextClaimId} to the next payer built (SBR01 ${n.responsibility ?? '?'})`
          : `  claim ${n.claimId}: ${n.note ?? 'no claim to the next payer'}`,
      );
    }
  }
  return lines;
}

export function remitCommand(args: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  return postX12Files<RemitAnswer>(
    { noFiles: 'remit needs at least one 835 file', usage: REMIT_USAGE, path: '/api/remittances', summary: remitSummary },
    args,
    env,
    out,
  );
}
