/**
 * Where each kind of id the console shows leads (pure, no DOM): a message, a claim and a batch have their pages; a
 * charge opens on its message's page (`?charge=` marks its row); a remittance opens on the remittances page
 * (`?id=`). Addresses carry ids only, never patient data.
 */
import { href } from './href';

export type IdKind = 'message' | 'charge' | 'claim' | 'batch' | 'remittance';

/** The console address of an id, or undefined when it has no page (a charge without its message id). */
export function idHref(kind: IdKind, id: string, messageId?: string | null): string | undefined {
  switch (kind) {
    case 'message':
      return href(`/messages/${encodeURIComponent(id)}`);
    case 'charge':
      return messageId ? href(`/messages/${encodeURIComponent(messageId)}`, { charge: id }) : undefined;
    case 'claim':
      return href(`/claims/${encodeURIComponent(id)}`);
    case 'batch':
      return href('/batches', { id });
    case 'remittance':
      return href('/remittances', { id });
  }
}

/** How the id reads for screen readers and tooltips: "message 12". */
export const idLabel = (kind: IdKind, id: string) => `${kind} ${id}`;
