// Demo stand-in: the DAG orchestrator hands nodes to workers.
export const dagOrchestrator = inngest.createFunction(
  { id: "dag-orchestrator", retries: 3 },
  { event: "dag/run.requested" },
  async ({ event, step }) => {
    await step.sendEvent("nodes", { name: "dag/node.ready", data: event.data });
  }
);

export const dagWorker = inngest.createFunction(
  { id: "dag-worker", retries: 5 },
  { event: "dag/node.ready" },
  async () => ({ done: true })
);
