/**
 * The one lifecycle every long-running part of the engine has: listeners, workers, periodic loops, notice
 * subscribers, the admin server.
 *
 * Contract: `start()` resolves once the part is doing its job (a listener is bound, a subscriber is subscribed);
 * `stop()` resolves once it has stopped taking new work and finished or handed back the work it held, and is safe to
 * call twice and before `start()` finished. Neither throws for a part that is already in the state asked for.
 */
export interface Service {
  /** A short name for logs and the shutdown order ("intake listeners", "recovery sweep"). */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
