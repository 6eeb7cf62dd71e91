/** Card-key inventory: encrypted keys, imports, allocation to units, reveal (拆封) and the activation registry. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export {
  allocateKeys,
  applyAllocation,
  allocationAudit,
  allocationEventsInsert,
  allocationUpdate,
  assertAllocated,
  createUnits,
  deliverKeys,
  planAllocation,
  unitsInsert,
  releaseReservation,
  reserveKeys,
  returnToStock,
  voidUnitKeys,
} from './allocation.js';
export type { AllocationPlan, KeyAllocation } from './allocation.js';
export {
  interruptStaleBatches,
  recoverOrphanedBatches,
  runImport,
  startBatch,
  sweepUploads,
} from './import.js';
export type { InventoryContext } from './import.js';
export { closeImportPool } from './import-pool.js';
export { keyStateSchema } from './lifecycle.js';
export { rewrapAll } from './master-key.js';
export { batchView, DEFAULT_LOW_STOCK, lowStockOf, lowStockSchema } from './queries.js';
export { inventoryRoutes } from './routes.js';
export { revealUnit, type RequestInfo, type Revealed } from './reveal.js';
export { revealOrderUnits, type BulkRevealed } from './bulk-reveal.js';
