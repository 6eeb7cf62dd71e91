/** Notifications: the in-app centre, and the outbox drained to e-mail and SMS. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { merchantUsers, notify, queueEmail, supportUsers } from './notify.js';
export { sandboxMailRoutes } from './sandbox-mail.js';
export { createMailer, drainOutbox } from './outbox.js';
export { notificationRoutes } from './routes.js';
