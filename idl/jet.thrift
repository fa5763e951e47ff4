/*
 * JET request-response API: the subset this package speaks.
 *
 * This file is the single source of truth for the wire format. The TypeScript
 * client and the simulator's server are generated from it (scripts/gen-thrift.js);
 * the CI also compiles it with the Apache Thrift compiler for Python and runs
 * the nodes against that independent server.
 *
 * Names (services, methods, structs, fields, enum values) follow the JET
 * client library as documented in JET-FACTS.md section 2. Field ids are ours.
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
 */
struct RouteConfig {
  1: string app_id,
  2: FamilyType family_type,
  3: string prefix,
  4: optional i32 nexthop_type,
  5: list<NexthopInfo> nexthops,
  /* empty or unset: inet.0 for IPv4, inet6.0 for IPv6 */
  6: optional string table_name,
  7: list<i32> preference,
  8: list<i32> metric,
  9: optional i32 route_tag,
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
