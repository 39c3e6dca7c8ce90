import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { liveSubscriptions } from '../support/metrics';
import { event, record, waitUntil, wsUrl } from './live-support';

/** The feed writes its `next` frames itself, bypassing graphql-ws: check them on a bare socket. */
describe('auditEventRecorded frames on the wire', () => {
  let server: TestServer;
  let service: string;

  beforeAll(async () => {
    server = await startTestServer();
    service = await serviceToken('acme');
  });
  afterAll(() => server.stop());

  async function connect() {
    const ws = new WebSocket(wsUrl(server), 'graphql-transport-ws');
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(String(data)));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${await adminToken('acme')}` } }),
    );
    await waitUntil(
      () => frames.includes('{"type":"connection_ack"}'),
      () => frames.join(),
      5000,
    );
    frames.length = 0;
    const subscribe = (id: string, entityType: string) =>
      ws.send(
        JSON.stringify({
          id,
          type: 'subscribe',
          payload: {
            query: `subscription { auditEventRecorded(filter: { entityTypes: ["${entityType}"] }) { entityId sequence } }`,
          },
        }),
      );
    return { ws, frames, subscribe };
  }

  it('sends each subscription of a socket its own events as exact graphql-transport-ws next messages', async () => {
    const { ws, frames, subscribe } = await connect();
    subscribe('a "quoted" id', 'Left');
    subscribe('b', 'Right');
    await liveSubscriptions(server, 2);
    const [left, right] = await record(server, service, [
      event('UPDATE', { entityType: 'Left', entityId: 'l1' }),
      event('UPDATE', { entityType: 'Right', entityId: 'r1' }),
    ]);
    await waitUntil(
      () => frames.length >= 2,
      () => frames.join(),
      5000,
    );
    expect(frames.sort()).toEqual([
      `{"id":"a \\"quoted\\" id","type":"next","payload":{"data":{"auditEventRecorded":{"entityId":"l1","sequence":"${left}"}}}}`,
      `{"id":"b","type":"next","payload":{"data":{"auditEventRecorded":{"entityId":"r1","sequence":"${right}"}}}}`,
    ]);
    ws.close();
  });

  it('stops sending once the client completes, without echoing complete, and lets it reuse the id', async () => {
    const { ws, frames, subscribe } = await connect();
    subscribe('s', 'Stop');
    await liveSubscriptions(server, 1);
    await record(server, service, [event('UPDATE', { entityType: 'Stop', entityId: 'before' })]);
    await waitUntil(
      () => frames.length >= 1,
      () => frames.join(),
      5000,
    );
    ws.send(JSON.stringify({ id: 's', type: 'complete' }));
    await liveSubscriptions(server, 0); // the server has ended it
    await record(server, service, [event('UPDATE', { entityType: 'Stop', entityId: 'after' })]);
    subscribe('s', 'Stop');
    await liveSubscriptions(server, 1);
    await record(server, service, [event('UPDATE', { entityType: 'Stop', entityId: 'again' })]);
    await waitUntil(
      () => frames.length >= 2,
      () => frames.join(),
      5000,
    );
    // Frames of one socket arrive in order: an `after` sent to the completed subscription would come before `again`.
    expect(frames.map((frame) => JSON.parse(frame).payload.data.auditEventRecorded.entityId)).toEqual([
      'before',
      'again',
    ]);
    expect(JSON.parse(frames[1])).toMatchObject({
      id: 's',
      type: 'next',
      payload: { data: { auditEventRecorded: { entityId: 'again' } } },
    });
    ws.close();
  });
});
