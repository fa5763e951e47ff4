/**
 * jet-rmon-event's notification status, in a real Node-RED runtime against the simulator:
 *  - a subscription the broker refuses (SUBACK 0x80, as a Mosquitto ACL) turns the nodes on that
 *    filter red with the broker's reason; a node on another filter of the same router listens on;
 *  - after the notification session was down (broker restart, an oversized packet dropped, a
 *    redeploy), the status says events may have been missed, until the next event is sent; a node
 *    deployed for the first time does not say so;
 *  - on a wildcard topic, notifications that are not RMON events are ignored, not "unparsed".
 */
import { strict as assert } from 'assert';
import { helper, load, statusMatching, FlowNode } from '../support/nodered';
import { waitFor } from '../support/wait';
import { deploy, eventually, lastStatus, nodeCalls, runtimeFixture, statusTexts } from '../support/fault';
import { JetSimulator, RMON_TOPIC, buildRmonNotification } from '../../sim';

const MISSED = /^listening: ifIndex 541 · events may have been missed$/;

function flow(s: JetSimulator, tag: string, events: Array<{ id: string; topic?: string; ifIndex?: string }>): FlowNode[] {
  return [
    { id: `tab-${tag}`, type: 'tab' },
    { id: `router-${tag}`, type: 'jet-router', name: 'r0', host: '127.0.0.1', port: String(s.thriftPort), notificationPort: String(s.mqttPort) },
    ...events.map((e) => ({
      id: e.id,
      z: `tab-${tag}`,
      type: 'jet-rmon-event',
      router: `router-${tag}`,
      topic: e.topic ?? '',
      ifIndex: e.ifIndex ?? '541',
      wires: [[`out-${e.id}`]],
    })),
    ...events.map((e) => ({ id: `out-${e.id}`, z: `tab-${tag}`, type: 'helper' })),
  ];
}

function rmonEvent(direction: 'rising' | 'falling', value: number): string {
  return JSON.stringify(
    buildRmonNotification(
      { direction, eventIndex: 541, alarmIndex: 1, threshold: direction === 'rising' ? 1024 : 1023, variable: 'ifIn1SecRate.541', value, subtag: 'IFINDEX541' },
      { hostname: 'r0nec', time: new Date(), processId: 1204 },
    ),
  );
}

function output(id: string): Promise<[any]> {
  return waitFor<[any]>(helper.getNode(`out-${id}`), 'input', () => true, 10000, `a message from ${id}`);
}

describe('jet-rmon-event: subscription refused, events missed, other notifications (Node-RED runtime)', function () {
  this.timeout(60000);
  const fx = runtimeFixture();

  it('a refused subscription shows red with the reason on the nodes of that filter only', async () => {
    const s = await fx.startSim({ sampling: false });
    s.broker.refuseTopics = [RMON_TOPIC];
    await load(flow(s, 'refused', [{ id: 'ev-refused-1' }, { id: 'ev-refused-2' }, { id: 'ev-refused-wild', topic: '/junos/events/#' }]));
    const [one, two, wild] = ['ev-refused-1', 'ev-refused-2', 'ev-refused-wild'].map((id) => helper.getNode(id));
    const [[red]] = await Promise.all([
      statusMatching(one, /^subscription refused: SUBACK 0x80 failure$/),
      statusMatching(two, /^subscription refused: SUBACK 0x80 failure$/),
      statusMatching(wild, /^listening: ifIndex 541$/),
    ]);
    assert.deepEqual([red.args[0].fill, red.args[0].shape], ['red', 'ring']);
    assert.match(lastStatus('ev-refused-1'), /^subscription refused/);
    assert.equal(s.broker.counters.refusedSubscriptions, 1);
    // The node on the granted wildcard still gets events.
    const got = output('ev-refused-wild');
    await s.broker.publish(RMON_TOPIC, rmonEvent('rising', 8288));
    assert.equal((await got)[0].topic, 'r0nec/541');

    // The ACL is fixed and the broker restarts: granted now, and what was published meanwhile never came.
    s.broker.refuseTopics = [];
    const missed = statusMatching(one, MISSED);
    await s.restartBroker();
    const [yellow] = await missed;
    assert.deepEqual([yellow.args[0].fill, yellow.args[0].shape], ['yellow', 'ring']);
  });

  it('after the session was down: "events may have been missed" until the next event; not on a first deploy', async () => {
    const s = await fx.startSim({ sampling: false });
    const f = flow(s, 'missed', [{ id: 'ev-missed' }]);
    await load(f);
    const ev = helper.getNode('ev-missed');
    await statusMatching(ev, /^listening: ifIndex 541$/);
    assert.ok(!statusTexts('ev-missed').some((t) => /missed/.test(t)), `fresh node: ${statusTexts('ev-missed').join(' | ')}`);

    // Broker restart.
    const missed = statusMatching(ev, MISSED);
    await s.restartBroker();
    await missed;
    const sent = output('ev-missed');
    const green = statusMatching(ev, /^r0nec\/541 rising 8288/);
    await s.broker.publish(RMON_TOPIC, rmonEvent('rising', 8288));
    await sent;
    assert.equal((await green)[0].args[0].fill, 'green');

    // A packet over the size limit: dropped unread, the session reconnects, and says so meanwhile.
    const why = statusMatching(ev, /^disconnected: the broker sent a publish packet of \d+ bytes/);
    const missedAgain = statusMatching(ev, MISSED);
    await s.broker.publish(RMON_TOPIC, Buffer.alloc(512 * 1024, 'x'));
    await why;
    await missedAgain;
    assert.ok(!statusTexts('ev-missed').some((t) => /unparsed/.test(t)), 'the big packet never reached the node');

    // A full redeploy: the replacing node was not there while the flows restarted.
    const missedCount = (): number => statusTexts('ev-missed').filter((t) => MISSED.test(t)).length;
    const before = missedCount();
    await deploy(f, 'full');
    await eventually(() => missedCount() > before && MISSED.test(lastStatus('ev-missed')), 10000, 'missed after the redeploy');
    const sent2 = output('ev-missed');
    await s.broker.publish(RMON_TOPIC, rmonEvent('falling', 3));
    await sent2;
    assert.match(lastStatus('ev-missed'), /^r0nec\/541 falling 3/);
  });

  it('on a wildcard topic, other notifications are ignored; only RMON ones that do not parse count as unparsed', async () => {
    const s = await fx.startSim({ sampling: false });
    await load(flow(s, 'wild', [{ id: 'ev-wild', topic: '/junos/events/#' }]));
    const ev = helper.getNode('ev-wild');
    await statusMatching(ev, /^listening/);
    const other = {
      'jet-event': { 'event-id': 'KERNEL_IFA_ADD', hostname: 'r0nec', time: '2017-10-29-20:14:05', attributes: { 'interface-name': 'ge-0/0/0.0' } },
    };
    await s.broker.publish('/junos/events/kernel/interfaces/ifa/add/ge-0/0/0.0/inet/10.1.1.1', JSON.stringify(other));
    await s.broker.publish('/junos/events/syslog/UI_COMMIT', JSON.stringify({ 'jet-event': { 'event-id': 'UI_COMMIT', message: 'commit' } }));
    await s.broker.publish('/junos/events/kernel/binary', Buffer.from([0xff, 0x00, 0xfe]));
    const sent = output('ev-wild');
    await s.broker.publish(RMON_TOPIC, rmonEvent('rising', 9000));
    await sent;
    assert.ok(!statusTexts('ev-wild').some((t) => /unparsed/.test(t)), statusTexts('ev-wild').join(' | '));
    assert.equal(nodeCalls('warn', 'ev-wild').length, 0, 'no warning for other notifications');

    // What claims to be an RMON event and does not parse is counted: by its topic, or by its event-id.
    const counted = statusMatching(ev, /· 2 unparsed$/);
    await s.broker.publish(RMON_TOPIC, 'not json');
    await s.broker.publish('/junos/events/syslog/other', JSON.stringify({ 'jet-event': { 'event-id': 'SNMPD_RMON_EVENTLOG', message: 'garbled' } }));
    await counted;
    assert.equal(nodeCalls('warn', 'ev-wild').length, 1);
  });
});
