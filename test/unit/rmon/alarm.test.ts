import { strict as assert } from 'assert';
import {
  AlarmConfig,
  AlarmState,
  applyEvent,
  defaultFalling,
  Direction,
  evaluateSample,
  initialAlarmState,
  normalizeAlarmState,
  parseSampleType,
  parseStartupAlarm,
  StartupAlarm,
  validateAlarmConfig,
} from '../../../lib/rmon/alarm';

const ABS: AlarmConfig = { rising: 1024, falling: 1023, sampleType: 'absolute', startup: 'both' };

/** Run samples through an alarm; returns the events fired (null for none), and the final state. */
function run(config: AlarmConfig, samples: number[], state: AlarmState = initialAlarmState()): { fired: (Direction | null)[]; state: AlarmState } {
  const fired: (Direction | null)[] = [];
  for (const x of samples) {
    const r = evaluateSample(config, state, x);
    fired.push(r.fired);
    state = r.state;
  }
  return { fired, state };
}
const events = (config: AlarmConfig, samples: number[]): (Direction | null)[] => run(config, samples).fired;
const withStartup = (startup: StartupAlarm, c: AlarmConfig = ABS): AlarmConfig => ({ ...c, startup });

describe('rmon alarm: startup', () => {
  it("'both' fires on the first sample in either direction", () => {
    assert.deepEqual(events(ABS, [5000]), ['rising']);
    assert.deepEqual(events(ABS, [0]), ['falling']);
    assert.deepEqual(events(ABS, [1023.5]), [null]);
  });

  it("'rising': first sample high fires; first sample low is silent and later rising fires normally", () => {
    const c = withStartup('rising');
    assert.deepEqual(events(c, [5000, 5000, 0, 5000]), ['rising', null, 'falling', 'rising']);
    assert.deepEqual(events(c, [0, 0, 10, 5000, 0]), [null, null, null, 'rising', 'falling']);
  });

  it("'falling': first sample low fires; first sample high is silent and later falling fires normally", () => {
    const c = withStartup('falling');
    assert.deepEqual(events(c, [0, 0, 5000, 0]), ['falling', null, 'rising', 'falling']);
    assert.deepEqual(events(c, [5000, 5000, 0, 5000]), [null, null, 'falling', 'rising']);
  });

  it('startup governs only the first sample: from between the thresholds any crossing fires (RFC 2819)', () => {
    assert.deepEqual(events(withStartup('rising'), [1023.5, 0]), [null, 'falling']);
    assert.deepEqual(events(withStartup('falling'), [1023.5, 5000]), [null, 'rising']);
  });

  it('a suppressed startup event latches the alarm (state.last), as if it had fired', () => {
    const r = evaluateSample(withStartup('rising'), initialAlarmState(), 0);
    assert.deepEqual(r, { state: { last: 'falling', previousSample: 0, samples: 1 }, fired: null, value: 0 });
  });
});

describe('rmon alarm: crossings', () => {
  it('value equal to a threshold counts as reaching it', () => {
    const c: AlarmConfig = { rising: 100, falling: 50, sampleType: 'absolute', startup: 'both' };
    assert.deepEqual(events(c, [75, 100, 75, 50, 75, 100]), [null, 'rising', null, 'falling', null, 'rising']);
    assert.deepEqual(events(c, [99.999, 50.001]), [null, null]);
    assert.deepEqual(events(c, [100]), ['rising']);
    assert.deepEqual(events(c, [50]), ['falling']);
  });

  it('oscillation between or beyond the thresholds produces no repeats', () => {
    const c: AlarmConfig = { rising: 100, falling: 50, sampleType: 'absolute', startup: 'both' };
    const samples = [200, 99, 150, 60, 100, 300, 51, 1000, 49, 40, 99, 50, 0, 100, 99, 101];
    const fired = events(c, samples);
    assert.deepEqual(fired, ['rising', null, null, null, null, null, null, null, 'falling', null, null, null, null, 'rising', null, null]);
    const nonNull = fired.filter((f) => f !== null);
    for (let i = 1; i < nonNull.length; i++) assert.notEqual(nonNull[i], nonNull[i - 1], 'events alternate');
  });

  it('the router config of docs/protocol.md (1024/1023) flips on a one-unit change', () => {
    assert.deepEqual(events(ABS, [0, 8288, 1023, 1024, 1023]), ['falling', 'rising', 'falling', 'rising', 'falling']);
  });

  it('negative thresholds work', () => {
    const c: AlarmConfig = { rising: -10, falling: -20, sampleType: 'absolute', startup: 'both' };
    assert.deepEqual(events(c, [-15, -10, -25, -5]), [null, 'rising', 'falling', 'rising']);
  });

  it('returns the evaluated value and a new state without touching the old one', () => {
    const s0 = initialAlarmState();
    const frozen = Object.freeze({ ...s0 });
    const r = evaluateSample(ABS, frozen, 2000);
    assert.deepEqual(r, { state: { last: 'rising', previousSample: 2000, samples: 1 }, fired: 'rising', value: 2000 });
    assert.deepEqual(frozen, s0);
    assert.notEqual(r.state, frozen);
  });
});

describe('rmon alarm: delta samples', () => {
  const D: AlarmConfig = { rising: 100, falling: 10, sampleType: 'delta', startup: 'both' };

  it('the first sample only primes', () => {
    const r = evaluateSample(D, initialAlarmState(), 1_000_000);
    assert.deepEqual(r, { state: { last: null, previousSample: 1_000_000, samples: 0 }, fired: null, value: null });
  });

  it('evaluates differences, startup applies to the first difference', () => {
    const counter = [1000, 1500, 1550, 1555, 1700, 1800];
    const vals: (number | null)[] = [];
    let st = initialAlarmState();
    const fired: (Direction | null)[] = [];
    for (const x of counter) {
      const r = evaluateSample(D, st, x);
      vals.push(r.value);
      fired.push(r.fired);
      st = r.state;
    }
    assert.deepEqual(vals, [null, 500, 50, 5, 145, 100]);
    assert.deepEqual(fired, [null, 'rising', null, 'falling', 'rising', null]);
    assert.deepEqual(st, { last: 'rising', previousSample: 1800, samples: 5 });
    assert.deepEqual(events(withStartup('falling', D), [0, 500, 500, 500]), [null, null, 'falling', null]);
  });

  it('a counter reset gives a negative delta, evaluated like any value', () => {
    assert.deepEqual(events(D, [0, 500, 20]), [null, 'rising', 'falling']);
  });
});

describe('rmon alarm: ignored input', () => {
  it('non-finite samples leave the state unchanged', () => {
    const st = run(ABS, [5000]).state;
    for (const bad of [NaN, Infinity, -Infinity, '5000' as unknown as number, undefined as unknown as number, null as unknown as number]) {
      const r = evaluateSample(ABS, st, bad);
      assert.deepEqual(r, { state: st, fired: null, value: null });
    }
    assert.deepEqual(run(ABS, [NaN, 0]).fired, [null, 'falling'], 'an ignored sample is not the startup sample');
    const D: AlarmConfig = { ...ABS, sampleType: 'delta' };
    assert.deepEqual(run(D, [NaN, 1, Infinity, 5000]).fired, [null, null, null, 'rising']);
    assert.deepEqual(run(D, [-1.7e308, 1.7e308]).state.samples, 0, 'an overflowing delta is ignored');
  });

  it('an invalid config fires nothing', () => {
    const bad = { ...ABS, falling: 2000 };
    assert.deepEqual(evaluateSample(bad, initialAlarmState(), 5000), { state: initialAlarmState(), fired: null, value: null });
  });

  it('a malformed stored state is normalised', () => {
    assert.deepEqual(normalizeAlarmState(undefined), initialAlarmState());
    assert.deepEqual(normalizeAlarmState({ last: 'up', previousSample: 'x', samples: -1 }), initialAlarmState());
    assert.deepEqual(normalizeAlarmState({ last: 'falling', previousSample: 3, samples: 2 }), { last: 'falling', previousSample: 3, samples: 2 });
    assert.equal(evaluateSample(ABS, undefined as unknown as AlarmState, 5000).fired, 'rising');
  });
});

describe('rmon alarm: config', () => {
  it('validateAlarmConfig names the field and value', () => {
    assert.equal(validateAlarmConfig(ABS), null);
    assert.equal(validateAlarmConfig({ ...ABS, rising: NaN }), 'rising threshold must be a finite number (got NaN)');
    assert.equal(validateAlarmConfig({ ...ABS, rising: '5' }), 'rising threshold must be a finite number (got "5")');
    assert.equal(validateAlarmConfig({ ...ABS, falling: Infinity }), 'falling threshold must be a finite number (got Infinity)');
    assert.equal(validateAlarmConfig({ ...ABS, falling: undefined }), 'falling threshold must be a finite number (got undefined)');
    assert.equal(validateAlarmConfig({ ...ABS, falling: 1024 }), 'falling threshold (1024) must be below rising threshold (1024)');
    assert.equal(validateAlarmConfig({ ...ABS, falling: 2000 }), 'falling threshold (2000) must be below rising threshold (1024)');
    assert.equal(validateAlarmConfig({ ...ABS, sampleType: 'absolute-value' }), `sampleType must be 'absolute' or 'delta' (got "absolute-value")`);
    assert.equal(validateAlarmConfig({ ...ABS, startup: 3 }), `startup must be 'rising', 'falling' or 'both' (got 3)`);
    assert.equal(validateAlarmConfig(null), 'alarm config must be an object (got null)');
    assert.equal(validateAlarmConfig([]), 'alarm config must be an object (got an array)');
  });

  it('defaultFalling is 20% below rising', () => {
    assert.equal(defaultFalling(1000), 800);
    assert.equal(defaultFalling(-1000), -1200);
    assert.equal(defaultFalling(0), -1);
    for (const r of [1, 1024, 0.001, -5, 1e9]) {
      assert.ok(defaultFalling(r) < r);
      assert.equal(validateAlarmConfig({ ...ABS, rising: r, falling: defaultFalling(r) }), null);
    }
  });

  it('parses Junos and RFC 2819 spellings', () => {
    assert.equal(parseStartupAlarm('rising-alarm'), 'rising');
    assert.equal(parseStartupAlarm('FALLING-ALARM'), 'falling');
    assert.equal(parseStartupAlarm('rising-or-falling-alarm'), 'both');
    assert.equal(parseStartupAlarm(3), 'both');
    assert.equal(parseStartupAlarm('x'), null);
    assert.equal(parseSampleType('absolute-value'), 'absolute');
    assert.equal(parseSampleType(' delta-value '), 'delta');
    assert.equal(parseSampleType(2), 'delta');
    assert.equal(parseSampleType({}), null);
  });
});

describe('rmon alarm: state and events', () => {
  it('the state survives a JSON round trip mid-stream', () => {
    const c: AlarmConfig = { rising: 100, falling: 10, sampleType: 'delta', startup: 'rising' };
    const samples = [0, 5, 200, 300, 305, 310, 500, 520];
    const straight = run(c, samples);
    let st = initialAlarmState();
    const fired: (Direction | null)[] = [];
    for (const x of samples) {
      const r = evaluateSample(c, JSON.parse(JSON.stringify(st)) as AlarmState, x);
      fired.push(r.fired);
      st = r.state;
    }
    assert.deepEqual(fired, straight.fired);
    assert.deepEqual(st, straight.state);
    assert.deepEqual(JSON.parse(JSON.stringify(st)), st);
  });

  it('applyEvent: a repeat is no change, a transition is', () => {
    let st = initialAlarmState();
    const seq: Direction[] = ['rising', 'rising', 'falling', 'falling', 'rising', 'falling'];
    const changed: boolean[] = [];
    for (const d of seq) {
      const r = applyEvent(st, d);
      changed.push(r.changed);
      st = r.state;
    }
    assert.deepEqual(changed, [true, false, true, false, true, true]);
    assert.deepEqual(st, { last: 'falling', previousSample: null, samples: 0 });
    const first = applyEvent(initialAlarmState(), 'falling');
    assert.deepEqual(first, { state: { last: 'falling', previousSample: null, samples: 0 }, changed: true });
  });

  it('applyEvent ignores unknown directions and does not mutate its input', () => {
    const st = Object.freeze({ last: 'rising' as const, previousSample: 7, samples: 3 });
    assert.deepEqual(applyEvent(st, 'sideways' as Direction), { state: st, changed: false });
    const r = applyEvent(st, 'falling');
    assert.deepEqual(r.state, { last: 'falling', previousSample: 7, samples: 3 });
    assert.equal(st.last, 'rising');
  });

  it('applyEvent and evaluateSample share the latch', () => {
    const st = run(ABS, [5000]).state;
    assert.equal(applyEvent(st, 'rising').changed, false);
    assert.equal(applyEvent(st, 'falling').changed, true);
  });
});
