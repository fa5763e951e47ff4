#!/usr/bin/python3
"""Baseline (b): a replica of the original JET traffic-management app, in Python.

As the original: Apache Thrift's Python runtime (client generated from idl/ by `thrift --gen py`)
over TSocket + TBufferedTransport + TBinaryProtocol + TMultiplexedProtocol, LoginCheck once at
start, and paho-mqtt subscribed to the RMON event log; each notification is parsed in paho's
on_message callback (json + a regex) and the route call is made there, synchronously (that loop is
bench/replica_events.py, shared with the gRPC replica).
Differences, for a fair measurement: the prefix comes from the event's ifIndex (one host route per
interface, as the bench's other two implementations do), there is no RouteGet read-back, no
printing and no mail per event, and the main thread runs paho's loop_forever() instead of the
original's `while 1: 1+1` (which keeps one core at 100 %).

    /usr/bin/python3 bench/baseline_python.py <gen-py dir> <thrift port> <mqtt port> [topic] [qos]

prints "ready" once logged in and subscribed.
"""
import sys

sys.path.insert(0, sys.argv[1])
THRIFT_PORT = int(sys.argv[2])
MQTT_PORT = int(sys.argv[3])
TOPIC = sys.argv[4] if len(sys.argv) > 4 else '/junos/events/syslog/SNMPD_RMON_EVENTLOG'
QOS = int(sys.argv[5]) if len(sys.argv) > 5 else 0  # 1 behind Mosquitto (bench latency section)

from thrift.protocol import TBinaryProtocol, TMultiplexedProtocol  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from jet import AuthenticationService, RouteService  # noqa: E402
from jet.ttypes import (  # noqa: E402
    AuthenticationLoginRequest, FamilyType, GatewayAddress, NexthopInfo, RouteConfig)
from replica_events import prefix_address, run  # noqa: E402

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


def on_event(direction, ifindex):
    cfg = route_config(prefix_address(ifindex) + '/32')
    if direction == 'rising':
        result = route.RouteAdd(cfg)
    else:
        result = route.RouteDelete(cfg)
    if result.err_code not in (0, 2, 3):
        sys.stderr.write('route %s: err %d\n' % (cfg.prefix, result.err_code))


run('bench-python-replica', MQTT_PORT, TOPIC, QOS, on_event)
