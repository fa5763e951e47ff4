#!/usr/bin/python3
"""A small JET gRPC server (the `jnx.jet` API, docs/protocol.md §6) on Debian's python3-grpcio, built
from Python stubs that protoc and grpc_python_plugin generated from idl/ at test time. It proves the
project's .proto files and proto-loader options against an implementation that is not ours.

Management (jnx.jet.management) answers fixed output: `show interfaces ge-0/0/0.0` (or its XML RPC)
in Junos's JSON, XML or CLI shape, streamed in several messages; any other command is one FAILURE
message "error: device <name> not found" (or "error: syntax error"). ConfigSet takes set/delete lines
with load type SET (set lines under another load type are a syntax error) and logs what it got.

Usage: jet_grpc_server.py GEN_PY_DIR PORT [USER PASSWORD]   (PORT 0: any free port)

stdout, one JSON line each (flushed): {"listening": <bound port>} once it serves, then one line per
call ({"call": ..., "client_id": ..., "sub_code": ...}).
stdin, one command a line: `rib` answers {"rib": [routes]} on stdout;
  `fault METHODS status NAME COUNT` fails the next COUNT calls of METHODS (names joined by |) with gRPC
  status NAME, `fault METHODS sub NAME COUNT` answers them with sub_code NAME (FAILURE, nothing done);
  `forget` forgets every login (a JET daemon restart keeping the RIB);
  `unauth-status NAME` is the status of a call without a login (default UNAUTHENTICATED);
  each answers {"ok": command}. End of stdin stops the server.
"""
import ipaddress
import json
import sys
import threading
from concurrent import futures

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402

import jnx_authentication_pb2 as auth_pb  # noqa: E402
import jnx_authentication_pb2_grpc as auth_grpc  # noqa: E402
import jnx_common_pb2 as common_pb  # noqa: E402
import jnx_routing_base_pb2 as base_pb  # noqa: E402
import jnx_routing_base_pb2_grpc as base_grpc  # noqa: E402
import jnx_routing_rib_pb2 as rib_pb  # noqa: E402
import jnx_routing_rib_pb2_grpc as rib_grpc  # noqa: E402
import jnx_management_pb2 as mgmt_pb  # noqa: E402
import jnx_management_pb2_grpc as mgmt_grpc  # noqa: E402

PORT = int(sys.argv[2])
USER = sys.argv[3] if len(sys.argv) > 3 else 'lab'
PASSWORD = sys.argv[4] if len(sys.argv) > 4 else 'lab123'
MAX_OPS = 1000
MAX_GATEWAYS = 64

LOCK = threading.Lock()
OUT = threading.Lock()
# client id -> {'initialized': bool, 'address_format': int, 'purge_time': int | None}
SESSIONS = {}
# (table, 'prefix/len') -> {'owner': client id, 'entry': RouteEntry as received}
RIB = {}

S = rib_pb.StatusCode  # the RIB's sub codes
# [{'methods': set, 'kind': 'status' | 'sub', 'name': str, 'left': int}], first match answers
FAULTS = []
UNAUTH = [grpc.StatusCode.UNAUTHENTICATED]


def say(**fields):
    with OUT:
        sys.stdout.write(json.dumps(fields, sort_keys=True) + '\n')
        sys.stdout.flush()


def client_id(context, fallback=''):
    for key, value in context.invocation_metadata():
        if key == 'client-id':
            return value
    return fallback


def session_of(context, call):
    """The logged-in session of this call's client id; aborts UNAUTHENTICATED without one."""
    cid = client_id(context)
    with LOCK:
        session = SESSIONS.get(cid)
    if session is None:
        say(call=call, client_id=cid, error='Authorization failed')
        context.abort(UNAUTH[0], 'Authorization failed')
    return cid, session


def fault_of(context, call, cid):
    """A fault in force for `call`: aborts with its status, or returns its sub code (None: no fault)."""
    with LOCK:
        fault = next((f for f in FAULTS if call in f['methods'] or '*' in f['methods']), None)
        if fault is None:
            return None
        fault['left'] -= 1
        if fault['left'] <= 0:
            FAULTS.remove(fault)
    say(call=call, client_id=cid, fault=fault['name'])
    if fault['kind'] == 'status':
        context.abort(getattr(grpc.StatusCode, fault['name']), 'simulated ' + fault['name'])
    return S.Value(fault['name'])


def status(ok, message=''):
    return common_pb.RpcStatus(code=common_pb.SUCCESS if ok else common_pb.FAILURE, message=message)


# ---------------------------------------------------------------- addresses and keys

class Invalid(Exception):
    def __init__(self, sub_code, message):
        super().__init__(message)
        self.sub_code = sub_code


def ip_of(ip_address, sub_code):
    """A jnx.jet.common.IpAddress as a Python ip_address (either oneof format)."""
    which = ip_address.WhichOneof('addr_format')
    try:
        if which == 'addr_string':
            return ipaddress.ip_address(ip_address.addr_string)
        if which == 'addr_bytes':
            return ipaddress.ip_address(bytes(ip_address.addr_bytes))
    except ValueError:
        pass
    raise Invalid(sub_code, 'bad address %r' % (ip_address,))


def network_ip(address, sub_code):
    """A routing.base.NetworkAddress (inet or inet6) as (family, ip_address)."""
    af = address.WhichOneof('af')
    if af == 'inet':
        ip = ip_of(address.inet, sub_code)
        if ip.version == 4:
            return 'inet', ip
    elif af == 'inet6':
        ip = ip_of(address.inet6, sub_code)
        if ip.version == 6:
            return 'inet6', ip
    raise Invalid(sub_code, 'address family %r not inet/inet6 or not matching the address' % (af,))


def table_name(table, family):
    which = table.WhichOneof('route_table_format')
    if which == 'name' and table.name.name:
        return table.name.name
    if which == 'id':
        return 'id:%d' % table.id.id
    return 'inet.0' if family == 'inet' else 'inet6.0'


def key_of(match):
    """(table, 'prefix/len') of a RouteMatch, the host bits of the prefix cleared."""
    if not match.HasField('dest_prefix'):
        raise Invalid(S.PREFIX_INVALID, 'no dest_prefix')
    family, ip = network_ip(match.dest_prefix, S.PREFIX_INVALID)
    if match.dest_prefix_len > ip.max_prefixlen:
        raise Invalid(S.PREFIX_LEN_TOO_LONG, 'prefix length %d' % match.dest_prefix_len)
    net = ipaddress.ip_network('%s/%d' % (ip, match.dest_prefix_len), strict=False)
    table = table_name(match.table, family)
    if family == 'inet6' and not table.endswith('inet6.0') or family == 'inet' and table.endswith('inet6.0'):
        raise Invalid(S.TABLE_INVALID, 'table %s does not hold %s' % (table, net))
    return table, str(net)


def check_entry(entry):
    key = key_of(entry.key)
    family = 'inet6' if ':' in key[1] else 'inet'
    gateways = entry.nexthop.gateways
    if len(gateways) == 0:
        raise Invalid(S.NEXTHOP_INVALID, 'no gateway')
    if len(gateways) > MAX_GATEWAYS:
        raise Invalid(S.NEXTHOP_LIMIT_EXCEED, '%d gateways' % len(gateways))
    for gw in gateways:
        if gw.HasField('gateway_address'):
            gw_family, _ = network_ip(gw.gateway_address, S.GATEWAY_INVALID)
            if gw_family != family:
                raise Invalid(S.GATEWAY_INVALID, 'gateway family %s for a %s prefix' % (gw_family, family))
        elif not gw.interface_name:
            raise Invalid(S.GATEWAY_INVALID, 'gateway without address or interface')
    return key


def preference(entry):
    prefs = entry.attributes.preferences
    value = prefs[0].value if 0 in prefs else 5
    return max(value, 5)


def in_format(address, fmt):
    """A NetworkAddress answered in the session's address format (string or bytes)."""
    family, ip = network_ip(address, S.INTERNAL_ERROR)
    ip_msg = (common_pb.IpAddress(addr_bytes=ip.packed) if fmt == common_pb.ADDRESS_BYTES
              else common_pb.IpAddress(addr_string=str(ip)))
    return base_pb.NetworkAddress(**{family: ip_msg})


def reply_entry(table, prefix, stored, fmt, reply_table_format):
    out = rib_pb.RouteEntry()
    out.CopyFrom(stored)
    net = ipaddress.ip_network(prefix)
    family = 'inet' if net.version == 4 else 'inet6'
    ip_msg = (common_pb.IpAddress(addr_bytes=net.network_address.packed) if fmt == common_pb.ADDRESS_BYTES
              else common_pb.IpAddress(addr_string=str(net.network_address)))
    out.key.dest_prefix.CopyFrom(base_pb.NetworkAddress(**{family: ip_msg}))
    out.key.dest_prefix_len = net.prefixlen
    if reply_table_format == base_pb.TABLE_ID:
        out.key.table.CopyFrom(base_pb.RouteTable(id=base_pb.RouteTableId(id=0 if family == 'inet' else 1)))
    else:
        out.key.table.CopyFrom(base_pb.RouteTable(name=base_pb.RouteTableName(name=table)))
    for gw in out.nexthop.gateways:
        if gw.HasField('gateway_address'):
            gw.gateway_address.CopyFrom(in_format(gw.gateway_address, fmt))
        if gw.HasField('local_address'):
            gw.local_address.CopyFrom(in_format(gw.local_address, fmt))
    out.attributes.preferences[0].value = preference(stored)
    return out


def describe(key, record):
    entry = record['entry']
    gateways = []
    for gw in entry.nexthop.gateways:
        gateways.append({
            'address': str(network_ip(gw.gateway_address, S.INTERNAL_ERROR)[1]) if gw.HasField('gateway_address') else None,
            'interface': gw.interface_name or None,
            'weight': gw.weight,
        })
    prefs = entry.attributes.preferences
    return {
        'table': key[0], 'prefix': key[1], 'client_id': record['owner'], 'gateways': gateways,
        'preference': preference(entry), 'preference2': prefs[1].value if 1 in prefs else 100,
    }


# ---------------------------------------------------------------- services

class Authentication(auth_grpc.AuthenticationServicer):
    def Login(self, request, context):
        cid = client_id(context, request.client_id)
        ok = request.username == USER and request.password == PASSWORD and cid != ''
        if ok:
            with LOCK:
                # A new login of the same client id is a new session (the old connection is gone).
                SESSIONS[cid] = {'initialized': False, 'address_format': common_pb.ADDRESS_STRING, 'purge_time': None}
        say(call='Login', client_id=cid, metadata_client_id=client_id(context), request_client_id=request.client_id,
            user=request.username,
            group_id=request.group_id, ok=ok)
        return auth_pb.LoginResponse(status=status(ok, '' if ok else 'Authentication failed'))


class Base(base_grpc.BaseServicer):
    def RoutePurgeTimerAdd(self, request, context):
        cid, session = session_of(context, 'RoutePurgeTimerAdd')
        with LOCK:
            session['purge_time'] = request.time
        say(call='RoutePurgeTimerAdd', client_id=cid, time=request.time, sub_code=0)
        return base_pb.RoutePurgeTimerAddResponse(status=status(True), sub_code=base_pb.SUCCESS)

    def RoutePurgeTimerGet(self, request, context):
        cid, session = session_of(context, 'RoutePurgeTimerGet')
        say(call='RoutePurgeTimerGet', client_id=cid, sub_code=0)
        return base_pb.RoutePurgeTimerGetResponse(status=status(True), sub_code=base_pb.SUCCESS,
                                                  time=session['purge_time'] or 0)

    def RoutePurgeTimerDelete(self, request, context):
        cid, session = session_of(context, 'RoutePurgeTimerDelete')
        with LOCK:
            session['purge_time'] = None
        say(call='RoutePurgeTimerDelete', client_id=cid, sub_code=0)
        return base_pb.RoutePurgeTimerDeleteResponse(status=status(True), sub_code=base_pb.SUCCESS)


def rib_session(context, call):
    """(client id, session, None) for an initialized session, else (.., .., NOT_INITIALIZED)."""
    cid, session = session_of(context, call)
    return cid, session, None if session['initialized'] else S.NOT_INITIALIZED


class Rib(rib_grpc.RibServicer):
    def RouteInitialize(self, request, context):
        cid, session = session_of(context, 'RouteInitialize')
        with LOCK:
            if session['initialized']:
                sub = S.ALREADY_INITIALIZED
            else:
                sub = S.SUCCESS
                session['initialized'] = True
                session['address_format'] = request.default_response_address_format
            owned = sum(1 for r in RIB.values() if r['owner'] == cid)
        say(call='RouteInitialize', client_id=cid, sub_code=sub, num_client_routes=owned,
            address_format=request.default_response_address_format)
        return rib_pb.RouteInitializeResponse(status=status(sub == S.SUCCESS, S.Name(sub)), sub_code=sub,
                                              num_client_routes=owned)

    def RouteCleanup(self, request, context):
        cid, session, sub = rib_session(context, 'RouteCleanup')
        if sub is None:
            sub = S.SUCCESS
            with LOCK:
                for key in [k for k, r in RIB.items() if r['owner'] == cid]:
                    del RIB[key]
        say(call='RouteCleanup', client_id=cid, sub_code=sub)
        return rib_pb.RouteCleanupResponse(status=status(sub == S.SUCCESS, S.Name(sub)), sub_code=sub)

    def _set(self, call, request, context, mode):
        """RouteAdd ('add'), RouteModify ('modify'), RouteUpdate ('update'): in order, stop at the first error."""
        cid, session, sub = rib_session(context, call)
        done = 0
        message = ''
        keys = []
        if sub is None:
            sub = fault_of(context, call, cid)
        if sub is None:
            sub = S.SUCCESS
            if len(request.routes) == 0:
                sub, message = S.REQUEST_INVALID, 'no routes'
            elif len(request.routes) > MAX_OPS:
                sub, message = S.TOO_MANY_OPS, '%d routes' % len(request.routes)
            else:
                with LOCK:
                    for entry in request.routes:
                        try:
                            key = check_entry(entry)
                        except Invalid as err:
                            sub, message = err.sub_code, str(err)
                            break
                        if mode == 'add' and key in RIB:
                            sub, message = S.ROUTE_EXISTS, '%s %s exists' % key
                            break
                        if mode == 'modify' and key not in RIB:
                            sub, message = S.ROUTE_NOT_FOUND, '%s %s not found' % key
                            break
                        stored = rib_pb.RouteEntry()
                        stored.CopyFrom(entry)
                        RIB[key] = {'owner': cid, 'entry': stored}
                        keys.append('%s %s' % key)
                        done += 1
        say(call=call, client_id=cid, sub_code=sub, operations_completed=done, routes=len(request.routes), keys=keys)
        return rib_pb.RouteSetOperResponse(status=status(sub == S.SUCCESS, message or S.Name(sub)), sub_code=sub,
                                           operations_completed=done)

    def RouteAdd(self, request, context):
        return self._set('RouteAdd', request, context, 'add')

    def RouteModify(self, request, context):
        return self._set('RouteModify', request, context, 'modify')

    def RouteUpdate(self, request, context):
        return self._set('RouteUpdate', request, context, 'update')

    def RouteDelete(self, request, context):
        cid, session, sub = rib_session(context, 'RouteDelete')
        done = 0
        message = ''
        keys = []
        if sub is None:
            sub = fault_of(context, 'RouteDelete', cid)
        if sub is None:
            sub = S.SUCCESS
            if len(request.keys) == 0:
                sub, message = S.REQUEST_INVALID, 'no keys'
            elif len(request.keys) > MAX_OPS:
                sub, message = S.TOO_MANY_OPS, '%d keys' % len(request.keys)
            else:
                with LOCK:
                    for match in request.keys:
                        try:
                            key = key_of(match)
                        except Invalid as err:
                            sub, message = err.sub_code, str(err)
                            break
                        if key not in RIB:
                            sub, message = S.ROUTE_NOT_FOUND, '%s %s not found' % key
                            break
                        del RIB[key]
                        keys.append('%s %s' % key)
                        done += 1
        say(call='RouteDelete', client_id=cid, sub_code=sub, operations_completed=done, routes=len(request.keys), keys=keys)
        return rib_pb.RouteDeleteResponse(status=status(sub == S.SUCCESS, message or S.Name(sub)), sub_code=sub,
                                          operations_completed=done)

    def RouteGet(self, request, context):
        cid, session, sub = rib_session(context, 'RouteGet')
        found = []
        if sub is None:
            try:
                table, prefix = key_of(request.key)
                want = ipaddress.ip_network(prefix)
                with LOCK:
                    candidates = [(k, r['entry']) for k, r in RIB.items() if k[0] == table]
                if request.match_type == rib_pb.EXACT:
                    found = [(k, e) for k, e in candidates if k[1] == prefix]
                elif request.match_type == rib_pb.EXACT_OR_LONGER:
                    found = [(k, e) for k, e in candidates if ipaddress.ip_network(k[1]).subnet_of(want)]
                else:  # BEST: the longest prefix that holds the key's prefix
                    holding = [(k, e) for k, e in candidates if want.subnet_of(ipaddress.ip_network(k[1]))]
                    holding.sort(key=lambda ke: ipaddress.ip_network(ke[0][1]).prefixlen, reverse=True)
                    found = holding[:1]
                sub = S.SUCCESS if found else S.ROUTE_NOT_FOUND
            except Invalid as err:
                sub = err.sub_code
        say(call='RouteGet', client_id=cid, sub_code=sub, match_type=request.match_type, found=len(found),
            keys=['%s %s' % k for k, _ in found])
        if sub != S.SUCCESS:
            yield rib_pb.RouteGetResponse(status=status(False, S.Name(sub)), sub_code=sub)
            return
        fmt = session['address_format']
        entries = [reply_entry(k[0], k[1], e, fmt, request.reply_table_format) for k, e in found]
        size = request.route_count or len(entries)
        for start in range(0, len(entries), size):
            yield rib_pb.RouteGetResponse(status=status(True), sub_code=S.SUCCESS, routes=entries[start:start + size])


# ---------------------------------------------------------------- management (fixed answers)

IFL = 'ge-0/0/0.0'
IFL_OUTPUT = {
    mgmt_pb.OP_COMMAND_OUTPUT_JSON: json.dumps({'interface-information': [{
        'attributes': {'xmlns': 'http://xml.juniper.net/junos/19.4R0/junos-interface', 'junos:style': 'normal'},
        'logical-interface': [{
            'name': [{'data': IFL}],
            'local-index': [{'data': '70'}],
            'snmp-index': [{'data': '541'}],
            'if-config-flags': [{'iff-up': [{'data': [None]}], 'iff-snmp-traps': [{'data': [None]}]}],
            'encapsulation': [{'data': 'ENET2'}],
        }],
    }]}, indent=4) + '\n',
    mgmt_pb.OP_COMMAND_OUTPUT_XML: (
        '<rpc-reply xmlns:junos="http://xml.juniper.net/junos/19.4R1/junos">\n'
        '    <interface-information xmlns="http://xml.juniper.net/junos/19.4R0/junos-interface" junos:style="normal">\n'
        '        <logical-interface>\n'
        '            <name>\n' + IFL + '\n</name>\n'
        '            <local-index>70</local-index>\n'
        '            <snmp-index>541</snmp-index>\n'
        '        </logical-interface>\n'
        '    </interface-information>\n'
        '</rpc-reply>\n'),
    mgmt_pb.OP_COMMAND_OUTPUT_CLI: (
        '  Logical interface ' + IFL + ' (Index 70) (SNMP ifIndex 541)\n'
        '    Flags: Up SNMP-Traps 0x4004000 Encapsulation: ENET2\n'
        '    Input packets : 0\n'
        '    Output packets: 0\n'),
}
IFL_COMMANDS = (
    'show interfaces ' + IFL,
    '<get-interface-information><interface-name>' + IFL + '</interface-name></get-interface-information>',
)
# Every ConfigSet taken, in order.
CONFIG_LOG = []


class Management(mgmt_grpc.ManagementServicer):
    def OpCommandGet(self, request, context):
        cid, _ = session_of(context, 'OpCommandGet')
        which = request.WhichOneof('command')
        command = getattr(request, which) if which else ''
        output = IFL_OUTPUT.get(request.out_format) if command in IFL_COMMANDS else None
        if output is None:
            words = command.split()
            name = words[2] if len(words) == 3 and words[:2] == ['show', 'interfaces'] else None
            message = 'error: device %s not found' % name if name else 'error: syntax error'
            say(call='OpCommandGet', client_id=cid, command_field=which, command=command, out_format=request.out_format,
                messages=1, ok=False)
            yield mgmt_pb.OpCommandGetResponse(status=status(False, message))
            return
        # Four pieces or more, cut anywhere (not at line ends): the client must join them.
        size = max(1, len(output) // 4)
        pieces = [output[i:i + size] for i in range(0, len(output), size)]
        say(call='OpCommandGet', client_id=cid, command_field=which, command=command, out_format=request.out_format,
            messages=len(pieces), ok=True)
        for piece in pieces:
            yield mgmt_pb.OpCommandGetResponse(status=status(True), data=piece)

    def ConfigSet(self, request, context):
        cid, _ = session_of(context, 'ConfigSet')
        which = request.WhichOneof('config')
        text = getattr(request, which) if which else ''
        lines = [line.split() for line in text.splitlines() if line.strip()]
        set_lines = [w for w in lines if w[0] in ('set', 'delete')]
        if which != 'text_config':
            ok, message = False, 'error: only text_config is answered here'
        elif set_lines and request.load_type != mgmt_pb.CONFIG_LOAD_SET:
            ok, message = False, 'error: syntax error: %s' % set_lines[0][0]
        elif len(set_lines) != len(lines):
            ok, message = False, 'error: syntax error: %s' % [w for w in lines if w not in set_lines][0][0]
        else:
            ok, message = True, ''
        has_commit = request.HasField('commit')
        record = {'client_id': cid, 'config_field': which, 'text': text, 'load_type': request.load_type,
                  'commit': has_commit, 'commit_type': request.commit.type, 'comment': request.commit.comment, 'ok': ok}
        if ok:
            with LOCK:
                CONFIG_LOG.append(record)
        say(call='ConfigSet', **record)
        return mgmt_pb.ConfigSetResponse(status=status(ok, message))


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    auth_grpc.add_AuthenticationServicer_to_server(Authentication(), server)
    base_grpc.add_BaseServicer_to_server(Base(), server)
    rib_grpc.add_RibServicer_to_server(Rib(), server)
    mgmt_grpc.add_ManagementServicer_to_server(Management(), server)
    port = server.add_insecure_port('127.0.0.1:%d' % PORT)
    if port == 0:
        sys.stderr.write('could not bind 127.0.0.1:%d\n' % PORT)
        sys.exit(1)
    server.start()
    say(listening=port)
    for line in sys.stdin:
        command = line.strip()
        words = command.split()
        if command == 'rib':
            with LOCK:
                routes = [describe(k, r) for k, r in sorted(RIB.items())]
            say(rib=routes)
        elif len(words) == 5 and words[0] == 'fault' and words[2] in ('status', 'sub'):
            with LOCK:
                FAULTS.append({'methods': set(words[1].split('|')), 'kind': words[2], 'name': words[3], 'left': int(words[4])})
            say(ok=command)
        elif command == 'forget':
            with LOCK:
                SESSIONS.clear()
            say(ok=command)
        elif len(words) == 2 and words[0] == 'unauth-status':
            UNAUTH[0] = getattr(grpc.StatusCode, words[1])
            say(ok=command)
        elif command:
            say(error='unknown command %r' % command)
    server.stop(0).wait()


if __name__ == '__main__':
    main()
