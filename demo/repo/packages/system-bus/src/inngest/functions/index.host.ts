// The host worker's Inngest functions (packages/system-bus, WORKER_ROLE=host).
// topo counts the entries of hostFunctionDefinitions: see topologies/demo.yaml.
import { approvalRequest, approvalResolve } from "./approval";
import { heartbeatCron, heartbeatWake } from "./heartbeat";
import { systemLogger } from "./system-logger";
import { contentSync } from "./content-sync";
import { webhookRelay } from "./webhook-relay";

export const hostFunctionDefinitions = [
  approvalRequest,
  approvalResolve,
  heartbeatCron,
  heartbeatWake,
  systemLogger,
  contentSync,
  webhookRelay, // added after the topology was last updated
];

export const hostFunctionIds = hostFunctionDefinitions.map((fn) => fn.opts?.id ?? "unknown");
