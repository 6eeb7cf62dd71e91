/** Order conversations (沟通记录) between buyer, merchant and support: append-only messages with attachments and read receipts. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { conversationRoutes } from './routes.js';
