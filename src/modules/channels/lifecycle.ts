/**
 * A channel refund as an aggregate: its state is the channel's (normalised), moved only by the
 * channel's own messages through the one `transition()` (version-checked, audited). Messages come
 * at least once and out of order: a stale one (older `modifiedAt`) never reaches the machine, and a
 * newer one the table does not allow (a refund the channel said was paid, later "requested") is
 * refused here and logged, not applied. A row may first be seen in any state — earlier messages
 * can be lost — so every state is initial.
 */
import type { ChannelRefundStatusColumn } from '../../platform/db/schema.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';

export const channelRefundTransitions: Transitions<ChannelRefundStatusColumn, 'channel'> = {
  REQUESTED: {
    REFUSED: { by: ['channel'] },
    INTERVENING: { by: ['channel'] },
    AGREED: { by: ['channel'] },
    SUCCESS: { by: ['channel'] },
    CLOSED: { by: ['channel'] },
  },
  // after a refusal the buyer may change the request (asked again), withdraw, or call the channel in
  REFUSED: {
    REQUESTED: { by: ['channel'] },
    INTERVENING: { by: ['channel'] },
    AGREED: { by: ['channel'] },
    SUCCESS: { by: ['channel'] },
    CLOSED: { by: ['channel'] },
  },
  // the channel's staff decide: refund (agreed, then paid) or not (closed)
  INTERVENING: {
    AGREED: { by: ['channel'] },
    SUCCESS: { by: ['channel'] },
    CLOSED: { by: ['channel'] },
  },
  AGREED: { SUCCESS: { by: ['channel'] }, CLOSED: { by: ['channel'] } },
  SUCCESS: {},
  CLOSED: {},
};

export const channelRefundMachine = defineMachine({
  name: 'channel_refund',
  table: 'channel_refunds',
  column: 'status',
  initial: ['REQUESTED', 'REFUSED', 'INTERVENING', 'AGREED', 'SUCCESS', 'CLOSED'],
  terminal: ['SUCCESS', 'CLOSED'],
  transitions: channelRefundTransitions,
  notAllowed: 'channel.refund_transition_not_allowed',
});
