/**
 * Every connector type a channel's destinations may name (`connector.type`). One line per connector; the channel
 * schema validates a destination's options with the matching factory's schema.
 */
import { httpConnectorFactory } from './http-connector';
import { mllpConnectorFactory } from './mllp-connector';
import type { ConnectorFactory } from './ports';

export const CONNECTOR_FACTORIES: readonly ConnectorFactory<never>[] = [
  mllpConnectorFactory as ConnectorFactory<never>,
  httpConnectorFactory as ConnectorFactory<never>,
];

export function connectorFactory(type: string): ConnectorFactory<never> | undefined {
  return CONNECTOR_FACTORIES.find((f) => f.type === type);
}
