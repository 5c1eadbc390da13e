/**
 * `rxbridge remit FILE... [--url URL]`: sends 835 files to a running engine's API (POST /api/remittances) and
 * prints, per file, each remittance recorded and each claim's outcome, or why the file was refused (an 835 that
 * does not balance is refused whole: 422 with the failing equations). Needs RXBRIDGE_TOKEN (an API token of a billing user) or RXBRIDGE_ADMIN_TOKEN.
 */
import { parseArgs } from 'node:util';
import { apiToken, defaultAdminUrl, NO_API_TOKEN } from './admin-url';
import { postX12File } from './post-x12';

export const REMIT_USAGE = '  rxbridge remit FILE... [--url URL]';

interface RemitAnswer {
  remittances?: Array<{
    traceNumber: string;
    paymentAmount: string;
    claims: Array<{ controlNumber: string; outcome: string; paid: string; status: string }>;
    unmatched: string[];
    nextPayerClaims?: Array<{ claimId: string; nextClaimId?: string; responsibility?: string; note?: string }>;
  }>;
}

export async function remitCommand(args: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: defaultAdminUrl(env) },
    },
  });
  if (positionals.length === 0) {
    out(`rxbridge: remit needs at least one 835 file\nusage:\n${REMIT_USAGE}`);
    return 2;
  }
  const token = apiToken(env);
  if (!token) {
    out(NO_API_TOKEN);
    return 2;
  }
  let failures = 0;
  for (const file of positionals) {
    const posted = await postX12File<RemitAnswer>(values.url, '/api/remittances', token, file);
    if (!posted.ok) {
      failures++;
      out(posted.line);
      continue;
    }
    for (const r of posted.json.remittances ?? []) {
      out(
        `${file}: trace ${r.traceNumber}, payment ${r.paymentAmount}, ${r.claims.length} claims recorded` +
          (r.unmatched.length > 0 ? `, ${r.unmatched.length} not ours (${r.unmatched.join(', ')})` : ''),
      );
      for (const c of r.claims) out(`  ${c.controlNumber}: ${c.outcome}, paid ${c.paid} → ${c.status}`);
      for (const n of r.nextPayerClaims ?? []) {
        out(
          n.nextClaimId
            ? `  claim ${n.claimId}: claim ${n.nextClaimId} to the next payer built (SBR01 ${n.responsibility ?? '?'})`
            : `  claim ${n.claimId}: ${n.note ?? 'no claim to the next payer'}`,
        );
      }
    }
  }
  return failures === 0 ? 0 : 1;
}
