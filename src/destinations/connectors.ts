/**
 * Every connector type a channel's destinations may name (`connector.type`). One line per connector; the channel
 * schema validates a destination's options with the matching factory's schema.
 */
import { fhirConnectorFactory } from './fhir-connector';
import { fileConnector } from './file';
import { httpConnectorFactory } from './http-connector';
import { mllpConnectorFactory } from './mllp-connector';
import type { ConnectorFactory } from './ports';
import { registrySoapConnector } from './registry-soap';
import { sftpConnector } from './sftp';

export const CONNECTOR_FACTORIES: readonly ConnectorFactory<never>[] = [
  registrySoapConnector as ConnectorFactory<never>,
  fileConnector as ConnectorFactory<never>,
  sftpConnector as ConnectorFactory<never>,
  fhirConnectorFactory as ConnectorFactory<never>,
  mllpConnectorFactory as ConnectorFactory<never>,
  httpConnectorFactory as ConnectorFactory<never>,
];

export function connectorFactory(type: string): ConnectorFactory<never> | undefined {
  return CONNECTOR_FACTORIES.find((f) => f.type === type);
}
