#!/usr/bin/python3
"""A small JET server on Apache Thrift's own Python runtime (Debian's python3-thrift), built from
Python code that Apache's compiler generated from idl/. It proves the wire format against an
implementation that is not ours. Usage: jet_server.py GEN_PY_DIR PORT [USER PASSWORD]

It prints one JSON line per call to stdout (flushed), and {"listening": port, "route_config_ids": ...}
once it serves.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

from thrift.protocol import TBinaryProtocol
from thrift.server import TServer
from thrift.transport import TSocket, TTransport
from thrift.TMultiplexedProcessor import TMultiplexedProcessor

from jet import AuthenticationService, RouteService
from jet.ttypes import (AuthenticationLoginReply, FamilyType, GatewayAddress, NexthopInfo,
                        RouteConfig, RouteGetReply, RouteResult)

PORT = int(sys.argv[2])
USER = sys.argv[3] if len(sys.argv) > 3 else 'lab'
PASSWORD = sys.argv[4] if len(sys.argv) > 4 else 'lab123'
STATE = {'logged_in': False}
RIB = {}


def say(**fields):
    sys.stdout.write(json.dumps(fields, sort_keys=True) + '\n')
    sys.stdout.flush()


def table_of(cfg):
    if cfg.table_name:
        return cfg.table_name
    return 'inet6.0' if ':' in (cfg.prefix or '') else 'inet.0'


def describe(cfg):
    return {
        'app_id': cfg.app_id, 'family_type': cfg.family_type, 'prefix': cfg.prefix, 'table': table_of(cfg),
        'nexthops': [n.nexthop_address.nexthop_ip for n in (cfg.nexthops or [])],
        'preference': cfg.preference, 'metric': cfg.metric,
    }


class Auth:
    def LoginCheck(self, req):
        ok = req.user_name == USER and req.password == PASSWORD
        STATE['logged_in'] = ok
        say(call='LoginCheck', user=req.user_name, client_id=req.client_id, ok=ok)
        return AuthenticationLoginReply(result=ok, message=None if ok else 'bad user name or password')


class Routes:
    def RouteAdd(self, cfg):
        key = (table_of(cfg), cfg.prefix)
        code = 5 if not STATE['logged_in'] else 2 if key in RIB else 0
        if code == 0:
            RIB[key] = cfg
        say(call='RouteAdd', err_code=code, **describe(cfg))
        return RouteResult(err_code=code)

    def RouteDelete(self, cfg):
        key = (table_of(cfg), cfg.prefix)
        code = 5 if not STATE['logged_in'] else 0 if key in RIB else 3
        if code == 0:
            del RIB[key]
        say(call='RouteDelete', err_code=code, **describe(cfg))
        return RouteResult(err_code=code)

    def RouteGet(self, app_id, table_name, prefix):
        routes = [c for (t, p), c in RIB.items()
                  if t == table_name and c.app_id == app_id and (not prefix or p == prefix)]
        say(call='RouteGet', app_id=app_id, table=table_name, prefix=prefix, found=len(routes))
        return RouteGetReply(err_code=0, routes=routes)


processor = TMultiplexedProcessor()
processor.registerProcessor('AuthenticationService', AuthenticationService.Processor(Auth()))
processor.registerProcessor('RouteService', RouteService.Processor(Routes()))
server = TServer.TSimpleServer(processor, TSocket.TServerSocket(host='127.0.0.1', port=PORT),
                               TTransport.TBufferedTransportFactory(),
                               TBinaryProtocol.TBinaryProtocolFactory())
transport = server.serverTransport
transport.listen()
transport.listen = lambda: None  # already listening: serve() must not bind again
# The field ids Apache's compiler gave RouteConfig: the test compares them with docs/protocol.md section 2.
say(listening=PORT, route_config_ids={spec[2]: spec[0] for spec in RouteConfig.thrift_spec if spec})
server.serve()
