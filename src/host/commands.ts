/** Command ids (package.json `contributes.commands` declares the same ids with titles). */
export const COMMANDS = {
  openOverview: 'depthLens.openOverview',
  openActivations: 'depthLens.openActivations',
  openConvergence: 'depthLens.openConvergence',
  openDepthPlots: 'depthLens.openDepthPlots',
  openTraining: 'depthLens.openTraining',
  openSpectrum: 'depthLens.openSpectrum',
  compareWith: 'depthLens.compareWith',
  restartWorker: 'depthLens.restartWorker',
  showLog: 'depthLens.showLog',
  createNetworkFile: 'depthLens.createNetworkFile',
} as const;
