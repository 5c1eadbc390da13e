/**
 * What startEngine hands back: the running engine's parts that the CLI, the bench and the tests use, and its stop.
 */
import type { ChannelReloadResult } from '../channels/reloader';
import type { ChannelPlan } from '../channels/schema';
import type { MappingRegistry } from '../mappings/load';
import type { MllpListener } from '../mllp/listener';
import type { BullPipelineQueue } from '../pipeline/bullmq/queue';
import type { Store } from '../store/db';
import type { MessageRepository } from '../store/repository';
import type { ReloadResult } from '../tls/reloader';

export interface Engine {
  readonly store: Store;
  readonly repository: MessageRepository;
  readonly mappings: MappingRegistry;
  /** The channel plans in force (a channel reload replaces them). */
  readonly channels: readonly ChannelPlan[];
  /** The running MLLP listeners by channel name (a channel reload adds, removes and replaces them). */
  readonly listeners: ReadonlyMap<string, MllpListener>;
  readonly queue: BullPipelineQueue;
  readonly redisUrl: string;
  httpAddress(): { host: string; port: number; scheme: 'http' | 'https' } | undefined;
  /** Re-reads the TLS files of every MLLP TLS listener and of the HTTPS admin API (SIGHUP); a failed one keeps its old certificate. */
  reloadCertificates(): ReloadResult[];
  /**
   * Re-reads the channel files and applies the difference without a restart (src/channels/reloader.ts): invalid
   * files change nothing and the result carries their issues. `trigger` is logged (`SIGHUP`, `api`, …).
   */
  reloadChannels(trigger?: string): Promise<ChannelReloadResult>;
  /** Stops every service in SHUTDOWN_ORDER (src/engine/compose.ts). */
  stop(): Promise<void>;
}
