/** Orders: checkout, top-ups and membership purchases, fulfilment, expiry and cancellation, the buyer's records. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { checkout } from './checkout.js';
export { orderDeadlines } from './expiry.js';
export { exportRecords } from './export.js';
export type { Dataset } from './export.js';
export { paymentReceived } from './fulfil.js';
export { markOrderRefunded } from './lifecycle.js';
export { orderRoutes } from './routes.js';
export { canSee, ownOrder } from './views.js';
export { placeChannelOrder, type ChannelOrderInput } from './channel.js';
export { salesFiguresSchema, shopSales, type SalesFigures } from './sales.js';
