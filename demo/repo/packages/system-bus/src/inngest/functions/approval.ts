// Demo stand-in: an approval asked for and resolved (events topo reads).
export const approvalRequest = inngest.createFunction(
  { id: "approval-request" },
  { event: "approval/requested" },
  async ({ event, step }) => {
    await step.sendEvent("notify", { name: "approval/resolved", data: { id: event.data.id } });
  }
);

export const approvalResolve = inngest.createFunction(
  { id: "approval-resolve" },
  { event: "approval/resolved" },
  async () => ({ ok: true })
);
