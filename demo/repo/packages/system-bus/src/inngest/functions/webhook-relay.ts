// Demo stand-in, added after the topology was last updated: it relays each
// webhook onward as an event that no function handles (the planted drift).
export const webhookRelay = inngest.createFunction(
  { id: "webhook-relay" },
  { event: "webhook/received" },
  async ({ event, step }) => {
    await step.sendEvent("relay", { name: "webhook/relay.forwarded", data: event.data });
  }
);
