/**
 * A self-signed certificate for 127.0.0.1 and localhost (EC P-256, one day), made with the openssl
 * CLI in a temporary directory. openssl is installed by .ci/run: a missing one fails the suite
 * rather than skipping it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface SelfSigned {
  key: string;
  cert: string;
  /** Removes the temporary directory. */
  remove(): void;
}

export function selfSignedCert(): SelfSigned {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-test-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
