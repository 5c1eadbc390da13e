/**
 * The pure parts under the connectors: the XML reader and escaper of the registry SOAP connector (namespaces, CDATA,
 * references, refused DTDs and malformed markup, any text round-tripping through an element), what a receiver's HL7
 * ACK means (ackOutcome), the SOAP answers and faults (answerOutcome), and the HL7 batch envelope.
 */
import fc from 'fast-check';
import { ackOutcome, readAck } from '../../src/destinations/ack-outcome';
import { batchHeader, batchMessage, batchTrailer } from '../../src/destinations/hl7-batch';
import { answerOutcome, submitEnvelope, IIS_NS, SOAP11_NS, SOAP12_NS } from '../../src/destinations/registry-soap';
import { child, escapeXmlText, isXmlText, readXml, textOf, XmlError } from '../../src/destinations/xml';

describe('readXml', () => {
  it('resolves default and prefixed namespaces, reads CDATA, entities and character references, skips comments', () => {
    const doc = readXml(
      '<?xml version="1.0"?><!-- c --><e:Env xmlns:e="urn:e" xmlns="urn:d"><Body a="1 &amp; 2"><x:r xmlns:x="urn:x">a&lt;b&#13;&#x41;<![CDATA[<raw>&amp;]]></x:r></Body></e:Env>',
    );
    expect([doc.name, doc.ns]).toEqual(['Env', 'urn:e']);
    const body = child(doc, 'Body', 'urn:d');
    expect(body?.attrs.a).toBe('1 & 2');
    expect(textOf(child(body, 'r', 'urn:x'))).toBe('a<b\rA<raw>&amp;');
  });

  it('normalises literal line ends in text to LF (XML end-of-line handling)', () => {
    expect(textOf(readXml('<a>x\r\ny\rz</a>'))).toBe('x\ny\nz');
  });

  it.each([
    ['a DOCTYPE (no entity of the sender is ever expanded)', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['an unknown entity', '<a>&x;</a>'],
    ['a bare ampersand', '<a>b & c</a>'],
    ['crossed tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['a second root', '<a/><b/>'],
    ['text outside the root', '<a/>junk'],
    ['an undeclared prefix', '<p:a/>'],
    ['no root at all', '  '],
  ])('refuses %s', (_what, text) => {
    expect(() => readXml(text)).toThrow(XmlError);
  });

  it('refuses nesting deeper than its limit', () => {
    expect(() => readXml('<a>'.repeat(65) + '</a>'.repeat(65))).toThrow('more than 64 nested elements');
    expect(textOf(readXml('<a>'.repeat(3) + 'x' + '</a>'.repeat(3)))).toBe('');
  });

  it('any XML-representable text escaped into an element reads back the same, CRs included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        fc.pre(isXmlText(s));
        expect(textOf(readXml(`<a>${escapeXmlText(s)}</a>`))).toBe(s);
      }),
      { numRuns: 300 },
    );
    expect(isXmlText('bell\u0007')).toBe(false);
    expect(isXmlText('half a pair \uD83D')).toBe(false);
    expect(isXmlText('a pair \uD83D\uDC89')).toBe(true);
  });
});

describe('ackOutcome', () => {
  const ack = (msa: string, rest = '') => `MSH|^~\\&|IIS|ST|RX|PH|20250301||ACK|1|P|2.3.1\r${msa}\r${rest}`;
  const policy = { controlId: 'C1', applicationError: 'delivered' as const };

  it('reads 2.3 ERR-1 (ELD) codes and LF-separated answers', () => {
    const r = readAck(ack('MSA|AE|C1|Bad data', 'ERR|RXA^1^5^103&Table value not found').replace(/\r/g, '\n'));
    expect(r).toEqual({
      code: 'AE',
      controlId: 'C1',
      text: 'Bad data',
      errors: [{ severity: '', code: '103 Table value not found', text: '', location: 'RXA-1-5' }],
    });
    expect(ackOutcome(ack('MSA|AE|C1|Bad data', 'ERR|RXA^1^5^103&Table value not found'), policy)).toEqual({
      kind: 'delivered',
      detail: 'MSA AE: Bad data: ERR 103 Table value not found (RXA-1-5)',
    });
  });

  it('CE is retried, AR and an unknown code rejected, a missing MSA rejected, no control id skips the MSA-2 check', () => {
    expect(ackOutcome(ack('MSA|CE|C1'), policy).kind).toBe('retry');
    expect(ackOutcome(ack('MSA|AR|C1'), policy).kind).toBe('rejected');
    expect(ackOutcome(ack('MSA|ZZ|C1'), policy)).toMatchObject({ kind: 'rejected', error: 'the receiver answered with MSA-1 ZZ, not AA, AE or AR' });
    expect(ackOutcome('not hl7', policy).kind).toBe('rejected');
    expect(ackOutcome(ack('MSA|AA|OTHER'), { applicationError: 'delivered' })).toEqual({ kind: 'delivered', detail: 'MSA AA' });
  });
});

describe('answerOutcome', () => {
  const policy = { controlId: 'C1', applicationError: 'delivered' as const };
  it('a SOAP 1.1 fault: Client is rejected, Server retried; UnsupportedOperationFault rejected', () => {
    const f11 = (code: string, detail = '') =>
      `<s:Envelope xmlns:s="${SOAP11_NS}"><s:Body><s:Fault><faultcode>s:${code}</faultcode><faultstring>x</faultstring><detail>${detail}</detail></s:Fault></s:Body></s:Envelope>`;
    expect(answerOutcome(500, f11('Client'), policy).kind).toBe('rejected');
    expect(answerOutcome(500, f11('Server'), policy).kind).toBe('retry');
    expect(answerOutcome(500, f11('Server', `<UnsupportedOperationFault xmlns="${IIS_NS}"><Code>1</Code></UnsupportedOperationFault>`), policy)).toMatchObject({
      kind: 'rejected',
      error: 'the registry answered UnsupportedOperationFault (1)',
    });
  });

  it('a 200 that is not XML, or a SOAP body without the response, is rejected', () => {
    expect(answerOutcome(200, 'MSH|^~\\&|', policy).kind).toBe('rejected');
    expect(answerOutcome(200, `<Envelope xmlns="${SOAP12_NS}"><Body><other/></Body></Envelope>`, policy)).toMatchObject({
      kind: 'rejected',
      error: 'the registry answered without a SOAP submitSingleMessageResponse',
    });
  });

  it('the envelope leaves out credentials that are not configured', () => {
    const env = readXml(submitEnvelope({ soapVersion: '1.2', hl7: 'MSH|^~\\&|\r' }));
    const submit = child(child(env, 'Body', SOAP12_NS), 'submitSingleMessage', IIS_NS);
    expect(submit?.children.map((c) => (typeof c === 'string' ? c : c.name))).toEqual(['hl7Message']);
  });
});

describe('HL7 batch envelope', () => {
  it('takes the first message delimiters and MSH-3..6; BTS counts the messages; line ends become CR', () => {
    const first = 'MSH#$%\\&#APP#FAC#RAPP#RFAC#20250301##ADT$A04#1#P#2.5.1\r';
    const header = batchHeader({ firstMessage: first, at: new Date('2025-03-01T10:00:00Z'), fileName: 'f.hl7', controlId: 'B1' });
    expect(header).toBe('FHS#$%\\&#APP#FAC#RAPP#RFAC#20250301100000+0000##f.hl7##B1\rBHS#$%\\&#APP#FAC#RAPP#RFAC#20250301100000+0000####B1\r');
    expect(batchTrailer(7, '#')).toBe('BTS#7\rFTS#1\r');
    expect(batchMessage('MSH|a\nPID|b\r\n')).toBe('MSH|a\rPID|b\r');
  });
});
