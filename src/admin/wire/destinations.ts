/** GET /api/destinations: one row per channel destination (src/admin/destinations-routes.ts). */
export interface DestinationInfo {
  channel: string;
  destination: string;
  /** The connector type (mllp, http, …); '' for a destination no longer in its channel file. */
  connector: string;
  enabled: boolean;
  /** False: removed from the channel file, still holding deliveries in the store. */
  configured: boolean;
  /** Deliveries queued or being retried. */
  open: number;
  /** Dead letters (state failed). */
  failed: number;
  delivered: number;
  /** The newest error of an open or failed delivery: codes and statuses, no message content. */
  lastError: string | null;
  lastErrorAt: string | null;
}
