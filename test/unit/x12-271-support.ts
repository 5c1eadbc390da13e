/**
 * Hand-written 271 eligibility responses for the tests (there is no 271 in ../shared/corpus): an interchange around
 * the body segments given (after the 2000A payer and 2000B receiver loops), SE01 counted.
 */
export function x271(body: string[], payer = { id: 'ACME01', name: 'ACME HEALTH' }): string {
  const segs = [
    'ST*271*0001*005010X279A1',
    'BHT*0022*11*000000101*20261002*0900',
    'HL*1**20*1',
    `NM1*PR*2*${payer.name}*****PI*${payer.id}`,
    'HL*2*1*21*1',
    'NM1*1P*2*EXAMPLE PHARMACY*****XX*1234567893',
    ...body,
  ];
  segs.push(`SE*${segs.length + 1}*0001`);
  return [
    'ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SUBMITTERID    *261002*0900*^*00501*000000777*0*T*:',
    'GS*HB*RECEIVERID*SUBMITTERID*20261002*0900*777*X*005010X279A1',
    ...segs,
    'GE*1*777',
    'IEA*1*000000777',
  ].join('~\n') + '~\n';
}

/** A 2000C subscriber loop answering inquiry `trace`, with the member id the payer knows. */
export const subscriberLoop = (trace: string, memberId: string, hl = '3'): string[] => [
  `HL*${hl}*2*22*0`,
  `TRN*2*${trace}*9123456789`,
  `NM1*IL*1*TESTPATIENT*ALEX****MI*${memberId}`,
];
