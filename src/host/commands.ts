/** Command ids (package.json `contributes.commands` declares the same ids with titles). */
export const COMMANDS = {
  openOverview: 'depthLens.openOverview',
  restartWorker: 'depthLens.restartWorker',
  showLog: 'depthLens.showLog',
} as const;
