// The cluster worker's Inngest functions (k8s Deployment system-bus-worker).
import { dagOrchestrator, dagWorker } from "./dag";
import { queueDrainer } from "./queue-drainer";

export const clusterFunctionDefinitions = [
  dagOrchestrator,
  dagWorker,
  queueDrainer,
];
