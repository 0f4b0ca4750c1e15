// Demo stand-in: a cron that wakes the heartbeat.
export const heartbeatCron = inngest.createFunction(
  { id: "system-heartbeat" },
  [{ cron: "*/15 * * * *" }],
  async ({ step }) => {
    await step.sendEvent("wake", { name: "system/heartbeat.wake", data: {} });
  }
);

export const heartbeatWake = inngest.createFunction(
  { id: "system-heartbeat-wake" },
  [{ event: "system/heartbeat.wake" }],
  async () => ({ ok: true })
);
