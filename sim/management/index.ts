/**
 * The simulated router's management API model (docs/protocol.md §6): interfaces, `show` commands in
 * Junos's shapes, the `snmp rmon` configuration with loads and commits. Pure; the simulator's gRPC
 * server serves it (sim/grpc/management.ts).
 */
export { ManagementModel } from './model';
export type { CommitRecord, ConfigSetInput, ConfigSetReply, EngineAlarms, ManagementModelOptions, OpFormat, OpReply } from './model';
export { DEFAULT_INTERFACE_TABLE, InterfaceTable } from './interfaces';
export type { SimInterface, SimUnit } from './interfaces';
export { commitCheck, engineAlarms, loadConfig, rmonStartConfig } from './rmon-load';
export type { LoadResult, LoadType, SkippedAlarm } from './rmon-load';
export { renderRmonJson, renderRmonSet, renderRmonText, renderRmonXml } from './rmon-render';
export { chunks } from './render';
