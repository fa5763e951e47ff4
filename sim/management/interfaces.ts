/**
 * The simulated router's interfaces (docs/protocol.md §6): physical interfaces (IFDs) with their
 * units (IFLs), each with its SNMP ifIndex and kernel index, and `show interfaces [<name>]` as
 * Junos answers it in JSON, XML and CLI text (sim/management/render.ts for the structured forms).
 *
 * The default table agrees with the RMON engine (sim/rmon.ts): its lab interface, ifIndex 541, is
 * ge-0/0/0.0 (the sample flow's `interface`); ge-0/0/0 itself is 513. The other interfaces make the
 * lookups worth testing: an IFD next to its IFL, a second Ethernet port, the loopback and the
 * management port. Counters are 0: traffic lives in the RMON engine, not here.
 */
import { container, flag, leaf, OutNode, renderJson, renderXml } from './render';

const MAX_IFINDEX = 0x7fffffff;

export interface SimUnit {
  /** `ge-0/0/0.0`. */
  name: string;
  snmpIndex: number;
  localIndex: number;
  /** An inet address with its prefix length (`192.0.2.1/24`), if any. */
  address?: string;
}

export interface SimInterface {
  /** `ge-0/0/0`. */
  name: string;
  snmpIndex: number;
  localIndex: number;
  /** Speed as Junos prints it (`1000mbps`); absent: Unlimited (loopback). */
  speed?: string;
  mac?: string;
  units: SimUnit[];
}

export const DEFAULT_INTERFACE_TABLE: readonly SimInterface[] = Object.freeze([
  { name: 'fxp0', snmpIndex: 1, localIndex: 1, speed: '1000mbps', mac: '02:05:86:71:00:00', units: [{ name: 'fxp0.0', snmpIndex: 13, localIndex: 3, address: '198.51.100.10/24' }] },
  { name: 'lo0', snmpIndex: 6, localIndex: 6, units: [{ name: 'lo0.0', snmpIndex: 16, localIndex: 322, address: '10.255.0.1/32' }] },
  { name: 'ge-0/0/0', snmpIndex: 513, localIndex: 148, speed: '1000mbps', mac: '02:05:86:71:a0:03', units: [{ name: 'ge-0/0/0.0', snmpIndex: 541, localIndex: 70, address: '192.0.2.1/24' }] },
  { name: 'ge-0/0/1', snmpIndex: 514, localIndex: 149, speed: '1000mbps', mac: '02:05:86:71:a0:04', units: [{ name: 'ge-0/0/1.0', snmpIndex: 542, localIndex: 71, address: '203.0.113.1/24' }] },
]);

function checkIndex(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > MAX_IFINDEX) throw new RangeError(`${what} must be an integer 1..${MAX_IFINDEX} (got ${String(v)})`);
}

export type ShowFormat = 'json' | 'xml' | 'cli';

export class InterfaceTable {
  private readonly ifds: SimInterface[];

  /** Throws a RangeError for a duplicate name or SNMP ifIndex, a bad index, or a unit not named after its IFD. */
  constructor(interfaces: readonly SimInterface[] = DEFAULT_INTERFACE_TABLE) {
    const names = new Set<string>();
    const indexes = new Set<number>();
    const claim = (name: string, snmpIndex: number, localIndex: number): void => {
      if (!/^[a-z][a-z0-9-]*(\/[0-9]+)*(:[0-9]+)?(\.[0-9]+)?$/.test(name)) throw new RangeError(`bad interface name ${JSON.stringify(name)}`);
      checkIndex(`${name}: SNMP ifIndex`, snmpIndex);
      checkIndex(`${name}: index`, localIndex);
      if (names.has(name)) throw new RangeError(`interface ${name} is listed twice`);
      if (indexes.has(snmpIndex)) throw new RangeError(`SNMP ifIndex ${snmpIndex} is used twice`);
      names.add(name);
      indexes.add(snmpIndex);
    };
    for (const ifd of interfaces) {
      if (ifd.name.includes('.')) throw new RangeError(`${ifd.name} is a unit, not a physical interface`);
      claim(ifd.name, ifd.snmpIndex, ifd.localIndex);
      for (const u of ifd.units) {
        if (!u.name.startsWith(`${ifd.name}.`)) throw new RangeError(`unit ${u.name} is not a unit of ${ifd.name}`);
        claim(u.name, u.snmpIndex, u.localIndex);
      }
    }
    this.ifds = interfaces.map((i) => ({ ...i, units: i.units.map((u) => ({ ...u })) }));
  }

  /** Every IFD with its units (copies). */
  list(): SimInterface[] {
    return this.ifds.map((i) => ({ ...i, units: i.units.map((u) => ({ ...u })) }));
  }

  /** The IFD or IFL so named (names compare without case, as the CLI does), or undefined. */
  find(name: string): { ifd: SimInterface; unit?: SimUnit } | undefined {
    const n = name.toLowerCase();
    for (const ifd of this.ifds) {
      if (ifd.name === n) return { ifd };
      const unit = ifd.units.find((u) => u.name === n);
      if (unit) return { ifd, unit };
    }
    return undefined;
  }

  /** The name of the IFD or IFL with this SNMP ifIndex. */
  nameOf(snmpIndex: number): string | undefined {
    for (const ifd of this.ifds) {
      if (ifd.snmpIndex === snmpIndex) return ifd.name;
      const unit = ifd.units.find((u) => u.snmpIndex === snmpIndex);
      if (unit) return unit.name;
    }
    return undefined;
  }

  /**
   * `show interfaces <name>` (every interface when `name` is absent) in `format`; null when there
   * is no such interface (the router answers "error: device <name> not found").
   */
  show(name: string | undefined, format: ShowFormat): string | null {
    let ifds: SimInterface[];
    let unit: { ifd: SimInterface; unit: SimUnit } | null = null;
    if (name === undefined) ifds = this.ifds;
    else {
      const hit = this.find(name);
      if (!hit) return null;
      if (hit.unit) unit = { ifd: hit.ifd, unit: hit.unit };
      ifds = [hit.ifd];
    }
    if (format === 'cli') return unit ? unitText(unit.ifd, unit.unit) : ifds.map(ifdText).join('\n');
    const body = unit ? [unitNode(unit.ifd, unit.unit)] : ifds.map(ifdNode);
    const info = container('interface-information', body, { xmlns: `http://xml.juniper.net/junos/19.4R0/junos-interface`, 'junos:style': 'normal' });
    return format === 'json' ? renderJson([info]) : renderXml([info]);
  }
}

/** The network of an IPv4 address with its prefix length: 192.0.2.1/24 -> 192.0.2.0/24. */
function network(address: string): string {
  const [ip, len] = address.split('/');
  const bits = Number(len);
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const base = bits === 0 ? 0 : n - (n % 2 ** (32 - bits));
  return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${bits}`;
}

function kind(ifd: SimInterface): { type: string; mtu: string } {
  return ifd.speed ? { type: 'Ethernet', mtu: '1514' } : { type: 'Unspecified', mtu: 'Unlimited' };
}

function unitNode(ifd: SimInterface, u: SimUnit): OutNode {
  const family: OutNode[] = [leaf('address-family-name', 'inet'), leaf('mtu', ifd.speed ? '1500' : 'Unlimited')];
  if (u.address) {
    const [local, len] = u.address.split('/');
    const host = len === '32';
    family.push(container('interface-address', [...(host ? [] : [leaf('ifa-destination', network(u.address))]), leaf('ifa-local', local)]));
  }
  return container('logical-interface', [
    leaf('name', u.name, { wrap: true }),
    leaf('local-index', u.localIndex),
    leaf('snmp-index', u.snmpIndex),
    container('if-config-flags', [flag('iff-up'), flag('iff-snmp-traps'), leaf('internal-flags', '0x4004000')]),
    leaf('encapsulation', ifd.speed ? 'ENET2' : 'Unspecified'),
    container('traffic-statistics', [leaf('input-packets', 0), leaf('output-packets', 0)], { 'junos:style': 'brief' }),
    container('filter-information', []),
    container('address-family', family),
  ]);
}

function ifdNode(ifd: SimInterface): OutNode {
  const k = kind(ifd);
  const nodes: OutNode[] = [
    leaf('name', ifd.name, { wrap: true }),
    leaf('admin-status', 'up', { attributes: { 'junos:format': 'Enabled' } }),
    leaf('oper-status', 'up'),
    leaf('local-index', ifd.localIndex),
    leaf('snmp-index', ifd.snmpIndex),
    leaf('link-level-type', k.type),
    leaf('mtu', k.mtu),
    leaf('speed', ifd.speed ?? 'Unlimited'),
    container('if-device-flags', [flag('ifdf-present'), flag('ifdf-running')]),
    container('if-config-flags', [flag('iff-snmp-traps'), leaf('internal-flags', '0x4000')]),
  ];
  if (ifd.mac) nodes.push(leaf('current-physical-address', ifd.mac), leaf('hardware-physical-address', ifd.mac));
  nodes.push(container('traffic-statistics', [leaf('input-bps', 0), leaf('input-pps', 0), leaf('output-bps', 0), leaf('output-pps', 0)], { 'junos:style': 'brief' }));
  nodes.push(...ifd.units.map((u) => unitNode(ifd, u)));
  return container('physical-interface', nodes);
}

function unitText(ifd: SimInterface, u: SimUnit): string {
  const lines = [
    `  Logical interface ${u.name} (Index ${u.localIndex}) (SNMP ifIndex ${u.snmpIndex})`,
    `    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ${ifd.speed ? 'ENET2' : 'Unspecified'}`,
    '    Input packets : 0',
    '    Output packets: 0',
    `    Protocol inet, MTU: ${ifd.speed ? '1500' : 'Unlimited'}`,
  ];
  if (u.address) {
    const [local, len] = u.address.split('/');
    lines.push('      Flags: Sendbcast-pkt-to-re', '      Addresses, Flags: Is-Preferred Is-Primary');
    lines.push(len === '32' ? `        Local: ${local}` : `        Destination: ${network(u.address)}, Local: ${local}`);
  }
  return `${lines.join('\n')}\n`;
}

function ifdText(ifd: SimInterface): string {
  const k = kind(ifd);
  const lines = [
    `Physical interface: ${ifd.name}, Enabled, Physical link is Up`,
    `  Interface index: ${ifd.localIndex}, SNMP ifIndex: ${ifd.snmpIndex}`,
    `  Link-level type: ${k.type}, MTU: ${k.mtu}${ifd.speed ? `, Speed: ${ifd.speed}` : ''}`,
    '  Device flags   : Present Running',
    '  Interface flags: SNMP-Traps',
  ];
  if (ifd.mac) lines.push(`  Current address: ${ifd.mac}, Hardware address: ${ifd.mac}`);
  lines.push('  Input rate     : 0 bps (0 pps)', '  Output rate    : 0 bps (0 pps)', '');
  return `${lines.join('\n')}\n${ifd.units.map((u) => unitText(ifd, u)).join('\n')}`;
}
