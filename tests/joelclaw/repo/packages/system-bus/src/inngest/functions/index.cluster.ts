// Test stand-in: the cluster-safe subset (ADR-0089).
export const clusterFunctionDefinitions = [
  approvalRequest,
  approvalResolve,
  todoistCommentAdded,
  todoistTaskCompleted,
  todoistTaskCreated,
  frontMessageReceived,
  frontMessageSent,
  frontAssigneeChanged,
  todoistMemoryReviewBridge,
  githubWorkflowRunCompleted,
  githubPackagePublished,
  webhookSubscriptionDispatchGithubWorkflowRunCompleted,
];
