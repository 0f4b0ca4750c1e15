// Demo stand-in: the system log sink.
export const systemLogger = inngest.createFunction(
  { id: "system-logger" },
  { event: "system/log" },
  async ({ event }) => ({ logged: event.data })
);
