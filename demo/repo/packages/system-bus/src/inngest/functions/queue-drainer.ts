// Demo stand-in: the queue drainer starts DAG runs.
export const queueDrainer = inngest.createFunction(
  { id: "queue-drainer" },
  [{ cron: "* * * * *" }],
  async ({ step }) => {
    await step.sendEvent("start", { name: "dag/run.requested", data: {} });
  }
);
