/** The demo data npm start seeds (published passwords: demo mode only), and its retirement from databases that run without the demo. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { seedDemoOrders, seedDemoRefunds } from './refunds.js';
export { retireDemoLogins } from './retire.js';
export { DEMO_LOGINS, DEMO_PASSWORD, seedDemo, seedDemoKeys } from './seed.js';
export { seedDemoChannels } from './channels.js';
