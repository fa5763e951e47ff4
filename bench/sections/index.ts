/**
 * The sections of the bench, in the report's order. The runner runs the ones asked for by stage
 * (see section.ts), then in this order; the renderer renders them in this order. A new section is
 * one module (a Section) and one line here.
 */
import { broker } from './broker';
import { latency } from './latency';
import { throughput } from './throughput';
import { idle } from './idle';
import { leaks } from './leaks';
import { micro } from './micro';
import { burst } from './burst';
import { fleet } from './fleet';
import type { AnySection } from './section';

export const SECTIONS: readonly AnySection[] = [
  broker, // 1. latency behind Mosquitto
  latency, // 1b. latency through the in-process aedes broker
  throughput, // 2.
  idle, // 3.
  leaks, // 4.
  micro, // 5. the route path without Node-RED (--only micro)
  burst, // 6. a burst of alarms on one router (--only burst)
  fleet, // 7. many routers in one Node-RED (--only fleet)
];
