export const clusterFunctionDefinitions = buildList();
