/*
 * JET request-response API: the subset this package speaks.
 *
 * This file is the single source of truth for the wire format. The TypeScript
 * client and the simulator's server are generated from it (scripts/gen-thrift.js);
 * the CI also compiles it with the Apache Thrift compiler for Python and runs
 * the nodes against that independent server.
 *
 * Names (services, methods, structs, fields, enum values) follow the JET
 * client library as documented in docs/protocol.md section 2. Field ids of RouteConfig follow the
 * original app's declaration order (see there); the others are ours.
 * Transport: TBufferedTransport + TBinaryProtocol + TMultiplexedProtocol,
 * multiplexed service names "AuthenticationService" and "RouteService".
 */

namespace py jet
namespace js jet

// ---------------------------------------------------------------- authentication

struct AuthenticationLoginRequest {
  1: string user_name,
  2: string password,
  3: string client_id,
}

struct AuthenticationLoginReply {
  1: bool result,
  2: optional string message,
}

service AuthenticationService {
  AuthenticationLoginReply LoginCheck(1: AuthenticationLoginRequest login_request),
}

// ---------------------------------------------------------------- routes

enum FamilyType {
  af_unspec = 0,
  af_inet = 1,
  af_inet6 = 2,
}

struct GatewayAddress {
  1: string nexthop_ip,
}

struct NexthopInfo {
  1: GatewayAddress nexthop_address,
}

/*
 * err_code values (RouteResult, RouteGetReply):
 *   0 success, 1 failure, 2 route already exists (add), 3 route not found (delete),
 *   4 invalid parameters, 5 not logged in. Any other value is a failure.
 *
 * Field ids follow the original app's positional 11-argument constructor (docs/protocol.md section 2:
 * Thrift orders constructor arguments by declaration and Juniper numbers fields in declaration
 * order). Do not renumber: a router that reads ids differently silently takes the metric for the
 * preference. test/thrift-routeconfig.test.ts pins these ids on the wire.
 *   7 and 11: unknown optional fields of the original app (left unset there, types unknown): not
 *   declared, so never sent and skipped when received.
 */
struct RouteConfig {
  1: string app_id,
  2: FamilyType family_type,
  3: string prefix,
  4: optional i32 nexthop_type,
  5: list<NexthopInfo> nexthops,
  /* empty or unset: inet.0 for IPv4, inet6.0 for IPv6 */
  6: optional string table_name,
  8: list<i32> preference,
  9: list<i32> metric,
  /* unknown i32: the original app passes 0; the plugin leaves it unset */
  10: optional i32 unknown_10,
}

struct RouteResult {
  1: i32 err_code,
  2: optional string message,
}

struct RouteGetReply {
  1: i32 err_code,
  2: list<RouteConfig> routes,
  3: optional string message,
}

service RouteService {
  RouteResult RouteAdd(1: RouteConfig route_config),
  RouteResult RouteDelete(1: RouteConfig route_config),
  /* an empty prefix lists every route of app_id in table_name */
  RouteGetReply RouteGet(1: string app_id, 2: string table_name, 3: string prefix),
}
