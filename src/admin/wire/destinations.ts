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
  /** Delivered in the last 24 hours. */
  delivered: number;
  /** The newest error of an open or failed delivery: codes and statuses, no message content. */
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface DestinationList {
  destinations: DestinationInfo[];
}

/** One delivery of a destination's dead-letter list. */
export interface FailedDelivery {
  id: string;
  messageId: string;
  channel: string;
  destination: string;
  state: 'open' | 'delivered' | 'failed' | 'filtered';
  attempts: number;
  nextAttemptAt: string;
  controlId: string | null;
  lastError: string | null;
  detail: string | null;
  replays: number;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface FailedDeliveries {
  deliveries: FailedDelivery[];
}

/** A replay's answer: the delivery ids put back in the queue. */
export interface DeliveryReplayed {
  replayed: string[];
}
