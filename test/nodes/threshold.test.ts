/** jet-threshold in a real Node-RED runtime: outputs, per-key state, reset. */
import { strict as assert } from 'assert';
import { helper, load, statusMatching, useNodeRedHelper } from '../support/nodered';
import { waitFor } from '../support/wait';

describe('jet-threshold node', function () {
  useNodeRedHelper();

  const flow = [
    { id: 't', type: 'jet-threshold', mode: 'event', holdDown: '0', wires: [['up'], ['down'], ['same']] },
    { id: 'up', type: 'helper' },
    { id: 'down', type: 'helper' },
    { id: 'same', type: 'helper' },
  ];
  const next = (id: string) => waitFor<[any]>(helper.getNode(id), 'input').then(([m]) => m);

  it('sends a transition per key once, repeats to output 3 with the reason', async () => {
    await load(flow);
    const t = helper.getNode('t');
    let up = next('up');
    t.receive({ topic: 'r0/541', payload: { direction: 'rising' } });
    assert.equal((await up).threshold.state, 'high');
    const same = next('same');
    t.receive({ topic: 'r0/541', payload: { direction: 'rising' } });
    assert.match((await same).payload.reason, /repeated rising event, already high: No configuration changes required/);
    up = next('up');
    t.receive({ topic: 'r0/542', payload: { direction: 'rising' } });
    await up;
    const down = next('down');
    const counted = statusMatching(t, /^high 1 \/ low 1/);
    t.receive({ topic: 'r0/541', payload: { direction: 'falling' } });
    assert.equal((await down).threshold.key, 'r0/541');
    await counted;
  });

  it('reset with an empty topic (as an Inject node sends) forgets every key; with a key, that key', async () => {
    await load(flow);
    const t = helper.getNode('t');
    for (const topic of ['a', 'b']) {
      const up = next('up');
      t.receive({ topic, payload: { direction: 'rising' } });
      await up;
    }
    const one = statusMatching(t, /^high 1 \/ low 0/);
    t.receive({ topic: 'a', reset: true });
    await one;
    const none = statusMatching(t, /^high 0 \/ low 0/);
    t.receive({ topic: '', reset: true, payload: 1700000000000 });
    await none;
    const up = next('up');
    t.receive({ topic: 'b', payload: { direction: 'rising' } });
    assert.equal((await up).threshold.state, 'high', 'b was forgotten: rising is a transition again');
  });

  it('refuses an event without a direction with an error, and a hold-down over a day at deploy', async () => {
    await load(flow);
    const t = helper.getNode('t');
    const err = waitFor<[any]>(t, 'call:error');
    t.receive({ topic: 'x', payload: { direction: 'sideways' } });
    const [call] = await err;
    assert.match(String(call.args[0]?.message ?? call.args[0]), /msg.payload.direction must be "rising" or "falling"/);
    await helper.unload();
    await load([{ id: 't2', type: 'jet-threshold', holdDown: '90000', wires: [[], [], []] }]);
    await statusMatching(helper.getNode('t2'), /holdDown: must be 0 to 86400 seconds/);
  });
});
