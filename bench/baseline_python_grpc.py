#!/usr/bin/python3
"""Baseline (b) on gRPC: a replica of the gRPC-era traffic-management app, in Python.

As bench/baseline_python.py on Thrift, with the jnx.jet API (docs/protocol.md §6) instead: Debian's
python3-grpcio with stubs that protoc and grpc_python_plugin generate from idl/ (bench/lib/python.ts),
one channel, Login and RouteInitialize once at start with the client id as `client-id` metadata on
every call, and paho-mqtt subscribed to the RMON event log; each notification is parsed in paho's
on_message callback (json + a regex) and the route call is made there, synchronously: one RouteAdd
of the event's one route (rising) or one RouteDelete of its key (falling) per event. Same
differences from the original as the Thrift replica: the prefix comes from the event's ifIndex
(10.<i>>16>.<i>>8>.<i>/32), no read-back, no printing, no mail, paho's loop_forever().

    /usr/bin/python3 bench/baseline_python_grpc.py <gen-py dir> <grpc port> <mqtt port> [topic] [qos]

prints "ready" once logged in, initialized and subscribed.
"""
import sys

sys.path.insert(0, sys.argv[1])
GRPC_PORT = int(sys.argv[2])
MQTT_PORT = int(sys.argv[3])
TOPIC = sys.argv[4] if len(sys.argv) > 4 else '/junos/events/syslog/SNMPD_RMON_EVENTLOG'
QOS = int(sys.argv[5]) if len(sys.argv) > 5 else 0

import grpc  # noqa: E402
import jnx_authentication_pb2 as auth_pb  # noqa: E402
import jnx_authentication_pb2_grpc as auth_grpc  # noqa: E402
import jnx_common_pb2 as common_pb  # noqa: E402
import jnx_routing_base_pb2 as base_pb  # noqa: E402
import jnx_routing_rib_pb2 as rib_pb  # noqa: E402
import jnx_routing_rib_pb2_grpc as rib_grpc  # noqa: E402
from replica_events import prefix_address, run  # noqa: E402

CLIENT_ID = 'bench-python-grpc-replica'
METADATA = (('client-id', CLIENT_ID),)
TIMEOUT_S = 60

channel = grpc.insecure_channel('127.0.0.1:%d' % GRPC_PORT)
auth = auth_grpc.AuthenticationStub(channel)
rib = rib_grpc.RibStub(channel)
login = auth.Login(auth_pb.LoginRequest(username='lab', password='lab123', client_id=CLIENT_ID), metadata=METADATA, timeout=TIMEOUT_S)
if login.status.code != common_pb.SUCCESS:
    sys.exit('login refused: %s' % login.status.message)
init = rib.RouteInitialize(rib_pb.RouteInitializeRequest(), metadata=METADATA, timeout=TIMEOUT_S)
if init.status.code != common_pb.SUCCESS:
    sys.exit('RouteInitialize: %s' % init.status.message)


def address(addr):
    return base_pb.NetworkAddress(inet=common_pb.IpAddress(addr_string=addr))


def key(addr):
    return rib_pb.RouteMatch(dest_prefix=address(addr), dest_prefix_len=32,
                             table=base_pb.RouteTable(name=base_pb.RouteTableName(name='inet.0')))


def entry(addr):
    e = rib_pb.RouteEntry(key=key(addr), nexthop=rib_pb.RouteNexthop(gateways=[rib_pb.RouteGateway(gateway_address=address('10.1.1.2'))]))
    e.attributes.preferences[0].value = 5
    return e


def on_event(direction, ifindex):
    addr = prefix_address(ifindex)
    if direction == 'rising':
        reply = rib.RouteAdd(rib_pb.RouteUpdateRequest(routes=[entry(addr)]), metadata=METADATA, timeout=TIMEOUT_S)
    else:
        reply = rib.RouteDelete(rib_pb.RouteDeleteRequest(keys=[key(addr)]), metadata=METADATA, timeout=TIMEOUT_S)
    if reply.sub_code not in (rib_pb.SUCCESS, rib_pb.ROUTE_EXISTS, rib_pb.ROUTE_NOT_FOUND):
        sys.stderr.write('route %s/32: sub_code %d\n' % (addr, reply.sub_code))


run(CLIENT_ID, MQTT_PORT, TOPIC, QOS, on_event)
