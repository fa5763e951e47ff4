import { strict as assert } from 'assert';
import { parseArgs } from '../sim/cli';

describe('sim CLI arguments', () => {
  it('has defaults', () => {
    assert.deepEqual(parseArgs([]), {
      host: '127.0.0.1',
      thriftPort: 9090,
      httpPort: 8080,
      users: { lab: 'lab123' },
      help: false,
    });
  });

  it('takes host, ports, users (replacing the default) and TLS files', () => {
    const o = parseArgs([
      '--host', '0.0.0.0',
      '--thrift-port', '0',
      '--http-port=18080',
      '--user', 'a:b',
      '--user', 'c:d:e',
      '--tls-key', 'k.pem',
      '--tls-cert', 'c.pem',
      '--tls-ca', 'ca.pem',
    ]);
    assert.equal(o.host, '0.0.0.0');
    assert.equal(o.thriftPort, 0);
    assert.equal(o.httpPort, 18080);
    assert.deepEqual(o.users, { a: 'b', c: 'd:e' });
    assert.deepEqual([o.tlsKey, o.tlsCert, o.tlsCa], ['k.pem', 'c.pem', 'ca.pem']);
    assert.equal(parseArgs(['--help']).help, true);
  });

  for (const bad of [
    ['--thrift-port', 'x'],
    ['--http-port', '70000'],
    ['--thrift-port'],
    ['--host', '--http-port', '1'],
    ['--user', 'nopassword'],
    ['--user', ':pw'],
    ['--bogus'],
    ['--tls-key', 'k.pem'],
    ['--tls-ca', 'ca.pem'],
  ]) {
    it(`rejects ${bad.join(' ')}`, () => {
      assert.throws(() => parseArgs(bad), Error);
    });
  }
});
