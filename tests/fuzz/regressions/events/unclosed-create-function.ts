export const f = inngest.createFunction({ id: "x", cancelOn: [{ event: "a/b" }] }, [{ event: `c/${d}` }, { cron: "* * * * *" }], async ({ step }) => {
  await step.sendEvent("s", [{ name: "e/f" }, ...rest, { name: CONST }]);
  await step.waitForEvent("w", { event: "g/h"
