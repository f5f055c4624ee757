import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { holdConnections } from './sockets.js';
import type { Attack, AttackerFigures } from './types.js';

const DNS_METRICS = ['cairn_dns_limited_total', 'cairn_dns_truncated_total'];

/** DNS over TCP: a length prefix announcing a 48-byte query, then nothing; many connections, many addresses. */
export function dnsTcpStall(connections: number): Attack {
  return {
    name: 'dns_tcp_prefix_then_nothing',
    metrics: DNS_METRICS,
    run: (ctx) =>
      holdConnections(
        ctx.target.dnsPort,
        ctx.sources,
        connections,
        ctx.until,
        50,
        (s) => {
          s.write(Buffer.from([0x00, 0x30]));
          return undefined;
        },
        ctx.interrupted,
      ),
  };
}

/**
 * The amplification query: SRV for a service with many instances, EDNS0 advertising 65535 bytes, over
 * UDP from one address, `inFlight` queries outstanding at a time.
 */
export function dnsAmplification(service: string, inFlight: number): Attack {
  return {
    name: 'dns_udp_amplification_srv_edns_65535',
    metrics: DNS_METRICS,
    run: (ctx) =>
      new Promise<AttackerFigures>((resolve) => {
        const sock = createSocket('udp4');
        let id = 0;
        let sent = 0;
        let answered = 0;
        let truncated = 0;
        let maxAnswer = 0;
        let answerBytes = 0;
        let queryBytes = 0;
        const outstanding = new Map<number, NodeJS.Timeout>();
        const send = (): void => {
          if (performance.now() >= ctx.until || ctx.interrupted()) {
            if (outstanding.size === 0) finish();
            return;
          }
          id = (id + 1) & 0xffff;
          const q = dnsPacket.encode({
            type: 'query',
            id,
            flags: dnsPacket.RECURSION_DESIRED,
            questions: [{ type: 'SRV', name: `${service}.service.consul` }],
            additionals: [
              {
                type: 'OPT',
                name: '.',
                udpPayloadSize: 65535,
                extendedRcode: 0,
                ednsVersion: 0,
                flags: 0,
                flag_do: false,
                options: [],
              },
            ],
          });
          queryBytes = q.length;
          sent++;
          const qid = id;
          // A lost datagram must not stall the loop.
          outstanding.set(
            qid,
            setTimeout(() => {
              outstanding.delete(qid);
              send();
            }, 1_000),
          );
          sock.send(q, ctx.target.dnsPort, '127.0.0.1');
        };
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          for (const t of outstanding.values()) clearTimeout(t);
          sock.close();
          resolve({
            queries: sent,
            answers: answered,
            answers_truncated: truncated,
            query_bytes: queryBytes,
            max_answer_bytes: maxAnswer,
            mean_answer_bytes: answered === 0 ? null : Math.round(answerBytes / answered),
            amplification: queryBytes === 0 ? null : Math.round((maxAnswer / queryBytes) * 10) / 10,
          });
        };
        sock.on('message', (msg) => {
          const rid = msg.readUInt16BE(0);
          const t = outstanding.get(rid);
          if (t === undefined) return;
          clearTimeout(t);
          outstanding.delete(rid);
          answered++;
          answerBytes += msg.length;
          maxAnswer = Math.max(maxAnswer, msg.length);
          // TC is bit 9 of the flags word.
          if ((msg.readUInt16BE(2) & 0x0200) !== 0) truncated++;
          send();
        });
        sock.on('error', () => undefined);
        sock.bind(0, ctx.sources[0], () => {
          for (let i = 0; i < inFlight; i++) send();
        });
        // However the loop ends, the socket is closed shortly after the deadline.
        setTimeout(finish, Math.max(0, ctx.until - performance.now()) + 2_000);
      }),
  };
}
