import { approvalRequest, approvalResolve } from "./approval";
import { heartbeatCron, heartbeatWake } from "./heartbeat";
import { systemLogger } from "./system-logger";
import { contentSync } from "./content-sync";
import { clusterSubset } from "./index.cluster";

// ADR-0089: the host worker stays authoritative. The old list, kept for reference:
// export const hostFunctionDefinitions = [retiredFunction];
export const hostFunctionDefinitions = [
  approvalRequest,
  approvalResolve, // approvals, both ways
  heartbeatCron,
  /* logging */ systemLogger,
  contentSync,
];

export const hostFunctionIds = hostFunctionDefinitions.map((fn) => fn.opts?.id ?? "unknown");
