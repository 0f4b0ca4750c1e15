// Demo stand-in: content synced when the watcher says it changed.
export const contentSync = inngest.createFunction(
  { id: "content-sync" },
  { event: "content/updated" },
  async () => ({ synced: true })
);
