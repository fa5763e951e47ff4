#!/usr/bin/python3
"""Baseline (b): a replica of the original JET traffic-management app, in Python.

As the original: Apache Thrift's Python runtime (client generated from idl/ by `thrift --gen py`)
over TSocket + TBufferedTransport + TBinaryProtocol + TMultiplexedProtocol, LoginCheck once at
start, and paho-mqtt subscribed to the RMON event log; each notification is parsed in paho's
on_message callback (json + a regex) and the route call is made there, synchronously.
Differences, for a fair measurement: the prefix comes from the event's ifIndex (one host route per
interface, as the bench's other two implementations do), there is no RouteGet read-back, no
printing and no mail per event, and the main thread runs paho's loop_forever() instead of the
original's `while 1: 1+1` (which keeps one core at 100 %).

    /usr/bin/python3 bench/baseline_python.py <gen-py dir> <thrift port> <mqtt port> [topic] [qos]

prints "ready" once logged in and subscribed.
"""
import json
import re
import sys

sys.path.insert(0, sys.argv[1])
THRIFT_PORT = int(sys.argv[2])
MQTT_PORT = int(sys.argv[3])
TOPIC = sys.argv[4] if len(sys.argv) > 4 else '/junos/events/syslog/SNMPD_RMON_EVENTLOG'
QOS = int(sys.argv[5]) if len(sys.argv) > 5 else 0  # 1 behind Mosquitto (bench latency section)

import paho.mqtt.client as mqtt  # noqa: E402
from thrift.protocol import TBinaryProtocol, TMultiplexedProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from jet import AuthenticationService, RouteService  # noqa: E402
from jet.ttypes import (  # noqa: E402
    AuthenticationLoginRequest, FamilyType, GatewayAddress, NexthopInfo, RouteConfig)

RMON = re.compile(r'Event (\d+) triggered by Alarm (\d+), (rising|falling) threshold \(([\d.]+)\) crossed, '
                  r'\(variable: ifIn1SecRate\.(\d+), value: ([\d.]+)\)')

transport = TTransport.TBufferedTransport(TSocket.TSocket('127.0.0.1', THRIFT_PORT))
protocol = TBinaryProtocol.TBinaryProtocol(transport)
auth = AuthenticationService.Client(TMultiplexedProtocol.TMultiplexedProtocol(protocol, 'AuthenticationService'))
route = RouteService.Client(TMultiplexedProtocol.TMultiplexedProtocol(protocol, 'RouteService'))
transport.open()
if not auth.LoginCheck(AuthenticationLoginRequest('lab', 'lab123', 'bench-python-replica')).result:
    sys.exit('login refused')


def route_config(prefix):
    nexthop = NexthopInfo(nexthop_address=GatewayAddress(nexthop_ip='10.1.1.2'))
    return RouteConfig(app_id='111:222', family_type=FamilyType.af_inet, prefix=prefix,
                       nexthops=[nexthop], preference=[5], metric=[3])


def on_connect(client, userdata, flags, rc):
    client.subscribe(TOPIC, qos=QOS)


def on_subscribe(client, userdata, mid, granted_qos):
    print('ready', flush=True)


def on_message(client, userdata, msg):
    try:
        event = json.loads(msg.payload)['jet-event']
        m = RMON.search(event['attributes']['message'])
    except (ValueError, KeyError, TypeError):
        return
    if not m:
        return
    k = int(m.group(5))
    cfg = route_config('10.%d.%d.%d/32' % ((k >> 16) & 255, (k >> 8) & 255, k & 255))
    if m.group(3) == 'rising':
        result = route.RouteAdd(cfg)
    else:
        result = route.RouteDelete(cfg)
    if result.err_code not in (0, 2, 3):
        sys.stderr.write('route %s: err %d\n' % (cfg.prefix, result.err_code))


# paho-mqtt 2.x wants the callback API version; 1.x (Debian 12: 1.6.1) has no such argument.
if hasattr(mqtt, 'CallbackAPIVersion'):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id='bench-python-replica', clean_session=True)
else:
    client = mqtt.Client(client_id='bench-python-replica', clean_session=True)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect('127.0.0.1', MQTT_PORT, keepalive=60)
client.loop_forever()
