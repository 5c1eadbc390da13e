/**
 * MSH-9 as channels, routes and the message search name it: message type ^ trigger event, three capital
 * letters or digits each ("ADT^A04", "DFT^P03"). Pure, no Node modules.
 */
export const MESSAGE_TYPE_PATTERN = /^[A-Z0-9]{3}\^[A-Z0-9]{3}$/;
