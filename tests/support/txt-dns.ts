// A DNS server in the test process that answers TXT questions from a map (RFC 1035 wire format,
// one question, no compression but the answer's pointer to it): domain verification end to end
// without dnsmasq. Unknown names get NXDOMAIN.
import { createSocket, type Socket } from 'node:dgram';

export interface TxtDns {
  /** `127.0.0.1:<port>`, for `dns: { servers: [server] }`. */
  readonly server: string;
  readonly records: Map<string, string>;
  close(): Promise<void>;
}

function questionEnd(message: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let at = 12;
  while (at < message.length && message[at] !== 0) {
    const length = message[at] as number;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 5 };
}

function answer(query: Buffer, records: Map<string, string>): Buffer {
  const { name, end } = questionEnd(query);
  const question = query.subarray(12, end);
  const value = records.get(name);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(value === undefined ? 0x8183 : 0x8180, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(value === undefined ? 0 : 1, 6);
  if (value === undefined) return Buffer.concat([header, question]);
  const text = Buffer.from(value, 'ascii');
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0);
  record.writeUInt16BE(16, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(text.length + 1, 10);
  return Buffer.concat([header, question, record, Buffer.from([text.length]), text]);
}

/** @example const dns = await startTxtDns(); dns.records.set('_tenantry-challenge.a.test', 'tenantry-verify=…'); */
export async function startTxtDns(): Promise<TxtDns> {
  const records = new Map<string, string>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => socket.send(answer(query, records), peer.port, peer.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    records,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
