/**
 * Router output in the shapes Junos produces (docs/protocol.md §6), written after published
 * captures of `show interfaces` and `show configuration` (JSON: arrays of objects with
 * `{"data": …}` leaves, `attributes`, `[null]` flags; XML: `rpc-reply` with namespaces and
 * `junos:` attributes, names wrapped in newlines; CLI text) and trimmed to the parts around what
 * the parsers read. The parsers' tests read them, and the simulator's tests check that its own
 * renderings have the same shape, so parser and simulator agree on Junos's shape, not on one of
 * their own.
 */

/** `show interfaces ge-0/0/0.0` in JSON: an IFL at the top, its own snmp-index 541. */
export const IFL_JSON = `{
    "interface-information" : [
    {
        "attributes" : {"xmlns" : "http://xml.juniper.net/junos/19.4R0/junos-interface",
                        "junos:style" : "normal"
                       },
        "logical-interface" : [
        {
            "name" : [
            {
                "data" : "ge-0/0/0.0"
            }
            ],
            "local-index" : [
            {
                "data" : "70"
            }
            ],
            "snmp-index" : [
            {
                "data" : "541"
            }
            ],
            "if-config-flags" : [
            {
                "iff-up" : [
                {
                    "data" : [null]
                }
                ],
                "iff-snmp-traps" : [
                {
                    "data" : [null]
                }
                ],
                "internal-flags" : [
                {
                    "data" : "0x4004000"
                }
                ]
            }
            ],
            "encapsulation" : [
            {
                "data" : "ENET2"
            }
            ],
            "traffic-statistics" : [
            {
                "attributes" : {"junos:style" : "brief"},
                "input-packets" : [
                {
                    "data" : "11594"
                }
                ],
                "output-packets" : [
                {
                    "data" : "8359"
                }
                ]
            }
            ],
            "filter-information" : [
            {
            }
            ],
            "address-family" : [
            {
                "address-family-name" : [
                {
                    "data" : "inet"
                }
                ],
                "mtu" : [
                {
                    "data" : "1500"
                }
                ]
            }
            ]
        }
        ]
    }
    ]
}
`;

/** `show interfaces ge-0/0/0` in JSON: the IFD (snmp-index 513) with unit 0 (541) nested. */
export const IFD_JSON = `{
    "interface-information" : [
    {
        "attributes" : {"xmlns" : "http://xml.juniper.net/junos/19.4R0/junos-interface",
                        "junos:style" : "normal"
                       },
        "physical-interface" : [
        {
            "name" : [
            {
                "data" : "ge-0/0/0"
            }
            ],
            "admin-status" : [
            {
                "data" : "up",
                "attributes" : {"junos:format" : "Enabled"}
            }
            ],
            "oper-status" : [
            {
                "data" : "up"
            }
            ],
            "local-index" : [
            {
                "data" : "148"
            }
            ],
            "snmp-index" : [
            {
                "data" : "513"
            }
            ],
            "link-level-type" : [
            {
                "data" : "Ethernet"
            }
            ],
            "mtu" : [
            {
                "data" : "1514"
            }
            ],
            "speed" : [
            {
                "data" : "1000mbps"
            }
            ],
            "if-device-flags" : [
            {
                "ifdf-present" : [
                {
                    "data" : [null]
                }
                ],
                "ifdf-running" : [
                {
                    "data" : [null]
                }
                ]
            }
            ],
            "if-config-flags" : [
            {
                "iff-snmp-traps" : [
                {
                    "data" : [null]
                }
                ],
                "internal-flags" : [
                {
                    "data" : "0x4000"
                }
                ]
            }
            ],
            "current-physical-address" : [
            {
                "data" : "02:05:86:71:a0:03"
            }
            ],
            "traffic-statistics" : [
            {
                "attributes" : {"junos:style" : "brief"},
                "input-bps" : [
                {
                    "data" : "0"
                }
                ],
                "output-bps" : [
                {
                    "data" : "0"
                }
                ]
            }
            ],
            "logical-interface" : [
            {
                "name" : [
                {
                    "data" : "ge-0/0/0.0"
                }
                ],
                "local-index" : [
                {
                    "data" : "70"
                }
                ],
                "snmp-index" : [
                {
                    "data" : "541"
                }
                ]
            }
            ]
        }
        ]
    }
    ]
}

{master:0}
`;

/** `show interfaces ge-0/0/0.0 | display xml`: namespaces, junos: attributes, text wrapped in newlines. */
export const IFL_XML = `<rpc-reply xmlns:junos="http://xml.juniper.net/junos/19.4R1/junos">
    <interface-information xmlns="http://xml.juniper.net/junos/19.4R0/junos-interface" junos:style="normal">
        <logical-interface>
            <name>
ge-0/0/0.0
</name>
            <local-index>
70
</local-index>
            <snmp-index>
541
</snmp-index>
            <if-config-flags>
                <iff-up/>
                <iff-snmp-traps/>
                <internal-flags>
0x4004000
</internal-flags>
            </if-config-flags>
            <encapsulation>
ENET2
</encapsulation>
            <traffic-statistics junos:style="brief">
                <input-packets>
11594
</input-packets>
            </traffic-statistics>
        </logical-interface>
    </interface-information>
    <cli>
        <banner></banner>
    </cli>
</rpc-reply>
`;

/** `show interfaces ge-0/0/0 | display xml`: the IFD with its own snmp-index and a nested unit. */
export const IFD_XML = `<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply xmlns:junos="http://xml.juniper.net/junos/19.4R1/junos">
    <interface-information xmlns="http://xml.juniper.net/junos/19.4R0/junos-interface" junos:style="normal">
        <physical-interface>
            <name>
ge-0/0/0
</name>
            <admin-status junos:format="Enabled">
up
</admin-status>
            <local-index>
148
</local-index>
            <snmp-index>
513
</snmp-index>
            <!-- the unit -->
            <logical-interface>
                <name>
ge-0/0/0.0
</name>
                <snmp-index>
541
</snmp-index>
            </logical-interface>
        </physical-interface>
    </interface-information>
</rpc-reply>
`;

/** `show interfaces ge-0/0/0.0` as CLI text. */
export const IFL_CLI = `  Logical interface ge-0/0/0.0 (Index 70) (SNMP ifIndex 541)
    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2
    Input packets : 11594
    Output packets: 8359
    Protocol inet, MTU: 1500
    Max nh cache: 75000, New hold nh limit: 75000, Curr nh cnt: 1, Curr new hold cnt: 0, NH drop cnt: 0
      Flags: Sendbcast-pkt-to-re
      Addresses, Flags: Is-Preferred Is-Primary
        Destination: 192.0.2.0/24, Local: 192.0.2.1, Broadcast: 192.0.2.255
`;

/** `show interfaces ge-0/0/0` as CLI text: the IFD's index on its second line, then its unit. */
export const IFD_CLI = `Physical interface: ge-0/0/0, Enabled, Physical link is Up
  Interface index: 148, SNMP ifIndex: 513
  Link-level type: Ethernet, MTU: 1514, LAN-PHY mode, Speed: 1000mbps, BPDU Error: None, Loop Detect PDU Error: None,
  Ethernet-Switching Error: None, MAC-REWRITE Error: None, Loopback: Disabled, Source filtering: Disabled, Flow control: Enabled
  Device flags   : Present Running
  Interface flags: SNMP-Traps Internal: 0x4000
  Link flags     : None
  Current address: 02:05:86:71:a0:03, Hardware address: 02:05:86:71:a0:03
  Last flapped   : 2024-05-02 10:11:12 UTC (1w0d 02:00 ago)
  Input rate     : 0 bps (0 pps)
  Output rate    : 0 bps (0 pps)
  Active alarms  : None
  Active defects : None

  Logical interface ge-0/0/0.0 (Index 70) (SNMP ifIndex 541)
    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2
    Input packets : 11594
    Output packets: 8359
    Protocol inet, MTU: 1500
`;

/** `show interfaces ge-0/0/0 detail` (CRLF line ends): the index after other fields, Generation numbers. */
export const IFD_CLI_DETAIL = [
  'Physical interface: ge-0/0/0, Enabled, Physical link is Up',
  '  Interface index: 148, SNMP ifIndex: 513, Generation: 151',
  '  Link-level type: Ethernet, MTU: 1514',
  '',
  '  Logical interface ge-0/0/0.0 (Index 70) (SNMP ifIndex 541) (Generation 139)',
  '    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2',
  '',
].join('\r\n');

/** cRPD's CLI output: no SNMP ifIndex anywhere. */
export const CRPD_CLI = `Physical interface: ge-0/0/1, Enabled, Physical link is Up
Interface index: 100
Link-level type: Ethernet, MTU: 1514

Logical interface ge-0/0/1.0 (Index 100)
Flags: Encapsulation: ENET2
Protocol inet
`;

/** An unknown interface, in the CLI's words. */
export const NOT_FOUND_CLI = 'error: device ge-9/9/9 not found\n';

/** The same as XML. */
export const NOT_FOUND_XML = `<rpc-reply xmlns:junos="http://xml.juniper.net/junos/19.4R1/junos">
    <rpc-error>
        <error-type>protocol</error-type>
        <error-tag>operation-failed</error-tag>
        <error-severity>error</error-severity>
        <error-message>
        device ge-9/9/9 not found
        </error-message>
    </rpc-error>
</rpc-reply>
`;

/** `show configuration snmp rmon | display json`: values as strings. */
export const RMON_JSON_STRINGS = `{
    "configuration" : {
        "@" : {
            "junos:commit-seconds" : "1714644672",
            "junos:commit-localtime" : "2024-05-02 10:11:12 UTC",
            "junos:commit-user" : "lab"
        },
        "snmp" : {
            "rmon" : {
                "alarm" : [
                {
                    "name" : "1",
                    "interval" : "1",
                    "variable" : "ifIn1SecRate.541",
                    "sample-type" : "absolute-value",
                    "request-type" : "get-request",
                    "rising-threshold" : "1024",
                    "falling-threshold" : "1023",
                    "rising-event-index" : "541",
                    "falling-event-index" : "541",
                    "syslog-subtag" : "IFINDEX541"
                }
                ],
                "event" : [
                {
                    "name" : "541",
                    "type" : "log-and-trap"
                }
                ]
            }
        }
    }
}
`;

/** The same with values as JSON numbers. */
export const RMON_JSON_NUMBERS = RMON_JSON_STRINGS.replace(/"(-?\d+)"/g, '$1');

/** `show configuration snmp rmon | display xml`. */
export const RMON_XML = `<rpc-reply xmlns:junos="http://xml.juniper.net/junos/19.4R1/junos">
    <configuration junos:commit-seconds="1714644672" junos:commit-localtime="2024-05-02 10:11:12 UTC" junos:commit-user="lab">
            <snmp>
                <rmon>
                    <alarm>
                        <name>1</name>
                        <interval>1</interval>
                        <variable>ifIn1SecRate.541</variable>
                        <sample-type>absolute-value</sample-type>
                        <request-type>get-request</request-type>
                        <rising-threshold>1024</rising-threshold>
                        <falling-threshold>1023</falling-threshold>
                        <rising-event-index>541</rising-event-index>
                        <falling-event-index>541</falling-event-index>
                        <syslog-subtag>IFINDEX541</syslog-subtag>
                    </alarm>
                    <event>
                        <name>541</name>
                        <type>log-and-trap</type>
                    </event>
                </rmon>
            </snmp>
    </configuration>
    <cli>
        <banner></banner>
    </cli>
</rpc-reply>
`;

/** `show configuration snmp rmon`: curly-brace text, relative to [edit snmp rmon]. */
export const RMON_TEXT = `## Last commit: 2024-05-02 10:11:12 UTC by lab
alarm 1 {
    interval 1;
    variable ifIn1SecRate.541;
    sample-type absolute-value;
    request-type get-request;
    rising-threshold 1024;
    falling-threshold 1023;
    rising-event-index 541;
    falling-event-index 541;
    syslog-subtag IFINDEX541;
}
event 541 {
    type log-and-trap;
}
`;

/** `show configuration snmp rmon | display set`. */
export const RMON_SET = `set snmp rmon alarm 1 interval 1
set snmp rmon alarm 1 variable ifIn1SecRate.541
set snmp rmon alarm 1 sample-type absolute-value
set snmp rmon alarm 1 request-type get-request
set snmp rmon alarm 1 rising-threshold 1024
set snmp rmon alarm 1 falling-threshold 1023
set snmp rmon alarm 1 rising-event-index 541
set snmp rmon alarm 1 falling-event-index 541
set snmp rmon alarm 1 syslog-subtag IFINDEX541
set snmp rmon event 541 type log-and-trap
`;

/** Every split of `text` into two pieces, and into three at i and j (step `step` for the second cut). */
export function* splits(text: string, step = 1): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) yield [text.slice(0, i), text.slice(i)];
  for (let i = 0; i <= text.length; i += step) {
    for (let j = i; j <= text.length; j += step) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
  }
}
